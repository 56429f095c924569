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

    def decimals(recs, f):
        """How many decimals each amount string was written with, as a reader records them."""
        amounts = [c for c in f.columns if f[c].dtype == AMOUNT_DTYPE]
        return pd.DataFrame({c: pd.array([len(r[c].split(".")[1]) for r in recs], dtype="Int8") for c in amounts},
                            index=f.index)

    data = frame(rows)
    tot = frame([total]) if total else data.iloc[0:0]
    dec = {"data": decimals(rows, data)} | ({"total": decimals([total], tot)} if total else {})
    return Table(tid, tid, unit, data, tot, empty=not rows, decimals=dec)


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


def _t03_codes(*rows):
    """T03 rows (function, gov economic, departmental economic code-name pairs), 1.00 each."""
    return table("T03", [{"function_code": f, "function_name": fn, "gov_economic_code": g, "gov_economic_name": gn,
                          "dept_economic_code": d, "dept_economic_name": dn,
                          "total": "1.000000", "basic": "1.000000", "project": "0.000000"}
                         for f, fn, g, gn, d, dn in rows])


def test_a_plausible_code_missing_from_the_list_is_information_not_a_warning():
    t = t06()
    t.data.loc[1, "dept_economic_code"] = "30298"  # no such 款 in the list, class 302 known
    report = reconcile(doc_of(t))
    # T03 is the rule's required table; without it the code check is not applicable ...
    assert report.status("C.dept_economic_codes") == "not_applicable"
    # 2070101 行政运行 and 2082801 行政运行: real codes that no corpus document prints
    t03 = _t03_codes(("2070101", "行政运行", "50201", "办公经费", "3029901", "其他商品服务"),
                     ("2082801", "行政运行", "50201", "办公经费", "30201", "办公费"))
    report = reconcile(doc_of(t, t03))
    assert report.status("C.dept_economic_codes") == "info"
    assert report.status("C.function_codes") == "info"
    assert report.summary()["info"] == 2 and not any(r.rule.id.startswith("C.") and r.status == "mismatch"
                                                     for r in report.results)
    drill = report.drilldown("C.dept_economic_codes")
    assert set(drill["code"]) == {"30298", "3029901"} and set(drill["level"]) == {"info"}


def test_what_is_really_wrong_with_a_code_is_a_warning():
    t03 = _t03_codes(("201030", "行政运行", "50201", "办公经费", "30201", "办公费"),  # 6 digits: malformed
                     ("2990101", "某某支出", "50201", "办公经费", "30201", "办公费"),  # class 299 unknown
                     ("2010301", "一般行政管理事务", "50201", "办公经费", "30201", "办公费"),  # name contradicts
                     ("2010302", "一般行政管理事务", "50201", "办公经费", "30201", "办公费"),  # all well
                     ("2010399", "其他政府办公厅（室）及相关机构事务支出", "50201", "办公经费", "30201",
                      "办公费"))  # all well
    report = reconcile(doc_of(t03))
    assert report.status("C.function_codes") == "mismatch"
    drill = report.drilldown("C.function_codes").set_index("code")
    assert drill["level"].to_dict() == {"201030": "warning", "2990101": "warning", "2010301": "warning"}
    assert "malformed" in drill.loc["201030", "problem"] and "class 299" in drill.loc["2990101", "problem"]
    assert "contradicts 行政运行" in drill.loc["2010301", "problem"]
    assert report.status("C.gov_economic_codes") == report.status("C.dept_economic_codes") == "pass"


def test_names_are_compared_without_punctuation_or_spacing():
    # 维修（护）费 printed with ASCII brackets and a space is the same name
    t03 = _t03_codes(("2010301", "行 政运行", "50201", "办公经费", "30213", "维修(护)费"))
    assert reconcile(doc_of(t03)).status("C.dept_economic_codes") == "pass"


def test_the_code_list_is_harvested_from_the_corpus_with_parents_and_counts():
    codes = classification()
    assert {"kind", "code", "name", "level", "parent", "documents", "aliases"} <= set(codes.columns)
    fn = codes[codes["kind"] == "function"].set_index("code")
    assert fn.loc["2010301", "name"] == "行政运行" and fn.loc["2010301", "parent"] == "20103"
    assert fn.loc["20103", "parent"] == "201" and int(fn.loc["2010301", "documents"]) >= 3
    for kind, n in (("function", 3), ("gov_economic", 3), ("dept_economic", 3)):
        k = codes[codes["kind"] == kind]
        classes = set(k.loc[k["level"] == "类", "code"])
        assert set(k.loc[k["level"] != "类", "code"].str[:n]) <= classes
        # every 款/项 has its parent in the list
        assert set(k.loc[k["level"] != "类", "parent"]) <= set(k["code"]), kind


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
    ("T09.column_total", ""): "not_applicable",  # one row, no 合计 row printed
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
    assert sample_report.summary().to_dict() == {"pass": 74, "info": 0, "rounding": 0, "mismatch": 7,
                                                 "unreadable": 0, "not_applicable": 9}
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
        rows = f[f.rule_id.str.startswith(prefix) & (f.rule_id != "T09.column_total")]  # no 合计: n/a
        assert (rows["status"] == "pass").all(), prefix
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


