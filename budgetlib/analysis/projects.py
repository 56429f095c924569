"""Project cost indicators (项目支出绩效目标表 成本指标, T12).

Each project of T12 states performance indicators; those whose 一级指标 is 成本指标 are its cost
indicators. They come in three sorts:

- an amount (金额): a cost for the year or for a part of the project, "≤ 36.48 万元";
- a unit cost (单位成本): a price per minute, item, person-day…, "每分钟电话费 ≤ 0.083 元";
- not money at all: "实际支出与计划标准的一致性 = 100 %".

Amounts are normalised to 万元 (元 ÷ 10,000; 万美元 × the exchange rate, given in 万元 per
万美元, i.e. yuan per dollar). Normalised values are Decimal objects, not the 6-decimal amount
dtype: 0.083 元 is 0.0000083 万元, finer than a fen.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from importlib import resources

import pandas as pd

from ..catalog import load_yaml
from ..model import BudgetDocument
from ..normalize import fold
from . import bases
from .base import ZERO, Finding, amounts, detail_sum, nothing, share, table_state, total_of, wan

# Money units, as the number of 万元 in one unit ("万美元" is priced by the exchange rate).
MONEY_UNITS = {"元": Decimal("0.0001"), "万元": Decimal(1), "千元": Decimal("0.1"),
               "亿元": Decimal(10000), "美元": None, "万美元": None}
USD_UNITS = {"美元": Decimal("0.0001"), "万美元": Decimal(1)}  # in 万美元

# How an indicator's name says "per unit", and the unit it is per (label zh, en). First match
# wins; 每年/每月 are periods of the whole project, not units, so they do not count.
PER_UNIT_PATTERNS = [
    (r"每人每天|每人每日|人天|人/天|人日", "人天", "person-days"),
    (r"每分钟", "分钟", "minutes"),
    (r"每小时", "小时", "hours"),
    (r"按件|每件|单件", "件", "items"),
    (r"单名|每名", "名", "persons"),
    (r"每人|人均|单人", "人", "persons"),
    (r"每次|单次|次均", "次", "times"),
    (r"每(?![年月季])([\u4e00-\u9fff])", None, "units"),  # 每个, 每台, 每条…: the counter itself
    (r"单价|单位成本", "单位", "units"),
]
STATUSES = ("full", "partial", "exceeds", "unit_costs_only", "no_amount", "no_cost_indicator")
CAP_OPERATORS = {"≤": "cap", "<": "cap", "=": "exact", "≥": "floor", ">": "floor"}


def _rate(usd_rate) -> Decimal | None:
    return None if usd_rate is None else Decimal(str(usd_rate))


def to_wan(value: Decimal | None, unit: str, usd_rate=None) -> Decimal | None:
    """An indicator value in 万元 (转换为万元), or None when its unit is not money (%, 次…), or
    it is in dollars and no exchange rate (万元 per 万美元) is given."""
    money = fold(unit or "").split("/")[0]
    if value is None or pd.isna(value) or money not in MONEY_UNITS:
        return None
    if money in USD_UNITS:
        rate = _rate(usd_rate)
        return None if rate is None else Decimal(value) * USD_UNITS[money] * rate
    return Decimal(value) * MONEY_UNITS[money]


def per_unit(name: str, unit: str) -> tuple[str, str] | None:
    """What a unit cost is per (单位): ('分钟', 'minutes') for 每分钟电话费; None for a total."""
    folded = fold(unit or "")
    if "/" in folded:  # "元/分钟"
        after = folded.split("/", 1)[1]
        return after, after
    for pattern, zh, en in PER_UNIT_PATTERNS:
        m = re.search(pattern, name or "")
        if m:
            return (zh or m.group(1)), en
    return None


def _position(page, line) -> tuple[int, int]:
    return (0 if page is None or pd.isna(page) else int(page), 0 if line is None or pd.isna(line) else int(line))


def _projects(doc: BudgetDocument) -> pd.DataFrame:
    """T12's project rows, each with ``project_block``: its block number (0, 1, …).

    The block, not the code, identifies a project: a disclosure can list one project code in
    several blocks (one per subordinate unit, with different totals)."""
    t = doc["T12"].reset_index(drop=True)
    return t.assign(project_block=range(len(t)))


def _indicators(doc: BudgetDocument) -> pd.DataFrame:
    """T12's indicator rows, each with ``project_block``: the block it sits in, i.e. the last block of
    its project code that starts at or before it (the first such block if none does)."""
    columns = ["project_code", "level1", "level2", "level3", "operator", "value", "value_number", "unit",
               "is_cost", "is_qualitative", "page", "line"]
    if table_state(doc, "T12_indicators") or table_state(doc, "T12"):
        return pd.DataFrame(columns=[*columns, "project_block"])
    ind = doc["T12_indicators"].reset_index(drop=True)
    starts: dict[str, list[tuple[tuple[int, int], int]]] = {}
    for p in _projects(doc).itertuples(index=False):
        starts.setdefault(p.project_code, []).append((_position(p.page, p.line), p.project_block))
    blocks = []
    for code, page, line in zip(ind["project_code"], ind["page"], ind["line"]):
        here, mine = _position(page, line), starts.get(code, [])
        before = [b for pos, b in mine if pos <= here]
        blocks.append(before[-1] if before else (mine[0][1] if mine else None))
    return ind.assign(project_block=blocks)


def _no_indicators(kind: str) -> Finding:
    """A project table that prints no indicator columns (Hangzhou: 项目名称 | 金额 | 绩效目标)."""
    return Finding(kind, tables=("T12",), missing="not_printed", missing_table="T12",
                   figures={"needs_zh": "绩效指标", "needs_en": "performance indicators"})


def _as(kind: str, unanswered: Finding) -> Finding:
    """A question that rests on another one the document cannot answer: the same reason."""
    return Finding(kind, figures=dict(unanswered.figures), tables=unanswered.tables,
                   missing=unanswered.missing, missing_table=unanswered.missing_table)


@wan
def cost_indicators(doc: BudgetDocument, usd_rate=None) -> Finding:
    """Every cost indicator (成本指标) of every project, normalised to 万元.

    ``kind`` is 'amount', 'unit_cost' or 'non_monetary'; ``bound`` says what the operator
    makes of the value: 'cap' (≤), 'floor' (≥) or 'exact' (=). ``value_wan`` is the value in
    万元 (None when not money, or dollars without ``usd_rate``, in 万元 per 万美元).
    """
    if table_state(doc, "T12"):
        return nothing("cost_indicators", doc, "T12")
    if "T12_indicators" not in doc.tables:
        return _no_indicators("cost_indicators")
    ind = _indicators(doc)
    projects = _projects(doc)[["project_block", "project_name", "project_total"]]
    cost = ind[ind["is_cost"].astype(bool)].merge(projects, on="project_block", how="left")
    rows = []
    for r in cost.itertuples(index=False):
        value_wan = to_wan(r.value_number, r.unit, usd_rate)
        money = fold(r.unit or "").split("/")[0] in MONEY_UNITS
        unit_of = per_unit(r.level3, r.unit) if money else None
        rows.append({
            "project_block": r.project_block, "project_code": r.project_code, "project_name": r.project_name,
            "project_total": r.project_total, "indicator": r.level3, "operator": r.operator,
            "value": r.value, "unit": r.unit,
            "kind": "non_monetary" if not money else "unit_cost" if unit_of else "amount",
            "bound": CAP_OPERATORS.get(r.operator), "value_wan": value_wan,
            "per_unit": unit_of[0] if unit_of else None,
            "per_unit_en": unit_of[1] if unit_of else None,
            "page": r.page, "line": r.line,
        })
    frame = pd.DataFrame(rows, columns=["project_block", "project_code", "project_name", "project_total", "indicator",
                                        "operator", "value", "unit", "kind", "bound", "value_wan",
                                        "per_unit", "per_unit_en", "page", "line"])
    frame["project_total"] = amounts(frame["project_total"])
    needs_rate = frame["unit"].map(lambda u: fold(u or "").split("/")[0] in USD_UNITS)
    figures = {
        "indicators": len(frame), "usd_rate": _rate(usd_rate),
        **{kind: int((frame["kind"] == kind).sum()) for kind in ("amount", "unit_cost", "non_monetary")},
        "usd_indicators": int(needs_rate.sum()),
        "unconverted_usd": int((needs_rate & frame["value_wan"].isna()).sum()),
    }
    return Finding("cost_indicators", figures=figures, frame=frame, tables=("T12",))


@wan
def cap_coverage(doc: BudgetDocument, usd_rate=None) -> Finding:
    """Per project, how much of its total (项目总额) the explicit cost amounts cover.

    ``stated_costs`` is the sum of the project's amount indicators in 万元 (unit costs and
    non-money indicators excluded); ``coverage`` = stated_costs / project_total; ``status`` is
    'full' (they add up exactly, e.g. 405.48 = 36.48 + 99.44 + 269.56), 'partial', 'exceeds'
    (the caps are more than the project), 'unit_costs_only' (prices, no amounts),
    'no_amount' (cost indicators, none of them money) or 'no_cost_indicator'. Projects are
    T12 blocks (``project_block``), not codes. Figures also give T12's coverage of project
    expenditure (项目支出): T12 need not list every project.
    """
    ci = cost_indicators(doc, usd_rate)
    if not ci.available:
        return _as("cap_coverage", ci)
    cost = ci.frame
    # each project's indicators, (kind, value in 万元) in the frame's order: gathered in one
    # pass (filtering the frame per project made a 500-project document take a second, and
    # the page asks three times)
    by_block: dict = {}
    for block, kind, value in zip(cost["project_block"].tolist(), cost["kind"].tolist(), cost["value_wan"].tolist()):
        if block is not None and not pd.isna(block):
            by_block.setdefault(block, []).append((kind, value))
    rows = []
    for p in _projects(doc).itertuples(index=False):
        mine = by_block.get(p.project_block, []) if not pd.isna(p.project_block) else []
        kinds = [k for k, _ in mine]
        money = [v for k, v in mine if k == "amount"]
        stated = detail_sum(money) if money else None
        total = Decimal(p.project_total) if not pd.isna(p.project_total) else None
        largest = max((v for v in money if v is not None and not pd.isna(v)), default=None)
        if not mine:
            status = "no_cost_indicator"
        elif stated is None:
            status = "unit_costs_only" if "unit_cost" in kinds else "no_amount"
        elif total is not None and stated > total:
            status = "exceeds"
        else:
            status = "full" if stated == total else "partial"
        rows.append({
            "project_block": p.project_block, "project_code": p.project_code, "project_name": p.project_name,
            "project_total": total, "cost_indicators": len(mine), "amounts": len(money),
            "unit_costs": kinds.count("unit_cost"),
            "non_monetary": kinds.count("non_monetary"),
            "caps": money,
            "stated_costs": stated, "coverage": share(stated, total),
            "largest_cap": largest,
            "single_cap_exceeds": largest is not None and total is not None and largest > total,
            "status": status,
        })
    frame = pd.DataFrame(rows)
    t12_total = total_of(doc, "T12", "project_total")
    # T12 project totals are all funds (财政资金 + 其他资金): compare with T03's all-funds 项目支出
    project_expenditure = total_of(doc, "T03", "project") or total_of(doc, "T05", "project_total")
    counts = frame["status"].value_counts()
    figures = {
        "projects": len(frame), "t12_total": t12_total,
        "project_expenditure": project_expenditure,
        "t12_share_of_project_expenditure": share(t12_total, project_expenditure),
        **{s: int(counts.get(s, 0)) for s in STATUSES},
        "exceeding_projects": frame.loc[(frame["status"] == "exceeds") | frame["single_cap_exceeds"],
                                        "project_name"].to_list(),
        "usd_rate": ci.figures["usd_rate"],
    }
    return Finding("cap_coverage", figures=figures, frame=frame, tables=("T12", "T03"))


@wan
def caps_exceeding_project(doc: BudgetDocument, usd_rate=None) -> Finding:
    """Projects whose cost amounts add up to more than the project total, or with one cap
    larger than the whole project (成本指标超过项目总额): a sign of a unit error (元 vs 万元)
    or of a stale indicator."""
    cov = cap_coverage(doc, usd_rate)
    if not cov.available:
        return _as("caps_exceeding", cov)
    frame = cov.frame[(cov.frame["status"] == "exceeds") | cov.frame["single_cap_exceeds"]]
    return Finding("caps_exceeding", figures={"projects": len(frame), "checked": len(cov.frame)},
                   frame=frame.reset_index(drop=True), tables=("T12",))


@lru_cache(maxsize=1)
def _components() -> tuple[tuple[str, str], ...]:
    """(word, English) of the cost components a unit cost can price (catalog/cost_items.yaml)."""
    raw = load_yaml(resources.files("budgetlib.catalog").joinpath("cost_items.yaml").read_text(encoding="utf-8"))
    return tuple((c["word"], c["en"]) for c in raw["components"])


def component_of(indicator: str) -> tuple[str, str] | None:
    """The component a unit cost prices ('住宿', 'lodging' for 每人每天住宿费), None when it
    prices the project's whole output (每分钟电话费)."""
    return next(((w, en) for w, en in _components() if w in (indicator or "")), None)


