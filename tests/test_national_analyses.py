"""Issue 9 item 8: the analyses on every family (政府采购, 项目绩效, 人员经费/公用经费, units).

Real PDFs from tests/corpus/national; every expected figure is printed on the page named."""

from __future__ import annotations

from decimal import Decimal as D

from conftest import CORPUS

import budgetlib
from budgetlib import narrative
from budgetlib.analysis import overview, personnel, procurement, projects

NATIONAL = CORPUS / "national"


def load(name):
    return budgetlib.load(NATIONAL / name)


def test_suzhou_procurement_table_by_category():
    """苏州 政府采购支出表 (p.25): 合计 3,721.79 万元; a 货物 row 382.74 above its units and
    items; no 工程; 服务 the rest. Items under 货物 carry no category of their own."""
    doc = load("suzhou-2026-budget-1.pdf")
    t = doc.tables["T10"]
    assert t.kind == "政府采购表" and 25 in t.pages
    assert t.printed_total("amount") == D("3721.79")
    assert sum(t.data["amount"]) == D("3721.79")               # subtotal rows are not items
    f = procurement.procurement_share(doc)
    assert f.missing is None and f["source"] == "T10"
    assert (f["goods"], f["works"], f["services"]) == (D("382.74"), D("0"), D("3339.05"))
    assert f["uncategorised"] == 0


def test_xian_procurement_in_yuan_reported_in_wan():
    """西安 政府采购（资产配置、购买服务）预算表 (p.32), in 元: 合计 4,186,460.00; categories from
    the 采购目录 codes (A02021119条码扫描器 6,000.00 is goods)."""
    doc = load("xian-2026-budget-3.pdf")
    t = doc.tables["T10"]
    assert t.unit == "元" and t.printed_total("amount") == D("4186460.00")
    first = t.data.iloc[0]
    # the 采购目录 code printed joined to its name is split off (code_prefix)
    assert (first["procurement_category_code"], first["procurement_category_name"]) == ("A02021119", "条码扫描器")
    assert first["amount"] == D("6000")
    assert first["function_code"] == "2010301"
    # subtotal rows (a function code's, a unit's) are neither items nor the 合计
    assert len(t.total) == 1 and sum(t.data["amount"]) == D("4186460.00")
    rule = budgetlib.reconcile(doc).frame.set_index("rule_id").loc["X.T01_T10.procurement"]
    assert rule["status"] == "pass" and rule["left"] == D("4186460.00")
    f = procurement.procurement_share(doc)
    assert f["total"] == D("418.646")                           # 万元
    assert f["goods"] + f["services"] + f["works"] == f["total"] and f["goods"] > 0


def test_shenzhen_procurement_column_of_the_expenditure_summary():
    """深圳 支出总表 (p.18) prints 2026年政府采购项目 小计 1,100.30 万元 and no 政府采购表: the
    total is reported, its goods/works/services split said to be undisclosed."""
    f = procurement.procurement_share(load("shenzhen-2026-budget-1.pdf"))
    assert f.missing is None and f["source"] == "T03" and f["total"] == D("1100.30")
    assert "未按货物、工程、服务分列" in narrative.describe(f, "zh")


def test_tables_in_yuan_are_analysed_in_wan():
    """上海 prints its main tables in 元 and its 三公 table in 万元: 本年支出合计 180,366,183 元 is
    18,036.62 万元 in the reports; 人员经费 17,478,393 元 (基本支出表 p.18) is 1,747.8393 万元,
    and the 三公 costs (万元) are compared with 公用经费 in the same unit. The document keeps
    its printed values."""
    doc = load("shanghai-2026-budget-1.pdf")
    assert overview.headline(doc, "zh")["本年支出合计（全部资金）（万元）"] == "18,036.62"
    costs = personnel.personnel_vs_public(doc)
    assert costs["personnel_cost"] == D("1747.8393")
    assert personnel.three_public_costs(doc)["public_cost"] == D("685.0315")
    assert doc.tables["T06"].unit == "元"                      # the document itself is untouched
    assert overview.summary(doc).frame.set_index("table").loc["T01", "unit"] == "元"


