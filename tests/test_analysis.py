"""The analyses and their sentences: exact figures on the sample, and empty/absent tables.

Every amount is asserted exactly (Decimal); shares are asserted as the exact quotient, so a
rounded or float share fails.
"""

import copy
import io
from decimal import Decimal as D

import pandas as pd
import pytest

import budgetlib
from budgetlib import narrative
from budgetlib.analysis import overview, personnel, procurement, projects, views
from budgetlib.model import BudgetDocument, Table
from budgetlib.normalize import AMOUNT_DTYPE

USD = D("7.1")  # 万元 per 万美元


@pytest.fixture()
def doc(sample_doc):
    """A private copy: tests below clear or edit tables."""
    return copy.deepcopy(sample_doc)


@pytest.fixture(scope="module")
def variant(variant_path):
    return budgetlib.load(variant_path)


# ------------------------------------------------------------------------------- numbers

def test_formatting_rounds_half_up_once():
    assert narrative.fmt_amount(D("19357.945631")) == "19,357.95"
    assert narrative.fmt_amount(D("0.005")) == "0.01"          # half up, not half even
    assert narrative.fmt_share(D("0.0125")) == "1.3%"
    assert narrative.fmt_share(D("19357.945631") / D("19600.672975")) == "98.8%"
    assert narrative.fmt_count(D("36144578")) == "36,144,578"
    assert narrative.fmt_exact(D("0.0000083000")) == "0.0000083"
    assert narrative.fmt_amount(None) == "—"


def test_unknown_language_is_refused(sample_doc):
    with pytest.raises(ValueError, match="lang"):
        narrative.describe(overview.summary(sample_doc), "fr")


# ------------------------------------------------------------------------------ overview

def test_summary_totals(sample_doc):
    g = overview.summary(sample_doc).figures
    assert g["department"] == "北京市市民热线服务中心" and g["year"] == 2025
    assert g["current_income"] == D("27878.199620")
    assert g["carryover_income"] == D("43.691990")
    assert g["current_expenditure"] == D("27921.891610")
    assert (g["basic_expenditure"], g["project_expenditure"]) == (D("19600.672975"), D("8321.218635"))
    assert g["basic_project_from"] == "T03"  # the printed 合计 row, not the incomplete detail rows
    assert g["tables_empty"] == ["T07", "T08", "T11"] and g["tables_absent"] == []


def test_structure_by_function_class(sample_doc):
    f = overview.structure_by_function_class(sample_doc)
    assert f.frame["function_class"].to_list()[:2] == ["一般公共服务支出", "住房保障支出"]
    assert len(f.frame) == 6  # the non-zero 类 of T01's 26 lines
    assert f["largest_amount"] == D("26694.347186")
    assert f["largest_share"] == D("26694.347186") / D("27921.891610")
    assert f.frame["amount"].dtype == AMOUNT_DTYPE
    assert sum(f.frame["amount"]) == f["current_expenditure"]  # the classes add up to 本年支出合计
    assert abs(sum(f.frame["share_of_expenditure"]) - 1) < D("1e-25")


def test_reconciliation_puts_failures_first(sample_doc):
    f = overview.reconciliation(sample_doc)
    assert f.frame["status"].iloc[0] == "mismatch"
    # the sample's own break: T03 detail rows 5,816.074996 against 合计 27,921.891610
    assert D("-22105.816614") in {x["difference"] for x in f["failures"]}
    assert "-22,105.82" in narrative.describe(f)
    html = views.drilldowns(f)._repr_html_()
    assert "支出总表：明细行逐列之和 = 合计行（合计）" in html and "T03.column_total" not in html  # words, no rule id


# ----------------------------------------------------------------------------- personnel

