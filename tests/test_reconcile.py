"""Reconciliation (勾稽关系核对): the engine on small inline tables, the rule catalogue, the
sample's known faults asserted exactly, the report outputs, `check_paths`, and the corpus
documents' own faults (docs/findings.md)."""

from __future__ import annotations

from decimal import Decimal as D
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

import budgetlib
from budgetlib.catalog import classification
from budgetlib.model import BudgetDocument, Table
from budgetlib.normalize import AMOUNT_DTYPE
from budgetlib.reconcile import STATUSES, check_paths, load_rules, reconcile

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "beijing-2025-citizen-hotline-center.txt"
CORPUS = ROOT / "tests" / "corpus"


# ------------------------------------------------------------------------------ helpers
def table(tid: str, rows: list[dict], total: dict | None = None, unit: str = "万元") -> Table:
    """A tiny Table: amounts given as strings become exact decimals; provenance added."""
    def frame(recs):
        f = pd.DataFrame(recs)
        for c in f.columns:
            if f[c].map(lambda v: isinstance(v, str) and v.replace(".", "").replace("-", "").isdigit()
                        and "." in v).all():
                f[c] = pd.array([D(v) for v in f[c]], dtype=AMOUNT_DTYPE)
        f["page"] = pd.array([pd.NA] * len(f), dtype="Int64")
        f["line"] = pd.array(range(1, len(f) + 1), dtype="Int64")
        return f

    data = frame(rows)
    tot = frame([total]) if total else data.iloc[0:0]
    return Table(tid, tid, unit, data, tot, empty=not rows)


def doc_of(*tables: Table, unit: str = "万元") -> BudgetDocument:
    return BudgetDocument(meta={"source_name": "inline", "unit": unit}, tables={t.id: t for t in tables})


def t06(personnel="10.000000", public="5.000000", total="15.000000", printed_total="15.000000"):
    rows = [{"dept_economic_code": "30101", "dept_economic_name": "基本工资", "total": "10.000000",
             "personnel_cost": "10.000000", "public_cost": "0.000000"},
            {"dept_economic_code": "30201", "dept_economic_name": "办公费", "total": "5.000000",
             "personnel_cost": "0.000000", "public_cost": "5.000000"}]
    return table("T06", rows, {"dept_economic_code": "", "dept_economic_name": "合计", "total": printed_total,
                               "personnel_cost": personnel, "public_cost": public})


# ------------------------------------------------------------------------------ the catalogue
def test_catalogue_parses_and_every_rule_has_the_required_fields():
    cat = load_rules()
    ids = {r.id for r in cat.rules}
    assert len(ids) >= 45
    for r in cat.rules:
        assert r.zh and r.en and r.tables and r.check and r.severity in ("error", "warning")
        assert r.tolerance in ("printed", "exact")
        assert r.when is None or r.when in cat.conditions


def test_unknown_kind_is_rejected(tmp_path):
    p = tmp_path / "rules.yaml"
    p.write_text("rules:\n  - {id: X, kind: magic, zh: x, en: x, tables: [T01], check: 'T01: a'}\n",
                 encoding="utf-8")
    with pytest.raises(ValueError, match="unknown kind 'magic'"):
        load_rules(p)


def test_a_new_rule_is_data_only(tmp_path):
    """Adding an identity means adding an entry: here 公用经费 <= 人员经费 in T06's 合计 row."""
    p = tmp_path / "rules.yaml"
    p.write_text("rules:\n  - id: T06.public_below_personnel\n    kind: le\n    zh: 公用经费不超过人员经费\n"
                 "    en: public costs do not exceed personnel costs\n    tables: [T06]\n"
                 "    check: 'printed(T06.public_cost) <= printed(T06.personnel_cost)'\n", encoding="utf-8")
    report = reconcile(doc_of(t06()), rules=p)
    assert report.status("T06.public_below_personnel") == "pass"
    report = reconcile(doc_of(t06(personnel="1.000000", public="14.000000")), rules=p)
    assert report.status("T06.public_below_personnel") == "mismatch"
    assert report.frame.loc[0, "difference"] == D(13)


