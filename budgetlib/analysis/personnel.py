"""Personnel versus public costs (人员经费与公用经费).

Basic expenditure (基本支出) splits into personnel costs (人员经费: economic classes 301 工资福利支出
and 303 对个人和家庭的补助) and public costs (公用经费: 302 商品和服务支出 and, within basic
expenditure, 310 资本性支出). Project expenditure (项目支出) sits beside them. The headline
amounts come from T05's printed 合计 (一般公共预算支出表); the composition by economic code from
T06 (基本支出表), or from T03's basic rows when those are the more complete (see
``composition_by_economic_class``); the 三公 costs from T09.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from ..model import BudgetDocument
from . import bases
from .base import ZERO, Finding, amounts, detail_sum, nothing, pages_of, share, t01_line, table_state, total_of, wan

# 部门预算支出经济分类 类 (first 3 digits of the departmental economic code).
ECONOMIC_CLASSES = {
    "301": "工资福利支出", "302": "商品和服务支出", "303": "对个人和家庭的补助",
    "307": "债务利息及费用支出", "309": "资本性支出（基本建设）", "310": "资本性支出",
    "311": "对企业补助（基本建设）", "312": "对企业补助", "313": "对社会保障基金补助", "399": "其他支出",
}
PERSONNEL_CLASSES = ("301", "303")  # the rest of basic expenditure is 公用经费

# 三公 items (T09 columns) and the departmental economic codes they are booked under.
THREE_PUBLIC_ITEMS = [
    ("overseas_travel", "因公出国（境）费用", ("30212",)),
    ("official_reception", "公务接待费", ("30217",)),
    ("vehicle_purchase", "公务用车购置费", ("31013",)),
    ("vehicle_operation", "公务用车运行维护费", ("30231",)),
]


@wan
def personnel_vs_public(doc: BudgetDocument) -> Finding:
    """人员经费 and 公用经费: amounts and shares of basic (基本支出) and of total expenditure,
    with 项目支出 beside them.

    Scope is the general public budget (一般公共预算, T05), the only table that splits basic
    expenditure into personnel and public costs; ``all_funds_expenditure`` (T01 本年支出合计)
    is given beside it, so a reader sees when other funds make the two scopes differ.
    Without T05 the split falls back to T06's printed 合计 (no project expenditure then).
    """
    present = [t for t in ("T05", "T06") if not table_state(doc, t)]
    # the table must print the split: some families' 一般公共预算支出表 has no 人员经费 column
    source = next((t for t in present if "personnel_cost" in doc.tables[t].headers), None)
    if source is None:
        # no 人员经费/公用经费 columns: from basic expenditure by economic class, where printed
        by_class = next(((tid, col) for tid, col in (("T06", "total"), ("T19", "basic"))
                         if not table_state(doc, tid) and col in doc.tables[tid].headers), None)
        if by_class:
            return _by_economic_class(doc, *by_class)
    if source is None:
        if present:
            return Finding("personnel_vs_public", tables=(present[0],), missing="not_printed",
                           missing_table=present[0],
                           figures={"needs_zh": "人员经费和公用经费", "needs_en": "personnel and public costs"})
        return nothing("personnel_vs_public", doc, "T05")
    personnel = total_of(doc, source, "personnel_cost")
    public = total_of(doc, source, "public_cost")
    if source == "T05":
        basic, project, total = (total_of(doc, "T05", c) for c in ("basic_total", "project_total", "total"))
    else:
        basic, project, total = total_of(doc, "T06", "total"), None, None
        if "basic_total" in doc.tables.get("T05", doc.tables["T06"]).headers and not table_state(doc, "T05"):
            # (决算: T06's panels give the split, T05 the 项目支出 and 合计 beside it)
            project, total = total_of(doc, "T05", "project_total"), total_of(doc, "T05", "total")
    return _split(doc, (source,), source, personnel, public, basic, project, total)


def _by_economic_class(doc: BudgetDocument, tid: str = "T06", column: str = "total") -> Finding:
    """人员经费 and 公用经费 where no table prints them as columns (Fuzhou, Guangzhou, final
    accounts): from the basic expenditure by economic class (一般公共预算基本支出表 T06, or the
    基本支出 column of Shenzhen's 一般公共预算支出表（按经济分类） T19): the 类 301 and 303 are
    人员经费, the other classes 公用经费, each class its printed class row where there is one,
    else the sum of its 款 rows. The classes must make the table's printed 基本支出 合计."""
    t = doc.tables[tid]
    rows = pd.concat([t.total, t.data])
    codes = rows["dept_economic_code"].astype(str).str.strip()
    by_class: dict[str, Decimal] = {}
    for cls in sorted({c[:3] for c in codes if len(c) >= 3 and c[:3].isdigit()}):
        printed = rows.loc[codes == cls, column]
        by_class[cls] = Decimal(printed.iloc[0]) if len(printed) and not pd.isna(printed.iloc[0]) \
            else detail_sum(rows.loc[(codes.str.len() > 3) & (codes.str[:3] == cls), column])
    personnel = sum((by_class.get(c, ZERO) for c in PERSONNEL_CLASSES), ZERO)
    public = sum((a for c, a in by_class.items() if c not in PERSONNEL_CLASSES), ZERO)
    basic = total_of(doc, tid, column)
    # each class row printed to the fen (0.01 in its unit) may round: n classes, n half-fens
    per_wan = Decimal(10000) if getattr(t, "printed_unit", None) == "元" else Decimal(1)
    rounding = Decimal("0.005") * len(by_class) / per_wan
    if not by_class or basic is None or abs(personnel + public - basic) > rounding:
        # the classes read do not make the printed 合计 (a panel of a 决算 table not read):
        # no split rather than a wrong one
        return Finding("personnel_vs_public", tables=(tid,), missing="incomplete", missing_table=tid,
                       figures={"basic": basic, "classes": personnel + public,
                                "needs_zh": "人员经费和公用经费", "needs_en": "personnel and public costs"})
    if "basic_total" in doc.tables.get("T05", t).headers and not table_state(doc, "T05"):
        project, total = total_of(doc, "T05", "project_total"), total_of(doc, "T05", "total")
    else:
        project = total = None
    return _split(doc, (tid, "T05"), tid, personnel, public, basic, project, total, by_economic_class=True)



def _split(doc: BudgetDocument, tables: tuple, source: str, personnel, public, basic, project, total,
           **extra) -> Finding:
    """The personnel_vs_public finding from its amounts: one row per cost kind, with shares of
    basic (基本支出) and of total expenditure, and the all-funds total beside them."""
    rows = [("personnel_cost", "人员经费", personnel), ("public_cost", "公用经费", public),
            ("basic", "基本支出", basic), ("project", "项目支出", project), ("total", "合计", total)]
    frame = pd.DataFrame({
        "cost_kind": [r[0] for r in rows],
        "label": [r[1] for r in rows],
        "amount": amounts(r[2] for r in rows),
        "share_of_basic": [share(r[2], basic) if r[0] in ("personnel_cost", "public_cost") else None
                           for r in rows],
        "share_of_total": [share(r[2], total) for r in rows],
    })
    all_funds = t01_line(doc, "expenditure", "current_total")
    figures = {
        "source": source, **extra,
        "personnel_cost": personnel, "public_cost": public, "basic": basic,
        "project": project, "total": total,
        "personnel_share_of_basic": share(personnel, basic),
        "public_share_of_basic": share(public, basic),
        "personnel_share_of_total": share(personnel, total),
        "public_share_of_total": share(public, total),
        "project_share_of_total": share(project, total),
        "all_funds_expenditure": all_funds,
        "scope_differs": all_funds is not None and total is not None and all_funds != total,
        # the overview's headline figures, on their own base, so both reports agree
        "all_funds_project": bases.amount(doc, "all_funds_project"),
        "all_funds_project_share": share(bases.amount(doc, "all_funds_project"), all_funds),
        "base_basic": "general_budget_basic", "base_total": "general_budget",
    }
    return Finding("personnel_vs_public", figures=figures, frame=frame, tables=tables,
                   bases={"share_of_basic": "general_budget_basic", "share_of_total": "general_budget"})


def _basic_rows(doc: BudgetDocument, table_id: str) -> pd.DataFrame | None:
    """Basic-expenditure rows by departmental economic code, from T06 or from T03's 基本支出
    column, in one shape: code, name, amount, personnel, public, line, page."""
    if table_state(doc, table_id):
        return None
    if table_id == "T19" and "basic" not in doc.tables["T19"].headers:
        return None  # an economic-class table without a 基本支出 column
    t = doc[table_id]
    if table_id == "T06" and "personnel_cost" in doc.tables["T06"].headers:
        amount, personnel, public = t["total"], t["personnel_cost"], t["public_cost"]
    else:
        # only rows that carry an economic code: some families' 支出总表 is by function only
        # (or by unit and funding source, with no 基本支出 column at all)
        column = "total" if table_id == "T06" else "basic"
        if not {column, "dept_economic_code"} <= set(t.columns):
            return None
        t = t[(t[column] != 0) & (t["dept_economic_code"].astype(str).str.strip() != "")]
        if t.empty:
            return None
        amount = t[column]
        # no personnel/public columns printed (T03; T06 of Fuzhou, Guangzhou, final accounts):
        # the economic class decides (301/303 are 人员经费).
        is_personnel = t["dept_economic_code"].str[:3].isin(PERSONNEL_CLASSES)
        personnel = [a if p else ZERO for a, p in zip(amount, is_personnel)]
        public = [ZERO if p else a for a, p in zip(amount, is_personnel)]
    return pd.DataFrame({
        "dept_economic_code": t["dept_economic_code"].to_list(),
        "dept_economic_name": t["dept_economic_name"].to_list(),
        "amount": amounts(amount), "personnel": amounts(personnel), "public": amounts(public),
        "page": t["page"].to_list(), "line": t["line"].to_list(),
    })


@wan
def basic_expenditure_rows(doc: BudgetDocument) -> tuple[pd.DataFrame | None, dict]:
    """The itemised basic expenditure (基本支出明细) and which table it was taken from.

    T06 is the table made for this. But a disclosure can print a 合计 that its rows do not
    reach (the sample's T06 rows sum to 2,640.341196 against 19,600.672975). T03's basic rows
    are a second itemisation of the same money, so: take T06 when its rows reach its 合计;
    else T03's basic rows when those reach T03's printed 基本支出; else whichever falls
    short by less (T06 on a tie). The returned facts say how far the chosen rows fall short
    of the stated basic expenditure, so no analysis hides the gap.
    """
    facts: dict = {}
    candidates = {}
    for tid, column in (("T06", "total"), ("T03", "basic"), ("T19", "basic")):
        rows = _basic_rows(doc, tid)
        if rows is None:
            continue
        printed = total_of(doc, tid, column)
        itemised = detail_sum(rows["amount"])
        facts[f"{tid}_itemised"], facts[f"{tid}_printed"] = itemised, printed
        gap = abs(printed - itemised) if printed is not None else ZERO
        candidates[tid] = (gap, rows)
    if not candidates:
        return None, facts
    source = min(candidates, key=lambda tid: (candidates[tid][0], tid != "T06"))
    rows = candidates[source][1]
    # The stated basic expenditure: T05's 基本支出 合计 when there, else the source's own 合计.
    stated = total_of(doc, "T05", "basic_total") or facts[f"{source}_printed"] or detail_sum(rows["amount"])
    itemised = detail_sum(rows["amount"])
    facts.update(source=source, basic=stated, itemised=itemised, unitemised=stated - itemised,
                 complete=itemised == stated)
    return rows, facts


@wan
def composition_by_economic_class(doc: BudgetDocument) -> Finding:
    """Basic expenditure by economic class (按部门预算支出经济分类 类): 301 工资福利支出 and
    303 对个人和家庭的补助 (人员经费) against 302 商品和服务支出 and 310 资本性支出 (公用经费).

    Rows come from ``basic_expenditure_rows`` (T06, or T03's basic rows). Shares are of the
    stated basic expenditure; when the rows do not reach it, a last row 未列明 (unitemised)
    holds the difference, so the shares add up to 100% and the gap is visible.
    """
    rows, facts = basic_expenditure_rows(doc)
    if rows is None:
        return nothing("economic_classes", doc, "T06", **facts)
    basic = facts["basic"]
    rows = rows.assign(economic_class_code=rows["dept_economic_code"].str[:3])
    out = []
    for code, group in rows.groupby("economic_class_code", sort=True):
        personnel, public = detail_sum(group["personnel"]), detail_sum(group["public"])
        out.append({"economic_class_code": code,
                    "economic_class_name": ECONOMIC_CLASSES.get(code, ""),
                    "cost_kind": "人员经费" if code in PERSONNEL_CLASSES else "公用经费",
                    "amount": personnel + public, "personnel": personnel, "public": public})
    if facts["unitemised"] != 0:
        out.append({"economic_class_code": "", "economic_class_name": "未列明", "cost_kind": "",
                    "amount": facts["unitemised"], "personnel": None, "public": None})
    frame = pd.DataFrame(out)
    for col in ("amount", "personnel", "public"):
        frame[col] = amounts(frame[col])
    frame["share_of_basic"] = [share(a, basic) for a in frame["amount"]]
    by_class = {r["economic_class_code"]: r["amount"] for r in out if r["economic_class_code"]}
    facts.update(
        personnel_classes=sum((by_class.get(c, ZERO) for c in PERSONNEL_CLASSES), ZERO),
        public_classes=sum((a for c, a in by_class.items() if c not in PERSONNEL_CLASSES), ZERO),
        itemised_share=share(facts["itemised"], basic),
    )
    facts.update(gap_label="未列明")
    return Finding("economic_classes", figures=facts, frame=frame, tables=(facts["source"], "T05"),
                   bases={"share_of_basic": "general_budget_basic"})


@wan
def largest_items(doc: BudgetDocument, n: int = 10) -> Finding:
    """The n largest basic-expenditure items by departmental economic code (最大支出项目),
    same rows as ``composition_by_economic_class``; a code that appears under several
    function codes (T03) is summed into one item."""
    rows, facts = basic_expenditure_rows(doc)
    if rows is None:
        return nothing("largest_items", doc, "T06", **facts)
    out = []
    for (code, name), group in rows.groupby(["dept_economic_code", "dept_economic_name"], sort=False):
        amount = detail_sum(group["amount"])
        out.append({"dept_economic_code": code, "dept_economic_name": name,
                    "cost_kind": "人员经费" if code[:3] in PERSONNEL_CLASSES else "公用经费",
                    "amount": amount, "share_of_basic": share(amount, facts["basic"]),
                    "rows": len(group), "page": pages_of(group["page"])})
    out.sort(key=lambda r: r["amount"], reverse=True)
    frame = pd.DataFrame(out[:n])
    frame["amount"] = amounts(frame["amount"])
    facts.update(n=len(frame), items=len(out))
    return Finding("largest_items", figures=facts, frame=frame, tables=(facts["source"],),
                   bases={"share_of_basic": "general_budget_basic"})


@wan
def three_public_costs(doc: BudgetDocument) -> Finding:
    """The 三公 costs (“三公”经费: 因公出国（境）, 公务接待, 公务用车购置及运行维护) from T09, and
    how much of them sits within 公用经费.

    T09 gives one amount per item, whatever pays for it. The part inside basic expenditure,
    hence inside 公用经费, is what the basic-expenditure table books under the matching
    economic codes (T06; T03's basic rows without T06); the rest of the T09 amount is
    project expenditure. T06 is preferred because its scope (general public budget) matches
    T09's (fiscal appropriations); T03 covers every fund. ``split_consistent`` is False when
    the booked basic part exceeds the T09 amount: then the project part is left blank.
    """
    if table_state(doc, "T09"):
        return nothing("three_public_costs", doc, "T09")
    t09 = doc["T09"].iloc[0]
    basis = next((tid for tid in ("T06", "T03") if not table_state(doc, tid)), None)
    rows = _basic_rows(doc, basis) if basis else None
    public_cost = total_of(doc, "T05", "public_cost") or total_of(doc, "T06", "public_cost")
    out = []
    for column, label, codes in THREE_PUBLIC_ITEMS:
        amount = t09.get(column)
        amount = ZERO if amount is None or pd.isna(amount) else Decimal(amount)
        basic_part = project_part = None
        if rows is not None:
            basic_part = detail_sum(rows.loc[rows["dept_economic_code"].str.startswith(codes), "amount"])
            project_part = amount - basic_part if basic_part <= amount else None
        out.append({"item": column, "label": label, "amount": amount,
                    "basic_part": basic_part, "project_part": project_part,
                    "basic_share_of_public_cost": share(basic_part, public_cost)})
    frame = pd.DataFrame(out)
    for col in ("amount", "basic_part", "project_part"):
        frame[col] = amounts(frame[col])
    total = Decimal(t09["total"]) if not pd.isna(t09["total"]) else detail_sum(frame["amount"])
    basic_part = detail_sum(r["basic_part"] for r in out) if rows is not None else None
    consistent = rows is not None and all(r["project_part"] is not None for r in out)
    figures = {
        "total": total, "public_cost": public_cost, "basis": basis,
        "basic_part": basic_part,
        "project_part": total - basic_part if consistent else None,
        "basic_share_of_public_cost": share(basic_part, public_cost),
        "split_consistent": consistent,
        **{r["item"]: r["amount"] for r in out},
    }
    return Finding("three_public_costs", figures=figures, frame=frame, tables=("T09", basis or "T06", "T05"))
