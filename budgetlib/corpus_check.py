"""`make corpus`: every disclosure of ../shared/corpus/ read afresh, one Markdown table per family.

    python -m budgetlib.corpus_check                 # ../shared/corpus (beijing-2026 + national)
    python -m budgetlib.corpus_check DIR_OR_PDF ...   # other folders or files
    python -m budgetlib.corpus_check --detail         # also one row per document

Per document: load it (no cache), the tables recognised (by standard kind), whether the
收支总表 总计 is reproduced (each side's lines add up to its printed 总计 and the two 总计 are
equal), a refusal (ReadError) with its one-line message, the problems recorded on the document,
the reconciliation mismatches, and the reading time per page. Per family (the folder for
beijing-2026, else the file name up to its year: ``shenzhen``, ``shanghai-final``, …) the sums.
Written to reports/corpus.md. The whole-corpus run belongs here, not in ``make test``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd

from .config import PROJ_ROOT, REPORTS_DIR
from .formats import markdown_table
from .readers.base import ReadError



def _shared_corpus() -> Path:
    """$BUDGETLIB_CORPUS, else ../shared/corpus beside the checkout (or beside one of its
    parents: a git worktree sits one level deeper)."""
    if os.environ.get("BUDGETLIB_CORPUS"):
        return Path(os.environ["BUDGETLIB_CORPUS"])
    for up in PROJ_ROOT.parents:
        if (up / "shared" / "corpus").is_dir():
            return up / "shared" / "corpus"
    return PROJ_ROOT.parent / "shared" / "corpus"


SHARED_CORPUS = _shared_corpus()
FOLDERS = ("beijing-2026", "national")
SUMMARY_KIND = "收支总表"
# two-sided line kinds that are not addends of the side's 总计
# sub_item: a numbered item's breakdown (信访事务 under 一、一般公共服务支出); carryover_item: a
# carry-over line's breakdown; both are already inside the line above them
_NOT_ADDENDS = {"grand_total", "current_total", "sub_item", "carryover_item"}


def family(path: Path) -> str:
    """'shenzhen' for national/shenzhen-2026-budget-3.pdf; the folder for a folder of one family."""
    m = re.match(r"(.+?)-(?:19|20)\d\d\b", path.stem)
    if path.parent.name == "national" and m:
        return m.group(1)
    return path.parent.name


def _kind(table) -> str | None:
    return getattr(table, "kind", None)


def _summary_table(doc):
    for t in doc.tables.values():
        if _kind(t) == SUMMARY_KIND:
            return t
    return doc.tables.get("T01")


def totals_reproduced(doc) -> bool | None:
    """收支总表: on each side, the printed 本年合计 (or, where none is printed, the top-level
    items: those with a line number 一、二、…) plus the closing lines (carry-over, balances
    used, …) make the printed 总计, and income 总计 = expenditure 总计. None when the document
    has no such table or it is not two-sided."""
    t = _summary_table(doc)
    if t is None or not {"side", "line_kind", "amount"} <= set(t.data.columns):
        return None
    totals = {}
    for side, rows in t.data.groupby("side"):
        kinds = rows["line_kind"]
        grand = rows.loc[kinds == "grand_total", "amount"]
        if len(grand) != 1 or grand.isna().any():
            return False
        current = rows.loc[kinds == "current_total", "amount"]
        if len(current):
            base = current
        else:
            items = rows[kinds == "item"]
            if "line_no" in items and (items["line_no"].fillna("") != "").any():
                items = items[items["line_no"].fillna("") != ""]
            base = items["amount"]
        closing = rows.loc[~kinds.isin(_NOT_ADDENDS | {"item", "carryover_item"}), "amount"]
        addends = pd.concat([base, closing])
        if addends.isna().any() or sum(addends, Decimal(0)) != grand.iloc[0]:
            return False
        totals[side] = grand.iloc[0]
    return len(totals) == 2 and len(set(totals.values())) == 1


# the kinds whose pages the once-check reads (issue 9: 支出总表 and 一般公共预算支出表)
ONCE_KINDS = ("支出总表", "一般公共预算支出表")
# an amount as printed: with a thousands separator or decimals (a bare integer could be a code,
# a 栏次 number or a year); bare integers are only allowed to account for parsed whole numbers
_STRICT_AMOUNT = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+\.\d+")
_BARE_INTEGER = re.compile(r"-?\d+")


def _parsed_by_page(doc) -> dict[int, Counter]:
    """The non-zero amounts of every table's rows (detail and 合计), by the page they were read on."""
    out: dict[int, Counter] = {}
    for t in doc.tables.values():
        for df in (t.data, t.total):
            if "page" not in df or not len(df):
                continue
            cols = [c for c in df.columns if c not in ("page", "line")
                    and df[c].map(lambda v: isinstance(v, Decimal)).any()]
            for page, rows in df.groupby("page"):
                bag = out.setdefault(int(page), Counter())
                for c in cols:
                    bag.update(v for v in rows[c] if isinstance(v, Decimal) and v != 0)
    return out


