"""Government procurement (政府采购) against what the department spends.

T10 (政府采购预算明细表) lists procurement by category: A 货物 (goods), B 工程 (works),
C 服务 (services). Procurement can be paid from basic as well as project expenditure, and T10
does not say which: ``share_of_project`` is only a ratio (it can exceed 100%), never "the share
of project expenditure spent on procurement", and the reports do not print it. The share the
reports give is of 本年支出合计 of all funds (bases.BASES["all_funds"]).
"""

from __future__ import annotations

import re

import pandas as pd

from ..normalize import fold

from ..model import BudgetDocument
from .base import Finding, amounts, detail_sum, nothing, share, t01_line, total_of, wan

# 政府采购品目 categories: the code's first letter, or a name word when the code is missing.
CATEGORIES = [("A", "货物", "goods"), ("B", "工程", "works"), ("C", "服务", "services")]


def _category(code: str, name: str) -> str | None:
    code = (code or "").strip().upper()
    if code[:1] in "ABC" and code:
        return code[:1]
    if m := re.match(r"([ABC])\d{2}", (name or "").strip()):  # 采购目录 "A02021119条码扫描器"
        return m.group(1)
    return next((letter for letter, zh, _ in CATEGORIES if zh in (name or "")), None)


def _categories(t) -> list[str | None]:
    """Each item's category: its own code or name, else the category row printed above it
    (Suzhou: a 货物 / 工程 / 服务 row, then the units' rows, then the items; the reader carries
    the category onto the items as ``procurement_group``)."""
    rows = t.data
    groups = rows["procurement_group"] if "procurement_group" in rows else [""] * len(rows)
    return [_category(c, n) or (_category("", g) if fold(str(g or "")) in {zh for _, zh, _ in CATEGORIES} else None)
            for c, n, g in zip(rows["procurement_category_code"], rows["procurement_category_name"], groups)]


def _column_total(doc: BudgetDocument):
    """(table id, printed total) of a 政府采购 column printed in another table (Shenzhen's
    支出总表: 政府采购项目 小计), or None."""
    for tid, t in doc.tables.items():
        if "procurement_total" in t.data.columns:
            total = total_of(doc, tid, "procurement_total")
            if total is not None:
                return tid, total
    return None


@wan
def procurement_share(doc: BudgetDocument) -> Finding:
    """政府采购 total as a share of total expenditure (本年支出合计, T01; else T03 合计) and of
    project expenditure (项目支出, T03 合计; else T05), with the goods / works / services split
    (货物 / 工程 / 服务) in ``frame``: one row per category, zeros included, share of the
    procurement total.

    The total is T10's printed 合计, else the sum of its rows. An empty T10 (本部门无政府采购
    预算) gives ``missing == "empty"`` and no rows.
    """
    total_expenditure = t01_line(doc, "expenditure", "current_total") or total_of(doc, "T03", "total")
    project = total_of(doc, "T03", "project") or total_of(doc, "T05", "project_total")
    t = doc.tables.get("T10")
    printed = t.printed_total("amount") if t is not None else None
    if not doc.has_rows("T10") and not printed:
        column = _column_total(doc) if t is None else None
        if column is None:
            return nothing("procurement_share", doc, "T10", total_expenditure=total_expenditure,
                           project_expenditure=project)
        # only a 政府采购 column: the total is disclosed, its goods / works / services split is not
        tid, total = column
        figures = {"total": total, "itemised": None, "total_expenditure": total_expenditure,
                   "project_expenditure": project, "share_of_total": share(total, total_expenditure),
                   "share_of_project": share(total, project), "uncategorised": None, "source": tid,
                   "split_disclosed": False, "base": "all_funds"}
        return Finding("procurement_share", figures=figures, tables=(tid, "T01"))
    rows = doc["T10"]
    letters = _categories(t)
    itemised = detail_sum(rows["amount"])
    total = printed if printed is not None and not pd.isna(printed) else itemised
    out = []
    for letter, zh, en in CATEGORIES:
        amount = detail_sum(a for a, l in zip(rows["amount"], letters) if l == letter)
        out.append({"category_code": letter, "category": zh, "category_en": en, "amount": amount,
                    "share_of_procurement": share(amount, total)})
    frame = pd.DataFrame(out)
    frame["amount"] = amounts(frame["amount"])
    figures = {
        "total": total, "itemised": itemised,
        "total_expenditure": total_expenditure, "project_expenditure": project,
        "share_of_total": share(total, total_expenditure),
        "share_of_project": share(total, project),
        "uncategorised": itemised - detail_sum(frame["amount"]),
        **{en: a for (_, _, en), a in zip(CATEGORIES, frame["amount"])},
        **{f"{en}_share": s for (_, _, en), s in zip(CATEGORIES, frame["share_of_procurement"])},
    }
    figures.update(base="all_funds", source="T10", split_disclosed=True)
    return Finding("procurement_share", figures=figures, frame=frame, tables=("T10", "T01", "T03"))