@wan
def unit_costs(doc: BudgetDocument, usd_rate=None) -> Finding:
    """Unit-cost indicators (单位成本: per minute, per item, per person-day…) and the quantity
    they imply.

    A unit cost implies a quantity only for the money it prices (``quantity_basis``):

    - the project total, when the unit cost prices the project's whole output and is its sole
      cost indicator in money (``sole_cost``), as with 通信费's 每分钟电话费: 300 万元 at
      ≤ 0.083 元 per minute is ≥ 36,144,578 minutes;
    - the amount the project states for the same component, when the unit cost prices one
      component (``component``: 住宿, 餐…, catalog/cost_items.yaml): 每人每天住宿费 caps lodging,
      never the whole 出国 budget, so without a lodging amount it implies nothing.

    ``relation`` turns the operator round: a price cap (≤) implies a quantity floor (≥).
    ``stated_quantity`` is a quantity indicator (数量指标) of the same project counted in the
    same unit, when there is one, to compare with.
    """
    ci = cost_indicators(doc, usd_rate)
    if not ci.available:
        return _as("unit_costs", ci)
    money = ci.frame[ci.frame["kind"] != "non_monetary"]
    money_per_project = money.groupby("project_block").size()
    ind = _indicators(doc)
    quantities = ind[~ind["is_cost"].astype(bool) & (ind["level2"] == "数量指标")]
    rows = []
    for r in money[money["kind"] == "unit_cost"].itertuples(index=False):
        total = None if pd.isna(r.project_total) else Decimal(r.project_total)
        sole = int(money_per_project.get(r.project_block, 0)) == 1
        component = component_of(r.indicator)
        basis = basis_amount = None
        if component is None and sole and total:
            basis, basis_amount = "project_total", total
        elif component is not None:
            mine = money[(money["project_block"] == r.project_block) & (money["kind"] == "amount")
                         & money["indicator"].str.contains(component[0], regex=False, na=False)]
            if len(mine) == 1 and mine["value_wan"].iloc[0] is not None:
                basis, basis_amount = mine["indicator"].iloc[0], Decimal(mine["value_wan"].iloc[0])
        implied = basis_amount / r.value_wan if basis_amount and r.value_wan else None
        stated = quantities[(quantities["project_block"] == r.project_block) & (quantities["unit"] == r.per_unit)]
        rows.append({
            "project_block": r.project_block, "project_code": r.project_code, "project_name": r.project_name,
            "project_total": total, "indicator": r.indicator, "operator": r.operator, "value": r.value,
            "unit": r.unit, "unit_cost_wan": r.value_wan, "per_unit": r.per_unit, "per_unit_en": r.per_unit_en,
            "sole_cost": sole, "component": component[0] if component else None,
            "component_en": component[1] if component else None,
            "quantity_basis": basis, "basis_amount": basis_amount,
            "relation": {"≤": "≥", "<": ">", "≥": "≤", ">": "<"}.get(r.operator, "="),
            "implied_quantity": implied,
            "stated_quantity": (f"{stated['level3'].iloc[0]} {stated['operator'].iloc[0]} "
                                f"{stated['value'].iloc[0]} {stated['unit'].iloc[0]}") if len(stated) else None,
            "page": r.page, "line": r.line,
        })
    frame = pd.DataFrame(rows, columns=["project_block", "project_code", "project_name", "project_total", "indicator",
                                        "operator", "value", "unit", "unit_cost_wan", "per_unit",
                                        "per_unit_en", "sole_cost", "component", "component_en", "quantity_basis",
                                        "basis_amount", "relation", "implied_quantity", "stated_quantity",
                                        "page", "line"])
    return Finding("unit_costs", figures={"unit_costs": len(frame),
                                          "with_quantity": int(frame["implied_quantity"].notna().sum()),
                                          "components": int(frame["component"].notna().sum()),
                                          "usd_rate": ci.figures["usd_rate"]},
                   frame=frame, tables=("T12",))


