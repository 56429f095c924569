"""What a reader must know before trusting a number (数据质量提示): the figures every report
opens with.

    from budgetlib.analysis import quality
    b = quality.banner(doc)              # a Finding of kind "banner"
    b.figures["coverage"]                # how much of each stated total the detail rows reach
    b.figures["defects"]                 # identities that do not hold, worst first
    narrative.describe(b)                # the sentences, defects first

It reads the document and its reconciliation only; the HTML around it is the report's.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..model import BudgetDocument
from . import bases
from .base import ZERO, Finding, detail_sum, share, total_of
from .overview import EXPECTED_TABLES, defects

# The stated totals whose coverage by detail rows a reader needs: (table, column, base or None).
# The base names the total in the reader's words; T06 is the general budget's basic expenditure.
COVERED_TOTALS = [
    ("T03", "total", "all_funds"), ("T03", "basic", None), ("T03", "project", "all_funds_project"),
    ("T05", "total", "general_budget"), ("T06", "total", "general_budget_basic"),
]


def coverage(doc: BudgetDocument) -> list[dict]:
    """For each stated total (合计 row) of COVERED_TOTALS: the amount stated, the sum of the
    detail rows, and the share of the one the other reaches (1 when complete). Plus the
    performance targets (T12 项目总额) against 项目支出 of all funds."""
    out = []
    for tid, column, base in COVERED_TOTALS:
        t = doc.tables.get(tid)
        if t is None or column not in t.data:
            continue
        stated = t.printed_total(column)
        if stated is None or pd.isna(stated):
            continue
        stated = Decimal(stated)
        itemised = detail_sum(t.data[column]) if len(t.data) else ZERO
        out.append({"table": tid, "column": column, "header": t.headers.get(column, column), "base": base,
                    "stated": stated, "itemised": itemised, "share": share(itemised, stated),
                    "complete": itemised == stated})
    project = bases.amount(doc, "all_funds_project") or total_of(doc, "T05", "project_total")
    if project:
        t12 = detail_sum(doc["T12"]["project_total"]) if doc.has_rows("T12") else ZERO
        out.append({"table": "T12", "column": "project_total", "header": "项目总额", "base": "all_funds_project",
                    "stated": project, "itemised": t12, "share": share(t12, project), "complete": t12 == project})
    return out


def banner(doc: BudgetDocument, report=None, lang: str = "zh") -> Finding:
    """The data-quality banner's figures (数据质量提示): ``coverage`` (see ``coverage``),
    ``defects`` (reconciliation defects, worst first, aggregate rules by their failing keys),
    ``counts`` (by status), ``problems`` (cells that could not be read: ``doc.problems``),
    ``tables_absent`` and ``tables_empty`` (expected tables not disclosed, or disclosed with
    no rows). ``report`` is a ReconciliationReport; without one it is computed."""
    from ..reconcile import reconciled

    report = report if report is not None else reconciled(doc, lang=lang)
    problems = list(getattr(doc, "problems", None) or [])
    figures = {
        "department": doc.name,
        "coverage": coverage(doc),
        "defects": defects(doc, report, lang),
        "counts": report.summary().to_dict(),
        "problems": problems,
        "tables_absent": [t for t in EXPECTED_TABLES if t not in doc.tables],
        "tables_empty": [t for t in EXPECTED_TABLES if t in doc.tables and not doc.has_rows(t)],
        # the narrative's (情况说明) claims checked against the tables, when it was read
        "narrative": _narrative_counts(doc, report),
    }
    return Finding("banner", figures=figures, tables=tuple(doc.tables))


def _narrative_counts(doc: BudgetDocument, report) -> dict | None:
    """Narrative checks by status (claims.narrative_counts) and the narrative's source, or None
    when the document has no narrative."""
    if getattr(doc, "narrative", None) is None:
        return None
    from ..claims import narrative_counts

    return {**narrative_counts(report), "source": doc.narrative.source}
