"""`make bench`: the speed and memory figures the issues set targets for, measured here.

    python -m budgetlib.bench            # everything (about 5 minutes on 2 cores)
    python -m budgetlib.bench --quick    # PDF figures with one repeat, no tabula, no batch

1. PDF reading per document and engine, each in a fresh process: median seconds per page over
   repeated reads, peak resident memory, and (tabula) the JVM start and its share. ``load``
   is the whole pipeline a user runs (default engine + assembly into the document model);
   ``floor`` is PyMuPDF's own words + drawings of every page, the input any grid reader needs,
   and ``load`` ÷ ``floor`` is the figure issue 12 targets (≤ 2), for the Beijing corpus and,
   when ../shared/corpus/national/ is beside the clone, the national corpus. ``calls`` is the
   PyMuPDF calls ``load`` itself makes (``pdf_mupdf.engine_calls``), so the ratio splits into
   the library's part and ours; each ratio is given on wall-clock time and on the child's CPU
   time (the steadier one when the machine is shared).
2. The sample to all four HTML reports, as `budgetlib report` in a fresh process (cold cache).
3. A batch of the ten corpus PDFs with --jobs 2 (cold cache).
4. The corpus (issue 11): documents per minute into a fresh corpus (`budgetlib corpus add`, parse +
   check) with the local pool (--jobs 2) and a local 2-worker Dask cluster (--dask 2), for the
   ten PDFs plus ../shared/corpus/national/ when present; then the comparison report's seconds.
   `python -m budgetlib.bench --corpus` runs this section alone.
The figures are printed and written to reports/bench.md. `python -m budgetlib.bench --reports`
runs sections 2 and 3 alone (into reports/bench-reports.md); `--floor` the floor and load reads
of section 1 alone, for both corpora (into reports/bench-floor.md).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from .bench_pdf import bench_engines
from .config import PROJ_ROOT, REPORTS_DIR, SAMPLE
from .formats import markdown_table

CORPUS = sorted((PROJ_ROOT / "tests" / "corpus").glob("*.pdf"))
# the whole national corpus, when the shared folder is beside the clone (not in a user's clone)
NATIONAL = sorted((PROJ_ROOT.parent / "shared" / "corpus" / "national").glob("*.pdf"))


def floor_ratio(df: pd.DataFrame) -> pd.DataFrame:
    """Per document and overall: floor and load ms/page, and load ÷ floor. A document whose
    load failed has no ratio (its error is shown). When ``df`` has the ``calls`` engine (the
    PyMuPDF calls load itself makes), its ms/page and load ÷ calls too: how much of the
    ratio is the library's work that exact reading needs, and how much is ours."""
    rows = []
    with_calls = "calls" in set(df.get("engine", ()))
    for doc, g in df.groupby("document", sort=False):
        by = {e: r for e, r in zip(g["engine"], g.to_dict("records"))}
        f, l, c = by.get("floor", {}), by.get("load", {}), by.get("calls", {})
        ok = pd.notna(f.get("ms_per_page")) and pd.notna(l.get("ms_per_page"))
        row = {"document": doc, "pages": f.get("pages"), "floor_ms_per_page": f.get("ms_per_page"),
               "load_ms_per_page": l.get("ms_per_page"),
               "ratio": l["ms_per_page"] / f["ms_per_page"] if ok else None,
               "error": l.get("error") if not ok else None}
        if with_calls:
            row["calls_ms_per_page"] = c.get("ms_per_page")
        if ok and pd.notna(f.get("cpu_ms_per_page")) and pd.notna(l.get("cpu_ms_per_page")):
            row["cpu_floor"], row["cpu_load"] = f["cpu_ms_per_page"], l["cpu_ms_per_page"]
            if with_calls:
                row["cpu_calls"] = c.get("cpu_ms_per_page")
        rows.append(row)
    r = pd.DataFrame(rows)
    ok = r.dropna(subset=["ratio"])
    if len(ok):
        pages = ok["pages"].sum()
        total = {k: (ok[k] * ok["pages"]).sum() / pages
                 for k in ("floor_ms_per_page", "load_ms_per_page", "calls_ms_per_page",
                           "cpu_floor", "cpu_load", "cpu_calls") if k in ok}
        total["ratio"] = total["load_ms_per_page"] / total["floor_ms_per_page"]
        r = pd.concat([r, pd.DataFrame([{"document": f"all {len(ok)} read", "pages": pages, **total}])],
                      ignore_index=True)
    if with_calls:
        r["calls_ratio"] = r["calls_ms_per_page"] / r["floor_ms_per_page"]
        r["load_over_calls"] = r["load_ms_per_page"] / r["calls_ms_per_page"]
    if "cpu_load" in r:     # the same ratios on CPU time (wall-clock ones wobble when the machine is busy)
        r["cpu_ratio"] = r["cpu_load"] / r["cpu_floor"]
        if "cpu_calls" in r:
            r["cpu_calls_ratio"] = r["cpu_calls"] / r["cpu_floor"]
        r = r.drop(columns=[c for c in ("cpu_floor", "cpu_load", "cpu_calls") if c in r])
    for c in ("floor_ms_per_page", "calls_ms_per_page", "load_ms_per_page", "ratio", "calls_ratio",
              "load_over_calls", "cpu_ratio", "cpu_calls_ratio"):
        if c in r:
            r[c] = r[c].astype(float).round(2)
    return r