@wan
def project_spending(doc: BudgetDocument) -> Finding:
    """What the document says about its project spending (项目支出的说明程度): the stated
    project expenditure (T03 合计, all funds; else T05), how much of it the detail rows itemise
    (T03's, else T05's project column), and how much the performance-target table (T12) covers.

    A department can print its project expenditure as one 合计 with no detail rows and no
    performance targets: ``undocumented`` is then the whole amount, and the report says so once.
    """
    all_funds = bases.amount(doc, "all_funds")
    stated = bases.amount(doc, "all_funds_project")
    source = "T03"
    if stated is None:
        stated, source = total_of(doc, "T05", "project_total"), "T05"
    if stated is None:
        return nothing("project_spending", doc, "T03")
    column = "project" if source == "T03" else "project_total"
    itemised = detail_sum(doc[source][column]) if doc.has_rows(source) and column in doc[source] else ZERO
    t12_state = table_state(doc, "T12")
    t12_total = detail_sum(doc["T12"]["project_total"]) if not t12_state else ZERO
    projects = len(doc["T12"]) if not t12_state else 0
    # Neither itemised nor covered by targets: only certain when one of the two is nothing.
    undocumented = stated - max(itemised, t12_total) if min(itemised, t12_total) == 0 else None
    figures = {
        "project_expenditure": stated, "source": source, "all_funds_expenditure": all_funds,
        "share_of_all_funds": share(stated, all_funds), "itemised": itemised,
        "itemised_share": share(itemised, stated), "t12_state": t12_state, "t12_projects": projects,
        "t12_total": t12_total, "t12_share": share(t12_total, stated),
        "undocumented": undocumented if undocumented and undocumented > 0 else ZERO,
        "undocumented_share_of_all_funds": share(undocumented, all_funds) if undocumented and undocumented > 0 else None,
    }
    return Finding("project_spending", figures=figures, tables=(source, "T12"))