def test_personnel_from_economic_classes_where_no_column_prints_them():
    """福州 一般公共预算基本支出经济分类情况表 prints no 人员经费/公用经费 columns: 合计 2,507.88,
    301 2,064.67 and 302 211.99 (p.19), 303 222.02 and 310 9.20 (p.20)."""
    f = personnel.personnel_vs_public(load("fuzhou-2026-budget-1.pdf"))
    assert f.missing is None and f["by_economic_class"]
    assert (f["personnel_cost"], f["public_cost"], f["basic"]) == (D("2286.69"), D("221.19"), D("2507.88"))
    comp = personnel.composition_by_economic_class(load("fuzhou-2026-budget-1.pdf"))
    assert comp["personnel_classes"] == D("2286.69")           # not 0: rows classified by class


def test_changsha_performance_table():
    """长沙 项目支出绩效目标表 (p.22): the unit's row (201056 长沙职业教育基地综合协调办公室 270.00,
    no goal, no indicators) is not a project; the project 经常性运转经费（水电气） 270.00 has the
    cost indicator 水费 = 120 万元, read by its columns (指标值 | … | 度量单位 | 指标值类型)."""
    doc = load("changsha-2026-budget-1.pdf")
    t12 = doc.tables["T12"].data
    assert list(t12["project_name"]) == ["经常性运转经费（水电气）"] and t12["project_total"].iloc[0] == D("270")
    ind = doc.tables["T12_indicators"].data
    water = ind[ind["level3"] == "水费"].iloc[0]
    assert (water["level1"], water["operator"], water["value_number"], water["unit"]) == ("成本指标", "=", D("120"), "万元")
    assert projects.cost_indicators(doc).figures["amount"] >= 1
    # no 财政资金 / 其他资金 columns printed: no such columns, so 项目总额 = 财政 + 其他 is not checked
    assert "fiscal_funds" not in doc.tables["T12"].data
    rules = budgetlib.reconcile(doc).frame.set_index("rule_id")
    assert rules.loc["T12.project_funds", "status"] == "not_applicable"


def test_changchun_indicator_value_with_operator_and_unit():
    """长春 (预算表11, p.16): 指标值 printed as '<=17 万元', '>=2 次'."""
    doc = load("changchun-2026-budget-1.pdf")
    assert sum(doc.tables["T12"].data["project_total"]) == D("474.56")
    ind = doc.tables["T12_indicators"].data
    cost = ind[ind["level3"] == "信访信息系统运维成本"].iloc[0]
    assert (cost["operator"], cost["value_number"], cost["unit"]) == ("≤", D("17"), "万元")
    assert projects.cost_indicators(doc).figures["amount"] == 4


def test_hangzhou_projects_without_indicators_say_so():
    """杭州 项目支出绩效表 (表11, p.25): 单位名称 | 项目名称 | 金额 | 绩效目标, no indicator columns:
    the projects are read; the indicator questions get one sentence each, not 0 indicators."""
    doc = load("hangzhou-2026-budget-1.pdf")
    assert list(doc.tables["T12"].data["project_total"]) == [D("1097.02"), D("887.90"), D("146.69")]
    assert "T12_indicators" not in doc.tables
    f = projects.cost_indicators(doc)
    assert f.missing == "not_printed" and "未分列绩效指标" in narrative.describe(f, "zh")
    assert projects.unit_costs(doc).missing == "not_printed"


def test_corpus_reports_tabulates_not_disclosed():
    """`make corpus-reports` tabulation: per family, each analysis answered or not disclosed."""
    from budgetlib import corpus_reports

    rows = []
    for name in ("hangzhou-2026-budget-1.pdf", "shanghai-2026-budget-1.pdf"):
        rows.append({"family": name.split("-")[0], "document": name, "status": "ok", "error": "",
                     "reports": 4, "reports_ok": 4, **corpus_reports.analyses_of(load(name))})
    assert rows[0]["cost indicators"] == "not_printed" and rows[1]["procurement"] == "absent"
    assert rows[1]["personnel"] == "ok"
    text = corpus_reports.render(rows, 1.0)
    assert "| shanghai | 1 | 4/4 | 0 | 1/1 |" in text and "procurement (absent)" in text


