"""Narrative claims (N.*) on national PDFs whose own pages carry the 情况说明 (issue 9).

The checks were built on Beijing's companions; on national documents they must not raise
false alarms. Each test below fails on the code before the fix (the 元 table compared in the
document's unit, a change amount taken as a level, the class subtotals added to the 合计, the
three year rows of a 三公 table added together, ...). Real PDFs from tests/corpus/national.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import budgetlib
from budgetlib.claims import check_narrative, extract_claims
from budgetlib.readers.narrative_text import sentences

NATIONAL = Path(__file__).resolve().parent / "corpus" / "national"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def docs():
    names = ("shanghai-wanli-2025-budget", "suzhou-2026-budget-1", "shenzhen-2026-budget-1", "hangzhou-2026-budget-1")
    out = {}
    for n in names:
        d = budgetlib.load(NATIONAL / f"{n}.pdf")
        out[n] = (d, check_narrative(d))
    return out


def _results(docs, name, rule, prefix=""):
    return [r for r in docs[name][1] if r.rule.id == rule and r.rule.instance.startswith(prefix)]


def test_yuan_table_compared_in_wan(docs):
    """Shanghai 万里 prints its tables in 元; "住房公积金（项）”科目384.67万元" is 3,846,732 元 in T05."""
    doc, _ = docs["shanghai-wanli-2025-budget"]
    assert doc.tables["T05"].unit == "元"
    [r] = _results(docs, "shanghai-wanli-2025-budget", "N.table", "function:2210201")
    assert r.status == "pass"
    assert r.left == Decimal("384.67") and abs(r.right - Decimal("384.6732")) < Decimal("0.0001")


def test_change_amount_is_not_a_level(docs):
    """Suzhou: "与上年相比减少1,332.74万元，减少3.24%。" states a change, never a level."""
    doc, _ = docs["suzhou-2026-budget-1"]
    changes = [s for s in sentences(doc.narrative) if s.text.startswith("与上年相比")]
    assert len(changes) >= 2
    claimed = {c.sentence.text for c in extract_claims(doc.narrative)}
    assert not claimed & {s.text for s in changes}


def test_suzhou_narrative_agrees_with_its_tables(docs):
    """Every figure of this Suzhou narrative that states a table figure agrees with it (the old
    code compared change amounts, 会议费 and 培训费 with table levels: 12 false N.* alarms)."""
    bad = [r for r in docs["suzhou-2026-budget-1"][1] if r.status == "mismatch"]
    assert bad == []
    passed = [r for r in docs["suzhou-2026-budget-1"][1] if r.rule.id == "N.table" and r.status == "pass"]
    assert len(passed) >= 20


def test_three_public_row_of_the_year(docs):
    """Shenzhen's 三公 table prints 2026年 | 2025年 | 增减变化金额 rows: the figure of 2026 is
    the 2026 row, not the three added up (11.16 against the narrative's 5.58)."""
    [r] = _results(docs, "shenzhen-2026-budget-1", "N.table", "three_public_total")
    assert r.status == "pass" and r.right == Decimal("5.58")


def test_unprinted_column_is_not_zero(docs):
    """Shenzhen's 一般公共预算支出表 prints no 人员经费 column: 在职人员经费 cannot be checked
    against it (not_applicable), where it was compared with 0."""
    rs = _results(docs, "shenzhen-2026-budget-1", "N.table", "personnel_cost")
    assert rs and all(r.status == "not_applicable" for r in rs)


def test_class_named_before_its_level(docs):
    """Hangzhou: "一般公共服务（类）支出" names the class 一般公共服务支出; and shares are checked
    against the whole their printed shares make up (runs adding to 100%)."""
    rs = _results(docs, "hangzhou-2026-budget-1", "N.class_name")
    assert rs and all(r.status != "mismatch" for r in rs)
    shares = _results(docs, "hangzhou-2026-budget-1", "N.share")
    assert shares and all(r.status != "mismatch" for r in shares)


@pytest.fixture(scope="module")
def more():
    out = {}
    for n in ("changchun-2026-budget-1", "shanghai-final-2024-final-1", "hangzhou-2026-budget-4"):
        d = budgetlib.load(NATIONAL / f"{n}.pdf")
        out[n] = (d, check_narrative(d), extract_claims(d.narrative))
    return out


def test_a_subject_name_inside_an_item_name(docs, more):
    """"大厅保安和安检服务项目支出328.69万元" (Shenzhen p.7) is one project, not 项目支出;
    "信访局临聘人员经费15.56万元" (Changchun p.18) one item, not 人员经费."""
    claims = extract_claims(docs["shenzhen-2026-budget-1"][0].narrative)
    assert {str(c.amount) for c in claims if c.subject == "project_expenditure"} == {"1,612.29万元"}
    assert not [c for c in more["changchun-2026-budget-1"][2]
                if c.subject == "personnel_cost" and c.amount.value == Decimal("15.56")]


def test_final_accounts_item_heads_its_paragraph(more):
    """Shanghai 决算 p.18: "2、一般公共服务支出（类）社会工作事务（款）事业运行（项）。主要用于：事业单位
    人员支出。全年预算为17.68万元，支出决算为11.31万元。": 11.31 is the 项's actual, not 人员经费."""
    claims = more["shanghai-final-2024-final-1"][2]
    [c] = [c for c in claims if c.amount is not None and c.amount.value == Decimal("11.31")]
    assert c.subject == "function:2013950" and c.page == 18
    assert not [r for r in more["shanghai-final-2024-final-1"][1] if r.rule.id == "N.twice" and r.status == "mismatch"]


def test_one_name_two_scopes_and_the_fiscal_total(more):
    """Hangzhou 交通运输局: 人员支出 73,924.43 of all funds (p.6, the 支出总表) and 67,627.51 of the
    一般公共预算 (p.12, 表5) are two scopes, each its table's figure; "财政拨款收支总预算654,235.22万元"
    is the 财政拨款收支总表's 总计 (with the carry-over), not its 本年收入."""
    _, results, _ = more["hangzhou-2026-budget-4"]
    [twice] = [r for r in results if r.rule.id == "N.twice" and r.rule.instance.startswith("personnel_cost")]
    assert twice.status == "pass"
    [fiscal] = [r for r in results if r.rule.id == "N.table" and r.rule.instance.startswith("fiscal_total")]
    assert fiscal.status == "pass" and fiscal.right == Decimal("654235.22")


def test_empty_table_explained_by_a_none_statement():
    """xian-2019-budget-2's 目录 (p.2) prints the reason beside each empty table: "表9 是 本单位无
    政府性基金预算" — no 0 amount, a "无 …" statement; it explains the empty 政府性基金 table (T07)."""
    doc = budgetlib.load(NATIONAL / "xian-2019-budget-2.pdf")
    assert doc.tables["T07"].empty and "本单位无政府性基金预算" in doc.narrative.pages[2].replace("\n", "")
    (r,) = [r for r in check_narrative(doc) if r.rule.id == "N.empty_table" and r.rule.instance == "T07"]
    assert r.status == "pass" and "无政府性基金预算" in r.text["zh"]


def test_three_public_total_is_the_total_row_not_the_department_row_too():
    """Xi'an 表13 (p.33, 元) prints 合计 and then the department's row (114 西安市人民政府办公厅),
    which repeats it: "“三公”经费预算支出3.00万元" is the 合计 30,000 元, not both rows (6.00)."""
    doc = budgetlib.load(NATIONAL / "xian-2026-budget-3.pdf")
    assert list(doc.tables["T09"].total["unit_code"].str.strip()[:2]) == ["合计", "114"]
    (r,) = [r for r in check_narrative(doc) if r.rule.id == "N.table" and r.rule.instance.startswith("three_public_total")]
    assert r.status == "pass" and r.left == r.right == Decimal("3")


def test_empty_table_statement_on_a_page_not_read_as_prose():
    """xian-2026-budget-3 p.14 holds one section, "八、政府性基金预算支出情况说明 / 本部门无当年政府性
    基金预算收支，并已公开空表。": too few sentences to be read as prose, yet it is the reason for the
    empty 表9 (T07). The empty-table check reads the pages outside the prose for it (only it)."""
    doc = budgetlib.load(NATIONAL / "xian-2026-budget-3.pdf")
    assert doc.tables["T07"].empty and 14 not in doc.narrative.pages
    (r,) = [r for r in check_narrative(doc) if r.rule.id == "N.empty_table" and r.rule.instance == "T07"]
    assert r.status == "pass" and "本部门无当年政府性基金预算收支" in r.text["zh"] and r.location == "narrative p.14"
    assert not [c for c in extract_claims(doc.narrative) if c.page == 14]


def test_performance_target_coverage_is_not_the_grant():
    """xian-2021-budget-1 p.12: "2021年本部门绩效目标管理全覆盖，涉及当年一般公共预算当年拨款5859.6万元"
    is the money the 部门整体支出绩效目标表 covers (金额合计 5859.6, p.43), not the grant: T01 prints
    一般公共预算拨款 258,596,001.79 元, of which 200,000,000.00 专项资金 with its own target table.
    The T01 line is read right; the sentence states no table figure."""
    doc = budgetlib.load(DATA / "xian-2021-budget-1-pp11-18-32-33.pdf")
    t01 = doc.tables["T01"].data
    grant = t01[(t01["side"] == "income") & (t01["item"].str.contains("一般公共预算拨款"))]
    assert list(grant["amount"]) == [Decimal("258596001.79")]
    assert "5859.6" in doc.narrative.pages[2]
    assert not [c for c in extract_claims(doc.narrative) if c.amount is not None and c.amount.value == Decimal("5859.6")]
    assert not [r for r in check_narrative(doc) if r.rule.id == "N.table" and r.status == "mismatch"
                and r.rule.instance.startswith("general_budget_grant")]
    (r,) = [r for r in check_narrative(doc) if r.rule.id == "N.empty_table" and r.rule.instance == "T07"]
    assert r.status == "pass"


def test_claims_and_reconciliation_read_one_and_the_same_total_row():
    """"The table's 合计" is one rule (Table.grand_total_row), read by the narrative's claims and
    by the reconciliation alike. Xi'an 2019 T05 (p.7) prints the 合计 3,643.37, then a row per
    budget unit without a code (2,080.32 + 461.80 + 830.27 + 270.98), then their class rows: the
    合计 alone, not 7,286.74. Xi'an 2026 T02 (p.21) prints the department's row (114) before its
    合计 row, T03 (p.22) after it: the 合计 both times."""
    from budgetlib.claims import table_value
    from budgetlib.reconcile import Context

    doc = budgetlib.load(NATIONAL / "xian-2019-budget-2.pdf")
    assert doc.tables["T05"].grand_total_row() == 0 and len(doc.tables["T05"].total) > 5
    assert table_value(doc, "total(T05.total)")[0] == Decimal("3643.37")
    assert [r["total"] for r in Context(doc).grand_total("T05")] == [Decimal("3643.37")]
    doc = budgetlib.load(NATIONAL / "xian-2026-budget-3.pdf")
    assert [doc.tables[t].grand_total_row() for t in ("T02", "T03")] == [1, 0]
    for tid in ("T02", "T03"):  # printed in 元; the claims compare in 万元
        assert table_value(doc, f"total({tid}.total)")[0] == Decimal("9216.513399")
        assert [r["total"] for r in Context(doc).grand_total(tid)] == [Decimal("92165133.99")]
