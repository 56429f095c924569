"""Reading against the floor in CPU time, for a machine too busy for `make bench`'s wall clock.

    PYTHONPATH=$PWD python scripts/bench_cpu.py [NATIONAL_DIR]

For the Beijing corpus (tests/corpus) and the national corpus (NATIONAL_DIR, default
../shared/corpus/national when present): PyMuPDF's words + drawings of every page (the floor,
as in budgetlib.bench) and `budgetlib.load` (no cache), each PDF read once to warm up and then
the best of three, timed with time.process_time in this one process. Prints ms/page of CPU
and the ratio load ÷ floor (issue 12: ≤ 2). Run it for two checkouts side by side to compare.
"""

import sys
import time
from pathlib import Path

import pymupdf

import budgetlib

ROOT = Path(__file__).resolve().parents[1]
national = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "national"
sets = {"beijing (tests/corpus)": sorted((ROOT / "tests" / "corpus").glob("*.pdf")),
        f"national ({national})": sorted(national.glob("*.pdf"))}


def floor(path):
    with pymupdf.open(path) as doc:
        return [(page.get_text("words"), page.get_drawings()) for page in doc]


def best(read, path, repeats=3):
    out = float("inf")
    for _ in range(repeats):
        t = time.process_time()
        read(path)
        out = min(out, time.process_time() - t)
    return out


for name, paths in sets.items():
    if not paths:
        continue
    pages = fl = lo = 0.0
    for p in paths:
        n = pymupdf.open(p).page_count
        floor(p)
        budgetlib.load(p)          # warm: imports, catalogues
        fl += best(floor, p)
        lo += best(budgetlib.load, p)
        pages += n
    print(f"{name}: {len(paths)} PDFs, {int(pages)} pages, floor {1000 * fl / pages:.2f} ms/page CPU, "
          f"load {1000 * lo / pages:.2f}, ratio {lo / fl:.2f}", flush=True)
