"""A note printed with a table is the table's note (Table.note), never one of its rows.

Real pages (tests/data/MANIFEST.tsv), each an empty 政府性基金预算支出 (T07) or 国有资本经营预算
支出 (T08) table: its header, a 合计 row with no amounts (or 0.00) and, under it, a note saying
why it is empty. Before, "注:本部门2024年无…" after the 合计 row became a detail row whose
function code was the note; a note wrapped onto a second line left that line as a row.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import budgetlib
from budgetlib.readers.assemble import Assembler
from budgetlib.readers.base import Line

DATA = Path(__file__).parent / "data"


@cache
def _doc(name):
    return budgetlib.load(DATA / f"{name}.pdf")


@pytest.mark.parametrize("name, tid, page, note", [
    ("shanghai-wanli-2024-budget-pp27-28", "T07", 1, "注:本部门2024年无政府性基金预算财政拨款安排的预算，故本表为空表。"),
    ("shanghai-wanli-2024-budget-pp27-28", "T08", 2, "注:本部门2024年无国有资本经营预算财政拨款安排的预算，故本表为空表。"),
    ("hangzhou-2026-budget-1-pp22-23", "T07", 1, "备注：本部门没有政府性基金预算拨款安排的支出，故本表无数据。"),
    ("hangzhou-2026-budget-1-pp22-23", "T08", 2, "备注：本部门没有国有资本经营预算拨款安排的支出，故本表无数据。"),
    # printed over two lines: "…安排的支" / "出。"
    ("fuzhou-2026-budget-1-p16", "T08", 1, "备注：本单位2026 年没有使用国有资本经营预算拨款安排的支出。")])
def test_the_note_under_an_empty_table_is_its_note_not_a_row(name, tid, page, note):
    doc = _doc(name)
    table = doc.tables[tid]
    assert table.empty
    assert table.data.empty                              # no detail row at all
    assert len(table.total) == 1 and (table.total["total"] == 0).all()
    assert list(table.total["page"]) == [page]
    assert table.note == note
    assert not doc.warnings and not doc.problems


# The notes quoted in issue 8 and printed in the national corpus, and row texts that are not
# notes (a goal line beginning 本项目无…, a name beginning 无线…).
@pytest.mark.parametrize("text, is_note", [
    ("注：本部门无相关内容。", True), ("本表无数据", True), ("本部门无政府性基金预算支出", True),
    ("注：本表本年无发生额。", True), ("本单位无机关运行经费。", True),
    ("无政府性基金预算财政拨款收入支出的，仍保留该表格式，并在本表下方作下述说明：", True),
    ("2130306-水利工程运行与维护", False), ("合    计", False), ("本项目无需采购", False),
    ("无线数据终端运维", False)])
def test_note_patterns(text, is_note):
    assert Assembler("x").is_note(Line([text, "", ""])) is is_note