def test_personnel_vs_public_exact(sample_doc):
    f = personnel.personnel_vs_public(sample_doc)
    g = f.figures
    assert g["personnel_cost"] == D("19357.945631")
    assert g["public_cost"] == D("242.727344")
    assert g["basic"] == D("19600.672975") and g["project"] == D("8321.218635")
    assert g["personnel_share_of_basic"] == D("19357.945631") / D("19600.672975")
    assert D("0.9876") < g["personnel_share_of_basic"] < D("0.9877")
    assert abs(g["personnel_share_of_basic"] + g["public_share_of_basic"] - 1) < D("1e-25")
    assert g["project_share_of_total"] == D("8321.218635") / D("27921.891610")
    assert not g["scope_differs"]


def test_personnel_sentences(sample_doc):
    f = personnel.personnel_vs_public(sample_doc)
    assert narrative.describe(f).startswith("人员经费 19,357.95 万元，占一般公共预算基本支出的 98.8%、"
                                            "占一般公共预算支出的 69.3%；公用经费 242.73 万元，占一般公共预算基本支出的 1.2%")
    assert narrative.describe(f, "en").startswith(
        "Personnel costs 19,357.95 万元 (10k yuan), 98.8% of general public budget basic expenditure")
    assert "一般公共预算项目支出 8,321.22 万元，占一般公共预算支出的 29.8%" in narrative.describe(f)


def test_composition_uses_t06_and_shows_the_unitemised_gap(sample_doc):
    f = personnel.composition_by_economic_class(sample_doc)
    g = f.figures
    assert g["source"] == "T06" and not g["complete"]
    assert g["itemised"] == D("2640.341196") and g["unitemised"] == D("16960.331779")
    assert g["personnel_classes"] == D("2397.613852")  # 301 + 303
    assert g["public_classes"] == D("242.727344")      # 302 + 310: all of 公用经费 is itemised
    by_class = dict(zip(f.frame["economic_class_code"], f.frame["amount"]))
    assert by_class["301"] == D("2288.584252") and by_class["303"] == D("109.029600")
    assert by_class["302"] == D("239.727344") and by_class["310"] == D("3.000000")
    assert f.frame["economic_class_name"].iloc[-1] == "未列明"
    assert sum(f.frame["amount"]) == g["basic"]  # itemised classes + 未列明 = stated 基本支出
    assert abs(sum(f.frame["share_of_basic"]) - 1) < D("1e-25")
    assert "未列明 16,960.33 万元" in narrative.describe(f)


def test_composition_falls_back_to_t03_basic_rows(doc):
    del doc.tables["T06"]
    f = personnel.composition_by_economic_class(doc)
    assert f["source"] == "T03"
    assert f["itemised"] == D("2640.341196")          # the same money, itemised by T03
    assert f["personnel_classes"] == D("2397.613852")


def test_composition_prefers_the_table_whose_rows_reach_its_total(doc):
    t06 = doc.tables["T06"]
    t06.total = t06.total.assign(total=pd.array([t06.data["total"].sum()], dtype=AMOUNT_DTYPE))
    doc.tables["T05"].total = doc.tables["T05"].total.assign(basic_total=t06.total["total"].to_list())
    f = personnel.composition_by_economic_class(doc)
    assert f["source"] == "T06" and f["complete"] and f["unitemised"] == 0
    assert "未列明" not in f.frame["economic_class_name"].to_list()


def test_largest_items(sample_doc):
    f = personnel.largest_items(sample_doc, 3)
    assert f.frame["dept_economic_code"].to_list() == ["30102", "30103", "30101"]
    assert f.frame["amount"].iloc[0] == D("753.399528")


def test_three_public_costs_within_public_cost(sample_doc):
    f = personnel.three_public_costs(sample_doc)
    g = f.figures
    assert g["total"] == D("26.765421")
    assert g["basic_part"] == D("3.975421")  # 公务接待费 1.875421 + 公务用车运行维护费 2.1 (T06)
    assert g["project_part"] == D("22.790000")  # 出国 10.26 + 购车 12.53
    assert g["basic_share_of_public_cost"] == D("3.975421") / D("242.727344")
    assert "占公用经费 242.73 万元的 1.6%" in narrative.describe(f)