def test_performance_forms_one_per_project():
    """福州 (p.29-30) and 西安 (部门专项业务经费绩效目标表, p.34-42) print one form per project:
    项目名称, 资金总额 / 财政拨款 / 其他资金 (in the label's 万元 even where the document's tables
    are in 元), 年度目标, then 一级指标 | 二级指标 | 三级指标 | 指标值 rows."""
    fz = load("fuzhou-2026-budget-1.pdf")
    t12 = fz.tables["T12"].data
    assert list(t12["project_name"]) == ["警务辅助人员经费", "民警法定工作日之外加班补贴"]
    assert list(t12["project_total"]) == [D("44.47"), D("56.23")] and t12["other_funds"].iloc[0] == 0
    ind = fz.tables["T12_indicators"].data
    first = ind.iloc[0]                                          # 总支出成本控制情况 ≤44.47 万元
    assert (first["level1"], first["operator"], first["value_number"], first["unit"]) == ("成本指标", "≤", D("44.47"), "万元")
    assert ind.iloc[2]["level1"] == "产出指标"                    # blank 一级指标 cell carried down
    xa = load("xian-2026-budget-3.pdf")
    t12 = xa.tables["T12"]
    assert t12.unit == "万元" and len(t12.data) == 9 and t12.data["project_total"].iloc[8] == D("696.10")
    ind = xa.tables["T12_indicators"].data
    box = ind[ind["level3"] == "档案整理每箱所需经费（元）"].iloc[0]   # p.35: ≤70, unit in the name
    assert (box["level1"], box["operator"], box["value_number"], box["unit"]) == ("成本指标", "≤", D("70"), "元")
    assert ind[ind["level3"] == "文书档案整理数量（箱）"].iloc[0]["level1"] == "产出指标"   # from 数量指标
    assert projects.unit_costs(xa).missing is None


def test_contents_entry_is_not_the_table():
    """西安 2026 opens with a 报表目录 naming 表8 …基本支出明细表（按支出经济分类科目）; the table is
    on p.28 (合计 64,662,533.99 元, 人员经费支出 60,272,768.69). The contents entry, a title with no
    rows, gives way to it, so the economic classes are analysed, not said to be empty."""
    doc = load("xian-2026-budget-3.pdf")
    t06 = doc.tables["T06"]
    assert t06.pages == [28] and t06.printed_total("total") == D("64662533.99")
    comp = personnel.composition_by_economic_class(doc)
    assert comp.missing is None and comp["basic"] == D("6466.253399")


def test_printed_total_is_the_grand_total_row(tmp_path):
    """``Table.printed_total`` reads the 合计 row the checks read (``grand_total_row``), not the
    first total row. Xi'an 2026 表2 (p.21, 元) prints 合计 and then the department's row 114
    above its unit 114001 (the reader keeps the department's row first): both 92,165,133.99.
    Shanghai-1 一般公共预算支出功能分类预算表 p.13 alone (its 合计 is printed on p.14): the
    page's total rows are 类/款 subtotals (208 社会保障和就业支出 3,196,880 first), not a 合计,
    so the analyses take the page's detail rows (17,800.4717 万元), not one 类 as the whole
    (which made 海洋战略规划与预警监测 151,815,529 元 4,749 % of it)."""
    import pymupdf

    t = load("xian-2026-budget-3.pdf").tables["T02"]
    assert t.total["unit_code"].iloc[0] == "114" and t.grand_total_row() == 1
    assert t.printed_total("total") == t.total["total"].iloc[1] == D("92165133.99")

    page = pymupdf.open(NATIONAL / "shanghai-2026-budget-1.pdf")
    page.select([12])
    page.save(tmp_path / "p13.pdf")
    doc = budgetlib.load(tmp_path / "p13.pdf")
    t5 = doc.tables["T05"]
    assert t5.total["function_code"].iloc[0] == "208" and t5.grand_total_row() is None
    assert t5.printed_total("total") is None
    f = overview.function_items(doc)
    assert f["general_budget_total"] == D("17800.4717")     # 3,196,880 + 1,061,700 + 173,746,137 元
    assert f["largest_code"] == "2200128" and f["largest_share"] < 1
