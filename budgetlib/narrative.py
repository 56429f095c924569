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
from .analysis.bases import BASES
from .analysis.names import english
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


def _b(key: str, lang: str) -> str:
    """A base's name (口径, see analysis.bases) in ``lang``."""
    return BASES[key].zh if lang == "zh" else BASES[key].en


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
_TABLE_NAME_EN = {
    "T01": "income and expenditure summary", "T02": "income summary", "T03": "expenditure summary",
    "T04": "fiscal appropriations summary", "T05": "general public budget expenditure table",
    "T06": "general public budget basic expenditure table", "T07": "government fund expenditure table",
    "T08": "state capital operation expenditure table", "T09": "\"three public\" costs table",
    "T10": "government procurement table", "T11": "government purchase of services table",
    "T12": "project performance targets table", "T13": "departmental performance targets table",
    "T14": "transfer payment performance targets table",
}
_TABLE_NAME = {
    "T01": "收支总表", "T02": "收入总表", "T03": "支出总表", "T04": "财政拨款收支总表",
    "T05": "一般公共预算支出表", "T06": "一般公共预算基本支出表", "T07": "政府性基金预算支出表",
    "T08": "国有资本经营预算支出表", "T09": "“三公”经费支出表", "T10": "政府采购预算明细表",
    "T11": "政府购买服务明细表", "T12": "项目支出绩效目标表", "T13": "部门整体支出绩效目标表",
    "T14": "专项转移支付绩效目标表",
}


def table_name(tid: str, lang: str = "zh") -> str:
    """A table by its name in ``lang``: '支出总表' / 'expenditure summary' (the id, when unknown)."""
    return (_TABLE_NAME if lang == "zh" else _TABLE_NAME_EN).get(tid, tid)