def test_corpus_education_codes_once_flagged_are_in_the_harvested_list():
    """50899 / 31206 (and sasac's 50803) were warnings against a hand list; the corpus prints
    them with the same names, so the harvested list has them and nothing is flagged."""
    report = reconcile(_load("education-commission"))
    assert report.failures().empty
    for rule in ("C.function_codes", "C.gov_economic_codes", "C.dept_economic_codes"):
        assert report.status(rule) == "pass", rule
    codes = classification().set_index(["kind", "code"])
    assert codes.loc[("gov_economic", "50899"), "name"] == "其他对企业资本性支出"
    assert codes.loc[("dept_economic", "31206"), "name"] == "其他资本性补助"
    # 科研类/教学类 出国 are outside the 三公: T06's other 30212 items stay within T09
    assert report.status("X.T06_T09.three_public", "因公出国（境）费用") == "pass"


# ------------------------------------------------------------------------------ printed decimals
def _t12(total: str, fiscal: str, other: str = "0.000000") -> BudgetDocument:
    return doc_of(table("T12", [{"project_no": 1, "project_code": "11000026T000000000001", "project_name": "p",
                                 "project_total": total, "fiscal_funds": fiscal, "other_funds": other}]))


def test_each_value_tolerance_comes_from_its_own_printed_decimals():
    """Issue 8 §5: 项目总额 printed to 2 decimals, 财政资金 to 6 (2,651.52 against 2,651.518580).
    2,651.52 stands for [2,651.515, 2,651.525]: the identity holds within it (rounding)."""
    r = reconcile(_t12("2651.52", "2651.518580"))
    assert r.status("T12.project_funds") == "rounding"
    row = r.frame.set_index("rule_id").loc["T12.project_funds"]
    # only the 2-decimal value has an interval; the 6-decimal ones are exact to the fen
    assert row["tolerance"] == D("0.005") and row["difference"] == D("0.001420")
    assert r.ok
    # outside the interval: a mismatch
    assert reconcile(_t12("2651.53", "2651.518580")).status("T12.project_funds") == "mismatch"
    # all printed to the fen: no tolerance at all
    assert reconcile(_t12("2651.520000", "2651.518580")).status("T12.project_funds") == "mismatch"


def test_printed_decimals_are_read_per_cell_from_the_page():
    """public-security T12 (pp.19-31) prints its amounts as they come: 50, 138.37, 197.039,
    680.729 = 599.0715 + 81.6575, and most to 6 decimals. The model records each cell's."""
    t = _load("public-security").tables["T12"]
    data, dec = t.data, t.decimals["data"]
    row = data.index[data["project_total"] == D("680.729")][0]
    assert (dec.loc[row, "project_total"], dec.loc[row, "fiscal_funds"], dec.loc[row, "other_funds"]) == (3, 4, 4)
    assert dec.loc[data.index[data["project_total"] == D("138.37")][0], "project_total"] == 2
    assert (dec["project_total"] == 6).sum() > 0 and set(dec["project_total"].dropna()) >= {0, 1, 2, 3, 4, 5, 6}
    assert reconcile(_load("public-security")).status("T12.project_funds") == "pass"