def test_codes_csv_lists_the_26_function_classes_and_its_parents_exist():
    codes = classification()
    assert set(codes.columns) >= {"kind", "code", "name", "level", "parent"}
    classes = codes[(codes.kind == "function") & (codes.level == "类")]
    for name in ["一般公共服务支出", "教育支出", "社会保障和就业支出", "卫生健康支出", "住房保障支出",
                 "灾害防治及应急管理支出", "其他支出", "抗疫特别国债安排的支出", "国有资本经营预算支出"]:
        assert name in set(classes.name)
    keyed = set(zip(codes.kind, codes.code))
    for kind, parent in zip(codes.kind, codes.parent):
        assert not parent or (kind, parent) in keyed
    assert not codes.duplicated(["kind", "code"]).any()


# ------------------------------------------------------------------------------ the engine
def test_column_total_is_per_column_and_names_the_gap():
    report = reconcile(doc_of(t06(personnel="20.000000", total="25.000000", printed_total="25.000000")))
    f = report.frame.set_index(["rule_id", "instance"])
    assert f.loc[("T06.column_total", "total"), "status"] == "mismatch"
    assert f.loc[("T06.column_total", "total"), "difference"] == D(-10)
    assert f.loc[("T06.column_total", "personnel_cost"), "difference"] == D(-10)
    assert f.loc[("T06.column_total", "public_cost"), "status"] == "pass"


def test_absent_or_empty_tables_make_a_rule_not_applicable_never_pass():
    empty_t07 = table("T07", [], {"function_code": "", "function_name": "合计", "total": "0.000000",
                                  "basic": "0.000000", "project": "0.000000"})
    report = reconcile(doc_of(t06(), empty_t07))
    assert report.status("T07.column_total") == "not_applicable"
    assert report.status("T03.row_sum") == "not_applicable"  # T03 absent
    assert report.status("X.T05_T06.basic") == "not_applicable"  # T05 absent
    assert "T05" in report.frame.set_index("rule_id").loc["X.T05_T06.basic", "explanation"].iloc[0]


def test_row_sum_drilldown_lists_the_rows_that_break():
    t = table("T09", [{"total": "10.000000", "overseas_travel": "1.000000", "official_reception": "2.000000",
                       "vehicle_total": "3.000000", "vehicle_purchase": "1.000000", "vehicle_operation": "2.000000"}])
    report = reconcile(doc_of(t))
    assert report.status("T09.total") == "mismatch"
    assert report.status("T09.vehicle") == "pass"
    drill = report.drilldown("T09.total")
    assert drill.loc[0, "difference"] == D(4) and drill.loc[0, "line"] == 1


def test_fewer_printed_decimals_give_rounding_not_mismatch():
    """A document printed with 2 decimals: 0.01 off over three values is rounding; 0.05 is not."""
    def doc(total):
        return doc_of(table("T10", [{"procurement_category_code": "A", "procurement_category_name": "货物",
                                     "amount": "1.33"}, {"procurement_category_code": "C",
                                     "procurement_category_name": "服务", "amount": "1.33"}],
                            {"procurement_category_code": "", "procurement_category_name": "合计", "amount": total}))
    assert reconcile(doc("2.66")).status("T10.column_total") == "pass"
    r = reconcile(doc("2.67"))
    assert r.status("T10.column_total") == "rounding"
    assert r.frame.loc[r.frame.rule_id == "T10.column_total", "tolerance"].iloc[0] == D("0.015")
    assert reconcile(doc("2.71")).status("T10.column_total") == "mismatch"


def test_yuan_tables_are_converted_not_flagged():
    """A 元 table beside 万元 tables: 150,000 元 = 15 万元 exactly."""
    t09 = table("T09", [{"total": "150000.00", "overseas_travel": "50000.00", "official_reception": "0.00",
                         "vehicle_total": "100000.00", "vehicle_purchase": "100000.00",
                         "vehicle_operation": "0.00"}], unit="元")
    t06_ = t06()
    rules = load_rules()
    report = reconcile(doc_of(t06_, t09), rules=rules)
    assert report.status("T09.total") == "pass"
    row = report.frame.set_index(["rule_id", "instance"]).loc[("X.T06_T09.three_public", "因公出国（境）费用")]
    assert row["right"] == D(5) and row["unit"] == "万元"