def missing_sentence(finding: Finding, lang: str = "zh") -> str:
    """'本部门本年度无政府采购预算。' for an empty table; '文档中没有政府采购预算明细表（T10）。'
    for an absent one."""
    tid = finding.missing_table or (finding.tables[0] if finding.tables else "?")
    zh, en = _SUBJECT.get(tid, ("此项预算", "such budget"))
    if finding.missing == "empty":
        return _pick(lang, f"本部门本年度无{zh}。", f"The department has no {en} this year (the {table_name(tid, 'en')} is empty).")
    if finding.missing == "not_printed":
        need_zh = finding.figures.get("needs_zh", "所需的栏目")
        need_en = finding.figures.get("needs_en", "the columns needed")
        return _pick(lang, f"{table_name(tid)}（{tid}）未分列{need_zh}：文档未披露这一划分，无法分析。",
                     f"The {table_name(tid, 'en')} ({tid}) does not split out {need_en}: the document "
                     f"does not disclose them, so they cannot be analysed.")
    if finding.missing == "incomplete":  # printed, but its rows as read do not make its 合计
        g = finding.figures
        return _pick(lang, f"{table_name(tid)}（{tid}）读出的各类合计 {fmt_amount(g.get('classes'))} 万元，"
                           f"与其合计 {fmt_amount(g.get('basic'))} 万元不符：无法据此拆分{g.get('needs_zh', zh)}，请对照原表。",
                     f"The {table_name(tid, 'en')} ({tid}) rows as read make {fmt_amount(g.get('classes'))} 万元 "
                     f"against its total of {fmt_amount(g.get('basic'))} 万元, so {g.get('needs_en', en)} cannot be "
                     f"split from it; check the table in the document.")
    return _pick(lang, f"文档中没有{table_name(tid)}（{tid}），无法分析{zh}。",
                 f"The document has no {table_name(tid, 'en')} ({tid}), so its {en} cannot be analysed.")


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
    kind_en = "final accounts" if g.get("kind") == "final" else "departmental budget"
    if g["current_expenditure"] is None:
        return _pick(lang, f"{g['department']} {g['year']} 年{kind_zh}：文档中没有收支总表（T01）。",
                     f"{g['department']}, {kind_en} {g['year']}: the document has no income and expenditure "
                     f"summary (T01).")
    zh = (f"{g['department']} {g['year']} 年{kind_zh}：本年收入合计 {fmt_amount(g['current_income'])} 万元，"
          f"上年结转结余 {fmt_amount(g['carryover_income'])} 万元，收入总计 {fmt_amount(g['income_grand_total'])} 万元。"
          f"{_b('all_funds', 'zh')} {fmt_amount(g['current_expenditure'])} 万元")
    en = (f"{g['department']}, {kind_en} {g['year']}: current-year income {fmt_amount(g['current_income'])} 万元 "
          f"(10k yuan), carry-over {fmt_amount(g['carryover_income'])} 万元, total income "
          f"{fmt_amount(g['income_grand_total'])} 万元. {_b('all_funds', 'en').capitalize()}: "
          f"{fmt_amount(g['current_expenditure'])} 万元")
    if g["basic_expenditure"] is not None:
        base = g.get("base", "all_funds")
        if base == "all_funds":
            zh += (f"，其中基本支出 {fmt_amount(g['basic_expenditure'])} 万元（{fmt_share(g['basic_share'])}），"
                   f"项目支出 {fmt_amount(g['project_expenditure'])} 万元（{fmt_share(g['project_share'])}）")
            en += (f", of which basic {fmt_amount(g['basic_expenditure'])} 万元 ({fmt_share(g['basic_share'])}) "
                   f"and projects {fmt_amount(g['project_expenditure'])} 万元 ({fmt_share(g['project_share'])})")
        else:
            zh += (f"；{_b(base, 'zh')}中基本支出 {fmt_amount(g['basic_expenditure'])} 万元（{fmt_share(g['basic_share'])}），"
                   f"项目支出 {fmt_amount(g['project_expenditure'])} 万元（{fmt_share(g['project_share'])}）")
            en += (f"; of {_b(base, 'en')}, basic {fmt_amount(g['basic_expenditure'])} 万元 "
                   f"({fmt_share(g['basic_share'])}) and projects {fmt_amount(g['project_expenditure'])} 万元 "
                   f"({fmt_share(g['project_share'])})")
    zh += (f"；加年终结转结余 {fmt_amount(g['year_end_carryover'])} 万元，{_b('with_carryover', 'zh')} "
           f"{fmt_amount(g['expenditure_grand_total'])} 万元。")
    en += (f"; with {fmt_amount(g['year_end_carryover'])} 万元 carried forward at year end, "
           f"{_b('with_carryover', 'en')} is {fmt_amount(g['expenditure_grand_total'])} 万元.")
    if g.get("general_budget_total") is not None:
        zh += f"{_b('general_budget', 'zh')}（一般公共预算支出表合计）{fmt_amount(g['general_budget_total'])} 万元。"
        en += f" {_b('general_budget', 'en').capitalize()} (T05 total): {fmt_amount(g['general_budget_total'])} 万元."
    return _pick(lang, zh, en)


def _income_sources(f: Finding, lang: str) -> str:
    rows = f.frame
    zh = "；".join(f"{r.income_source} {fmt_amount(r.amount)} 万元（{fmt_share(r.share_of_income)}）"
                  for r in rows.itertuples())
    en = "; ".join(f"{english('income_source', r.income_source, r.income_source)} {fmt_amount(r.amount)} 万元 "
                   f"({fmt_share(r.share_of_income)})"
                   for r in rows.itertuples())
    total = fmt_amount(f.figures["current_income"])
    return _pick(lang, f"本年收入合计 {total} 万元，来源（占本年收入合计）：{zh}。",
                 f"Current-year income {total} 万元 (10k yuan), from (share of current-year income): {en}.")


def _function_classes(f: Finding, lang: str) -> str:
    g = f.figures
    if not g["classes"]:
        return _pick(lang, "本年支出合计为零，没有功能分类支出。", "There is no expenditure by function class.")
    return _pick(
        lang,
        f"按支出功能分类，{g['classes']} 类有支出，最大的是{g['largest_class']} "
        f"{fmt_amount(g['largest_amount'])} 万元，占{_b('all_funds', 'zh')}的 {fmt_share(g['largest_share'])}。",
        f"By function class, {g['classes']} classes have expenditure; the largest is "
        f"{english('function_class', g['largest_class'], g['largest_class'])} with {fmt_amount(g['largest_amount'])} 万元 (10k yuan), "
        f"{fmt_share(g['largest_share'])} of {_b('all_funds', 'en')}.")


