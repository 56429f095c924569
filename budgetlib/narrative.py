"""Sentences written from computed figures (文字说明), in Chinese (default) or English.

    narrative.describe(personnel.personnel_vs_public(doc))
    # '人员经费 19,357.95 万元，占基本支出 98.8%、占支出合计 69.3%；…'
    narrative.describe(f, "en")
    # 'Personnel costs 19,357.95 万元 (10k yuan), 98.8% of basic expenditure and 69.3% of total; …'

Arithmetic stays exact (Decimal) in the analyses; rounding happens here, once, half up
(四舍五入): amounts in 万元 with thousands separators and 2 decimals, shares as percent with 1
decimal, counts as whole numbers. A Finding whose table is absent or empty becomes one
sentence saying so ("本部门本年度无政府采购预算。").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .analysis.base import Finding
from .analysis.projects import whole_quantity

LANGS = ("zh", "en")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


# ------------------------------------------------------------------------------- numbers

def fmt_amount(value) -> str:
    """An amount in 万元: '19,357.95' (2 decimals, half up); '—' when unknown."""
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP):,}"


def fmt_share(fraction) -> str:
    """A fraction as percent with 1 decimal: Decimal('0.98761…') -> '98.8%'; '—' when unknown."""
    if fraction is None:
        return "—"
    return f"{(Decimal(fraction) * 100).quantize(TENTH, rounding=ROUND_HALF_UP):,}%"


def fmt_count(value) -> str:
    """A whole number with thousands separators: 36144578 -> '36,144,578'."""
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def fmt_exact(value) -> str:
    """A small value as printed, without trailing zeros: Decimal('0.0000083000') -> '0.0000083'."""
    if value is None:
        return "—"
    text = f"{Decimal(value).normalize():f}"
    return text


def _names(names, lang: str, limit: int = 8) -> str:
    """'甲、乙、丙' / 'A, B, C'; beyond ``limit`` names: '甲、乙…等 12 个' / 'A, B… (12 in all)'."""
    names = list(names)
    sep = "、" if lang == "zh" else ", "
    text = sep.join(str(n) for n in names[:limit])
    if len(names) > limit:
        text += f"…等 {len(names)} 个" if lang == "zh" else f"… ({len(names)} in all)"
    return text


def _pick(lang: str, zh: str, en: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return zh if lang == "zh" else en


# --------------------------------------------------------------------- absent / empty tables

# What each table would hold, for "本部门本年度无…" / "no … this year".
_SUBJECT = {
    "T01": ("收支预算", "income and expenditure budget"),
    "T03": ("支出预算", "expenditure budget"),
    "T05": ("一般公共预算支出", "general public budget expenditure"),
    "T06": ("一般公共预算基本支出", "general public budget basic expenditure"),
    "T07": ("政府性基金预算支出", "government fund expenditure"),
    "T08": ("国有资本经营预算支出", "state capital operation expenditure"),
    "T09": ("“三公”经费预算", "budget for the \"three public\" costs"),
    "T10": ("政府采购预算", "government procurement budget"),
    "T11": ("政府购买服务预算", "budget for purchasing services"),
    "T12": ("项目支出绩效目标", "project performance targets"),
}
_TABLE_NAME = {
    "T01": "收支总表", "T03": "支出总表", "T05": "一般公共预算支出表", "T06": "一般公共预算基本支出表",
    "T09": "“三公”经费支出表", "T10": "政府采购预算明细表", "T11": "政府购买服务明细表",
    "T12": "项目支出绩效目标表",
}


def missing_sentence(finding: Finding, lang: str = "zh") -> str:
    """'本部门本年度无政府采购预算。' for an empty table; '文档中没有政府采购预算明细表（T10）。'
    for an absent one."""
    tid = finding.missing_table or (finding.tables[0] if finding.tables else "?")
    zh, en = _SUBJECT.get(tid, ("此项预算", "such budget"))
    if finding.missing == "empty":
        return _pick(lang, f"本部门本年度无{zh}。", f"The department has no {en} this year ({tid} is empty).")
    name = _TABLE_NAME.get(tid, tid)
    return _pick(lang, f"文档中没有{name}（{tid}），无法分析{zh}。",
                 f"The document has no {tid} ({name}), so its {en} cannot be analysed.")


# ------------------------------------------------------------------------------ sentences

def heading(doc, lang: str = "zh") -> str:
    """Which document a report is about: '北京市市民热线服务中心 2025 年部门预算（source name）'."""
    meta = doc.meta
    final = meta.get("kind") == "final"
    year = meta.get("year") or "?"
    return _pick(lang, f"{doc.name} {year} 年{'部门决算' if final else '部门预算'}（{meta.get('source_name')}）",
                 f"{doc.name}, {'final accounts' if final else 'departmental budget'} {year} "
                 f"({meta.get('source_name')})")


def _summary(f: Finding, lang: str) -> str:
    g = f.figures
    kind_zh = "部门决算" if g.get("kind") == "final" else "部门预算"
    if g["current_expenditure"] is None:
        return _pick(lang, f"{g['department']} {g['year']} 年{kind_zh}：文档中没有收支总表（T01）。",
                     f"{g['department']}, {g['year']}: the document has no income and expenditure summary (T01).")
    zh = (f"{g['department']} {g['year']} 年{kind_zh}：本年收入合计 {fmt_amount(g['current_income'])} 万元，"
          f"上年结转结余 {fmt_amount(g['carryover_income'])} 万元，收入总计 {fmt_amount(g['income_grand_total'])} 万元；"
          f"本年支出合计 {fmt_amount(g['current_expenditure'])} 万元")
    en = (f"{g['department']}, {'final accounts' if g.get('kind') == 'final' else 'departmental budget'} "
          f"{g['year']}: current-year income {fmt_amount(g['current_income'])} 万元 (10k yuan), carry-over "
          f"{fmt_amount(g['carryover_income'])} 万元, total income {fmt_amount(g['income_grand_total'])} 万元; "
          f"current-year expenditure {fmt_amount(g['current_expenditure'])} 万元")
    if g["basic_expenditure"] is not None:
        zh += (f"，其中基本支出 {fmt_amount(g['basic_expenditure'])} 万元（{fmt_share(g['basic_share'])}），"
               f"项目支出 {fmt_amount(g['project_expenditure'])} 万元（{fmt_share(g['project_share'])}）")
        en += (f", of which basic {fmt_amount(g['basic_expenditure'])} 万元 ({fmt_share(g['basic_share'])}) "
               f"and projects {fmt_amount(g['project_expenditure'])} 万元 ({fmt_share(g['project_share'])})")
    zh += f"；年终结转结余 {fmt_amount(g['year_end_carryover'])} 万元。"
    en += f"; carried forward at year end {fmt_amount(g['year_end_carryover'])} 万元."
    empty, absent = g["tables_empty"], g["tables_absent"]
    if empty:
        zh += f"空表：{'、'.join(empty)}。"
        en += f" Empty tables: {', '.join(empty)}."
    if absent:
        zh += f"缺少：{'、'.join(absent)}。"
        en += f" Absent tables: {', '.join(absent)}."
    return _pick(lang, zh, en)


def _income_sources(f: Finding, lang: str) -> str:
    rows = f.frame
    zh = "；".join(f"{r.income_source} {fmt_amount(r.amount)} 万元（{fmt_share(r.share_of_income)}）"
                  for r in rows.itertuples())
    en = "; ".join(f"{r.income_source} {fmt_amount(r.amount)} 万元 ({fmt_share(r.share_of_income)})"
                   for r in rows.itertuples())
    total = fmt_amount(f.figures["current_income"])
    return _pick(lang, f"本年收入合计 {total} 万元，来源：{zh}。",
                 f"Current-year income {total} 万元 (10k yuan), from: {en}.")


def _function_classes(f: Finding, lang: str) -> str:
    g = f.figures
    if not g["classes"]:
        return _pick(lang, "本年支出合计为零，没有功能分类支出。", "There is no expenditure by function class.")
    return _pick(
        lang,
        f"按支出功能分类，{g['classes']} 类有支出，最大的是{g['largest_class']} "
        f"{fmt_amount(g['largest_amount'])} 万元，占本年支出合计的 {fmt_share(g['largest_share'])}。",
        f"By function class, {g['classes']} classes have expenditure; the largest is {g['largest_class']} "
        f"with {fmt_amount(g['largest_amount'])} 万元 (10k yuan), {fmt_share(g['largest_share'])} of "
        f"current-year expenditure.")


def _function_items(f: Finding, lang: str) -> str:
    top = f.frame.iloc[0] if len(f.frame) else None
    total = fmt_amount(f.figures["general_budget_total"])
    if top is None:
        return _pick(lang, "一般公共预算支出表没有明细行。", "T05 has no detail rows.")
    return _pick(
        lang,
        f"一般公共预算支出 {total} 万元，分 {len(f.frame)} 个项级科目；最大的是 {top.function_code} "
        f"{top.function_name} {fmt_amount(top.amount)} 万元（{fmt_share(top.share_of_expenditure)}）。",
        f"General public budget expenditure {total} 万元 (10k yuan) over {len(f.frame)} function items; "
        f"the largest is {top.function_code} {top.function_name}, {fmt_amount(top.amount)} 万元 "
        f"({fmt_share(top.share_of_expenditure)}).")


def _personnel_vs_public(f: Finding, lang: str) -> str:
    g = f.figures
    zh = (f"人员经费 {fmt_amount(g['personnel_cost'])} 万元，占基本支出 {fmt_share(g['personnel_share_of_basic'])}")
    en = (f"Personnel costs {fmt_amount(g['personnel_cost'])} 万元 (10k yuan), "
          f"{fmt_share(g['personnel_share_of_basic'])} of basic expenditure")
    if g["total"] is not None:
        zh += f"、占支出合计 {fmt_share(g['personnel_share_of_total'])}"
        en += f" and {fmt_share(g['personnel_share_of_total'])} of total"
    zh += f"；公用经费 {fmt_amount(g['public_cost'])} 万元，占基本支出 {fmt_share(g['public_share_of_basic'])}"
    en += f"; public costs {fmt_amount(g['public_cost'])} 万元, {fmt_share(g['public_share_of_basic'])} of basic"
    if g["total"] is not None:
        zh += (f"、占支出合计 {fmt_share(g['public_share_of_total'])}；项目支出 {fmt_amount(g['project'])} 万元，"
               f"占支出合计 {fmt_share(g['project_share_of_total'])}")
        en += (f" and {fmt_share(g['public_share_of_total'])} of total; project expenditure "
               f"{fmt_amount(g['project'])} 万元, {fmt_share(g['project_share_of_total'])} of total")
    scope_zh = "一般公共预算" if g["source"] == "T05" else "据基本支出表（T06），无项目支出"
    scope_en = "general public budget" if g["source"] == "T05" else "from T06, without project expenditure"
    zh += f"（{scope_zh}）。"
    en += f" ({scope_en})."
    if g["scope_differs"]:
        zh += f"全部资金的本年支出合计为 {fmt_amount(g['all_funds_expenditure'])} 万元。"
        en += f" Current-year expenditure from all funds is {fmt_amount(g['all_funds_expenditure'])} 万元."
    return _pick(lang, zh, en)


def _economic_classes(f: Finding, lang: str) -> str:
    g = f.figures
    src, other = g["source"], "T03" if g["source"] == "T06" else "T06"
    classes_zh = (f"人员经费类（301 工资福利支出、303 对个人和家庭的补助）{fmt_amount(g['personnel_classes'])} 万元，"
                  f"公用经费类（302 商品和服务支出、310 资本性支出等）{fmt_amount(g['public_classes'])} 万元")
    classes_en = (f"personnel classes (301 wages and benefits, 303 subsidies to individuals) "
                  f"{fmt_amount(g['personnel_classes'])} 万元, public classes (302 goods and services, "
                  f"310 capital, …) {fmt_amount(g['public_classes'])} 万元")
    if g["complete"]:
        return _pick(lang, f"基本支出 {fmt_amount(g['basic'])} 万元全部按经济分类列明（{src}）：{classes_zh}。",
                     f"Basic expenditure of {fmt_amount(g['basic'])} 万元 (10k yuan) is fully itemised by "
                     f"economic class ({src}): {classes_en}.")
    other_zh = other_en = ""
    if g.get(f"{other}_itemised") is not None:
        other_zh = f"（{other} 的基本支出明细行合计 {fmt_amount(g[f'{other}_itemised'])} 万元）"
        other_en = f" ({other}'s basic rows sum to {fmt_amount(g[f'{other}_itemised'])} 万元)"
    return _pick(
        lang,
        f"基本支出 {fmt_amount(g['basic'])} 万元中，{src} 的明细行只列明 {fmt_amount(g['itemised'])} 万元"
        f"（{fmt_share(g['itemised_share'])}），未列明 {fmt_amount(g['unitemised'])} 万元{other_zh}；"
        f"列明部分中{classes_zh}。下表把未列明部分单列。",
        f"Of basic expenditure of {fmt_amount(g['basic'])} 万元 (10k yuan), {src}'s detail rows itemise only "
        f"{fmt_amount(g['itemised'])} 万元 ({fmt_share(g['itemised_share'])}), leaving "
        f"{fmt_amount(g['unitemised'])} 万元 unitemised{other_en}; of the itemised part, {classes_en}. "
        f"The table shows the unitemised part as its own row.")


def _largest_items(f: Finding, lang: str) -> str:
    top = f.frame.head(3)
    zh = "、".join(f"{r.dept_economic_code} {r.dept_economic_name} {fmt_amount(r.amount)} 万元" for r in top.itertuples())
    en = ", ".join(f"{r.dept_economic_code} {r.dept_economic_name} {fmt_amount(r.amount)} 万元" for r in top.itertuples())
    return _pick(lang, f"基本支出中列明的最大项目（{f.figures['source']}）：{zh}。",
                 f"The largest itemised basic-expenditure items ({f.figures['source']}): {en} (10k yuan).")


def _three_public_costs(f: Finding, lang: str) -> str:
    g = f.figures
    if not g["total"]:
        return _pick(lang, "本部门本年度“三公”经费财政拨款预算为零。",
                     "The department budgets nothing for the \"three public\" costs this year.")
    vehicles = g["vehicle_purchase"] + g["vehicle_operation"]
    zh = (f"“三公”经费 {fmt_amount(g['total'])} 万元：因公出国（境）费用 {fmt_amount(g['overseas_travel'])} 万元，"
          f"公务接待费 {fmt_amount(g['official_reception'])} 万元，公务用车购置及运行维护费 {fmt_amount(vehicles)} 万元"
          f"（购置 {fmt_amount(g['vehicle_purchase'])} 万元，运行维护 {fmt_amount(g['vehicle_operation'])} 万元）。")
    en = (f"The \"three public\" costs are {fmt_amount(g['total'])} 万元 (10k yuan): overseas travel "
          f"{fmt_amount(g['overseas_travel'])} 万元, official reception {fmt_amount(g['official_reception'])} 万元, "
          f"official vehicles {fmt_amount(vehicles)} 万元 (purchase {fmt_amount(g['vehicle_purchase'])}, "
          f"operation {fmt_amount(g['vehicle_operation'])}).")
    if g["basic_part"] is not None and g["split_consistent"]:
        zh += (f"其中基本支出 {fmt_amount(g['basic_part'])} 万元（据 {g['basis']}），占公用经费 "
               f"{fmt_amount(g['public_cost'])} 万元的 {fmt_share(g['basic_share_of_public_cost'])}；"
               f"其余 {fmt_amount(g['project_part'])} 万元为项目支出。")
        en += (f" Of these, {fmt_amount(g['basic_part'])} 万元 is basic expenditure (per {g['basis']}), "
               f"{fmt_share(g['basic_share_of_public_cost'])} of public costs ({fmt_amount(g['public_cost'])} 万元); "
               f"the other {fmt_amount(g['project_part'])} 万元 is project expenditure.")
    elif g["basic_part"] is not None:
        zh += (f"{g['basis']} 在相应经济科目下列有基本支出 {fmt_amount(g['basic_part'])} 万元，"
               f"有的科目多于本表金额，无法据此拆分基本支出与项目支出。")
        en += (f" {g['basis']} books {fmt_amount(g['basic_part'])} 万元 of basic expenditure under the matching "
               f"economic codes, more than T09 for some items, so the basic/project split cannot be made.")
    return _pick(lang, zh, en)


def _procurement_share(f: Finding, lang: str) -> str:
    g = f.figures
    parts_zh = "，".join(f"{r.category} {fmt_amount(r.amount)} 万元（{fmt_share(r.share_of_procurement)}）"
                         for r in f.frame.itertuples())
    parts_en = ", ".join(f"{r.category_en} {fmt_amount(r.amount)} 万元 ({fmt_share(r.share_of_procurement)})"
                         for r in f.frame.itertuples())
    zh = (f"政府采购预算 {fmt_amount(g['total'])} 万元，占本年支出合计的 {fmt_share(g['share_of_total'])}、"
          f"占项目支出的 {fmt_share(g['share_of_project'])}；其中{parts_zh}。")
    en = (f"Government procurement is {fmt_amount(g['total'])} 万元 (10k yuan), {fmt_share(g['share_of_total'])} "
          f"of current-year expenditure and {fmt_share(g['share_of_project'])} of project expenditure: {parts_en}.")
    if g["uncategorised"]:
        zh += f"另有 {fmt_amount(g['uncategorised'])} 万元无法归入货物、工程、服务。"
        en += f" {fmt_amount(g['uncategorised'])} 万元 could not be put in a category."
    return _pick(lang, zh, en)


def _cost_indicators(f: Finding, lang: str) -> str:
    g = f.figures
    zh = (f"{g['indicators']} 个成本指标中，金额指标 {g['amount']} 个，单位成本指标 {g['unit_cost']} 个，"
          f"非金额指标 {g['non_monetary']} 个。")
    en = (f"Of {g['indicators']} cost indicators, {g['amount']} are amounts, {g['unit_cost']} unit costs and "
          f"{g['non_monetary']} not money.")
    if g["usd_indicators"]:
        if g["unconverted_usd"]:
            zh += f"{g['unconverted_usd']} 个以万美元计的指标未换算（未给汇率）。"
            en += f" {g['unconverted_usd']} indicator(s) in 万美元 not converted (no exchange rate given)."
        else:
            zh += f"以万美元计的 {g['usd_indicators']} 个指标按 1 万美元 = {fmt_exact(g['usd_rate'])} 万元换算。"
            en += (f" {g['usd_indicators']} indicator(s) in 万美元 converted at 1 万美元 = "
                   f"{fmt_exact(g['usd_rate'])} 万元.")
    return _pick(lang, zh, en)


def _cap_coverage(f: Finding, lang: str) -> str:
    g, frame = f.figures, f.frame
    full = frame[frame["status"] == "full"].sort_values("amounts", ascending=False, kind="stable")
    example_zh = example_en = ""
    if len(full):
        p = full.iloc[0]
        caps = p["caps"] if "caps" in p else None
        terms = " + ".join(fmt_amount(v) for v in (caps or []))
        if terms:
            example_zh = f"（如{p['project_name']}：{terms} = {fmt_amount(p['project_total'])} 万元）"
            example_en = f" (e.g. {p['project_name']}: {terms} = {fmt_amount(p['project_total'])} 万元)"
    zh = (f"{g['projects']} 个项目中，{g['full']} 个项目的成本金额指标恰好合计为项目总额{example_zh}，"
          f"{g['partial']} 个部分覆盖，{g['exceeds']} 个超过项目总额；{g['unit_costs_only']} 个只有单位成本指标，"
          f"{g['no_amount']} 个的成本指标都不是金额，{g['no_cost_indicator']} 个没有成本指标。")
    en = (f"Of {g['projects']} projects, {g['full']} have cost amounts adding up exactly to the project total"
          f"{example_en}, {g['partial']} are partly covered and {g['exceeds']} exceed it; {g['unit_costs_only']} "
          f"have only unit costs, {g['no_amount']} have cost indicators that are not money, and "
          f"{g['no_cost_indicator']} have none.")
    if g["project_expenditure"]:
        zh += (f"绩效目标表列出的项目合计 {fmt_amount(g['t12_total'])} 万元，占项目支出 "
               f"{fmt_amount(g['project_expenditure'])} 万元的 {fmt_share(g['t12_share_of_project_expenditure'])}。")
        en += (f" The projects in T12 total {fmt_amount(g['t12_total'])} 万元 (10k yuan), "
               f"{fmt_share(g['t12_share_of_project_expenditure'])} of project expenditure "
               f"({fmt_amount(g['project_expenditure'])} 万元).")
    return _pick(lang, zh, en)


def _caps_exceeding(f: Finding, lang: str) -> str:
    if f.frame.empty:
        return _pick(lang, f"{f.figures['checked']} 个项目中，没有项目的成本金额指标超过项目总额。",
                     f"None of {f.figures['checked']} projects has cost amounts above its project total.")
    rows = f.frame.head(6)
    zh = _names([f"{r.project_name}（成本指标 {fmt_amount(r.stated_costs)} 万元，项目总额 {fmt_amount(r.project_total)} 万元）"
                 for r in rows.itertuples()], "zh")
    en = _names([f"{r.project_name} (costs {fmt_amount(r.stated_costs)} 万元, project {fmt_amount(r.project_total)} 万元)"
                 for r in rows.itertuples()], "en")
    if len(f.frame) > len(rows):
        zh += f"…等 {len(f.frame)} 个"
        en += f"… ({len(f.frame)} in all)"
    return _pick(lang, f"{len(f.frame)} 个项目的成本金额指标超过项目总额：{zh}。",
                 f"{len(f.frame)} projects have cost amounts above their total: {en}.")


def _unit_costs(f: Finding, lang: str) -> str:
    if f.frame.empty:
        return _pick(lang, "没有单位成本指标。", "There are no unit-cost indicators.")
    zh, en = [], []
    sole = f.frame[f.frame["sole_cost"]]
    for r in sole.head(8).itertuples():
        q = fmt_count(whole_quantity(r.implied_quantity, r.relation))
        in_wan = r.unit != "万元" and r.unit_cost_wan is not None
        stated = r.stated_quantity if isinstance(r.stated_quantity, str) else None  # NA in a str column
        zh.append(f"{r.project_name}：{r.indicator} {r.operator} {r.value} {r.unit}"
                  f"{f'（{fmt_exact(r.unit_cost_wan)} 万元）' if in_wan else ''}，项目总额 "
                  f"{fmt_amount(r.project_total)} 万元可购 {r.relation} {q} {r.per_unit}"
                  f"{f'，项目数量指标为{stated}' if stated else ''}")
        en.append(f"{r.project_name}: {r.indicator} {r.operator} {r.value} {r.unit}"
                  f"{f' ({fmt_exact(r.unit_cost_wan)} 万元)' if in_wan else ''}, so "
                  f"{fmt_amount(r.project_total)} 万元 buys {r.relation} {q} {r.per_unit_en}"
                  f"{f'; the project states {stated}' if stated else ''}")
    zh_text = f"{len(f.frame)} 个单位成本指标"
    en_text = f"{len(f.frame)} unit-cost indicators"
    if len(sole):
        which = "均" if len(sole) == len(f.frame) else f"其中 {len(sole)} 个"
        zh_text += (f"，{which}是所在项目唯一的金额成本指标，可推算数量（假定项目总额全部用于该单位）："
                    + "；".join(zh) + ("…" if len(sole) > 8 else "") + "。")
        which = "all" if len(sole) == len(f.frame) else str(len(sole))
        en_text += (f"; {which} are their project's only cost in money, so they imply a quantity (if the "
                    f"whole project total is spent on that unit): " + "; ".join(en) + ("…" if len(sole) > 8 else "") + ".")
    else:
        zh_text += "，都与其他成本指标并列，不推算数量。"
        en_text += "; each sits beside other cost indicators, so no quantity is implied."
    if len(f.frame) > len(sole) and len(sole):
        zh_text += f"其余 {len(f.frame) - len(sole)} 个与其他成本指标并列，不推算数量。"
        en_text += f" The other {len(f.frame) - len(sole)} sit beside other cost indicators: no quantity implied."
    return _pick(lang, zh_text, en_text)


def _without_cost_indicators(f: Finding, lang: str) -> str:
    g = f.figures
    none, no_amount = g["no_cost_indicator"], g["no_amount"]
    zh = (f"{len(none)} 个项目没有成本指标：{_names(none, 'zh')}。" if none
          else f"全部 {g['projects']} 个项目都有成本指标。")
    en = (f"{len(none)} projects have no cost indicator: {_names(none, 'en')}." if none
          else f"All {g['projects']} projects have cost indicators.")
    if no_amount:
        zh += f"{len(no_amount)} 个项目的成本指标都不是金额：{_names(no_amount, 'zh')}。"
        en += f" {len(no_amount)} have cost indicators that are not money: {_names(no_amount, 'en')}."
    return _pick(lang, zh, en)


def _qualitative(f: Finding, lang: str) -> str:
    g = f.figures
    only = g["qualitative_only_projects"]
    zh = (f"{g['of_all_indicators']} 个绩效指标中有 {g['indicators']} 个定性指标（{fmt_share(g['share'])}），"
          f"分布在 {g['projects']} 个项目；")
    en = (f"{g['indicators']} of {g['of_all_indicators']} performance indicators are qualitative (定性, "
          f"{fmt_share(g['share'])}), in {g['projects']} projects; ")
    zh += f"只有定性指标的项目：{_names(only, 'zh')}。" if only else "没有项目只有定性指标。"
    en += f"projects with only qualitative indicators: {_names(only, 'en')}." if only else "no project has only qualitative ones."
    return _pick(lang, zh, en)


def _reconciliation(f: Finding, lang: str) -> str:
    g = f.figures
    zh = (f"对账：{g['rules']} 条核对中 {g['pass']} 条相符，{g['rounding']} 条尾差，{g['mismatch']} 条不符，"
          f"{g['not_applicable']} 条不适用。")
    en = (f"Reconciliation: of {g['rules']} checks, {g['pass']} agree, {g['rounding']} differ by rounding, "
          f"{g['mismatch']} do not agree and {g['not_applicable']} do not apply.")
    bad = [x for x in g["failures"] if x["status"] == "mismatch"]
    if bad:
        items = [f"{x['rule_id']}{'/' + x['instance'] if x['instance'] else ''}" for x in bad]
        diffs = [fmt_amount(x["difference"]) for x in bad]
        zh += "不符：" + "；".join(f"{i}（相差 {d} 万元）" for i, d in list(zip(items, diffs))[:6])
        en += " Not agreeing: " + "; ".join(f"{i} (off by {d} 万元)" for i, d in list(zip(items, diffs))[:6])
        zh += f"…等 {len(bad)} 条。" if len(bad) > 6 else "。"
        en += f"… ({len(bad)} in all)." if len(bad) > 6 else "."
    else:
        zh += "所有适用的勾稽关系都相符。"
        en += " Every identity that applies holds."
    return _pick(lang, zh, en)


_WRITERS = {
    "reconciliation": _reconciliation,
    "summary": _summary, "income_sources": _income_sources, "function_classes": _function_classes,
    "function_items": _function_items, "personnel_vs_public": _personnel_vs_public,
    "economic_classes": _economic_classes, "largest_items": _largest_items,
    "three_public_costs": _three_public_costs, "procurement_share": _procurement_share,
    "cost_indicators": _cost_indicators, "cap_coverage": _cap_coverage,
    "project_table": _cap_coverage, "caps_exceeding": _caps_exceeding, "unit_costs": _unit_costs,
    "without_cost_indicators": _without_cost_indicators, "qualitative_indicators": _qualitative,
}


def describe(finding: Finding, lang: str = "zh") -> str:
    """The sentence for a Finding, in ``lang`` ("zh" or "en")."""
    _pick(lang, "", "")  # validates lang
    if not finding.available:
        return missing_sentence(finding, lang)
    return _WRITERS[finding.kind](finding, lang)