def _wall(args: list[str]) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "budgetlib", *args], cwd=PROJ_ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    return time.perf_counter() - t, proc.returncode


def _amortised(df: pd.DataFrame) -> pd.DataFrame:
    ok = df.dropna(subset=["pages"])
    rows = []
    for engine, g in ok.groupby("engine", sort=False):
        ms = 1000 * (g["median_s_per_page"] * g["pages"]).sum() / g["pages"].sum()
        water = g[g["document"] == "water-authority.pdf"]
        rows.append({"engine": engine, "pages": int(g["pages"].sum()), "ms_per_page_amortised": round(ms, 1),
                     "peak_rss_mb_max": g["peak_rss_mb"].max(),
                     "peak_rss_mb_water_authority": water["peak_rss_mb"].iloc[0] if len(water) else None,
                     "jvm_share_median": g["jvm_share"].median() if g["jvm_share"].notna().any() else None})
    return pd.DataFrame(rows)


def corpus_bench() -> pd.DataFrame:
    """Section 4: documents per minute into a fresh corpus, local pool and Dask; report seconds."""
    national = PROJ_ROOT.parent / "shared" / "corpus" / "national"
    sources = [*map(str, CORPUS), *([str(national)] if national.is_dir() else [])]
    n = len(CORPUS) + (len(list(national.glob("*.pdf"))) if national.is_dir() else 0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, opts in (("local pool, --jobs 2", ["--jobs", "2"]), ("Dask, 2 local workers", ["--dask", "2"])):
            print(f"4/4 corpus add of {n} documents, {label}…", flush=True)
            wall, rc = _wall(["corpus", "add", *sources, "--corpus", f"{tmp}/{opts[0][2:]}", *opts])
            rows.append({"job": f"corpus add, {n} documents, {label}", "wall_s": round(wall, 1),
                         "docs_per_min": round(60 * n / wall, 1), "exit": rc})
        wall, rc = _wall(["corpus", "report", "--corpus", f"{tmp}/jobs", "--out", f"{tmp}/report"])
        rows.append({"job": "comparison report (05_comparison)", "wall_s": round(wall, 1), "docs_per_min": None,
                     "exit": rc})
    return pd.DataFrame(rows)


def reports_bench() -> pd.DataFrame:
    """Sections 2 and 3: the sample to its four reports, and the ten PDFs with --jobs 2, each
    as the CLI in a fresh process with a cold parse cache (issue 12: at most 5 s and 30 s)."""
    with tempfile.TemporaryDirectory() as tmp:
        print("2/3 sample -> four HTML reports (fresh process, cold cache)…", flush=True)
        sample_s, rc1 = _wall(["report", str(SAMPLE), "--out", f"{tmp}/r1", "--processed", f"{tmp}/p1"])
        print("3/3 batch of the ten corpus PDFs, --jobs 2 (cold cache)…", flush=True)
        batch_s, rc2 = _wall(["batch", *map(str, CORPUS), "--out", f"{tmp}/r2", "--processed", f"{tmp}/p2",
                              "--jobs", "2"])
    return pd.DataFrame([
        {"job": "sample -> 4 HTML reports (budgetlib report)", "wall_s": round(sample_s, 1),
         "target_s": 5, "exit": rc1},
        {"job": f"batch of {len(CORPUS)} corpus PDFs, --jobs 2", "wall_s": round(batch_s, 1),
         "target_s": 30, "exit": rc2}])


def _ratio_sections(per_doc: pd.DataFrame, repeats: int) -> list[tuple[str, pd.DataFrame]]:
    """Section 1's load ÷ floor tables: Beijing from ``per_doc``, national read here."""
    ratios = [("Beijing corpus (tests/corpus)", floor_ratio(per_doc))]
    if NATIONAL:
        print(f"    national corpus: {len(NATIONAL)} PDFs (floor and load)…", flush=True)
        nat = bench_engines(NATIONAL, engines=("floor", "calls", "load"), repeats=repeats)
        ratios.append((f"national corpus ({len(NATIONAL)} PDFs)", floor_ratio(nat)))
    return ratios


def _ratio_markdown(title: str, r: pd.DataFrame) -> list[str]:
    return [f"## Reading against the floor: {title}\n",
            "floor = PyMuPDF words + drawings of every page, in the same child process kind; "
            "ratio = `load` ms/page ÷ floor ms/page (target ≤ 2); calls = the PyMuPDF calls `load` "
            "itself makes (the line art, the unclipped text page and its glyphs, the clipped text "
            "page's words; on a page without rulings for a table the clipped text page's glyphs "
            "alone: `pdf_mupdf.engine_calls`), calls_ratio = calls ÷ floor, load_over_calls = "
            "`load` ÷ calls (the share that is budgetlib's own Python); cpu_ratio and cpu_calls_ratio: "
            "the same ratios on the child process's CPU time\n", markdown_table(r), "\n"]


def _floor_only(repeats: int) -> int:
    """`--floor`: the floor and load reads of section 1 alone, for both corpora."""
    print("floor and load per document (fresh process each)…", flush=True)
    out = [f"# Reading against the floor\n\n{time.strftime('%Y-%m-%d %H:%M')} · "
           f"`python -m budgetlib.bench --floor` · {repeats} reads per document\n"]
    for title, r in _ratio_sections(bench_engines(CORPUS, engines=("floor", "calls", "load"), repeats=repeats), repeats):
        out += _ratio_markdown(title, r)
        print(f"{title}:\n{r.tail(1).to_string(index=False)}", flush=True)
    REPORTS_DIR.mkdir(exist_ok=True)
    (REPORTS_DIR / "bench-floor.md").write_text("\n".join(out), encoding="utf-8")
    print(f"written to {REPORTS_DIR / 'bench-floor.md'}")
    return 0


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m budgetlib.bench", description=__doc__.split("\n")[0],
                                epilog="Without an option: every section, into reports/bench.md.")
    p.add_argument("--quick", action="store_true", help="PDF figures with one repeat, no tabula, no reports")
    p.add_argument("--corpus", action="store_true", help="the corpus section alone (reports/bench-corpus.md)")
    p.add_argument("--reports", action="store_true", help="the two report jobs alone (reports/bench-reports.md)")
    p.add_argument("--floor", action="store_true",
                   help="load against the floor alone, Beijing and national (reports/bench-floor.md)")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    argv = [f"--{k}" for k, v in vars(args).items() if v]
    if "--corpus" in argv:
        frame = corpus_bench()
        print(frame.to_string(index=False))
        REPORTS_DIR.mkdir(exist_ok=True)
        (REPORTS_DIR / "bench-corpus.md").write_text("## Corpus\n\n" + markdown_table(frame) + "\n", encoding="utf-8")
        return 0
    if "--reports" in argv:
        frame = reports_bench()
        print(frame.to_string(index=False))
        REPORTS_DIR.mkdir(exist_ok=True)
        (REPORTS_DIR / "bench-reports.md").write_text(
            f"## Reports\n\n{time.strftime('%Y-%m-%d %H:%M')} · `python -m budgetlib.bench --reports`\n\n"
            + markdown_table(frame) + "\n", encoding="utf-8")
        return 0
    quick = "--quick" in argv
    if "--floor" in argv:
        return _floor_only(repeats=1 if quick else 3)
    out = [f"# budgetlib benchmark\n\n{time.strftime('%Y-%m-%d %H:%M')} · `python -m budgetlib.bench"
           f"{' --quick' if quick else ''}` · {len(CORPUS)} PDFs\n"]
    print("1/3 PDF reading per document and engine (fresh process each)…", flush=True)
    per_doc = bench_engines(CORPUS, engines=("floor", "calls", "mupdf", "load"), repeats=1 if quick else 3)
    if not quick:
        per_doc = pd.concat([per_doc, bench_engines(CORPUS, engines=("tabula",), repeats=1)], ignore_index=True)
    per_doc["ms_per_page"] = per_doc["ms_per_page"].round(1)
    cols = [c for c in ["document", "engine", "pages", "ms_per_page", "peak_rss_mb", "jvm_start_s", "jvm_share"]
            if c in per_doc]
    summary = _amortised(per_doc)
    out += ["## PDF reading\n", markdown_table(summary), "\n", markdown_table(per_doc[cols]), "\n"]
    print(summary.to_string(index=False), flush=True)
    for title, r in _ratio_sections(per_doc, 1 if quick else 3):
        out += _ratio_markdown(title, r)
        print(f"{title}:\n{r.tail(1).to_string(index=False)}", flush=True)
    if not quick:
        reports = reports_bench()
        out += ["## Reports\n", markdown_table(reports), "\n"]
        print(reports.to_string(index=False))
        corpus = corpus_bench()
        out += ["## Corpus\n", markdown_table(corpus), "\n"]
        print(corpus.to_string(index=False))
    REPORTS_DIR.mkdir(exist_ok=True)
    (REPORTS_DIR / "bench.md").write_text("\n".join(out), encoding="utf-8")
    print(f"written to {REPORTS_DIR / 'bench.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