def _function_items(f: Finding, lang: str) -> str:
    g = f.figures
    total = fmt_amount(g["general_budget_total"])
    if not g["items"]:
        return _pick(lang, "一般公共预算支出表没有明细行。", "T05 has no detail rows.")
    rows_zh = (f"（明细 {g['rows']} 行：同一科目按所属单位分行列示，已按科目合并）" if g["rows"] != g["items"] else "")
    rows_en = (f" ({g['rows']} rows: a code repeats per subordinate unit, summed here by code)"
               if g["rows"] != g["items"] else "")
    name_en = english("function", g["largest_code"], g["largest_name"])
    return _pick(
        lang,
        f"{_b('general_budget', 'zh')} {total} 万元，分属 {g['items']} 个功能分类科目{rows_zh}；最大的是 "
        f"{g['largest_code']} {g['largest_name']} {fmt_amount(g['largest_amount'])} 万元，"
        f"占{_b('general_budget', 'zh')}的 {fmt_share(g['largest_share'])}。",
        f"{_b('general_budget', 'en').capitalize()}: {total} 万元 (10k yuan) over {g['items']} function codes"
        f"{rows_en}; the largest is {g['largest_code']} {name_en}, {fmt_amount(g['largest_amount'])} 万元, "
        f"{fmt_share(g['largest_share'])} of {_b('general_budget', 'en')}.")


def _purchased_services(f: Finding, lang: str) -> str:
    g = f.figures
    top = g["largest"] or {}
    name_zh = top.get("catalogue_level2_name") or top.get("catalogue_level1_name") or ""
    name_en = top.get("catalogue_name_en") or top.get("catalogue_level2_code") or top.get("catalogue_level1_code") or ""
    return _pick(
        lang,
        f"政府购买服务预算 {fmt_amount(g['total'])} 万元，相当于{_b('all_funds', 'zh')}的 "
        f"{fmt_share(g['share_of_all_funds'])}，明细 {g['rows']} 行，按指导性目录归为 {g['groups']} 类；"
        f"最大的是{name_zh} {fmt_amount(top.get('amount'))} 万元。",
        f"Government purchase of services: {fmt_amount(g['total'])} 万元 (10k yuan), "
        f"{fmt_share(g['share_of_all_funds'])} of {_b('all_funds', 'en')}, in {g['rows']} rows and "
        f"{g['groups']} catalogue groups; the largest is catalogue group {name_en} ({fmt_amount(top.get('amount'))} 万元).")