def test_aggregate_match_maps_class_names_to_codes_and_drills_down():
    t04 = pd.DataFrame({"side": ["expenditure"] * 2, "line_no": ["一", "五"], "item": ["一般公共服务支出", "教育支出"],
                        "line_kind": ["item", "item"]})
    t04["amount"] = pd.array([D("10.000001"), D(3)], dtype=AMOUNT_DTYPE)  # printed to 6 decimals
    t04["page"], t04["line"] = pd.array([1, 1], dtype="Int64"), pd.array([5, 9], dtype="Int64")
    t05 = table("T05", [{"function_code": "2010301", "function_name": "行政运行", "total": "10.000001",
                         "basic_total": "10.000001", "personnel_cost": "10.000001", "public_cost": "0.000000",
                         "project_total": "0.000000"},
                        {"function_code": "2050803", "function_name": "培训支出", "total": "2.000000",
                         "basic_total": "2.000000", "personnel_cost": "0.000000", "public_cost": "2.000000",
                         "project_total": "0.000000"}])
    doc = doc_of(Table("T04", "T04", "万元", t04, t04.iloc[0:0]), t05)
    report = reconcile(doc, lang="en")
    assert report.status("X.T04_T05.by_class") == "mismatch"
    drill = report.drilldown("X.T04_T05.by_class")
    assert drill["key"].tolist() == ["205"] and drill.loc[0, "difference"] == D(1)
    assert "205" in report.frame.set_index("rule_id").loc["X.T04_T05.by_class", "explanation"]


def test_unknown_codes_are_flagged_with_their_rows():
    t = t06()
    t.data.loc[1, "dept_economic_code"] = "30298"  # no such 款
    report = reconcile(doc_of(t))
    # T03 is the rule's required table; without it the code check is not applicable ...
    assert report.status("C.dept_economic_codes") == "not_applicable"
    t03 = table("T03", [{"function_code": "2010301", "function_name": "行政运行", "gov_economic_code": "50201",
                         "gov_economic_name": "办公经费", "dept_economic_code": "3029901", "dept_economic_name": "x",
                         "total": "1.000000", "basic": "1.000000", "project": "0.000000"}])
    report = reconcile(doc_of(t, t03))
    assert report.status("C.dept_economic_codes") == "mismatch"
    assert set(report.drilldown("C.dept_economic_codes")["code"]) == {"30298", "3029901"}


# ------------------------------------------------------------------------------ the sample
@pytest.fixture(scope="module")
def sample():
    return budgetlib.load(SAMPLE)


@pytest.fixture(scope="module")
def sample_report(sample):
    return reconcile(sample)


# Every rule's status on the sample; anything not listed here must be "pass".
SAMPLE_NOT_PASS = {
    ("T03.column_total", "total"): "mismatch",
    ("T03.column_total", "basic"): "mismatch",
    ("T03.column_total", "project"): "mismatch",
    ("T06.column_total", "total"): "mismatch",
    ("T06.column_total", "personnel_cost"): "mismatch",
    ("X.T01_T03.by_class", ""): "mismatch",
    ("X.T03_T05.by_function", ""): "mismatch",
    ("T07.row_sum", ""): "not_applicable",
    ("T07.column_total", ""): "not_applicable",
    ("T08.row_sum", ""): "not_applicable",
    ("T08.column_total", ""): "not_applicable",
    ("T11.column_total", ""): "not_applicable",
    ("X.T04_T11.purchase", ""): "not_applicable",
    # final-accounts identities: the sample (a budget) prints none of their columns
    ("T07.final_balance", ""): "not_applicable",
    ("T02.function_total", ""): "not_applicable",
}


def test_sample_every_rule_status(sample_report):
    f = sample_report.frame
    got = {(r.rule_id, r.instance): r.status for r in f.itertuples()}
    expected = {k: SAMPLE_NOT_PASS.get(k, "pass") for k in got}
    assert got == expected
    assert set(SAMPLE_NOT_PASS) <= set(got)
    # every catalogue rule ran at least once
    assert {r.id for r in load_rules().rules} == set(f["rule_id"])
    assert sample_report.summary().to_dict() == {"pass": 74, "rounding": 0, "mismatch": 7, "unreadable": 0, "not_applicable": 8}
    assert not sample_report.ok


