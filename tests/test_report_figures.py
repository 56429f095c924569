"""The figures issue 10 found misleading, asserted on the real documents they were found in:
tests/corpus/water-authority.pdf, civil-military-office.pdf and the sample text.

Counted by code, never by row; a failing aggregate rule by its failing keys; a gap drawn apart;
one base named per figure, the same in every report; procurement and unit costs as what they
really are; what the document does not say, said once."""

from decimal import Decimal as D

import pytest

import budgetlib
from budgetlib import narrative, plots
from budgetlib.analysis import bases, overview, personnel, procurement, projects, quality, views
from conftest import CORPUS


@pytest.fixture(scope="module")
def water():
    return budgetlib.load(CORPUS / "water-authority.pdf")


@pytest.fixture(scope="module")
def civil_military():
    return budgetlib.load(CORPUS / "civil-military-office.pdf")


# ---------------------------------------------------------------------- rows are not items

def test_function_items_are_counted_and_ranked_by_code(water):
    f = overview.function_items(water)
    g = f.figures
    assert (g["items"], g["rows"]) == (33, 235)                   # 235 rows, 33 codes
    assert f.frame["function_code"].is_unique
    assert g["largest_code"] == "2130304"
    assert g["largest_amount"] == D("335599.841536")             # 292,473.06 was one row of it
    assert narrative.fmt_amount(g["largest_amount"]) == "335,599.84"
    assert narrative.fmt_share(g["largest_share"]) == "37.4%"
    assert sum(f.frame["amount"]) == sum(water["T05"]["total"])   # merging loses nothing
    text = narrative.describe(f)
    assert "33 个功能分类科目" in text and "335,599.84 万元" in text and "37.4%" in text
    assert "235 个项级科目" not in text and "292,473.06" not in text
    chart = views.chart(f)                                        # one bar per code
    labels = [t.get_text() for t in chart.axes[0].get_yticklabels()]
    assert labels[0] == "2130304 水利行业业务管理" and len(labels) == len(set(labels))


def test_civil_military_has_ten_items(civil_military):
    assert overview.function_items(civil_military)["items"] == 10


# -------------------------------------------------------------------- an aggregate is no gap

def test_failing_aggregate_rule_reports_its_failing_keys(water):
    f = overview.reconciliation(water)
    x = next(d for d in f["failures"] if d["rule_id"] == "X.T03_T05.by_function")
    assert x["difference"] is None                                # no sum over passing keys
    assert {k["key"]: k["difference"] for k in x["keys"]} == {"2130306": D("-235.883930"),
                                                              "2130314": D("-207.010000")}
    rows = f.frame[f.frame["rule_id"] == "X.T03_T05.by_function"]
    assert sorted(rows["difference"]) == [D("-235.883930"), D("-207.010000")]
    for text in (narrative.describe(f), narrative.describe(f, "en"), views.table(f).to_string()):
        assert "123,614.30" not in text
    assert "2130306 水利工程运行与维护 相差 -235.88 万元" in narrative.describe(f)


# --------------------------------------------------------------------- a gap is not spending

def test_unitemised_basic_expenditure_is_drawn_apart_hatched(sample_doc):
    f = personnel.composition_by_economic_class(sample_doc)
    fig = views.chart(f)
    ax = fig.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1 and hatched[0].get_width() == pytest.approx(16960.331779)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1].startswith("未列明") and not any(l.startswith("未列明") for l in labels[:-1])
    assert not [p for p in ax.patches if type(p).__name__ == "Wedge"]   # no donut of a gap
    assert "16,960.33" in narrative.describe(f) and "斜线" in narrative.describe(f)


# ------------------------------------------------------------------------ one base, named

def test_each_headline_has_one_base_in_every_report(water):
    s, p = overview.summary(water), personnel.personnel_vs_public(water)
    assert bases.amount(water, "all_funds") == s["current_expenditure"]
    assert narrative.fmt_amount(s["project_expenditure"]) == "837,932.45"
    phrase = "项目支出 837,932.45 万元（81.8%）"
    assert phrase in narrative.describe(s) and phrase in narrative.describe(p)
    # the personnel report's general-budget figures say they are general-budget figures
    assert "一般公共预算项目支出 717,020.91 万元，占一般公共预算支出的 80.0%" in narrative.describe(p)
    head = overview.headline(water, "zh")
    assert head["本年支出合计（全部资金）（万元）"] == "1,024,807.17"    # not 支出总计 1,048,475.73
    assert "1,048,475.73" not in head.values()
    assert views.table(p).columns.to_list()[2:4] == ["占一般公共预算基本支出", "占一般公共预算支出"]


def test_procurement_is_a_share_of_what_it_is(sample_doc):
    f = procurement.procurement_share(sample_doc)
    for lang in ("zh", "en"):
        assert "92.1%" not in narrative.describe(f, lang)
    assert "相当于本年支出合计（全部资金）的 27.5%" in narrative.describe(f)