def _unwrapped(words: list) -> list[str]:
    """The page's words, a number wrapped inside its narrow cell ("1682.7" over "6") joined."""
    out, skip = [], False
    for w, nxt in zip(words, words[1:] + [None]):
        if skip:
            skip = False
            continue
        text = w[4]
        height = w[3] - w[1]
        if (nxt is not None and re.fullmatch(r"[\d,.]+", text) and re.fullmatch(r"\d{1,3}", nxt[4])
                and w[1] + 0.5 * height < nxt[1] < w[3] + height and w[0] - 3 <= nxt[0] and nxt[2] <= w[2] + 3
                and _STRICT_AMOUNT.fullmatch(text + nxt[4])):
            text, skip = text + nxt[4], True
        out.append(text)
    return out


def amounts_parsed_once(doc, path: Path, kinds=ONCE_KINDS) -> dict | None:
    """Every non-zero amount printed on the pages of the 支出总表 and 一般公共预算支出表 is
    parsed exactly once (by that table or another read on the same page): no row lost, merged
    or duplicated. Returns {"ok", "pages", "missing", "extra"} (missing: printed, not parsed;
    extra: parsed more often than printed); None when the document has neither table.

    Printed amounts are the page's words with a separator or decimals; a parsed whole number
    may also be a bare integer word of the page (元 without separators, trimmed decimals)."""
    import pymupdf

    pages = sorted({int(p) for t in doc.tables.values() if getattr(t, "kind", "") in kinds
                    for df in (t.data, t.total) if "page" in df for p in df["page"].dropna()})
    if not pages:
        return None
    parsed_by_page = _parsed_by_page(doc)
    missing, extra = Counter(), Counter()
    with pymupdf.open(path) as pdf:
        for p in pages:
            words = _unwrapped(pdf[p - 1].get_text("words"))
            printed = Counter(D for w in words if _STRICT_AMOUNT.fullmatch(w)
                              and (D := Decimal(w.replace(",", ""))) != 0)
            bare = Counter(D for w in words if _BARE_INTEGER.fullmatch(w) and (D := Decimal(w)) != 0)
            parsed = parsed_by_page.get(p, Counter())
            missing.update(printed - parsed)
            extra.update((parsed - printed) - bare)
    return {"ok": not missing and not extra, "pages": pages, "missing": missing, "extra": extra}