def whole_quantity(q: Decimal | None, relation: str) -> Decimal | None:
    """An implied quantity as a whole number that keeps the statement true: ≥ rounds down,
    ≤ rounds up (≥ 36,144,578.31 minutes is ≥ 36,144,578)."""
    if q is None:
        return None
    rounding = ROUND_FLOOR if relation in ("≥", ">") else ROUND_CEILING
    return q.quantize(Decimal(1), rounding=rounding)


@wan
def projects_without_cost_indicators(doc: BudgetDocument) -> Finding:
    """Projects with no cost indicator at all (无成本指标), and projects whose cost indicators
    are none of them an amount of money (e.g. only '实际支出与计划标准的一致性 = 100%')."""
    if table_state(doc, "T12"):
        return nothing("without_cost_indicators", doc, "T12")
    if "T12_indicators" not in doc.tables:
        return _no_indicators("without_cost_indicators")
    cov = cap_coverage(doc)
    frame = cov.frame[cov.frame["status"].isin(["no_cost_indicator", "no_amount"])]
    frame = frame[["project_code", "project_name", "project_total", "cost_indicators", "status"]]
    frame = frame.reset_index(drop=True)
    figures = {"projects": len(cov.frame),
               "no_cost_indicator": frame.loc[frame["status"] == "no_cost_indicator", "project_name"].to_list(),
               "no_amount": frame.loc[frame["status"] == "no_amount", "project_name"].to_list()}
    return Finding("without_cost_indicators", figures=figures, frame=frame, tables=("T12",))