def test_sample_t03_detail_rows_against_the_printed_total(sample_report):
    row = sample_report.frame.set_index(["rule_id", "instance"]).loc[("T03.column_total", "total")]
    assert (row["left"], row["right"], row["difference"]) == (D("5816.074996"), D("27921.891610"),
                                                              D("-22105.816614"))
    assert "5,816.074996" in row["explanation"] and "27,921.891610" in row["explanation"]
    assert "line 95" in row["location"]


def test_sample_t06_gap_is_all_personnel(sample_report):
    f = sample_report.frame.set_index(["rule_id", "instance"])
    total = f.loc[("T06.column_total", "total")]
    assert (total["left"], total["right"], total["difference"]) == (D("2640.341196"), D("19600.672975"),
                                                                    D("-16960.331779"))
    assert f.loc[("T06.column_total", "personnel_cost"), "difference"] == D("-16960.331779")
    assert f.loc[("T06.column_total", "public_cost"), "status"] == "pass"
    assert f.loc[("T06.column_total", "public_cost"), "left"] == D("242.727344")


def test_sample_t03_t05_drilldown_names_2010301_and_2010302_only(sample_report):
    drill = sample_report.drilldown("X.T03_T05.by_function")
    assert drill["key"].tolist() == ["2010301", "2010302"]
    assert drill["left"].tolist() == [D("1743.396772"), D("2845.133800")]
    assert drill["right"].tolist() == [D("18703.728551"), D("7990.618635")]
    assert sum(drill["difference"]) == D("-22105.816614")
    assert sample_report.drilldown("X.T01_T03.by_class")["key"].tolist() == ["201"]


def test_sample_fiscal_tables_and_three_public_agree(sample_report):
    """T01, T04, T05, T09 and T10 agree with each other; T03 basic = T06 by economic code."""
    f = sample_report.frame
    for prefix in ("T01.", "T04.", "T05.", "T09.", "T10.", "X.T01_T02", "X.T01_T04", "X.T04_T05",
                   "X.T05_T06", "X.T03_T09", "X.T06_T09", "X.T01_T10", "X.T03_T06", "X.T01_T03.total"):
        assert (f[f.rule_id.str.startswith(prefix)]["status"] == "pass").all(), prefix
    cov = f.set_index("rule_id").loc["X.T05_T12.coverage"]
    assert (cov["left"], cov["right"]) == (D("2438.646000"), D("8321.218635"))
    assert "29.3%" in cov["explanation"]


def test_sample_failures_come_first_and_in_both_languages(sample, sample_report):
    fails = sample_report.failures()
    assert (fails["status"] == "mismatch").all() and len(fails) == 7
    en = reconcile(sample, lang="en").frame
    assert en.loc[en.rule_id == "T03.column_total", "explanation"].iloc[0].startswith("T03 detail rows")
    assert "相差" in sample_report.frame.loc[sample_report.frame.rule_id == "T03.column_total", "explanation"].iloc[0]


def test_budgetlib_reconcile_can_be_called_twice(sample):
    """The package-level wrapper keeps working after the submodule is imported."""
    assert budgetlib.reconcile(sample).summary()["mismatch"] == 7
    assert budgetlib.reconcile(sample).summary()["mismatch"] == 7