def test_unit_cost_of_a_component_implies_no_quantity_for_the_whole_project(sample_doc):
    f = projects.unit_costs(sample_doc, D("7.1")).frame.set_index("indicator")
    lodging = f.loc["每人每天住宿费"]
    assert lodging["component"] == "住宿" and lodging["implied_quantity"] is None
    phone = f.loc["每分钟电话费"]
    assert phone["quantity_basis"] == "project_total"
    assert projects.whole_quantity(phone["implied_quantity"], "≥") == D("36144578")
    text = narrative.describe(projects.unit_costs(sample_doc, D("7.1")))
    assert "每人每天住宿费（因公出国（境）类项目）只约束其中一项开支" in text and "57 人天" not in text


# ----------------------------------------------------------------------- say what is missing

def test_project_spending_without_rows_or_targets_is_said_once(civil_military):
    f = projects.project_spending(civil_military)
    assert f["undocumented"] == f["project_expenditure"] == civil_military.tables["T03"].printed_total("project")
    assert narrative.fmt_amount(f["undocumented"]) == "7,077.06"
    assert narrative.fmt_share(f["undocumented_share_of_all_funds"]) == "77.3%"
    assert "7,077.06 万元（占本年支出合计（全部资金）的 77.3%）既没有明细行" in narrative.describe(f)
    page = views.Page(civil_military, "zh")
    first, second = projects.cost_indicators(civil_military), projects.unit_costs(civil_military)
    page.ask(first)
    page.ask(second)
    assert id(first) not in page._silent and id(second) in page._silent  # one sentence, not six


# ------------------------------------------------------------------------------ the banner

def test_banner_states_coverage_defects_and_tables(civil_military, water):
    b = quality.banner(civil_military)
    cov = {(c["table"], c["column"]): c for c in b["coverage"]}
    assert cov[("T03", "project")]["itemised"] == 0 and not cov[("T03", "project")]["complete"]
    assert b["tables_empty"] == ["T07", "T08", "T11", "T12"]
    zh = narrative.banner_sentences(b, "zh")
    assert zh[0].startswith("勾稽关系：13 处不符")
    assert any("7,077.06" in s for s in zh) and any("项目支出绩效目标表" in s for s in zh)
    w = quality.banner(water)
    assert w["defects"][0]["status"] == "mismatch"                  # defects first
    assert any("支出总表“项目支出”列" in s and "833,030.93" in s for s in narrative.banner_sentences(w))


# ------------------------------------------------------------------------ one language

def test_english_names_are_data_beside_the_codes(water):
    from budgetlib.analysis.names import english

    assert english("function", "2130304") == "Water sector administration"
    assert english("function_class", "农林水支出") == "Agriculture, forestry and water"
    shown = views.table(overview.function_items(water), "en")
    assert shown.iloc[0, 1] == "Water sector administration"
    three = views.table(personnel.three_public_costs(water), "en")
    assert three.iloc[:, 0].to_list()[:2] == ["Official overseas travel", "Official reception"]  # labelled rows


def test_sentences_keep_numbers_with_their_units():
    md = views.markdown_text("本年支出合计 27,921.89 万元，占 98.8%；名称<b>")
    assert "27,921.89\u00a0万\u2060元" in md and "98.8%" in md
    assert "&lt;b&gt;" in md and "<b>" not in md


def test_banner_names_cells_that_could_not_be_read(tmp_path, sample_text):
    path = tmp_path / "bad-amount.txt"
    path.write_text(sample_text.replace("2050803\t培训支出\t3.860000", "2050803\t培训支出\t3.86O000"), encoding="utf-8")
    doc = budgetlib.load(path)
    b = quality.banner(doc)
    assert len(b["problems"]) == 1
    zh, en = narrative.banner_sentences(b, "zh"), narrative.banner_sentences(b, "en")
    assert any("1 个单元格无法读取" in s and "3.86O000" in s and "T05" in s for s in zh)
    assert any("1 cells could not be read" in s for s in en)
    assert any(d["status"] == "unreadable" for d in b["defects"])          # never a pass
    assert "无法读取" in narrative.describe(overview.reconciliation(doc))


def test_a_split_the_document_does_not_print_is_not_zero():
    """Shenzhen's 一般公共预算支出表 prints 基本支出 without 人员经费/公用经费 columns, and no
    一般公共预算基本支出表; its 支出总表 is by function only. But its 一般公共预算支出表（按经济分类）
    (表8, p.28) prints 基本支出 by economic class: 人员经费 is 301 + 303, 公用经费 the rest, and
    the two make the printed 基本支出 3,072.01 to within the classes' rounding (p.28: 301
    2,522.02). Never 人员经费 0.00, never a whole 基本支出 filed as 公用经费."""
    from decimal import Decimal

    from budgetlib.analysis.personnel import composition_by_economic_class, personnel_vs_public
    from budgetlib.analysis.overview import headline

    doc = budgetlib.load(CORPUS / "national" / "shenzhen-2026-budget-1.pdf")
    split = personnel_vs_public(doc)
    assert split.missing is None and split["source"] == "T19" and split["by_economic_class"]
    assert split["basic"] == Decimal("3072.01")
    assert split["personnel_cost"] > Decimal("2522.02") and split["public_cost"] > 0
    assert abs(split["personnel_cost"] + split["public_cost"] - split["basic"]) <= Decimal("0.05")
    assert "按基本支出经济分类计" in narrative.describe(split)
    assert composition_by_economic_class(doc).figures["source"] == "T19"
    assert headline(doc, "zh")["人员经费占一般公共预算基本支出"] != "—"