# ------------------------------------------------------------------------------ one defect, one finding
# Defects proven in docs/findings.md: (tables of the roots, largest gap) per defect, largest first.
DEFECTS = {
    # 81,779.000000 of 项目支出 with no detail row, in T03 and T05 alike
    "healthcare-security": [(("T03", "T05"), D("-81779.000000"))],
    # project rows missing in T03 and T05; T01/T04 class lines 1,905 short; T09 小计 blank
    "civil-military-office": [(("T03", "T05"), D("-7077.056250")), (("T01", "T04"), D("-1905.000000")),
                              (("T09",), D("-23.520000"))],
    # T03 and T05 each leave out detail rows, by different amounts
    "public-security": [(("T03",), D("-67889.381989")), (("T05",), D("-63729.986299"))],
    # T03 detail rows 5,013.518754 short
    "water-authority": [(("T03",), D("-5013.518754"))],
}


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_corpus_one_defect_one_finding(name, tmp_path):
    report = reconcile(_load(name))
    assert [(d.tables, d.amount) for d in report.defects] == DEFECTS[name]
    f = report.frame
    mism = f[f["status"] == "mismatch"]
    # every mismatch is a root of a defect or an echo of one, never both, never neither
    assert ((mism["root_id"] != "") ^ (mism["echo_of"] != "")).all(), mism[["rule_id", "instance"]]
    assert (f.loc[f["status"] != "mismatch", ["root_id", "echo_of"]] == "").all().all()
    # every rule keeps its own row in reconciliation.csv, with the new columns
    csv = pd.read_csv(report.write(tmp_path)[0], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(csv) == len(f) and {"root_id", "echo_of"} <= set(csv.columns)
    assert set(csv.loc[csv["status"] == "mismatch", "root_id"] + csv.loc[csv["status"] == "mismatch", "echo_of"]) \
        <= {d.id for d in report.defects} | {"D1+D2"}


def test_corpus_echoes_name_their_roots():
    report = reconcile(_load("civil-military-office"))
    f = report.frame.set_index(["rule_id", "instance"])
    # T01's 201 line against T03's rows: 5,172.056250 = 7,077.056250 (T03 rows missing) - 1,905 (T01 short)
    assert f.loc[("X.T01_T03.by_class", ""), "echo_of"] == "D1+D2"
    assert f.loc[("X.T04_T05.by_class", ""), "echo_of"] == "D1+D2"
    # T09 总额 is short only because its 小计 is blank: an echo of T09.vehicle
    assert f.loc[("T09.total", ""), "echo_of"] == "D3" and f.loc[("T09.vehicle", ""), "root_id"] == "D3"
    # 三公 project money among the missing T03 rows
    assert f.loc[("X.T03_T09.three_public", "公务用车购置费"), "echo_of"] == "D1"
    water = reconcile(_load("water-authority")).frame.set_index(["rule_id", "instance"])
    assert water.loc[("X.T01_T03.by_class", ""), "echo_of"] == "D1"
    assert water.loc[("X.T03_T05.by_function", ""), "echo_of"] == "D1"  # 2 codes, within the 5,013.52


def test_sample_two_defects_and_check_leads_with_them(sample_report, tmp_path, capsys):
    assert [(d.tables, d.amount) for d in sample_report.defects] == [
        (("T03",), D("-22105.816614")), (("T06",), D("-16960.331779"))]
    d1 = sample_report.defects[0]
    assert {e.rule.id for e in d1.echoes} == {"X.T01_T03.by_class", "X.T03_T05.by_function"}
    assert all(e.relation == "equal" for e in d1.echoes)
    assert check_paths([SAMPLE], tmp_path, lang="en") == 0
    out = capsys.readouterr().out.splitlines()
    lead = [l for l in out if l.startswith("  ")]
    assert lead[0].startswith("  defect D1 T03") and "-22,105.816614" in lead[0]
    assert any(l.startswith("    echo") and "X.T03_T05.by_function" in l and "D1" in l for l in lead)
    assert "defects 2" in out[0]


def test_unreadable_is_never_grouped(tmp_path, sample_text):
    bad = sample_text.replace("2050803\t培训支出\t3.860000", "2050803\t培训支出\t3.86O000")
    p = tmp_path / "bad-amount.txt"
    p.write_text(bad, encoding="utf-8")
    report = reconcile(budgetlib.load(p))
    f = report.frame
    assert (f["status"] == "unreadable").sum() >= 2
    assert (f.loc[f["status"] == "unreadable", ["root_id", "echo_of"]] == "").all().all()
    # the T03 and T06 defects stand; the identity that reads the unreadable T05 cell is no echo
    assert [d.tables for d in report.defects] == [("T03",), ("T06",)]
    assert report.status("X.T03_T05.by_function") == "unreadable"


def test_a_name_that_contradicts_the_other_documents_is_a_warning_on_a_real_page():
    """changchun-2026-budget-1 p.11 (T06) prints `30208 取暖费`, then `30208 物业管理费` (30209's
    name) and `30213 维护（护）费` (for 维修（护）费, as 61 other documents print it)."""
    path = CORPUS / "national" / "changchun-2026-budget-1.pdf"
    report = reconcile(budgetlib.load(path))
    drill = report.drilldown("C.dept_economic_codes")
    bad = drill[drill["level"] == "warning"].set_index(["code", "name"])
    assert {("30208", "物业管理费"), ("30213", "维护（护）费")} <= set(bad.index)
    assert "contradicts 取暖费" in bad.loc[("30208", "物业管理费"), "problem"]
    assert "T06 p.11" in bad.loc[("30213", "维护（护）费"), "location"]
    assert ("30208", "取暖费") not in set(drill.set_index(["code", "name"]).index)
