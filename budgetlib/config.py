"""Project paths, resolved from the package, never from the working directory."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJ_ROOT = PACKAGE_DIR.parent
RAW_DIR = PROJ_ROOT / "data" / "raw"
PROCESSED_DIR = PROJ_ROOT / "data" / "processed"
REPORTS_DIR = PROJ_ROOT / "reports"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
SAMPLE = RAW_DIR / "beijing-2025-citizen-hotline-center.txt"
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
