"""Final accounts (部门决算) and the problems column of `make corpus`, on real pages.

Pages copied into tests/data (MANIFEST.tsv): shanghai-final-2024-final-4 pp.10 and 16 (支出决算表 whose
header walls are drawn cell by cell; 基本支出决算表 in two panels), final-hangci-2022-final-1 pp.146,
157-158 (收入支出决算总表; 基本支出决算表 in three panels over two pages), suzhou-2026-budget-2 p.10
(收支总表 whose expenditure side runs on below the income side).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

import budgetlib
from budgetlib.analysis.personnel import personnel_vs_public
from budgetlib.corpus_check import totals_reproduced
from budgetlib.reconcile import reconcile

from conftest import CORPUS

DATA = Path(__file__).parent / "data"
D = Decimal


@cache
def _doc(name):
    return budgetlib.load(DATA / f"{name}.pdf")


def _col(df, col):
    return sum((D(v) for v in df[col] if not pd.isna(v)), D(0))


def test_expenditure_table_whose_header_walls_are_drawn_cell_by_cell():
    """shanghai-final-4 p.10: the walls of 本年支出合计 … 对附属单位补助支出 are drawn row by row,
    a hair apart (145.58-168.02, 168.99-191.57) with no floor between the two header rows; the
    header fused into one cell and the table was not read ("header has no column 合计, 基本支出")."""
    doc = _doc("shanghai-final-2024-final-4-pp10-16")
    assert not doc.problems
    t = doc.tables["T03"]
    assert {"total", "basic", "project"} <= set(t.headers)
    total = t.total.iloc[0]
    assert (total["total"], total["basic"], total["project"]) == (D("9759.38"), D("5377.64"), D("4381.74"))
    items = t.data[t.data["function_code"].str.len() == 7]
    assert list(items["function_code"]) == ["2080501", "2080502", "2080505", "2080506", "2080599",
                                            "2101101", "2101102"]
    assert _col(items, "basic") == D("54.53") + D("28.11") + D("446.11") + D("225.12") + D("0.88") \
        + D("40.35") + D("196.29")


@pytest.mark.parametrize("name, personnel, public, rows", [
    # two panels: 301/303 | 302/310, 人员经费合计 under the first, 公用经费合计 under the second
    ("shanghai-final-2024-final-4-pp10-16", "4884.09", "480.66", 61),
    # three panels over two pages: 301/303 | 302/307 | 310/312/399; one 公用经费合计 under the
    # third closes the second and the third
    ("final-hangci-2022-final-1-pp146-157-158", "96513.21", "2093.08", 82)])
def test_basic_expenditure_panels_give_personnel_and_public_costs(name, personnel, public, rows):
    doc = _doc(name)
    t = doc.tables["T06"]
    assert not doc.problems and not doc.warnings
    assert len(t.data) == rows
    printed = t.total.iloc[0]
    assert (printed["personnel_cost"], printed["public_cost"]) == (D(personnel), D(public))
    assert printed["total"] == D(personnel) + D(public)
    # every row is in one panel: 301/303 under 人员经费, the other classes under 公用经费
    codes = t.data["dept_economic_code"].str[:3]
    staff = t.data[codes.isin(["301", "303"])]
    assert (staff["personnel_cost"] == staff["total"]).all() and (staff["public_cost"] == 0).all()
    other = t.data[~codes.isin(["301", "303"])]
    assert (other["public_cost"] == other["total"]).all() and (other["personnel_cost"] == 0).all()
    # the panels' rows make the printed subtotals (to the 尾差 the page's note allows)
    results = {(r.rule.id, r.status) for r in reconcile(doc).results if r.rule.id.startswith(("T06", "C.T06"))}
    assert not {s for _, s in results} & {"mismatch", "unreadable"}
    finding = personnel_vs_public(doc)
    assert finding.missing is None
    assert finding.figures["personnel_cost"] == D(personnel)
    assert finding.figures["public_cost"] == D(public)


def test_hangci_summary_totals_differ_by_a_printed_rounding_fen():
    """final-hangci p.146 (收入支出决算总表): the expenditure side prints 本年支出合计 2,074,962.01 +
    结余分配 6,374.88 + 年末结转和结余 399,035.80 = 2,480,372.69 against 总计 2,480,372.70; the page's
    note says 本表金额转换为万元时，因四舍五入可能存在尾差. The document's own: the lines are read as
    printed, so `totals_reproduced` (exact) is False and reconcile calls it rounding."""
    doc = _doc("final-hangci-2022-final-1-pp146-157-158")
    t = doc.tables["T01"].data
    exp = t[t["side"] == "expenditure"].set_index("item")["amount"]
    assert exp["本年支出合计"] + exp["结余分配"] + exp["年末结转和结余"] == D("2480372.69")
    assert exp["总计"] == D("2480372.70")
    assert totals_reproduced(doc) is False
    status = {r.rule.id: r.status for r in reconcile(doc).results if r.rule.id.startswith("T01")}
    assert status["T01.expenditure_grand_total"] == "rounding"


def test_expenditure_lines_below_the_income_side_are_rows_of_their_own():
    """suzhou-2 p.10: below 九、其他收入 the income cells are empty, so the expenditure labels
    十、卫生健康支出 … 三十、… follow each other in the content stream one row apart. They were taken
    for one wrapped label (the overflow rule), and 1,117.45 and 5,516.22 lost their labels."""
    doc = _doc("suzhou-2026-budget-2-p10")
    assert not doc.problems
    t = doc.tables["T01"].data
    exp = t[(t["side"] == "expenditure") & (t["line_kind"] == "item")]
    assert len(exp) == 30
    amounts = exp.set_index("item")["amount"]
    assert amounts["住房保障支出"] == D("1117.45") and amounts["灾害防治及应急管理支出"] == D("5516.22")
    assert sum(amounts, D(0)) == D("7062.80")
    assert totals_reproduced(doc) is True


def test_an_unnumbered_heading_line_is_not_the_summary_tables_item():
    """xian-2019-2 p.3 (and T04 p.6): 一、部门预算 is printed with no amount over 1、财政拨款 3,643.37,
    2、上级补助收入 … on the income side and 1、一般公共服务 … 29、债务发行费用支出 on the other; the
    numbered lines under it are the items, and they make 本年收入合计 / 本年支出合计 3,643.37."""
    doc = budgetlib.load(CORPUS / "national" / "xian-2019-budget-2.pdf")
    assert not [p for p in doc.problems if p.table.startswith(("T01", "T04"))]
    for tid in ("T01", "T04"):
        t = doc.tables[tid].data
        for side in ("income", "expenditure"):
            lines = t[t["side"] == side]
            items = lines[lines["line_kind"] == "item"]
            assert "部门预算" not in set(items["item"])
            current = lines.loc[lines["line_kind"] == "current_total", "amount"].iloc[0]
            assert current == D("3643.37") == sum(items["amount"], D(0))


def test_personnel_report_of_a_final_account_has_its_project_spending_beside():
    """shanghai-final-1: 人员经费 95.36 and 公用经费 10.23 from the 基本支出决算表's panels (p.13); the
    一般公共预算财政拨款支出决算表 (p.12) prints 合计 307.82 = 基本支出 105.58 + 项目支出 202.24 beside."""
    doc = budgetlib.load(CORPUS / "national" / "shanghai-final-2024-final-1.pdf")
    f = personnel_vs_public(doc)
    assert f.missing is None and f.figures["source"] == "T06"
    assert (f.figures["personnel_cost"], f.figures["public_cost"]) == (D("95.36"), D("10.23"))
    assert (f.figures["project"], f.figures["total"]) == (D("202.24"), D("307.82"))


def test_a_floor_drawn_in_pieces_end_to_end_is_one_ruling():
    """xian-2026-4 p.43 (部门整体支出绩效目标表): every floor is drawn as pieces 150-298-365-432-491-555
    that meet end to end; no wall stands at 298 or 432, so the pieces touched no wall there and the
    page fell apart into three grids (the indicator name and its value split across them: "≥1" / "8")."""
    from budgetlib.readers import pdf_mupdf
    rows = [[c for c in ln.cells] for ln in pdf_mupdf.iter_page_lines(DATA / "xian-2026-budget-4-p43.pdf")]
    assert ["年度绩效指标", "产出指标", "数量指标", "促进被审计单位建立完善管理制度（项）", "≥18", "4"] in rows
    assert ["", "", "时效指标", "审计项目完成时限", "12月31日前", "6"] in rows
    assert ["", "满意度指标", "服务对象满意度指标", "政府及被审计单位满意度", "≥95%", "6"] in rows
