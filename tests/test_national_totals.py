"""Totals-level reconciliation on national documents (issue 9 item 7): the rules on 收支总表,
收入总表 and 财政拨款收支总表 and across them read each printed total once, and an input a
document does not print is not_applicable, never a 0 that fails or passes. Real PDFs from
tests/corpus/national/; each assertion was a false alarm before."""

from __future__ import annotations

from decimal import Decimal as D
from functools import cache

from conftest import CORPUS

import budgetlib

NATIONAL = CORPUS / "national"


@cache
def _results(name):
    doc = budgetlib.load(NATIONAL / f"{name}.pdf")
    return doc, {(r.rule.id, r.rule.instance): r for r in budgetlib.reconcile(doc).results}


def test_the_general_budget_table_total_is_read_once_not_with_its_class_rows():
    # guangzhou 表5 prints 合计 3,944.08 then its 类/款 rows; T04 本年支出合计 is 3,944.08 (p.10)
    _, res = _results("guangzhou-2026-budget-1")
    r = res[("X.T04_T05.total", "")]
    assert r.status == "pass" and r.left == r.right == D("3944.08")
    r = res[("X.T01_T03.total", "")]
    assert r.status == "pass" and r.right == D("3944.08")


def test_a_department_row_above_its_units_is_not_counted_twice():
    # hangzhou 表2 prints 合计 5,876.67, then the department's row, then its units (p.16)
    _, res = _results("hangzhou-2026-budget-1")
    r = res[("X.T01_T02.totals", "收入总计")]
    assert r.status == "pass" and r.left == D("5876.67")


def test_an_income_column_the_document_does_not_print_is_not_applicable():
    # guangzhou 表2 has no 本年收入小计 column (合计 | 财政拨款收入 … | 上年结转结余): no 0 against 3,944.08
    doc, res = _results("guangzhou-2026-budget-1")
    assert "current_income" not in doc.tables["T02"].headers
    assert res[("X.T01_T02.totals", "本年收入合计")].status == "not_applicable"


def test_one_numbered_income_line_and_its_breakdown_is_the_current_year_total():
    # hangzhou 表4 (p.18): 一、财政拨款 5,753.07 / 一般公共预算 5,753.07 / … / 二、上年结转结余, no 本年收入合计
    doc, res = _results("hangzhou-2026-budget-1")
    t04 = doc.tables["T04"].data
    line = t04[(t04["side"] == "income") & (t04["line_kind"] == "current_total")]
    assert list(line["item"]) == ["财政拨款"] and line["amount"].iloc[0] == D("5753.07")
    assert res[("T04.income_items", "")].status == "pass"
    assert res[("T04.income_grand_total", "")].status == "pass"


def test_an_income_source_printed_as_a_sub_line_is_compared():
    # shenzhen 表1 (p.16): 一、财政拨款 / 1.一般公共预算拨款 4,676.96; 表2 (p.17) 一般公共预算拨款 4,676.96
    _, res = _results("shenzhen-2026-budget-1")
    r = res[("X.T01_T02.sources", "一般公共预算")]
    assert r.status == "pass" and r.left == D("4676.96")


def test_expenditure_not_printed_by_function_class_is_not_applicable():
    # changsha 收支总表 (p.12) prints 支出 as 基本支出 386.73 / 项目支出 270.00, not by 类
    _, res = _results("changsha-2026-budget-1")
    assert res[("X.T01_T03.by_class", "")].status == "not_applicable"
    assert res[("X.T01_T04.by_class", "")].status == "not_applicable"


def test_income_table_by_split_function_codes_and_sources_under_another_parent():
    # shanghai 收入预算总表 (p.8): 类|款|项 | 功能分类科目名称 | 收入预算 {合计 | 财政拨款收入 | 事业收入 | …}
    doc, res = _results("shanghai-2026-budget-1")
    t02 = doc.tables["T02"]
    assert t02.data["function_code"].str.len().eq(7).all()  # 类/款 rows are aggregates
    assert res[("T02.function_total", "current_fiscal_income")].status == "pass"
    r = res[("X.T01_T02.sources", "事业收入")]
    assert r.status == "pass" and r.left == D("1187700")


def test_a_final_accounts_income_table_total_is_current_income():
    # 收入决算表 (p.6) prints 本年收入合计 307.82 (no carry-over): T01 本年收入合计, not 收入总计
    doc, res = _results("shanghai-final-2024-final-1")
    assert "current_income" in doc.tables["T02"].headers and "total" not in doc.tables["T02"].headers
    r = res[("X.T01_T02.totals", "本年收入合计")]
    assert r.status == "pass" and r.left == D("307.82")
    assert res[("X.T01_T02.totals", "收入总计")].status == "not_applicable"


def test_a_total_row_alone_on_its_page_keeps_its_columns():
    # shanghai-wanli 2025: the 支出预算总表's 合计 row is printed alone at the top of a page, its
    # label one cell over the 类|款|项|名称 columns
    doc, res = _results("shanghai-wanli-2025-budget")
    assert doc.tables["T03"].printed_total("total") == D("189767551")
    assert doc.tables["T02"].printed_total("total") == D("189767551")
    r = res[("X.T01_T02.totals", "收入总计")]
    assert r.status == "pass" and r.left == D("189767551")