# --------------------------------------------------------------------------- procurement

def test_procurement_share(sample_doc):
    f = procurement.procurement_share(sample_doc)
    g = f.figures
    assert g["total"] == D("7666.864835")
    assert g["share_of_total"] == D("7666.864835") / D("27921.891610")
    assert g["share_of_project"] == D("7666.864835") / D("8321.218635")
    assert (g["goods"], g["works"], g["services"]) == (D("177.430000"), D("0"), D("7489.434835"))
    assert f.frame["category_code"].to_list() == ["A", "B", "C"]
    text = narrative.describe(f)
    assert text.startswith("政府采购预算 7,666.86 万元，相当于本年支出合计（全部资金）的 27.5%")
    assert "92.1%" not in text  # procurement is no part of project expenditure: T10 does not say whose it is


def test_empty_procurement_table(doc):
    t = doc.tables["T10"]
    t.data, t.empty = t.data.iloc[0:0], True
    t.total = t.total.assign(amount=pd.array([D("0")], dtype=AMOUNT_DTYPE))
    f = procurement.procurement_share(doc)
    assert f.missing == "empty" and f.frame.empty and not f.available
    assert narrative.describe(f) == "本部门本年度无政府采购预算。"
    assert "no government procurement budget" in narrative.describe(f, "en")
    assert views.table(f) is None and views.chart(f) is None and views.sortable_table(f) is None


def test_absent_procurement_table(doc):
    del doc.tables["T10"]
    f = procurement.procurement_share(doc)
    assert f.missing == "absent"
    assert narrative.describe(f) == "文档中没有政府采购预算明细表（T10），无法分析政府采购预算。"


def test_text_document_with_empty_t10_and_no_t12(variant):
    assert variant.tables["T10"].empty and "T12" not in variant.tables
    assert narrative.describe(procurement.procurement_share(variant)) == "本部门本年度无政府采购预算。"
    for fn in (projects.cost_indicators, projects.project_table, projects.unit_costs,
               projects.caps_exceeding_project):
        f = fn(variant, USD)
        assert f.missing == "absent" and views.chart(f) is None
    assert projects.qualitative_indicators(variant).missing == "absent"
    assert projects.projects_without_cost_indicators(variant).missing == "absent"
    assert "项目支出绩效目标表（T12）" in narrative.describe(projects.cap_coverage(variant))
    # the rest still works
    assert personnel.personnel_vs_public(variant)["personnel_cost"] == D("19357.945631")


# ------------------------------------------------------------------------------ projects

def _row(frame, name):
    return frame[frame["project_name"] == name].iloc[0]


def test_cap_coverage_exact(sample_doc):
    f = projects.cap_coverage(sample_doc, USD)
    r = _row(f.frame, "12345对外宣传经费")
    assert r["caps"] == [D("36.48"), D("99.44"), D("269.56")]
    assert r["stated_costs"] == D("405.48") == r["project_total"]  # 36.48 + 99.44 + 269.56 exactly
    assert r["coverage"] == 1 and r["status"] == "full"
    # 元 to 万元: 486,788 + 2,071,512 + 34,200 元 = 259.25 万元 of 268.47
    r = _row(f.frame, "北京市12345市民热线服务平台升级改造项目")
    assert r["stated_costs"] == D("259.25") and r["status"] == "partial"
    assert r["coverage"] == D("259.25") / D("268.47")
    assert (f["full"], f["partial"], f["unit_costs_only"], f["no_amount"], f["exceeds"]) == (3, 3, 4, 2, 0)
    assert f["t12_total"] == D("2438.646000")
    assert "36.48 + 99.44 + 269.56 = 405.48 万元" in narrative.describe(f)


