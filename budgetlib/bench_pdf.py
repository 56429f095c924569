"""Benchmark the PDF engines: speed per page and peak memory, per document and engine.

Each (document, engine) pair runs in a fresh child process, so the peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is that of reading that one document with
that engine, and the tabula JVM start is paid (and reported) once per child, as a user
running one conversion would pay it. Inside the child the document is read ``repeats``
times; the median is reported.

    python -m budgetlib.bench_pdf tests/corpus/*.pdf     # prints the table
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pandas as pd

_CHILD = r"""
import json, resource, sys, time
path, engine, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.perf_counter()
jvm = None
if engine == "tabula":
    from budgetlib.readers import pdf_tabula
    jvm = pdf_tabula.start_jvm()
    read = lambda: pdf_tabula.TabulaReader(path)
elif engine == "load":  # the whole pipeline a user runs: default engine + assembly + model
    import budgetlib
    read = lambda: [ln for t in budgetlib.load(path).tables.values() for ln in [t]]
elif engine == "floor":  # what any grid reader needs from PyMuPDF: each page's words and drawings
    import pymupdf
    def read():
        with pymupdf.open(path) as doc:
            return [(page.get_text("words"), page.get_drawings()) for page in doc]
elif engine == "calls":  # the PyMuPDF calls load itself makes (text pages, glyphs, line art)
    import pymupdf
    from budgetlib.readers import pdf_mupdf
    from budgetlib.readers.base import cycle_collection_paused
    with pymupdf.open(path) as doc:             # which pages have rulings: decided by our code, untimed
        has_rulings = [pdf_mupdf.ruled(pdf_mupdf._unrotated_segs(page)) for page in doc]
    def read():
        out = []
        with pymupdf.open(path) as doc:
            for page, rulings in zip(doc, has_rulings):
                with cycle_collection_paused():   # as page_result reads a page
                    every, words, drawings = pdf_mupdf.engine_calls(page, rulings)
                # dropped with the page, as load drops them (kept, 500 MB of glyph dicts)
                out.append((len(every["blocks"]), len(words), len(drawings)))
        return out
else:
    from budgetlib.readers import pdf_mupdf
    read = lambda: pdf_mupdf.iter_lines(path)
times, cpu, pages, lines = [], [], 0, 0
for _ in range(repeats):
    t, c = time.perf_counter(), time.process_time()
    reader = read()
    out = list(reader)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
    lines = len(out)
    pages = len({getattr(ln, "page", None) for ln in out})
import pymupdf
npages = pymupdf.open(path).page_count
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # KiB on Linux
print(json.dumps({"times": times, "cpu": cpu, "pages": npages, "pages_with_lines": pages, "lines": lines,
                  "jvm_start_s": jvm, "total_s": time.perf_counter() - t0, "peak_rss_mb": rss_kb / 1024}))
"""


def _run_child(path: Path, engine: str, repeats: int) -> dict:
    root = Path(__file__).absolute().parents[1]     # so the child imports this checkout
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(Path(path).absolute()), engine,
                           str(repeats)], capture_output=True, text=True, cwd=root, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_engines(paths, engines=("mupdf", "tabula"), repeats: int = 3) -> pd.DataFrame:
    """One row per document and engine: pages, median seconds per page (the median of
    ``repeats`` full reads divided by the page count), ms per page (wall clock, and the child's
    own CPU time), peak RSS in MB of the
    child process, JVM start seconds and its share of a single read (tabula only)."""
    rows = []
    for path in map(Path, paths):
        for engine in engines:
            r = _run_child(path, engine, repeats)
            if "error" in r:
                rows.append({"document": path.name, "engine": engine, "error": r["error"]})
                continue
            med = statistics.median(r["times"])
            pages = max(r["pages"], 1)
            jvm = r["jvm_start_s"]
            rows.append({
                "document": path.name, "engine": engine, "pages": r["pages"],
                "lines": r["lines"],
                "median_s_per_page": med / pages,
                "ms_per_page": 1000 * med / pages,
                # this process's CPU time: what a busy shared machine disturbs least
                "cpu_ms_per_page": 1000 * statistics.median(r["cpu"]) / pages,
                "peak_rss_mb": round(r["peak_rss_mb"], 1),
                "jvm_start_s": jvm,
                "jvm_share": (jvm / (jvm + med)) if jvm else None,
            })
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    paths = [a for a in args if not a.startswith("--")] or sorted(
        (Path(__file__).resolve().parents[1] / "tests" / "corpus").glob("*.pdf"))
    df = bench_engines(paths)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(df.to_string(index=False))
        ok = df.dropna(subset=["pages"]) if "pages" in df.columns else df
        for engine, g in ok.groupby("engine"):
            total = (g["median_s_per_page"] * g["pages"]).sum() / g["pages"].sum()
            print(f"{engine}: {1000 * total:.1f} ms/page over {int(g['pages'].sum())} pages")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