@wan
def qualitative_indicators(doc: BudgetDocument) -> Finding:
    """Qualitative indicators (定性指标): stated as 定性, no measurable target. ``figures``
    also names the projects all of whose indicators are qualitative."""
    if table_state(doc, "T12"):
        return nothing("qualitative_indicators", doc, "T12")
    if "T12_indicators" not in doc.tables:
        return _no_indicators("qualitative_indicators")
    ind = _indicators(doc)
    projects = _projects(doc)
    q = ind[ind["is_qualitative"].astype(bool)].merge(projects[["project_block", "project_name"]], on="project_block", how="left")
    frame = pd.DataFrame({
        "project_code": q["project_code"].to_list(), "project_name": q["project_name"].to_list(),
        "level1": q["level1"].to_list(), "level2": q["level2"].to_list(),
        "indicator": q["level3"].to_list(), "value": q["value"].to_list(), "unit": q["unit"].to_list(),
        "line": q["line"].to_list(),
    })
    all_qualitative = ind.groupby("project_block")["is_qualitative"].agg(lambda s: bool(s.astype(bool).all()))
    only = projects[projects["project_block"].map(all_qualitative).fillna(False).astype(bool)]
    figures = {"indicators": len(frame), "of_all_indicators": len(ind),
               "share": share(len(frame), len(ind)),
               "projects": q["project_block"].nunique(),
               "qualitative_only_projects": only["project_name"].to_list()}
    return Finding("qualitative_indicators", figures=figures, frame=frame, tables=("T12",))


