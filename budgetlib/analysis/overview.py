"""What the document is, what comes in and goes out, and by which function (概况).

Questions: which department and year; total income (本年收入合计) and expenditure (本年支出合计)
with carry-overs; the structure of expenditure by function class (支出功能分类, 类) from T01,
and by function item (项) from T05 with its basic/project split.
"""

from __future__ import annotations

import pandas as pd

from ..model import BudgetDocument
from .base import Finding, amounts, nothing, share, t01_line, table_state, total_of

# The tables every Beijing disclosure prints (T11 is sometimes absent; T13/T14 optional).
EXPECTED_TABLES = [f"T{i:02d}" for i in range(1, 13)]


def summary(doc: BudgetDocument) -> Finding:
    """The document at a glance (文档概况): department, year, unit, and the headline totals.

    Income and expenditure come from T01 (收支总表); basic and project expenditure from the
    printed 合计 of T03 (支出总表), else of T05 (一般公共预算支出表). ``frame`` lists the tables
    found, with where they sit and how many rows they have.
    """
    meta = doc.meta
    basic, project, basic_from = None, None, None
    for tid, b, p in (("T03", "basic", "project"), ("T05", "basic_total", "project_total")):
        basic, project = total_of(doc, tid, b), total_of(doc, tid, p)
        if basic is not None:
            basic_from = tid
            break
    current_expenditure = t01_line(doc, "expenditure", "current_total")
    figures = {
        "department": doc.name,
        "year": meta.get("year"),
        "kind": meta.get("kind"),
        "unit": meta.get("unit") or "万元",
        "source_name": meta.get("source_name"),
        "current_income": t01_line(doc, "income", "current_total"),          # 本年收入合计
        "carryover_income": t01_line(doc, "income", "carryover"),             # 上年结转结余
        "income_grand_total": t01_line(doc, "income", "grand_total"),         # 收入总计
        "current_expenditure": current_expenditure,                           # 本年支出合计
        "year_end_carryover": t01_line(doc, "expenditure", "carryover"),      # 年终结转结余
        "expenditure_grand_total": t01_line(doc, "expenditure", "grand_total"),  # 支出总计
        "basic_expenditure": basic,                                           # 基本支出
        "project_expenditure": project,                                       # 项目支出
        "basic_share": share(basic, current_expenditure),
        "project_share": share(project, current_expenditure),
        "basic_project_from": basic_from,
        "tables_found": [t for t in doc.tables if not t.endswith("_indicators")],
        "tables_empty": [t for t in doc.tables if not t.endswith("_indicators") and doc.tables[t].empty],
        "tables_absent": [t for t in EXPECTED_TABLES if t not in doc.tables],
    }
    return Finding("summary", figures=figures, frame=doc.summary(), tables=("T01", basic_from or "T05"))


def income_sources(doc: BudgetDocument) -> Finding:
    """Income by source (收入来源): the non-zero income lines of T01 with their share of
    本年收入合计."""
    if table_state(doc, "T01"):
        return nothing("income_sources", doc, "T01")
    t = doc["T01"]
    total = t01_line(doc, "income", "current_total")
    items = t[(t["side"] == "income") & (t["line_kind"] == "item") & (t["amount"] != 0)]
    frame = pd.DataFrame({
        "line_no": items["line_no"].to_list(),
        "income_source": items["item"].to_list(),
        "amount": amounts(items["amount"]),
        "share_of_income": [share(a, total) for a in items["amount"]],
        "line": items["line"].to_list(),
    })
    return Finding("income_sources", figures={"current_income": total, "sources": len(frame)},
                   frame=frame, tables=("T01",))