def _personnel_vs_public(f: Finding, lang: str) -> str:
    g = f.figures
    basic_zh, basic_en = _b("general_budget_basic", "zh"), _b("general_budget_basic", "en")
    total_zh, total_en = _b("general_budget", "zh"), _b("general_budget", "en")
    zh = f"人员经费 {fmt_amount(g['personnel_cost'])} 万元，占{basic_zh}的 {fmt_share(g['personnel_share_of_basic'])}"
    en = (f"Personnel costs {fmt_amount(g['personnel_cost'])} 万元 (10k yuan), "
          f"{fmt_share(g['personnel_share_of_basic'])} of {basic_en}")
    if g["total"] is not None:
        zh += f"、占{total_zh}的 {fmt_share(g['personnel_share_of_total'])}"
        en += f" and {fmt_share(g['personnel_share_of_total'])} of {total_en}"
    zh += f"；公用经费 {fmt_amount(g['public_cost'])} 万元，占{basic_zh}的 {fmt_share(g['public_share_of_basic'])}"
    en += f"; public costs {fmt_amount(g['public_cost'])} 万元, {fmt_share(g['public_share_of_basic'])} of basic"
    if g["total"] is not None:
        zh += (f"、占{total_zh}的 {fmt_share(g['public_share_of_total'])}；一般公共预算项目支出 "
               f"{fmt_amount(g['project'])} 万元，占{total_zh}的 {fmt_share(g['project_share_of_total'])}。")
        en += (f" and {fmt_share(g['public_share_of_total'])} of {total_en}; general-budget project expenditure "
               f"{fmt_amount(g['project'])} 万元, {fmt_share(g['project_share_of_total'])} of {total_en}.")
    else:
        zh += "（据一般公共预算基本支出表，无项目支出）。"
        en += " (from the basic expenditure table, without project expenditure)."
    if g.get("by_economic_class"):  # no 人员经费/公用经费 columns printed: from the classes
        zh += "文档未单列人员经费、公用经费，此处按基本支出经济分类计：301、303 类为人员经费，其余为公用经费。"
        en += (" The document prints no personnel/public cost columns: they are taken from basic expenditure "
               "by economic class (301 and 303 personnel, the rest public).")
    if g["scope_differs"]:
        zh += f"{_b('all_funds', 'zh')}为 {fmt_amount(g['all_funds_expenditure'])} 万元"
        en += f" {_b('all_funds', 'en').capitalize()} is {fmt_amount(g['all_funds_expenditure'])} 万元"
        if g.get("all_funds_project") is not None:
            zh += (f"，其中项目支出 {fmt_amount(g['all_funds_project'])} 万元"
                   f"（{fmt_share(g['all_funds_project_share'])}）")
            en += (f", of which project expenditure {fmt_amount(g['all_funds_project'])} 万元 "
                   f"({fmt_share(g['all_funds_project_share'])})")
        zh += "。"
        en += "."
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
        return _pick(lang, f"{_b('general_budget_basic', 'zh')} {fmt_amount(g['basic'])} 万元全部按经济分类列明"
                     f"（{table_name(src)}）：{classes_zh}。",
                     f"{_b('general_budget_basic', 'en').capitalize()} of {fmt_amount(g['basic'])} 万元 (10k yuan) "
                     f"is fully itemised by economic class ({table_name(src, 'en')}): {classes_en}.")
    other_zh = other_en = ""
    if g.get(f"{other}_itemised") is not None:
        other_zh = f"（{table_name(other)}的基本支出明细行合计 {fmt_amount(g[f'{other}_itemised'])} 万元）"
        other_en = f" (the {table_name(other, 'en')}'s basic rows sum to {fmt_amount(g[f'{other}_itemised'])} 万元)"
    return _pick(
        lang,
        f"{_b('general_budget_basic', 'zh')} {fmt_amount(g['basic'])} 万元中，{table_name(src)}的明细行只列明 "
        f"{fmt_amount(g['itemised'])} 万元（{fmt_share(g['itemised_share'])}），未列明 {fmt_amount(g['unitemised'])} 万元"
        f"{other_zh}；列明部分中{classes_zh}。未列明部分不是一个经济分类：下表单列一行，图中以斜线单独画出。",
        f"Of {_b('general_budget_basic', 'en')} of {fmt_amount(g['basic'])} 万元 (10k yuan), the "
        f"{table_name(src, 'en')}'s detail rows itemise only {fmt_amount(g['itemised'])} 万元 "
        f"({fmt_share(g['itemised_share'])}), leaving {fmt_amount(g['unitemised'])} 万元 unitemised{other_en}; "
        f"of the itemised part, {classes_en}. The unitemised part is no economic class: the table gives it a row "
        f"of its own and the chart draws it apart, hatched.")


def _largest_items(f: Finding, lang: str) -> str:
    top = f.frame.head(3)
    zh = "、".join(f"{r.dept_economic_code} {r.dept_economic_name} {fmt_amount(r.amount)} 万元" for r in top.itertuples())
    en = ", ".join(f"{r.dept_economic_code} {english('dept_economic', r.dept_economic_code, r.dept_economic_name)} "
                   f"{fmt_amount(r.amount)} 万元" for r in top.itertuples())
    return _pick(lang, f"基本支出中列明的最大项目（{table_name(f.figures['source'])}，同一经济科目已合并）：{zh}。",
                 f"The largest itemised basic-expenditure items ({table_name(f.figures['source'], 'en')}, "
                 f"summed by economic code): {en} (10k yuan).")


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
        zh += (f"其中基本支出 {fmt_amount(g['basic_part'])} 万元（据{table_name(g['basis'])}），占公用经费 "
               f"{fmt_amount(g['public_cost'])} 万元的 {fmt_share(g['basic_share_of_public_cost'])}；"
               f"其余 {fmt_amount(g['project_part'])} 万元为项目支出。")
        en += (f" Of these, {fmt_amount(g['basic_part'])} 万元 is basic expenditure (per the {table_name(g['basis'], 'en')}), "
               f"{fmt_share(g['basic_share_of_public_cost'])} of public costs ({fmt_amount(g['public_cost'])} 万元); "
               f"the other {fmt_amount(g['project_part'])} 万元 is project expenditure.")
    elif g["basic_part"] is not None:
        zh += (f"{table_name(g['basis'])}在相应经济科目下列有基本支出 {fmt_amount(g['basic_part'])} 万元，"
               f"有的科目多于本表金额，无法据此拆分基本支出与项目支出。")
        en += (f" The {table_name(g['basis'], 'en')} books {fmt_amount(g['basic_part'])} 万元 of basic expenditure under the matching "
               f"economic codes, more than the \"three public\" costs table for some items, so the basic/project split cannot be made.")
    return _pick(lang, zh, en)