def test_cost_indicators_normalised_to_wan(sample_doc):
    f = projects.cost_indicators(sample_doc, USD)
    by_name = f.frame.set_index("indicator")
    assert by_name.loc["每人每天住宿费", "value_wan"] == D("0.1775")      # 0.025 万美元 × 7.1
    assert by_name.loc["每分钟电话费", "value_wan"] == D("0.0000083")      # 0.083 元, finer than a fen
    assert by_name.loc["应用软件开发建设费", "value_wan"] == D("207.1512")
    assert by_name.loc["年度出版费", "kind"] == "amount"
    assert by_name.loc["实际支出与计划标准的一致性", "kind"] == "non_monetary"
    assert (f["amount"], f["unit_cost"], f["non_monetary"]) == (14, 4, 2)
    no_rate = projects.cost_indicators(sample_doc)
    assert no_rate["unconverted_usd"] == 1
    assert pd.isna(no_rate.frame.set_index("indicator").loc["每人每天住宿费", "value_wan"])


def test_unit_cost_implies_a_quantity(sample_doc):
    f = projects.unit_costs(sample_doc, USD)
    r = f.frame.set_index("indicator").loc["每分钟电话费"]
    assert r["per_unit"] == "分钟" and r["relation"] == "≥"
    assert r["implied_quantity"] == D("3000000") / D("0.083")            # 300 万元 = 3,000,000 元
    assert projects.whole_quantity(r["implied_quantity"], "≥") == D("36144578")
    drivers = f.frame.set_index("indicator").loc["单名驾驶员管理成本"]
    assert drivers["implied_quantity"] == 2 and drivers["stated_quantity"] == "专职驾驶员聘用人数 = 2 名"
    assert "300.00 万元可购 ≥ 36,144,578 分钟" in narrative.describe(f)


def test_per_unit_and_to_wan():
    assert projects.per_unit("每人每天住宿费", "万美元") == ("人天", "person-days")
    assert projects.per_unit("按件档案整理费", "元") == ("件", "items")
    assert projects.per_unit("公务餐费控制标准", "元/人") == ("人", "人")
    assert projects.per_unit("年度出版费", "万元") is None
    assert projects.per_unit("每年运维费", "万元") is None  # a period, not a unit
    assert projects.to_wan(D("12"), "元") == D("0.0012")
    assert projects.to_wan(D("0.025"), "万美元", "7.1") == D("0.1775")
    assert projects.to_wan(D("0.025"), "万美元") is None
    assert projects.to_wan(D("100"), "%") is None


def test_projects_without_cost_indicators(sample_doc):
    f = projects.projects_without_cost_indicators(sample_doc)
    assert f["no_cost_indicator"] == []                       # every project has one…
    assert f["no_amount"] == ["公务用车购置项目", "市民热线机动经费"]  # …but these two not in money
    assert narrative.describe(f).startswith("全部 12 个项目都有成本指标。")


def test_qualitative_indicators(sample_doc):
    f = projects.qualitative_indicators(sample_doc)
    assert (f["indicators"], f["of_all_indicators"], f["projects"]) == (7, 93, 6)
    assert f["qualitative_only_projects"] == []
    assert "经费支出合规性" in f.frame["indicator"].to_list()


def test_caps_that_exceed_their_project(doc):
    assert projects.caps_exceeding_project(doc, USD).frame.empty
    t12 = doc.tables["T12"]
    t12.data.loc[t12.data["project_name"] == "接诉即办蓝皮书", "project_total"] = D("30")
    f = projects.caps_exceeding_project(doc, USD)
    assert f.frame["project_name"].to_list() == ["接诉即办蓝皮书"]
    assert f.frame["stated_costs"].iloc[0] == D("33.57")
    assert "接诉即办蓝皮书（成本指标 33.57 万元，项目总额 30.00 万元）" in narrative.describe(f)