def structure_by_function_class(doc: BudgetDocument) -> Finding:
    """Expenditure by function class (按支出功能分类 类): T01's expenditure lines 一…二十六,
    the non-zero ones, largest first, each with its share of 本年支出合计."""
    if table_state(doc, "T01"):
        return nothing("function_classes", doc, "T01")
    t = doc["T01"]
    total = t01_line(doc, "expenditure", "current_total")
    items = t[(t["side"] == "expenditure") & (t["line_kind"] == "item") & (t["amount"] != 0)]
    items = items.sort_values("amount", ascending=False, kind="stable")
    frame = pd.DataFrame({
        "line_no": items["line_no"].to_list(),
        "function_class": items["item"].to_list(),
        "amount": amounts(items["amount"]),
        "share_of_expenditure": [share(a, total) for a in items["amount"]],
        "line": items["line"].to_list(),
    })
    figures = {"current_expenditure": total, "classes": len(frame),
               "largest_class": frame["function_class"].iloc[0] if len(frame) else None,
               "largest_amount": frame["amount"].iloc[0] if len(frame) else None,
               "largest_share": frame["share_of_expenditure"].iloc[0] if len(frame) else None}
    return Finding("function_classes", figures=figures, frame=frame, tables=("T01",))


def function_items(doc: BudgetDocument) -> Finding:
    """General-budget expenditure by function item (一般公共预算支出, 项) from T05: each item's
    total, basic (人员经费 + 公用经费) and project part, largest first."""
    if table_state(doc, "T05"):
        return nothing("function_items", doc, "T05")
    t = doc["T05"].sort_values("total", ascending=False, kind="stable")
    whole = total_of(doc, "T05", "total")
    frame = pd.DataFrame({
        "function_code": t["function_code"].to_list(),
        "function_name": t["function_name"].to_list(),
        "amount": amounts(t["total"]),
        "basic": amounts(t["basic_total"]),
        "project": amounts(t["project_total"]),
        "share_of_expenditure": [share(a, whole) for a in t["total"]],
        "line": t["line"].to_list(),
    })
    return Finding("function_items", figures={"general_budget_total": whole, "items": len(frame)},
                   frame=frame, tables=("T05",))


# Failures first: what a reader must see before what agrees.
_STATUS_ORDER = {"mismatch": 0, "rounding": 1, "info": 2, "not_applicable": 3, "pass": 4}


def reconciliation(doc: BudgetDocument, lang: str = "zh") -> Finding:
    """Do the tables add up (勾稽关系核对)? ``budgetlib.reconcile`` run on the document, its
    rows ordered mismatches first, then rounding, not applicable, pass; ``figures`` has the
    counts by status, ``ok`` and ``failures`` (rule_id, instance, difference, explanation),
    and ``report`` (the ReconciliationReport, for its drill-downs)."""
    from .. import reconcile

    report = reconcile(doc, lang=lang)
    frame = report.frame
    frame = frame.assign(_o=frame["status"].map(_STATUS_ORDER)).sort_values("_o", kind="stable")
    frame = frame.drop(columns="_o").reset_index(drop=True)
    failures = report.failures()
    figures = {
        "rules": len(frame), **report.summary().to_dict(), "ok": report.ok,
        "failures": [{"rule_id": r.rule_id, "instance": r.instance, "status": r.status,
                      "severity": r.severity, "difference": r.difference, "explanation": r.explanation}
                     for r in failures.itertuples()],
        "report": report,
    }
    return Finding("reconciliation", figures=figures, frame=frame, tables=tuple(doc.tables))


def headline(doc: BudgetDocument) -> dict:
    """The few figures a batch index shows per document (要点), formatted for reading:
    department, year, 支出总计, 人员经费 share of basic expenditure, 政府采购 share of total."""
    from .. import narrative
    from .personnel import personnel_vs_public
    from .procurement import procurement_share

    s = summary(doc).figures
    p = personnel_vs_public(doc)
    proc = procurement_share(doc)
    return {
        "部门 department": s["department"],
        "年度 year": s["year"] or "",
        "支出总计 total (万元)": narrative.fmt_amount(s["expenditure_grand_total"]),
        "人员经费/基本支出 personnel share": narrative.fmt_share(p.figures.get("personnel_share_of_basic"))
        if not p.missing else "—",
        "政府采购/支出 procurement share": narrative.fmt_share(proc.figures.get("share_of_total"))
        if not proc.missing else "—",
    }