# ------------------------------------------------------------------------------ outputs
def test_html_escapes_document_text(sample):
    t = sample.tables["T03"]
    data = t.data.copy()
    data.loc[21, "function_name"] = "<script>alert(1)</script>"
    doc = BudgetDocument(sample.meta, {**sample.tables, "T03": Table("T03", t.title, t.unit, data, t.total)})
    page = reconcile(doc).to_html()
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_write_csv_with_bom_and_html(sample_report, tmp_path):
    paths = sample_report.write(tmp_path)
    assert [p.name for p in paths] == ["reconciliation.csv", "reconciliation.html"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(paths[0], encoding="utf-8-sig", dtype=str)
    assert back.loc[(back.rule_id == "T03.column_total") & (back.instance == "total"), "difference"].iloc[0] \
        == "-22105.816614"
    md = sample_report.write(tmp_path / "md", fmt="md")[1].read_text(encoding="utf-8")
    assert md.startswith("# 核对报告") and "X.T03_T05.by_function" in md
    assert set(sample_report.summary().index) == set(STATUSES)


def test_check_paths_goes_on_past_a_bad_document(tmp_path, capsys):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"")
    code = check_paths([bad, SAMPLE], tmp_path / "out", strict=False, lang="en")
    out, err = capsys.readouterr()
    assert code == 2
    assert "broken.txt" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "T03.column_total" in out
    assert (tmp_path / "out" / SAMPLE.stem / "reconciliation.csv").exists()
    assert check_paths([SAMPLE], tmp_path / "out", strict=False) == 0
    assert check_paths([SAMPLE], tmp_path / "out", strict=True) == 1


# ------------------------------------------------------------------------------ the corpus
@lru_cache(maxsize=None)
def _load(name):
    try:
        return budgetlib.load(CORPUS / f"{name}.pdf")
    except budgetlib.ReadError as exc:  # the PDF reader is still being written
        pytest.skip(f"{name}.pdf does not load yet: {exc}")


# The documents' own faults, proven from the page text in docs/findings.md.
DOCUMENT_OWN = {
    "healthcare-security": {
        ("T03.column_total", "total"): D("-81779.000000"),
        ("T03.column_total", "project"): D("-81779.000000"),
        ("T05.column_total", "total"): D("-81779.000000"),
        ("T05.column_total", "project_total"): D("-81779.000000"),
        ("T05.column_total", "project_excl_infrastructure"): D("-81779.000000"),
        ("X.T01_T03.by_class", ""): D("81779.000000"),
        ("X.T04_T05.by_class", ""): D("81779.000000"),
    },
    "civil-military-office": {
        ("T01.expenditure_items", ""): D("-1905.000000"),
        ("T03.column_total", "total"): D("-7077.056250"),
        ("T03.column_total", "project"): D("-7077.056250"),
        ("T05.column_total", "project_total"): D("-7077.056250"),
        ("T09.total", ""): D("23.520000"),
        ("T09.vehicle", ""): D("-23.520000"),
        ("X.T01_T03.by_class", ""): D("5172.056250"),
    },
}


@pytest.mark.parametrize("name", sorted(DOCUMENT_OWN))
def test_corpus_document_own_findings(name):
    report = reconcile(_load(name))
    f = report.frame.set_index(["rule_id", "instance"])
    for key, gap in DOCUMENT_OWN[name].items():
        assert f.loc[key, "status"] == "mismatch", key
        assert f.loc[key, "difference"] == gap, key


def test_corpus_healthcare_gap_is_all_in_class_210():
    report = reconcile(_load("healthcare-security"))
    drill = report.drilldown("X.T01_T03.by_class")
    assert drill["key"].tolist() == ["210"]
    assert (drill.loc[0, "left"], drill.loc[0, "right"]) == (D("101857.847222"), D("20078.847222"))


@pytest.mark.parametrize("name", ["audit-bureau", "civil-affairs", "finance-bureau", "xinfang-office"])
def test_corpus_consistent_documents_pass(name):
    report = reconcile(_load(name))
    assert report.summary()["mismatch"] == 0, report.failures()[["rule_id", "instance", "explanation"]]


def test_corpus_education_flags_two_codes_deliberately():
    report = reconcile(_load("education-commission"))
    fails = report.failures()
    assert set(fails["rule_id"]) == {"C.gov_economic_codes", "C.dept_economic_codes"}
    assert report.ok  # unknown codes are warnings
    assert report.drilldown("C.gov_economic_codes")["code"].tolist() == ["50899"]
    assert report.drilldown("C.dept_economic_codes")["code"].tolist() == ["31206"]
    # 科研类/教学类 出国 are outside the 三公: T06's other 30212 items stay within T09
    assert report.status("X.T06_T09.three_public", "因公出国（境）费用") == "pass"
