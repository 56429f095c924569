"""A note printed with a table is the table's note (Table.note), never one of its rows.

The pages: an empty 政府性基金预算支出 table (T07) and an empty 国有资本经营预算支出 table (T08),
pages 27-28 of a 2024 Shanghai sub-district budget (tests/data/MANIFEST.tsv), copied as printed.
Each has its header, a 合计 row with no amounts and, under it, the note
"注:本部门2024年无…，故本表为空表。". Before, the note became a detail row whose function code
was the note. The titles are of a family the catalogue does not recognise yet, so each page
is read by the PyMuPDF engine and given to the assembler as the table it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetlib.catalog import table_catalog
from budgetlib.readers.assemble import _UNIT_RE, Assembler, Segment
from budgetlib.readers.base import Line
from budgetlib.readers.pdf_mupdf import iter_page_lines

DATA = Path(__file__).parent / "data"
WANLI = DATA / "shanghai-wanli-2024-budget-pp27-28.pdf"


def _read(path: Path, page: int, tid: str):
    """The table printed on ``page`` (title, 编制部门, 单位, header, rows, note) as ``tid``."""
    title, *rest = iter_page_lines(path, [page])
    unit = next(ln for ln in rest if len(ln.nonempty()) == 1 and _UNIT_RE.search(ln.cells[0]))
    seg = Segment(tid, title.cells[0], False, title, _UNIT_RE.search(unit.cells[0]).group(1), unit,
                  [ln for ln in rest if ln is not unit])
    asm = Assembler(path.name)
    return asm.grid(seg, table_catalog()["tables"][tid], "元"), asm.warnings


@pytest.mark.parametrize("page, tid, note", [
    (1, "T07", "注:本部门2024年无政府性基金预算财政拨款安排的预算，故本表为空表。"),
    (2, "T08", "注:本部门2024年无国有资本经营预算财政拨款安排的预算，故本表为空表。")])
def test_the_note_under_an_empty_table_is_its_note_not_a_row(page, tid, note):
    table, warnings = _read(WANLI, page, tid)
    assert table.empty
    assert table.data.empty                              # no detail row at all
    assert list(table.total["function_code"]) == ["合计"] and (table.total["total"] == 0).all()
    assert table.note == note
    assert not warnings


# The notes quoted in issue 8 and printed in the national corpus (empty tables), and row
# texts that are not notes.
@pytest.mark.parametrize("text, is_note", [
    ("注：本部门无相关内容。", True), ("本表无数据", True), ("本部门无政府性基金预算支出", True),
    ("注：本表本年无发生额。", True), ("备注：本部门没有政府性基金预算拨款安排的支出，故本表无数据。", True),
    ("本单位无机关运行经费。", True), ("说明：本年度没有政府性基金预算财政拨款收入和支出，故本表无数据。", True),
    ("2130306-水利工程运行与维护", False), ("合    计", False), ("本项目无需采购", False),
    ("无线数据终端运维", False)])
def test_note_patterns(text, is_note):
    assert Assembler("x").is_note(Line([text, "", ""])) is is_note