def _procurement_share(f: Finding, lang: str) -> str:
    g = f.figures
    if g.get("split_disclosed") is False:  # a 政府采购 column of another table: no categories
        tid = g.get("source", "")
        return _pick(lang, f"政府采购预算 {fmt_amount(g['total'])} 万元（{table_name(tid)}的政府采购栏），相当于"
                           f"{_b('all_funds', 'zh')}的 {fmt_share(g['share_of_total'])}；文档未按货物、工程、服务分列政府采购。",
                     f"Government procurement is {fmt_amount(g['total'])} 万元 (10k yuan; the procurement column "
                     f"of the {table_name(tid, 'en')}), equal to {fmt_share(g['share_of_total'])} of "
                     f"{_b('all_funds', 'en')}; the document does not split it into goods, works and services.")
    parts_zh = "，".join(f"{r.category} {fmt_amount(r.amount)} 万元（{fmt_share(r.share_of_procurement)}）"
                         for r in f.frame.itertuples())
    parts_en = ", ".join(f"{r.category_en} {fmt_amount(r.amount)} 万元 ({fmt_share(r.share_of_procurement)})"
                         for r in f.frame.itertuples())
    zh = (f"政府采购预算 {fmt_amount(g['total'])} 万元，相当于{_b('all_funds', 'zh')}的 {fmt_share(g['share_of_total'])}；"
          f"其中{parts_zh}（占政府采购预算）。采购资金可来自基本支出，也可来自项目支出，政府采购预算表不作区分，"
          f"所以这里不给出“占项目支出”的比例。")
    en = (f"Government procurement is {fmt_amount(g['total'])} 万元 (10k yuan), equal to "
          f"{fmt_share(g['share_of_total'])} of {_b('all_funds', 'en')}: {parts_en} (shares of procurement). "
          f"Procurement can be paid from basic as well as project expenditure and the procurement table does "
          f"not say which, so no share of project expenditure is given.")
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
        zh += (f"绩效目标表列出的项目合计 {fmt_amount(g['t12_total'])} 万元，占{_b('all_funds_project', 'zh')} "
               f"{fmt_amount(g['project_expenditure'])} 万元的 {fmt_share(g['t12_share_of_project_expenditure'])}。")
        en += (f" The projects with performance targets total {fmt_amount(g['t12_total'])} 万元 (10k yuan), "
               f"{fmt_share(g['t12_share_of_project_expenditure'])} of {_b('all_funds_project', 'en')} "
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
    implied = f.frame[f.frame["implied_quantity"].notna()]
    for r in implied.head(8).itertuples():
        q = fmt_count(whole_quantity(r.implied_quantity, r.relation))
        in_wan = r.unit != "万元" and r.unit_cost_wan is not None
        stated = r.stated_quantity if isinstance(r.stated_quantity, str) else None  # NA in a str column
        whole = r.quantity_basis == "project_total"
        basis_zh = "项目总额" if whole else f"{r.quantity_basis}"
        basis_en = "the project total" if whole else f"its {r.component_en} amount ({r.quantity_basis})"
        zh.append(f"{r.project_name}：{r.indicator} {r.operator} {r.value} {r.unit}"
                  f"{f'（{fmt_exact(r.unit_cost_wan)} 万元）' if in_wan else ''}，{basis_zh} "
                  f"{fmt_amount(r.basis_amount)} 万元可购 {r.relation} {q} {r.per_unit}"
                  f"{f'，项目数量指标为{stated}' if stated else ''}")
        en.append(f"{r.project_name}: {r.indicator} {r.operator} {r.value} {r.unit}"
                  f"{f' ({fmt_exact(r.unit_cost_wan)} 万元)' if in_wan else ''}, so {basis_en} of "
                  f"{fmt_amount(r.basis_amount)} 万元 buys {r.relation} {q} {r.per_unit_en}"
                  f"{f'; the project states {stated}' if stated else ''}")
    zh_text = f"{len(f.frame)} 个单位成本指标"
    en_text = f"{len(f.frame)} unit-cost indicators"
    if len(implied):
        zh_text += (f"，其中 {len(implied)} 个可推算数量（假定所依据的金额全部用于该单位）："
                    + "；".join(zh) + ("…" if len(implied) > 8 else "") + "。")
        en_text += (f"; {len(implied)} imply a quantity (if all the money they price is spent on that unit): "
                    + "; ".join(en) + ("…" if len(implied) > 8 else "") + ".")
    else:
        zh_text += "，都不能推算数量。"
        en_text += "; none implies a quantity."
    parts = f.frame[f.frame["component"].notna() & f.frame["implied_quantity"].isna()]
    if len(parts):
        names_zh = _names([f"{r.indicator}（{r.project_name}）" for r in parts.itertuples()], "zh", 4)
        names_en = _names([f"{r.indicator} ({r.project_name})" for r in parts.itertuples()], "en", 4)
        zh_text += (f"{names_zh}只约束其中一项开支（如住宿、餐费），项目没有列出该项的金额，"
                    f"不能据此推算整个项目的数量。")
        en_text += (f" {names_en} cap one component (lodging, meals…) of their project, whose amount is not "
                    f"stated: they imply no quantity for the whole project.")
    rest = len(f.frame) - len(implied) - len(parts)
    if rest and len(implied):
        zh_text += f"其余 {rest} 个与其他成本金额指标并列，不推算数量。"
        en_text += f" The other {rest} sit beside other cost amounts: no quantity implied."
    return _pick(lang, zh_text, en_text)


def _project_spending(f: Finding, lang: str) -> str:
    g = f.figures
    head_zh = (f"{_b('all_funds_project', 'zh') if g['source'] == 'T03' else '项目支出'} "
               f"{fmt_amount(g['project_expenditure'])} 万元（占{_b('all_funds', 'zh')}的 {fmt_share(g['share_of_all_funds'])}）")
    head_en = (f"{(_b('all_funds_project', 'en') if g['source'] == 'T03' else 'project expenditure').capitalize()} "
               f"of {fmt_amount(g['project_expenditure'])} 万元 (10k yuan, {fmt_share(g['share_of_all_funds'])} of "
               f"{_b('all_funds', 'en')})")
    if g["undocumented"] and g["undocumented"] == g["project_expenditure"]:
        return _pick(lang, f"{head_zh}既没有明细行（{table_name(g['source'])}只列合计），也没有项目支出绩效目标："
                           f"文档没有说明这部分资金用于哪些项目。",
                     f"{head_en} has neither detail rows (the {table_name(g['source'], 'en')} prints only its total) "
                     f"nor project performance targets: the document does not say which projects this money is for.")
    zh = f"{head_zh}：明细行列明 {fmt_amount(g['itemised'])} 万元（{fmt_share(g['itemised_share'])}）；"
    en = f"{head_en}: the detail rows itemise {fmt_amount(g['itemised'])} 万元 ({fmt_share(g['itemised_share'])}); "
    if g["t12_state"]:
        zh += "没有项目支出绩效目标。"
        en += "there are no project performance targets."
    else:
        zh += (f"项目支出绩效目标表列出 {g['t12_projects']} 个项目，合计 {fmt_amount(g['t12_total'])} 万元"
               f"（{fmt_share(g['t12_share'])}）。")
        en += (f"the performance targets cover {g['t12_projects']} projects totalling {fmt_amount(g['t12_total'])} "
               f"万元 ({fmt_share(g['t12_share'])}).")
    if g["undocumented"]:
        zh += f"另有 {fmt_amount(g['undocumented'])} 万元既无明细行也无绩效目标。"
        en += f" {fmt_amount(g['undocumented'])} 万元 has neither detail rows nor targets."
    return _pick(lang, zh, en)


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


def defect_phrase(x: dict, lang: str = "zh") -> str:
    """One defect (see analysis.overview.defects) in words: the rule, and its difference, or
    for an aggregate rule its failing keys with their own differences."""
    inst = x.get(f"instance_{lang}", x.get("instance_label"))
    what = x.get(f"description_{lang}", x["description"]) + ((f"（{inst}）" if lang == "zh" else f" ({inst})")
                                                            if inst else "")
    if x["keys"]:
        keys = x["keys"]
        items = [f"{k.get('key', '')} {k.get('name', '')}".strip() + (f" 相差 {fmt_amount(k.get('difference'))} 万元"
                 if lang == "zh" else f" off by {fmt_amount(k.get('difference'))} 万元") for k in keys[:4]]
        more = (f"…等 {len(keys)} 个" if lang == "zh" else f"… ({len(keys)} in all)") if len(keys) > 4 else ""
        return _pick(lang, f"{what}：{len(keys)} 个科目不符（{'；'.join(items)}{more}）",
                     f"{what}: {len(keys)} key(s) fail ({'; '.join(items)}{more})")
    if x["status"] == "unreadable":
        return _pick(lang, f"{what}：所需单元格无法读取", f"{what}: a cell it needs could not be read")
    return _pick(lang, f"{what}：相差 {fmt_amount(x['difference'])} 万元", f"{what}: off by {fmt_amount(x['difference'])} 万元")


def _reconciliation(f: Finding, lang: str) -> str:
    g = f.figures
    zh = (f"对账：{g['rules']} 条核对中 {g['pass']} 条相符，{g['mismatch']} 条不符，{g['rounding']} 条尾差"
          + (f"，{g['unreadable']} 条因单元格无法读取未能核对" if g.get("unreadable") else "")
          + f"，{g['not_applicable']} 条不适用。")
    en = (f"Reconciliation: of {g['rules']} checks, {g['pass']} agree, {g['mismatch']} do not agree, "
          f"{g['rounding']} differ by rounding"
          + (f", {g['unreadable']} could not be checked (unreadable cells)" if g.get("unreadable") else "")
          + f" and {g['not_applicable']} do not apply.")
    bad = [x for x in g["failures"] if x["status"] in ("mismatch", "unreadable")]
    if bad:
        zh += "不符：" + "；".join(defect_phrase(x, "zh") for x in bad[:6])
        en += " Not agreeing: " + "; ".join(defect_phrase(x, "en") for x in bad[:6])
        zh += f"…等 {len(bad)} 条，见下表。" if len(bad) > 6 else "。"
        en += f"… ({len(bad)} in all, see the table)." if len(bad) > 6 else "."
    else:
        zh += "所有适用的勾稽关系都相符。"
        en += " Every identity that applies holds."
    return _pick(lang, zh, en)


_WRITERS = {
    "reconciliation": _reconciliation, "purchased_services": _purchased_services,
    "project_spending": _project_spending,
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


# ----------------------------------------------------------------------------- the banner

def _problem_text(p, lang: str) -> str:
    """One unreadable cell: 'T05 p.3 row 7 合计: "1,2O3.00"'."""
    get = (lambda k: getattr(p, k, None)) if not isinstance(p, dict) else p.get
    where = " ".join(str(x) for x in (get("table"), f"p.{get('page')}" if get("page") else None,
                                      (f"行 {get('row')}" if lang == "zh" else f"row {get('row')}") if get("row") else None,
                                      get("column")) if x)
    raw = get("raw")
    return f"{where}: “{raw}”" if raw not in (None, "") else where or str(p)


def banner_sentences(f: Finding, lang: str = "zh") -> list[str]:
    """The banner as sentences, defects first: reconciliation, unreadable cells, coverage of
    each stated total by its detail rows, tables not disclosed."""
    g, out = f.figures, []
    bad = [x for x in g["defects"] if x["status"] in ("mismatch", "unreadable")]
    rounding = [x for x in g["defects"] if x["status"] == "rounding"]
    if bad:
        out.append(_pick(lang, f"勾稽关系：{len(bad)} 处不符，最重要的是{defect_phrase(bad[0], 'zh')}"
                               f"{'（其余见“对账”一节）' if len(bad) > 1 else ''}。",
                         f"Reconciliation: {len(bad)} identities do not hold; first, {defect_phrase(bad[0], 'en')}"
                         f"{' (the others under Reconciliation)' if len(bad) > 1 else ''}."))
    else:
        out.append(_pick(lang, f"勾稽关系：所有适用的核对都相符{f'（{len(rounding)} 处尾差）' if rounding else ''}。",
                         f"Reconciliation: every identity that applies holds"
                         f"{f' ({len(rounding)} rounding differences)' if rounding else ''}."))
    n = g.get("narrative")
    if n and n["checks"]:
        bad_zh = f"{n['mismatch']} 处与报表或自身不符" if n["mismatch"] else "无不符"
        bad_en = (f"{n['mismatch']} contradict{'s' * (n['mismatch'] == 1)} the tables or itself"
                  if n["mismatch"] else "none contradicts them")
        warn_zh = f"，{n['warnings']} 处文字问题" if n["warnings"] else ""
        warn_en = f"; {n['warnings']} wording problems" if n["warnings"] else ""
        out.append(_pick(lang, f"情况说明：{n['checks']} 项核对，{bad_zh}{warn_zh}（见“对账”一节）。",
                         f"The narrative: {n['checks']} checks, {bad_en}{warn_en} (under Reconciliation)."))
    if g["problems"]:
        shown = "；".join(_problem_text(p, lang) for p in g["problems"][:3])
        out.append(_pick(lang, f"{len(g['problems'])} 个单元格无法读取，相关数字不计入任何合计：{shown}"
                               f"{'…' if len(g['problems']) > 3 else ''}。",
                         f"{len(g['problems'])} cells could not be read and count in no total: {shown}"
                         f"{'…' if len(g['problems']) > 3 else ''}."))
    for c in g["coverage"]:
        if c["complete"]:
            continue
        if c["table"] == "T12":
            out.append(_pick(lang, f"项目支出绩效目标覆盖{_b('all_funds_project', 'zh')} {fmt_amount(c['stated'])} 万元中的 "
                                   f"{fmt_amount(c['itemised'])} 万元（{fmt_share(c['share'])}）。",
                             f"Performance targets cover {fmt_amount(c['itemised'])} 万元 of "
                             f"{_b('all_funds_project', 'en')} of {fmt_amount(c['stated'])} 万元 ({fmt_share(c['share'])})."))
            continue
        header = c["header"].split("/")[-1]
        out.append(_pick(lang, f"{table_name(c['table'])}“{header}”列：合计行 {fmt_amount(c['stated'])} 万元，明细行只列明 "
                               f"{fmt_amount(c['itemised'])} 万元（{fmt_share(c['share'])}），"
                               f"未列明 {fmt_amount(c['stated'] - c['itemised'])} 万元。",
                         f"The {table_name(c['table'], 'en')} states {fmt_amount(c['stated'])} 万元 "
                         f"({c['column'].replace('_', ' ')}); its detail rows itemise {fmt_amount(c['itemised'])} 万元 "
                         f"({fmt_share(c['share'])}), leaving {fmt_amount(c['stated'] - c['itemised'])} 万元 unitemised."))
    complete = [c for c in g["coverage"] if c["complete"] and c["table"] != "T12"]
    if complete:
        out.append(_pick(lang, "明细行与合计一致：" + "、".join(f"{table_name(c['table'])}“{c['header'].split('/')[-1]}”"
                                                         for c in complete) + "。",
                         "Detail rows reach their stated total: " + ", ".join(
                             f"{table_name(c['table'], 'en')} ({c['column'].replace('_', ' ')})" for c in complete) + "."))
    absent, empty = g["tables_absent"], g["tables_empty"]
    if absent:
        out.append(_pick(lang, "文档中没有：" + "、".join(table_name(t) for t in absent) + "。",
                         "Not in the document: " + ", ".join(table_name(t, "en") for t in absent) + "."))
    if empty:
        out.append(_pick(lang, "只有表头、没有数据行：" + "、".join(table_name(t) for t in empty) + "。",
                         "Disclosed with no rows: " + ", ".join(table_name(t, "en") for t in empty) + "."))
    return out


_WRITERS["banner"] = lambda f, lang: "".join(banner_sentences(f, lang)) if lang == "zh" else " ".join(banner_sentences(f, lang))
