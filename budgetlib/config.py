"""Project paths.

What budgetlib reads (the sample, the notebooks) is found from the package. What it writes
goes to paths relative to the current directory (``data/processed``, ``reports``), never
beside the installed package.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJ_ROOT = PACKAGE_DIR.parent
RAW_DIR = PROJ_ROOT / "data" / "raw"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
SAMPLE = RAW_DIR / "beijing-2025-citizen-hotline-center.txt"
# Output defaults: relative, so they resolve against the directory the command runs in.
PROCESSED_DIR = Path("data") / "processed"
REPORTS_DIR = Path("reports")
SOURCE_SUFFIXES = {".txt", ".tsv", ".pdf", ".xlsx", ".xlsm"}


def expand_sources(items) -> list[Path]:
    """Files as given, and the disclosures inside any folder given (sorted)."""
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out += sorted(f for f in p.iterdir()
                          if f.suffix.lower() in SOURCE_SUFFIXES and f.name != "MANIFEST.tsv")
        else:
            out.append(p)
    return out
