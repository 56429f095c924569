"""The text reader and the assembler on the sample: the figures of the issue, exactly."""

from decimal import Decimal as D

import pytest

import budgetlib
from budgetlib.normalize import AMOUNT_DTYPE, split_code_name


def test_metadata(sample_doc):
    m = sample_doc.meta
    assert m["department"] == "北京市市民热线服务中心"
    assert m["year"] == 2025 and m["kind"] == "budget" and m["unit"] == "万元"
    assert m["sha256"].startswith("bd0107197c561255")
    assert set(m["tables"]) >= {f"T{i:02d}" for i in range(1, 13)} | {"T12_indicators"}


def test_t01_totals(sample_doc):
    t01 = sample_doc["T01"]
    grand = t01[t01.line_kind == "grand_total"].set_index("side")["amount"]
    assert grand["income"] == D("27921.891610") == grand["expenditure"]
    assert t01[(t01.side == "expenditure") & (t01.line_kind == "item")].shape[0] == 26
    current = t01[t01.line_kind == "current_total"].set_index("side")["amount"]
    assert current["income"] == D("27878.199620")


def test_t03_detail_rows_and_printed_total(sample_doc):
    t03 = sample_doc.tables["T03"]
    assert len(t03.data) == 39
    # the sample's own fault: detail rows do not reach the printed 合计
    assert t03.data["total"].sum() == D("5816.074996")
    assert t03.printed_total("total") == D("27921.891610")
    row = t03.data.iloc[0]
    assert (row.function_code, row.function_name) == ("2010301", "行政运行")
    assert (row.gov_economic_code, row.dept_economic_code, row.dept_economic_name) == ("50101", "30101", "基本工资")
    assert t03.data["total"].dtype == AMOUNT_DTYPE


def test_t03_rows_after_repeated_header(sample_doc):
    # the header repeats where the original broke pages; rows after it are still read
    codes = sample_doc["T03"]["function_code"].tolist()
    assert codes.count("2101103") == 1 and codes[-1] == "2299999"


def test_t05(sample_doc):
    t05 = sample_doc.tables["T05"]
    assert len(t05.data) == 11
    assert t05.data["personnel_cost"].sum() == D("19357.945631") == t05.printed_total("personnel_cost")
    assert t05.data.set_index("function_code").loc["2010302", "project_total"] == D("7990.618635")


def test_t06(sample_doc):
    t06 = sample_doc.tables["T06"]
    assert len(t06.data) == 28
    assert t06.data["total"].sum() == D("2640.341196")
    assert t06.printed_total("total") == D("19600.672975")


def test_t09_t10(sample_doc):
    assert sample_doc["T09"].iloc[0]["total"] == D("26.765421")
    t10 = sample_doc.tables["T10"]
    assert t10.printed_total("amount") == D("7666.864835") == t10.data["amount"].sum()
    assert t10.data["procurement_category_code"].tolist() == ["A", "C"]


def test_empty_tables(sample_doc):
    for tid in ("T07", "T08", "T11"):
        assert sample_doc.tables[tid].empty and not sample_doc.has_rows(tid)
    assert sample_doc.has_rows("T05")


def test_t12_projects_and_indicators(sample_doc):
    projects, ind = sample_doc["T12"], sample_doc["T12_indicators"]
    assert len(projects) == 12 and len(ind) == 93
    assert int(ind["is_cost"].sum()) == 20
    p = projects.set_index("project_code")
    # a wrapped cell: "11000024T0000 02780436- 12345对外宣传 经费"
    assert p.loc["11000024T000002780436", "project_name"] == "12345对外宣传经费"
    assert p.loc["11000024T000002780436", "project_total"] == D("405.480000")
    # the row shifted left (其他资金 missing) still gets its amounts and goal
    assert p.loc["11000024Y000002792558", "project_total"] == D("546.770000")
    assert p.loc["11000024Y000002792558", "goal"].startswith("为12345市民热线服务平台")
    # literal HTML is stripped to text
    assert "<p>" not in " ".join(projects["goal"])
    caps = ind[(ind.project_code == "11000024T000002780436") & ind.is_cost]
    assert caps["value_number"].sum() == D("405.48")  # 36.48 + 99.44 + 269.56, the shifted rows included
    youxiu = ind[ind.value == "优"]
    assert len(youxiu) == 1 and youxiu["value_number"].isna().all() and youxiu["is_qualitative"].all()


def test_provenance_on_every_row(sample_doc):
    for t in sample_doc.tables.values():
        assert t.data["line"].notna().all(), t.id


def test_facts_view(sample_doc):
    f = sample_doc.facts()
    t05 = f[(f.table == "T05") & (f.measure == "personnel_cost") & (f.row_kind == "detail")]
    assert t05["amount"].sum() == D("19357.945631")
    assert set(f.columns) >= {"document", "table", "row_kind", "key", "page", "line", "measure", "amount", "unit"}


@pytest.mark.parametrize("text,code,name", [
    ("2010301-行政运行", "2010301", "行政运行"),
    ("11000024T0000 02780436- 12345对外宣传 经费", "11000024T000002780436", "12345对外宣传经费"),
    ("A-货物", "A", "货物"),
    ("3021101-差旅费", "3021101", "差旅费"),
    ("合 计", "", "合计"),
])
def test_split_code_name(text, code, name):
    assert split_code_name(text) == (code, name)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-16", "utf-16-le"])
def test_encodings(tmp_path, sample_text, encoding):
    p = tmp_path / f"sample-{encoding}.txt"
    p.write_bytes(sample_text.encode(encoding))
    doc = budgetlib.load(p)
    assert doc.tables["T05"].printed_total("total") == D("27921.891610")
    assert len(doc["T12_indicators"]) == 93