def test_one_code_in_two_blocks_stays_two_projects():
    """A code listed twice (two subordinate units) must not pool the two blocks' caps."""
    t12 = pd.DataFrame({"project_code": ["11A", "11A"], "project_name": ["车辆购置", "车辆购置"],
                        "project_total": pd.array([D("20"), D("30")], dtype=AMOUNT_DTYPE),
                        "fiscal_funds": pd.array([D("20"), D("30")], dtype=AMOUNT_DTYPE),
                        "other_funds": pd.array([D("0"), D("0")], dtype=AMOUNT_DTYPE),
                        "goal": ["<p>甲</p>", "乙"], "page": [1, 1], "line": [1, 5]})
    ind = pd.DataFrame({"project_code": ["11A", "11A"], "level1": ["成本指标"] * 2, "level2": ["经济成本指标"] * 2,
                        "level3": ["购置费", "购置费"], "operator": ["≤", "≤"], "value": ["20", "30"],
                        "value_number": pd.array([D("20"), D("30")], dtype=AMOUNT_DTYPE), "unit": ["万元"] * 2,
                        "page": [1, 1], "line": [2, 6], "is_cost": [True, True], "is_qualitative": [False, False]})
    doc = BudgetDocument(meta={"department": "测试单位", "year": 2025},
                         tables={"T12": Table("T12", "项目支出绩效目标表", "万元", t12, t12.iloc[0:0]),
                                 "T12_indicators": Table("T12_indicators", "", "万元", ind, ind.iloc[0:0])})
    f = projects.cap_coverage(doc)
    assert f.frame["stated_costs"].to_list() == [D("20"), D("30")]
    assert f.frame["status"].to_list() == ["full", "full"]
    html = views.sortable_table(projects.project_table(doc))._repr_html_()
    assert "&lt;p&gt;甲&lt;/p&gt;" in html and "<p>甲" not in html


def test_sortable_table_escapes_document_text(doc):
    t12 = doc.tables["T12"]
    t12.data.loc[0, "goal"] = "<script>alert(1)</script><p>目标</p>"
    t12.data.loc[1, "project_name"] = "<b>名称</b>"
    html = views.sortable_table(projects.project_table(doc, USD))._repr_html_()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "&lt;b&gt;名称&lt;/b&gt;" in html
    assert html.count("<tr>") == 1 + 12 and 'data-sort="405.48"' in html


# ---------------------------------------------------------------------------- display

def test_readable_rounds_for_display_only(sample_doc):
    f = personnel.personnel_vs_public(sample_doc)
    shown = views.table(f)
    assert shown.iloc[0].to_list() == ["人员经费", "19,357.95", "98.8%", "69.3%"]
    assert f.frame["amount"].iloc[0] == D("19357.945631")  # the Finding keeps the exact value
    en = views.table(f, "en")
    assert en.columns.to_list()[0] == "item" and en.iloc[0, 0] == "Personnel costs"  # the label column, in English


@pytest.mark.filterwarnings("error:Glyph:UserWarning")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_draw_every_glyph(sample_doc, lang):
    findings = [overview.structure_by_function_class(sample_doc), personnel.personnel_vs_public(sample_doc),
                personnel.composition_by_economic_class(sample_doc), personnel.largest_items(sample_doc),
                personnel.three_public_costs(sample_doc), procurement.procurement_share(sample_doc),
                projects.project_table(sample_doc, USD)]
    for f in findings:
        fig = views.chart(f, lang)
        assert fig is not None, f.kind
        fig.savefig(io.BytesIO(), format="png")  # glyphs are looked up when drawing


def test_save_writes_exact_csv(sample_doc, tmp_path, capsys):
    views.save(tmp_path, "03", procurement=procurement.procurement_share(sample_doc))
    text = (tmp_path / "03_procurement.csv").read_text(encoding="utf-8")
    assert "7489.434835" in text and str(tmp_path / "03_procurement.csv") in capsys.readouterr().out
    views.save("", procurement=procurement.procurement_share(sample_doc))  # writes nothing
