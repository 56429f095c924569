"""`make corpus-reports`: the four report notebooks on every corpus document, one table per family.

    python -m budgetlib.corpus_reports                    # ../shared/corpus (beijing-2026 + national)
    python -m budgetlib.corpus_reports DIR_OR_PDF ...      # other folders or files
    python -m budgetlib.corpus_reports --jobs 2 --out reports/corpus-reports

Runs ``budgetlib batch`` (the same code as ``budgetlib report``) over every PDF, into
``--out`` (index.html and one folder of HTML reports per document), then per family tabulates:
the documents, the reports written, the failed documents with their one-line error, and, per
analysis the notebooks show, how many documents it answered and how many it says the document
does not disclose (the ``missing`` sentence of its Finding: absent, empty or not printed).
Written to ``--out``/corpus-reports.md. The whole-corpus run takes a while (minutes per family):
it belongs here, never in ``make test``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from .config import REPORTS_DIR
from .corpus_check import SHARED_CORPUS, family, sources
from .formats import markdown_table

# The questions the four notebooks answer, each one library call on a document (the same calls
# as the notebooks' cells): short name -> (module, function, extra positional args).
ANALYSES = [
    ("personnel", "personnel", "personnel_vs_public", ()),
    ("economic classes", "personnel", "composition_by_economic_class", ()),
    ("三公", "personnel", "three_public_costs", ()),
    ("procurement", "procurement", "procurement_share", ()),
    ("purchased services", "overview", "purchased_services", ()),
    ("project spending", "projects", "project_spending", ()),
    ("cost indicators", "projects", "cost_indicators", (7.1,)),
]


def analyses_of(doc) -> dict[str, str]:
    """Each analysis on ``doc``: 'ok', or why the report says it is not disclosed
    ('absent', 'empty', 'not_printed'; 'incomplete': printed but not read whole), or
    'BUG <error>' when it raised."""
    import importlib

    out = {}
    for name, module, func, args in ANALYSES:
        fn = getattr(importlib.import_module(f"budgetlib.analysis.{module}"), func)
        try:
            finding = fn(doc, *args)
            out[name] = finding.missing or "ok"
        except Exception as exc:  # noqa: BLE001  (a bug to list, not to stop on)
            out[name] = f"BUG {type(exc).__name__}: {exc}".splitlines()[0][:160]
    return out


def tabulate(rows: list[dict]) -> pd.DataFrame:
    """One row per family: documents, reports written, failed documents, and per analysis
    'answered/documents' with the not-disclosed count beside it."""
    docs = pd.DataFrame(rows)
    out = []
    for fam, g in docs.groupby("family", sort=True):
        rec = {"family": fam, "documents": len(g),
               "reports written": f"{int(g['reports_ok'].sum())}/{int(g['reports'].sum())}",
               "failed": int((g["status"] != "ok").sum())}
        for name, *_ in ANALYSES:
            states = g[name].fillna("-")
            ok = int((states == "ok").sum())
            nd = int(states.isin(["absent", "empty", "not_printed"]).sum())
            unread = int((states == "incomplete").sum())
            bugs = int(states.str.startswith("BUG").sum())
            rec[name] = (f"{ok}/{len(g)}" + (f" (nd {nd})" if nd else "") + (f" (unread {unread})" if unread else "")
                         + (f" BUG {bugs}" if bugs else ""))
        out.append(rec)
    return pd.DataFrame(out)


def render(rows: list[dict], seconds: float) -> str:
    docs = pd.DataFrame(rows)
    out = ["# Corpus reports", "",
           f"{len(docs)} documents x 4 notebooks, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
           f"{seconds:.0f} s. Per analysis: documents answered / documents "
           "(nd: the report says the document does not disclose it; unread: printed, but its rows as read "
           "do not make its total, and the report says so).", "",
           markdown_table(tabulate(rows)), ""]
    failed = docs[docs["status"] != "ok"]
    if len(failed):
        out += ["## Failures", ""] + [f"- {r.document}: {r.error}" for r in failed.itertuples()] + [""]
    bugs = [(r["document"], n, r[n]) for r in rows for n, *_ in ANALYSES if str(r.get(n, "")).startswith("BUG")]
    if bugs:
        out += ["## Analyses that raised", ""] + [f"- {d}: {n}: {e}" for d, n, e in bugs] + [""]
    nd = [(r["document"], n, r[n]) for r in rows for n, *_ in ANALYSES
          if r.get(n) in ("absent", "empty", "not_printed", "incomplete")]
    if nd:
        out += ["## Not disclosed (per document)", ""]
        by_doc: dict = {}
        for d, n, why in nd:
            by_doc.setdefault(d, []).append(f"{n} ({why})")
        out += [f"- {d}: {', '.join(v)}" for d, v in by_doc.items()] + [""]
    return "\n".join(out)


def run(paths: list[Path], out_dir: Path, jobs: int, processed: Path) -> list[dict]:
    """``budgetlib batch`` over ``paths`` into ``out_dir``, then each document's analyses."""
    import functools

    import budgetlib
    from .report import _notebooks, batch, document_summary

    summarise = functools.partial(document_summary, processed=processed)
    params = {"lang": "zh", "engine": "mupdf", "processed_dir": str(processed), "usd_rate_wan_per_wan_usd": 7.1}
    frame = batch(paths, out_dir, _notebooks(), jobs=jobs, params=params, summarise=summarise)
    rows = []
    for r in frame.to_dict("records"):
        path = Path(r["source"])
        reports = r.get("reports") or []
        rec = {"family": family(path), "document": path.name, "status": r["status"],
               "error": r.get("error") or "", "reports": 4, "reports_ok": sum(1 for x in reports if x.get("ok"))}
        try:
            rec.update(analyses_of(budgetlib.load(path, cache=processed)))
        except Exception as exc:  # noqa: BLE001  (the batch row already says why)
            rec["error"] = rec["error"] or str(exc).splitlines()[0]
        rows.append(rec)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m budgetlib.corpus_reports", description=__doc__.split("\n")[0])
    p.add_argument("paths", nargs="*", help="folders or PDFs (default ../shared/corpus/{beijing-2026,national})")
    p.add_argument("--out", default=str(REPORTS_DIR / "corpus-reports"), help="reports folder")
    p.add_argument("--processed", default=None, help="parse cache (default OUT/processed)")
    p.add_argument("--jobs", type=int, default=2, help="documents in parallel")
    args = p.parse_args(argv)
    paths = sources(args.paths)
    if not paths:
        print(f"no corpus at {SHARED_CORPUS} (nothing to report): skipped")
        return 0
    out_dir = Path(args.out).resolve()
    processed = Path(args.processed).resolve() if args.processed else out_dir / "processed"
    t0 = time.perf_counter()
    rows = run(paths, out_dir, args.jobs, processed)
    text = render(rows, time.perf_counter() - t0)
    (out_dir / "corpus-reports.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"-> {out_dir / 'corpus-reports.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