@wan
def project_table(doc: BudgetDocument, usd_rate=None) -> Finding:
    """One row per project for the sortable table (项目一览): total, funds, cost-indicator
    counts, stated costs and coverage, unit costs, qualitative count, goal text."""
    cov = cap_coverage(doc, usd_rate)
    if not cov.available:
        return _as("project_table", cov)
    ind = _indicators(doc)
    t12 = _projects(doc).set_index("project_block").reindex(cov.frame["project_block"])
    frame = cov.frame.assign(
        fiscal_funds=amounts(t12["fiscal_funds"]) if "fiscal_funds" in t12 else None,
        indicators=cov.frame["project_block"].map(ind.groupby("project_block").size()).fillna(0).astype(int).to_list(),
        qualitative=cov.frame["project_block"].map(ind.groupby("project_block")["is_qualitative"].sum())
        .fillna(0).astype(int).to_list(),
        goal=t12["goal"].to_list() if "goal" in t12 else None,
    )
    frame["project_total"] = amounts(frame["project_total"])
    return Finding("project_table", figures=cov.figures, frame=frame, tables=("T12",))


__all__ = ["project_spending", "component_of", "cost_indicators", "cap_coverage", "caps_exceeding_project", "unit_costs",
           "projects_without_cost_indicators", "qualitative_indicators", "project_table",
           "to_wan", "per_unit", "whole_quantity"]
