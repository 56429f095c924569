"""What the document is, what comes in and goes out, and by which function (概况).

Questions: which department and year; total income (本年收入合计) and expenditure (本年支出合计)
with carry-overs; the structure of expenditure by function class (支出功能分类, 类) from T01,
and by function item (项) from T05 with its basic/project split.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..model import BudgetDocument
from . import bases
from .base import Finding, amounts, detail_sum, nothing, pages_of, share, t01_line, table_state, total_of, wan

# The tables every Beijing disclosure prints (T11 is sometimes absent; T13/T14 optional).
EXPECTED_TABLES = [f"T{i:02d}" for i in range(1, 13)]


@wan
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
        # basic/project from T03 are all funds, like 本年支出合计; from T05 only the general budget
        "base": "all_funds" if basic_from == "T03" else "general_budget",
        "general_budget_total": bases.amount(doc, "general_budget"),
        "department": doc.name,
        "year": meta.get("year"),
        "kind": meta.get("kind"),
        "unit": meta.get("printed_unit") or meta.get("unit") or "万元",
        "source_name": meta.get("source_name"),
        "current_income": t01_line(doc, "income", "current_total"),          # 本年收入合计
        "carryover_income": t01_line(doc, "income", "carryover"),             # 上年结转结余
        "income_grand_total": t01_line(doc, "income", "grand_total"),         # 收入总计
        "current_expenditure": current_expenditure,                           # 本年支出合计
        "year_end_carryover": t01_line(doc, "expenditure", "carryover"),      # 年终结转结余
        "expenditure_grand_total": t01_line(doc, "expenditure", "grand_total"),  # 支出总计
        "basic_expenditure": basic,                                           # 基本支出
        "project_expenditure": project,                                       # 项目支出
        "basic_share": share(basic, current_expenditure if basic_from == "T03" else bases.amount(doc, "general_budget")),
        "project_share": share(project, current_expenditure if basic_from == "T03" else bases.amount(doc, "general_budget")),
        "basic_project_from": basic_from,
        "tables_found": [t for t in doc.tables if not t.endswith("_indicators")],
        "tables_empty": [t for t in doc.tables if not t.endswith("_indicators") and doc.tables[t].empty],
        "tables_absent": [t for t in EXPECTED_TABLES if t not in doc.tables],
    }
    tables = [t for t in doc.tables.values() if not t.id.endswith("_indicators")]
    frame = pd.DataFrame({
        "table": [t.id for t in tables], "title": [t.title for t in tables],
        "unit": [getattr(t, "printed_unit", t.unit) for t in tables],  # as printed, not the 万元 view
        "page": [pages_of(t.pages) for t in tables], "rows": [len(t.data) for t in tables],
        "empty": [not doc.has_rows(t.id) for t in tables],
    })
    return Finding("summary", figures=figures, frame=frame, tables=("T01", basic_from or "T05"))


@wan
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
    frame.insert(len(frame.columns) - 1, "page", items["page"].to_list())
    return Finding("income_sources", figures={"current_income": total, "sources": len(frame)},
                   frame=frame, tables=("T01",))


@wan
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
    frame.insert(len(frame.columns) - 1, "page", items["page"].to_list())
    figures = {"current_expenditure": total, "base": "all_funds", "classes": len(frame),
               "largest_class": frame["function_class"].iloc[0] if len(frame) else None,
               "largest_amount": frame["amount"].iloc[0] if len(frame) else None,
               "largest_share": frame["share_of_expenditure"].iloc[0] if len(frame) else None}
    return Finding("function_classes", figures=figures, frame=frame, tables=("T01",),
                   bases={"share_of_expenditure": "all_funds"})


@wan
def function_items(doc: BudgetDocument) -> Finding:
    """General-budget expenditure by function item (一般公共预算支出, 项) from T05: one row per
    function code, with its total, basic (人员经费 + 公用经费) and project part, largest first.

    A code is an item, a row is not: a department with subordinate units prints the same code
    once per unit, so rows are summed by code (``rows`` says how many were merged) and counted,
    ranked and charted by code."""
    if table_state(doc, "T05"):
        return nothing("function_items", doc, "T05")
    t = doc["T05"]
    whole = total_of(doc, "T05", "total")
    out = []
    for code, group in t.groupby("function_code", sort=False):
        out.append({"function_code": code, "function_name": group["function_name"].iloc[0],
                    "amount": detail_sum(group["total"]), "basic": detail_sum(group["basic_total"]),
                    "project": detail_sum(group["project_total"]), "rows": len(group),
                    "page": pages_of(group["page"])})
    out.sort(key=lambda r: r["amount"], reverse=True)
    frame = pd.DataFrame(out, columns=["function_code", "function_name", "amount", "basic", "project", "rows", "page"])
    for col in ("amount", "basic", "project"):
        frame[col] = amounts(frame[col])
    frame.insert(5, "share_of_expenditure", [share(a, whole) for a in frame["amount"]])
    top = out[0] if out else None
    figures = {"general_budget_total": whole, "base": "general_budget", "items": len(frame), "rows": len(t),
               "largest_code": top and top["function_code"], "largest_name": top and top["function_name"],
               "largest_amount": top and top["amount"], "largest_share": top and share(top["amount"], whole)}
    return Finding("function_items", figures=figures, frame=frame, tables=("T05",),
                   bases={"share_of_expenditure": "general_budget"})


@wan
def purchased_services(doc: BudgetDocument) -> Finding:
    """Government purchase of services (政府购买服务, T11): by guidance-catalogue level 1 and 2
    (指导性目录一级/二级), amounts summed, largest first; the total is T11's printed 合计, else
    the sum of its rows, with its share of 本年支出合计 (all funds)."""
    if table_state(doc, "T11"):
        return nothing("purchased_services", doc, "T11")
    t = doc["T11"]
    printed = doc.tables["T11"].printed_total("amount")
    itemised = detail_sum(t["amount"])
    total = Decimal(printed) if printed is not None and not pd.isna(printed) else itemised
    keys = [c for c in ("catalogue_level1_code", "catalogue_level1_name", "catalogue_level2_code",
                        "catalogue_level2_name") if c in t]
    out = []
    for key, group in t.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, ("" if pd.isna(k) else k for k in key)))
        row.update(amount=detail_sum(group["amount"]), rows=len(group), page=pages_of(group["page"]))
        out.append(row)
    out.sort(key=lambda r: r["amount"], reverse=True)
    frame = pd.DataFrame(out)
    frame["amount"] = amounts(frame["amount"])
    frame.insert(len(keys) + 1, "share_of_services", [share(a, total) for a in frame["amount"]])
    all_funds = bases.amount(doc, "all_funds")
    figures = {"total": total, "itemised": itemised, "rows": len(t), "groups": len(frame),
               "all_funds_expenditure": all_funds, "share_of_all_funds": share(total, all_funds),
               "largest": frame.iloc[0].to_dict() if len(frame) else None}
    return Finding("purchased_services", figures=figures, frame=frame, tables=("T11",))


# Failures first: what a reader must see before what agrees.
_STATUS_ORDER = {"mismatch": 0, "unreadable": 1, "rounding": 2, "info": 3, "not_applicable": 4, "pass": 5}


def _instance_label(doc: BudgetDocument, result, lang: str) -> str:
    """A rule instance in the reader's words: a column instance ('total') is named by the
    header it was read from ('合计') in Chinese, in words ('total') in English."""
    inst = result.rule.instance or ""
    if not inst:
        return ""
    if lang == "en":
        return inst.replace("_", " ")
    for d in result.drill:
        if d.get("column") == inst and d.get("header"):
            return str(d["header"]).split("/")[-1]
    for tid in result.rule.tables:
        header = doc.tables[tid].headers.get(inst) if tid in doc.tables else None
        if header:
            return header.split("/")[-1]
    return inst


def defects(doc: BudgetDocument, report, lang: str = "zh") -> list[dict]:
    """Every rule instance that does not hold (不符、尾差、无法读取), errors before warnings,
    mismatches before rounding, each as a dict: rule_id, instance, status, severity,
    description (the rule in ``lang``), explanation, tables, and

    - for an aggregate rule (aggregate_match): ``keys``, the failing keys only, each with its
      own left, right and difference, and ``difference`` None: the rule's left and right sums
      include keys that pass or lie outside its scope, so their difference is no gap;
    - for any other rule: ``difference``, left minus right, and ``keys`` empty."""
    out = []
    for r in report.results:
        if r.status in ("pass", "info", "not_applicable"):  # info: a code not in the list, no defect
            continue
        aggregate = r.rule.kind == "aggregate_match"
        keys = [dict(d) for d in r.drill if d.get("status", "mismatch") != "pass"] if aggregate else []
        out.append({
            "rule_id": r.rule.id, "instance": r.rule.instance, "instance_label": _instance_label(doc, r, lang),
            "instance_zh": _instance_label(doc, r, "zh"), "instance_en": _instance_label(doc, r, "en"),
            "status": r.status, "severity": r.rule.severity,
            "description": r.rule.zh if lang == "zh" else r.rule.en,
            "description_zh": r.rule.zh, "description_en": r.rule.en,
            "explanation": r.text.get(lang, ""), "tables": r.tables, "kind": r.rule.kind,
            "left": None if aggregate else r.left, "right": None if aggregate else r.right,
            "difference": None if aggregate else r.difference, "keys": keys,
        })
    out.sort(key=lambda x: (_STATUS_ORDER.get(x["status"], 9), x["severity"] != "error"))
    return out


def reconciliation(doc: BudgetDocument, lang: str = "zh") -> Finding:
    """Do the tables add up (勾稽关系核对)? ``budgetlib.reconcile`` run on the document.

    ``frame`` has one row per defect, failing ones first, in the reader's words: the rule's
    description, its instance, status, left, right, difference and where. An aggregate rule
    that fails gets one row per failing key (its left, right and difference), never the sum
    over all keys. ``figures`` has the counts by status, ``ok``, ``failures`` (see
    ``defects``) and ``report`` (the ReconciliationReport, for its drill-downs)."""
    from ..reconcile import reconciled

    report = reconciled(doc, lang=lang)
    failures = defects(doc, report, lang)
    rows = []
    for x in failures:
        what = x["description"] + (f"（{x['instance_label']}）" if lang == "zh" and x["instance_label"]
                                   else f" ({x['instance_label']})" if x["instance_label"] else "")
        if x["keys"]:
            for k in x["keys"]:
                rows.append({"description": what, "key": f"{k.get('key', '')} {k.get('name', '')}".strip(),
                             "status": k.get("status", x["status"]), "left": k.get("left"), "right": k.get("right"),
                             "difference": k.get("difference"),
                             "location": "; ".join(filter(None, (k.get("left_location"), k.get("right_location")))),
                             "rule_id": x["rule_id"]})
        else:
            rows.append({"description": what, "key": "", "status": x["status"], "left": x["left"],
                         "right": x["right"], "difference": x["difference"],
                         "location": next((r.location for r in report.results if r.rule.id == x["rule_id"]
                                           and r.rule.instance == x["instance"]), ""),
                         "rule_id": x["rule_id"]})
    frame = pd.DataFrame(rows, columns=["description", "key", "status", "left", "right", "difference",
                                        "location", "rule_id"])
    for c in ("left", "right", "difference"):
        frame[c] = amounts(frame[c])
    counts = report.summary().to_dict()
    figures = {
        "rules": len(report.results), **counts, "unreadable": counts.get("unreadable", 0), "ok": report.ok,
        "failures": failures, "report": report,
    }
    return Finding("reconciliation", figures=figures, frame=frame, tables=tuple(doc.tables))


@wan
def headline(doc: BudgetDocument, lang: str | None = None) -> dict:
    """The few figures a batch index shows per document (要点), formatted for reading, each on
    the base the reports use for it (see ``bases``): department, year, 本年支出合计 (all funds),
    人员经费 share of general-budget basic expenditure, 政府采购 against 本年支出合计.

    Keys are in ``lang`` ("zh" or "en"); without one, in both ("年度 year")."""
    from .. import narrative
    from .personnel import personnel_vs_public
    from .procurement import procurement_share

    s = summary(doc).figures
    p = personnel_vs_public(doc)
    proc = procurement_share(doc)

    k = headline_keys(lang)
    return {
        k["department"]: s["department"],
        k["year"]: s["year"] or "",
        k["expenditure"]: narrative.fmt_amount(bases.amount(doc, bases.HEADLINE_EXPENDITURE)),
        k["personnel_share"]:
            narrative.fmt_share(p.figures.get("personnel_share_of_basic")) if not p.missing else "—",
        k["procurement_share"]:
            narrative.fmt_share(proc.figures.get("share_of_total")) if not proc.missing else "—",
    }


def headline_keys(lang: str | None = None) -> dict[str, str]:
    """The index's column names for the headline figures, each naming its base, in ``lang``
    (both languages without one): the same for a document parsed now and one read back from a
    corpus."""
    b = bases.BASES

    def key(zh: str, en: str) -> str:
        return zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"

    return {
        "department": key("部门", "department"), "year": key("年度", "year"),
        "expenditure": key(f"{b[bases.HEADLINE_EXPENDITURE].zh}（万元）", f"{b[bases.HEADLINE_EXPENDITURE].en} (10k yuan)"),
        "personnel_share": key(f"人员经费占{b[bases.HEADLINE_PERSONNEL_SHARE].zh}",
                               f"personnel costs, share of {b[bases.HEADLINE_PERSONNEL_SHARE].en}"),
        "procurement_share": key(f"政府采购相当于{b[bases.HEADLINE_PROCUREMENT_SHARE].zh}的比例",
                                 f"procurement against {b[bases.HEADLINE_PROCUREMENT_SHARE].en}"),
        "reconciliation": key("核对", "reconciliation"),
    }


def reconciliation_cell(counts: dict, defects: int | None, problems: int, lang: str = "zh") -> str:
    """The index's reconciliation cell in one language: defects first, then the rule counts."""
    zh = lang == "zh"
    parts = []
    if defects:
        parts.append(f"{defects} 处缺陷" if zh else f"{defects} defect{'s' * (defects != 1)}")
    parts.append(f"{counts.get('pass', 0)} 项相符" if zh else f"{counts.get('pass', 0)} agree")
    if counts.get("mismatch"):
        parts.append(f"{counts['mismatch']} 项不符" if zh else f"{counts['mismatch']} do not agree")
    if counts.get("rounding"):
        parts.append(f"{counts['rounding']} 项尾差" if zh else f"{counts['rounding']} rounding")
    if problems:
        parts.append(f"{problems} 处无法读取" if zh else f"{problems} unreadable")
    return " / ".join(parts)