def check_document(path: Path) -> dict:
    """One document read afresh: what was recognised and what went wrong (never raises)."""
    import pymupdf

    from .loader import load
    from .reconcile import reconcile

    rec = {"family": family(path), "document": path.name, "pages": 0, "tables": 0, "standard": 0, "kinds": "",
           "totals": None, "once": None, "refused": "", "problems": None, "findings": None, "ms_page": None}
    try:
        with pymupdf.open(path) as pdf:
            rec["pages"] = pdf.page_count
    except Exception:                               # an unreadable file: load says why
        pass
    t0 = time.perf_counter()
    try:
        doc = load(path)
    except ReadError as exc:
        rec["refused"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return rec
    except Exception as exc:                        # a bug, not a refusal: name it, go on
        rec["refused"] = f"BUG {type(exc).__name__}: {exc}".splitlines()[0]
        return rec
    rec["ms_page"] = round(1000 * (time.perf_counter() - t0) / max(rec["pages"], 1), 1)
    kinds = Counter(_kind(t) or t.id for t in doc.tables.values())
    rec["tables"] = sum(kinds.values())
    rec["standard"] = len(set(kinds) & set(standard_kinds()))
    rec["kinds"] = ", ".join(sorted(kinds))
    rec["totals"] = totals_reproduced(doc)
    try:
        once = amounts_parsed_once(doc, path)
        rec["once"] = None if once is None else once["ok"]
    except Exception as exc:                        # a bug in the check: name it, go on
        rec["refused"] = f"BUG in the once-check {type(exc).__name__}: {exc}".splitlines()[0]
    problems = getattr(doc, "problems", None)
    rec["problems"] = len(problems) if problems is not None else None
    try:
        rec["findings"] = int(reconcile(doc).summary().get("mismatch", 0))
    except Exception as exc:
        rec["refused"] = f"BUG in reconcile {type(exc).__name__}: {exc}".splitlines()[0]
    return rec


def standard_kinds() -> list[str]:
    """The nine standard kinds every budget prints (收支总表 … 三公经费支出表): the kinds of
    the catalogue's tables T01-T09."""
    from .catalog import table_catalog

    specs = table_catalog()["tables"]
    return [specs[f"T0{k}"].kind for k in range(1, 10) if f"T0{k}" in specs]


def by_family(docs: pd.DataFrame) -> pd.DataFrame:
    """One row per family: documents, tables recognised, standard kinds recognised (of the nine,
    per document on average), totals reproduced, refusals, problems, findings, ms/page (over
    the documents read)."""
    rows = []
    for fam, g in docs.groupby("family", sort=True):
        read = g[g["refused"] == ""]
        has_problems = g["problems"].notna().any()
        ms = (read["ms_page"] * read["pages"]).sum() / read["pages"].sum() if read["pages"].sum() else None
        rows.append({
            "family": fam, "documents": len(g), "tables recognised": int(g["tables"].sum()),
            "standard kinds": f"{g['standard'].mean():.1f}/{len(standard_kinds())}",
            "totals reproduced": f"{int((g['totals'] == True).sum())}/{len(g)}",  # noqa: E712
            # 支出总表 / 一般公共预算支出表 pages: every printed amount parsed exactly once
            "amounts once": f"{int((g['once'] == True).sum())}/{int(g['once'].notna().sum())}",  # noqa: E712
            "refusals": int((g["refused"] != "").sum()),
            "problems": int(g["problems"].fillna(0).sum()) if has_problems else "",
            "findings": int(read["findings"].fillna(0).sum()),
            "ms/page": round(ms, 1) if ms is not None else "",
        })
    return pd.DataFrame(rows)


def sources(args: list[str]) -> list[Path]:
    if args:
        out = []
        for a in map(Path, args):
            out += sorted(a.rglob("*.pdf")) if a.is_dir() else [a]
        return out
    return [p for f in FOLDERS for p in sorted((SHARED_CORPUS / f).glob("*.pdf"))]


def render(docs: pd.DataFrame, detail: bool) -> str:
    out = ["# Corpus check", "",
           f"{len(docs)} documents, read afresh (no cache), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
           "", markdown_table(by_family(docs)), ""]
    refused = docs[docs["refused"] != ""]
    if len(refused):
        out += ["## Refusals", ""] + [f"- {r.document}: {r.refused}" for r in refused.itertuples()] + [""]
    if detail:
        yes_no = {True: "yes", False: "no", None: "-"}
        d = docs.assign(totals=docs["totals"].map(yes_no), once=docs["once"].map(yes_no))
        out += ["## Documents", "", markdown_table(d.drop(columns=["refused"])), ""]
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m budgetlib.corpus_check", description=__doc__.split("\n")[0])
    p.add_argument("paths", nargs="*", help="folders or PDFs (default ../shared/corpus/{beijing-2026,national})")
    p.add_argument("--detail", action="store_true", help="also one row per document")
    p.add_argument("--out", default=str(REPORTS_DIR / "corpus.md"), help="Markdown output")
    args = p.parse_args(argv)
    paths = sources(args.paths)
    if not paths:
        print(f"no corpus at {SHARED_CORPUS} (nothing to check): skipped")
        return 0
    recs = []
    for path in paths:
        rec = check_document(path)
        recs.append(rec)
        print(f"{rec['family']:>16} {path.name:<36} tables {rec['tables']:>2}  totals "
              f"{'-' if rec['totals'] is None else rec['totals']!s:<5}  {rec['ms_page'] or '':>6} ms/p"
              f"{'  REFUSED ' + rec['refused'][:120] if rec['refused'] else ''}", file=sys.stderr, flush=True)
    docs = pd.DataFrame(recs)
    text = render(docs, args.detail)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
