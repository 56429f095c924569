"""Excel input goes through the same assembler: a workbook made from the sample gives the same
tables as the text reader, with amounts stored as numbers or as text."""

from decimal import Decimal as D

import pytest

import budgetlib

openpyxl = pytest.importorskip("openpyxl")


def _workbook(path, sample_text, numbers: bool):
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in sample_text.splitlines():
        row = []
        for cell in line.split("\t"):
            plain = cell.replace(",", "")
            if numbers and plain.replace(".", "", 1).isdigit() and "." in plain:
                row.append(float(plain))  # what Excel stores for a typed amount
            else:
                row.append(cell or None)
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("numbers", [False, True], ids=["text-cells", "number-cells"])
def test_excel_matches_text(tmp_path, sample_text, sample_doc, numbers):
    doc = budgetlib.load(_workbook(tmp_path / "sample.xlsx", sample_text, numbers))
    assert doc.meta["format"] == "excel"
    for tid in ("T01", "T03", "T05", "T06", "T09", "T10", "T12", "T12_indicators"):
        ours = doc[tid].drop(columns=["page", "line"])
        theirs = sample_doc[tid].drop(columns=["page", "line"])
        assert ours.equals(theirs), tid
    assert doc.tables["T05"].printed_total("personnel_cost") == D("19357.945631")
    assert doc["T05"]["page"].eq(1).all()  # sheet number as the page


def test_damaged_workbook_is_a_one_line_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(budgetlib.ReadError) as exc:
        budgetlib.load(bad)
    assert "bad.xlsx" in str(exc.value) and "\n" not in str(exc.value)
