"""Narrative claims (情况说明 vs 报表) on the eight Beijing 2026 pairs in tests/corpus.

Each table PDF tests/corpus/<name>.pdf has its companion narrative (附件1) in
tests/corpus/narrative/<name>-narrative.pdf (MANIFEST.tsv there pairs them).

Hand count (how the HAND numbers below were made). I read the page text of every narrative
(PyMuPDF get_text, the same text the reader sees) and counted, sentence by sentence, every
figure in 万元/亿元/元 or 台 and what it is about. A "table claim" is a figure the tables print
(or that two of their figures give, like 本年其他资金收入 = T01 本年收入合计 − T04 本年收入合计).
For xinfang-office, audit-bureau and sasac I counted on paper from the text:

  * xinfang-office (7 pages): 收入预算 9626.78 (1); 本年财政拨款收入 9616.34 and its items
    1-3 (4); 本年其他资金收入 0 and items 4-9 (7); 上年结转结余 10.44 in the heading and in
    item 10 (2); 支出预算 9626.78 (1); 基本支出 7485.22, 项目支出 2141.55 (2); 其中 1-3 (3);
    年终结转结余 0 (1); 三公 17.70, 出国 14.85, 接待 2.85, 车辆 0, 购置 0, 运维 0 (6);
    政府采购 1240.07, 货物 12.50, 工程 0, 服务 1227.57 (4) = 31 table claims. Besides them:
    机关运行经费 1698.15 (no table prints it; bounded by 公用经费), 车辆 0台, 设备 5台,
    购置设备 0台 = 35 claims. Comparisons: 2 (收入, 支出: base, change, percent) + 三公
    (change, percent); shares: 2.
  * audit-bureau (10 pages): the same 31 table claims (收入 32852.05 … 服务 4749.95),
    机关运行经费 1637.76, 17台, 2台, 0台 = 35.
  * sasac (6 pages): 31 as above, plus 一般公共预算收入 19,828.57, 国有资本经营预算收入
    495,836.20, 一般公共预算支出 19,828.57, 国有资本经营预算支出 495,836.20 = 35 table claims;
    机关运行经费 909.42, 15台, 2台 (its "不涉及购置" states no figure) = 38.

The other five were counted the same way from their text: healthcare-security 31 + 4 = 35;
public-security 31 + 4, plus the coded name 公安（20402 科目） in 名词解释 (no figure) = 36;
civil-affairs 31 + 4 + two transfer payments (107411.17, 62400.00) = 37; water-authority
31 + 4 + one transfer payment (34544) = 36; education-commission 31 + 4 + two transfer payments
= 37. Figures that are about no table and are deliberately not claims: education's four key
projects in 亿元 (3, 1, 0.5, 8: not projects of its T12) and water's 污水处理费 forecast
(190000万元); thresholds (单位价值100万元以上) are not figures at all.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import budgetlib
from budgetlib.claims import _cat, claims_frame, extract_claims, narrative_counts
from budgetlib.model import Narrative
from budgetlib.readers.narrative_text import read_narrative, sentences, toc_tables

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"
NARRATIVE = CORPUS / "narrative"
NAMES = ["xinfang-office", "audit-bureau", "sasac", "healthcare-security", "public-security",
         "civil-affairs", "water-authority", "education-commission"]

# name -> (table claims, all claims), by hand (module docstring)
HAND = {"xinfang-office": (31, 35), "audit-bureau": (31, 35), "sasac": (35, 38),
        "healthcare-security": (31, 35), "public-security": (31, 36), "civil-affairs": (31, 37),
        "water-authority": (31, 36), "education-commission": (31, 37)}
UNCLAIMED = {"education-commission": ["3亿元", "1亿元", "0.5亿元", "8亿元"], "water-authority": ["190000万元"]}

# Every narrative finding (status other than pass), proven in docs/findings.md.
FINDINGS = {
    "xinfang-office": {("N.at_most", "operating_cost@p6", "mismatch")},
    "audit-bureau": {("N.table", "project_expenditure@p7", "rounding")},
    "sasac": {("N.table", "income_carryover@p3", "rounding"),
              ("N.change", "general_budget_funds@p2", "rounding"),
              ("N.change", "general_budget_expenditure@p3", "rounding")},
    "healthcare-security": {("N.table", "procurement_services@p7", "rounding")},
    "public-security": set(),
    "civil-affairs": {("N.table", "three_public_total@p6", "rounding"),
                      ("N.table", "official_reception@p7", "rounding")},
    "water-authority": set(),
    "education-commission": {("N.table", "other_funds_income@p8", "rounding"),
                             ("N.table", "project_expenditure@p9", "rounding")},
}


@pytest.fixture(scope="module")
def pairs():
    """name -> (document with its narrative, reconciliation report)."""
    out = {}
    for name in NAMES:
        doc = budgetlib.load(CORPUS / f"{name}.pdf", narrative=NARRATIVE / f"{name}-narrative.pdf")
        out[name] = (doc, budgetlib.reconcile(doc))
    return out


def _findings(report) -> set:
    return {(r.rule.id, r.rule.instance, r.status) for r in report.results
            if r.rule.id.startswith("N.") and r.status not in ("pass", "not_applicable")}


# ------------------------------------------------------------------------------ reading
def test_the_narrative_joins_the_model_with_pages_and_sections(pairs):
    doc, _ = pairs["xinfang-office"]
    n = doc.narrative
    assert sorted(n.pages) == list(range(1, 8)) and "- 3 -" not in n.pages[3]
    assert [s["title"] for s in n.sections if s["level"] == 1] == [
        "部门情况说明", "收入预算情况说明", "支出预算情况说明", "财政拨款“三公”经费预算情况说明",
        "其他情况说明", "名词解释"]
    assert len(toc_tables(n)) == 13 and toc_tables(n)[0] == (1, "收支总表")
    # a sentence broken across a page keeps both pages, its wrapping undone
    s = next(s for s in sentences(n) if s.text.startswith("基本支出预算"))
    assert (s.text, s.where(), s.section) == ("基本支出预算7485.22万元，占本年支出预算77.75%。", "pp.4-5",
                                              "支出预算情况说明")


def test_claims_carry_subject_year_amount_comparison_share_page_and_sentence(pairs):
    claims = extract_claims(pairs["xinfang-office"][0].narrative)
    income = claims[0]
    cmp = income.comparisons[0]
    assert (income.subject, income.year, income.amount.value, income.page) == ("income_total", 2026, Decimal("9626.78"), 3)
    assert (cmp.base_year, cmp.base.value, cmp.change.value, cmp.percent.value) == (
        2025, Decimal("9819.98"), Decimal("-193.20"), Decimal("-1.97"))
    assert income.sentence.text.startswith("2026年度收入预算9626.78万元，比2025年年初预算数9819.98万元减少193.20万元")
    basic = next(c for c in claims if c.subject == "basic_expenditure")
    assert basic.share.value == Decimal("77.75")
    three = next(c for c in claims if c.subject == "three_public_total")
    assert (three.comparisons[0].base, three.comparisons[0].change.value) == (None, Decimal("-1.65"))
    # a figure whose clause names nothing takes the heading's subject
    assert next(c for c in claims if c.amount and c.amount.value == Decimal("14.85")).subject == "overseas_travel"


@pytest.mark.parametrize("name", NAMES)
def test_every_claim_about_a_table_figure_is_extracted(pairs, name):
    doc, report = pairs[name]
    unclaimed = []
    claims = extract_claims(doc.narrative, unclaimed)
    subjects = _cat()["subjects"]
    table_claims = [c for c in claims if c.amount is not None and subjects.get(c.subject, {}).get("table")]
    assert (len(table_claims), len(claims)) == HAND[name]
    assert [fig for _, fig in unclaimed] == UNCLAIMED.get(name, [])
    # each table claim is checked once against the table, and none is left not_applicable
    checked = [r for r in report.results if r.rule.id == "N.table"]
    assert len(checked) == len(table_claims)
    assert all(r.status in ("pass", "rounding") for r in checked)
    assert len(claims_frame(doc)) == len(claims)


@pytest.mark.parametrize("name", NAMES)
def test_every_finding_is_a_proven_inconsistency(pairs, name):
    _, report = pairs[name]
    assert _findings(report) == FINDINGS[name]
    # the kind, the issuer, the years and the 目录 hold in all eight
    for rid in ("N.kind", "N.issuer", "N.year"):
        assert report.status(rid) == "pass", rid
    assert report.status("N.toc") in ("pass", "not_applicable")


def test_the_xinfang_operating_cost_finding_quotes_sentence_page_and_table(pairs):
    _, report = pairs["xinfang-office"]
    r = next(r for r in report.results if r.rule.id == "N.at_most")
    assert (r.status, r.left, r.right) == ("mismatch", Decimal("1698.15"), Decimal("583.771487"))
    assert "“2026年北京市信访办公室部门机关运行经费财政拨款预算1698.15万元。”（情况说明 p.6）" in r.text["zh"]
    assert r.location == "narrative p.6" and "T05 合计 p.6" in r.text["zh"]
    assert narrative_counts(report)["mismatch"] == 1
    from budgetlib.claims import narrative_findings

    f = narrative_findings(report)
    assert f[["rule_id", "status", "location"]].values.tolist() == [["N.at_most", "mismatch", "narrative p.6"]]


def test_a_table_printed_without_its_number_is_not_called_missing(pairs):
    # civil-affairs prints its 专项/共同事权转移支付 target tables (pp.62-66) under titles without
    # 预算14表; the 目录 (p.2) announces them. The reader files them as T14 ...
    doc, report = pairs["civil-affairs"]
    r = next(r for r in report.results if r.rule.id == "N.toc" and r.rule.instance == "T14")
    assert r.status == "pass" and doc.tables["T14"].pages == [62, 63, 64, 65, 66]
    # ... and were it not to, the page heads of the table PDF still show the table is printed
    tables = {k: v for k, v in doc.tables.items() if k != "T14"}
    copy = budgetlib.BudgetDocument(doc.meta, tables, doc.raw_tables, doc.warnings, doc.problems,
                                    narrative=doc.narrative)
    r = next(r for r in budgetlib.reconcile(copy).results if r.rule.id == "N.toc" and r.rule.instance == "T14")
    assert r.status == "pass" and "pp.62-66" in r.text["zh"]
    # a table the 目录 announces and no page prints is a mismatch
    heads_free = dict(copy.meta, source="")
    lost = budgetlib.BudgetDocument(heads_free, tables, doc.raw_tables, doc.warnings, doc.problems,
                                    narrative=doc.narrative)
    r = next(r for r in budgetlib.reconcile(lost).results if r.rule.id == "N.toc" and r.rule.instance == "T14")
    assert r.status == "mismatch" and "（情况说明 p.2）" in r.text["zh"]


# ------------------------------------------------------------------------------ mutations
def _mutated(doc, old: str, new: str):
    """A copy of `doc` whose narrative has one printed string replaced (it must occur once)."""
    pages = dict(doc.narrative.pages)
    hits = [p for p, t in pages.items() if old in t]
    assert len(hits) == 1 and pages[hits[0]].count(old) == 1, old
    pages[hits[0]] = pages[hits[0]].replace(old, new)
    copy = budgetlib.BudgetDocument(doc.meta, doc.tables, doc.raw_tables, doc.warnings, doc.problems,
                                    narrative=Narrative(doc.narrative.source, pages, doc.narrative.sections))
    return budgetlib.reconcile(copy)


# (what is changed, printed text, mutated text, the rules that must newly fail)
MUTATIONS = [
    ("figure", "收入预算866561.92", "收入预算866516.92", {"N.table", "N.change"}),
    ("figure in a list", "9.其他收入2428.74", "9.其他收入2482.74", {"N.table"}),
    ("三公 item", "公务接待费。2026 年预算数98.8", "公务接待费。2026 年预算数89.8", {"N.table"}),
    ("percent", "19433.43 万元，增长2.29%。主要原", "19433.43 万元，增长2.39%。主要原", {"N.percent"}),
    ("三公 percent", "下降\n3.27%", "下降\n3.72%", {"N.percent"}),
    ("share", "年支出预算74.42%", "年支出预算47.42%", {"N.share", "N.share_table"}),
    ("direction", "增加19433.43 万元，增长2.29%。主要原", "减少19433.43 万元，增长2.29%。主要原",
     {"N.change", "N.percent"}),
    ("class name", "公安（20402 科目）", "公共安全（20402 科目）", {"N.class_name"}),
    ("year", "2026 年度收入预算", "2025 年度收入预算", {"N.year"}),
    ("base year", "2026 年度收入预算866561.92 万元，比2025", "2026 年度收入预算866561.92 万元，比2024", {"N.year"}),
    ("stated twice", "10.上年结转结余22043.26", "10.上年结转结余22043.62", {"N.twice", "N.table"}),
    ("kind", "北京市公安局2026 年度部门预算信息公开", "北京市公安局2026 年度单位预算信息公开", {"N.kind"}),
    ("issuer", "2026 年北京市公安局政府采购", "2026 年北京市交通委员会政府采购", {"N.issuer"}),
    ("truncated", "主要用于部分单位更新\n公务用车及各单位按规定保留的公务用车燃料费、维修费、\n保险费等支出。",
     "主要用于。", {"N.style"}),
    ("doubled punctuation", "增长2.29%。主要原", "增长2.29%。。主要原", {"N.style"}),
    ("unbalanced quotes", "“三公”经费预算9957.58", "“三公经费预算9957.58", {"N.style"}),
]


def test_a_consistent_document_raises_nothing(pairs):
    # public-security and water-authority: every narrative check passes (the mutations' absence)
    for name in ("public-security", "water-authority"):
        _, report = pairs[name]
        assert _findings(report) == set()
        assert narrative_counts(report) == {"checks": 61, "pass": 61, "rounding": 0, "not_applicable": 0,
                                            "mismatch": 0, "warnings": 0}


@pytest.mark.parametrize("what, old, new, rules", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mutated_narrative_sentence_is_caught(pairs, what, old, new, rules):
    doc, _ = pairs["public-security"]
    report = _mutated(doc, old, new)
    failed = {r.rule.id for r in report.results if r.rule.id.startswith("N.") and r.status == "mismatch"}
    assert rules <= failed, (what, failed)
    # only the expected kinds of rule fail, and each failure quotes a sentence with its page
    assert failed <= rules | {"N.table", "N.change", "N.share", "N.share_table"}, (what, failed)
    for r in report.results:
        if r.rule.id in rules and r.status == "mismatch" and r.rule.id not in ("N.toc", "N.empty_table"):
            assert "（情况说明 p." in r.text["zh"]


# ------------------------------------------------------------------------------ the inspection sheet
CONSISTENT = """三、支出预算情况说明
（一）住房保障支出（221类）住房改革支出（02款）
住房公积金（01项）502.23万元，主要用于缴纳住房公积金。
购房补贴（03项）608.24万元，主要用于发放购房补贴。2026年预算安排608.24万元。
卫生健康支出（210类）469.81万元，主要用于医疗保障。
（二）机关运行经费
2025年当年预算执行数为650.40万元，2026年预算安排560.25万元，比2025年预算执行数减少13.86%，主要原因是压减一般性支出。
"""
# the kinds of finding the inspection sheet in issue 13 lists, put into the consistent text
BROKEN = (CONSISTENT.replace("减少13.86%", "减少1.20%")
          .replace("2026年预算安排608.24万元", "2026年预算安排152.30万元")
          .replace("卫生健康支出（210类）", "医疗卫生与计划生育支出（210类）")
          .replace("主要原因是压减一般性支出。", "主要原因是。"))


def test_the_inspection_sheet_findings_are_caught_and_their_absence_raises_nothing(pairs):
    doc, _ = pairs["xinfang-office"]  # its T05: 2210201 502.233096, 2210203 608.235804, 210 469.814256

    def run(text):
        copy = budgetlib.BudgetDocument(doc.meta, doc.tables, doc.raw_tables, doc.warnings, doc.problems,
                                        narrative=Narrative("sheet", {1: text}))
        return {(r.rule.id, r.status) for r in budgetlib.reconcile(copy).results
                if r.rule.id.startswith("N.") and r.status != "pass"}

    quiet = run(CONSISTENT)
    # a few sentences name no issuer or kind and leave the empty T07/T08 unexplained: nothing else
    assert {f for f in quiet if f[0] not in ("N.issuer", "N.kind", "N.empty_table")} == set()
    found = run(BROKEN) - quiet
    assert {("N.percent", "mismatch"), ("N.twice", "mismatch"), ("N.class_name", "mismatch"),
            ("N.style", "mismatch")} <= found
    assert ("N.table", "mismatch") in found  # 152.30 is not the table's 608.235804 either
    claims = extract_claims(Narrative("sheet", {1: BROKEN}))
    assert [(c.code, c.amount.value) for c in claims if c.code] == [
        ("2210201", Decimal("502.23")), ("2210203", Decimal("608.24")), ("2210203", Decimal("152.30")),
        ("210", Decimal("469.81"))]


# ------------------------------------------------------------------------------ CLI, pairing, cache
def test_check_pairs_narratives_by_issuer_and_year_not_by_file_name(tmp_path, capsys):
    from budgetlib.cli import main

    src = tmp_path / "in"
    src.mkdir()
    for name in ("xinfang-office", "audit-bureau"):
        shutil.copy(CORPUS / f"{name}.pdf", src / f"{name}.pdf")
    # names that say nothing, crossed over on purpose
    shutil.copy(NARRATIVE / "xinfang-office-narrative.pdf", src / "附件1-b.pdf")
    shutil.copy(NARRATIVE / "audit-bureau-narrative.pdf", src / "附件1-a.pdf")
    code = main(["check", str(src), "--out", str(tmp_path / "out"), "--processed", str(tmp_path / "p")])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    xin = next(i for i, l in enumerate(lines) if "xinfang-office.pdf" in l)
    aud = next(i for i, l in enumerate(lines) if "audit-bureau.pdf" in l and not l.startswith(" "))
    assert "附件1-b.pdf: 35 claims" in lines[xin + 1] and "mismatch 1" in lines[xin + 1]
    assert "附件1-a.pdf: 35 claims" in lines[aud + 1]
    assert "N.at_most[operating_cost@p6]" in out and "1698.15" in out


def test_cli_narrative_option_and_the_parse_cache_keep_the_narrative(tmp_path, capsys):
    from budgetlib.cli import main
    from budgetlib.export import read_document

    assert main(["parse", str(CORPUS / "xinfang-office.pdf"), "--narrative",
                 str(NARRATIVE / "xinfang-office-narrative.pdf"), "--out", str(tmp_path)]) == 0
    assert "narrative 7 pages" in capsys.readouterr().out
    back = read_document(tmp_path / "xinfang-office")
    assert back.narrative.pages[6].count("1698.15") == 1 and back.narrative.sections
    assert len(extract_claims(back.narrative)) == 35


def test_a_narrative_printed_inside_the_table_pdf_is_read_from_its_prose_pages(tmp_path):
    import pymupdf

    # most regions print the narrative in the same PDF as the tables: build one such file
    out = pymupdf.open()
    for part in (NARRATIVE / "xinfang-office-narrative.pdf", CORPUS / "xinfang-office.pdf"):
        with pymupdf.open(part) as src:
            out.insert_pdf(src)
    path = tmp_path / "xinfang-office-combined.pdf"
    out.save(path)
    doc = budgetlib.load(path)
    assert doc.narrative is not None and min(doc.narrative.pages) >= 1 and max(doc.narrative.pages) <= 7
    assert sorted(doc.tables) == sorted(budgetlib.load(CORPUS / "xinfang-office.pdf").tables)
    claims = extract_claims(doc.narrative)
    assert len(claims) == 35
    report = budgetlib.reconcile(doc)
    assert {(r.rule.id, r.rule.instance) for r in report.results
            if r.rule.id.startswith("N.") and r.status == "mismatch"} == {("N.at_most", "operating_cost@p6")}


def test_without_a_narrative_nothing_changes(pairs):
    doc = budgetlib.load(CORPUS / "xinfang-office.pdf")
    assert doc.narrative is None
    assert not any(r.rule.id.startswith("N.") for r in budgetlib.reconcile(doc).results)
    assert read_narrative  # the reader is importable on its own


def test_check_leaves_the_narrative_in_the_parse_cache_for_the_notebooks(tmp_path, capsys):
    from budgetlib.cli import main

    cache = tmp_path / "processed"
    assert main(["check", str(CORPUS / "audit-bureau.pdf"), "--narrative", str(NARRATIVE / "audit-bureau-narrative.pdf"),
                 "--out", str(tmp_path / "out"), "--processed", str(cache)]) == 0
    capsys.readouterr()
    # a notebook loads from the cache without knowing about the companion: it is there
    doc = budgetlib.load(CORPUS / "audit-bureau.pdf", cache=cache)
    assert doc.narrative is not None and doc.narrative.source.endswith("audit-bureau-narrative.pdf")
    assert narrative_counts(budgetlib.reconcile(doc))["rounding"] == 1


def test_other_regions_phrasing_is_data_not_code():
    """Sentences as printed in other regions' narratives (national corpus; page text quoted):
    classes by code-name, by name and level, by quoted name; 较/上年 comparisons."""
    text = "\n".join([
        "三、支出预算情况说明",
        # fuzhou-2026-budget-1.pdf p.26
        "（一）204-公共安全支出1994.64万元。",
        "（二）2080501-行政单位离退休227.72万元。",
        # hangzhou-2026-budget-1.pdf p.6
        "（2）社会保障和就业支出（类）行政事业单位养老支出（款）行政单位离退休（项）193.24万元，主要用于离退休方面的支出。",
        # shanghai-2026-budget-1.pdf p.6
        "1.“社会保障和就业支出”科目320万元，主要用于单位职工基本养老保险金。",
        # shenzhen-2026-budget-1.pdf p.6
        "2026年深圳市信访局部门预算支出4,684.30万元，较2025年年初预算减少247.70万元，下降5.0%。",
        # changsha-2026-budget-1.pdf p.5: its two sentences (收入预算… / 收入较去年增加…) joined into one
        "2026年本单位收入预算656.73万元，收入较去年增加24.17万元，上升3.82%。",
    ])
    claims = extract_claims(Narrative("regions", {1: text}))
    got = [(c.subject, c.code, c.label, str(c.amount)) for c in claims]
    assert got == [
        ("function:204", "204", "公共安全支出", "1994.64万元"),
        ("function:2080501", "2080501", "行政单位离退休", "227.72万元"),
        ("function:2080501", "2080501", "行政单位离退休", "193.24万元"),
        ("function:208", "208", "社会保障和就业支出", "320万元"),
        ("expenditure_total", None, "支出预算", "4,684.30万元"),
        ("income_total", None, "收入预算", "656.73万元"),
    ]
    shenzhen, changsha = claims[4].comparisons[0], claims[5].comparisons[0]
    assert (shenzhen.base_year, shenzhen.change.value, shenzhen.percent.value) == (2025, Decimal("-247.70"), Decimal("-5.0"))
    assert (changsha.base_year, changsha.change.value, changsha.percent.value) == (2025, Decimal("24.17"), Decimal("3.82"))


def test_batch_pairs_a_narrative_among_its_sources_by_itself(tmp_path):
    """`report`/`batch` sources with narrative PDFs among them: each narrative is paired with
    the table document of the same issuer and year (not reported as a document of its own),
    its claims are checked in the summary's reconciliation and kept in the parse cache the
    notebooks read."""
    import shutil

    from budgetlib.readers.narrative_text import split_sources
    from budgetlib.report import document_summary

    # names that say nothing: the pairing must come from the printed issuer and year
    tables = shutil.copy(CORPUS / "xinfang-office.pdf", tmp_path / "a.pdf")
    other = shutil.copy(CORPUS / "audit-bureau.pdf", tmp_path / "b.pdf")
    story = shutil.copy(CORPUS / "narrative" / "xinfang-office-narrative.pdf", tmp_path / "c.pdf")
    sources, companions = split_sources([Path(tables), Path(other), Path(story)])
    assert sources == [Path(tables), Path(other)] and [p for p, _ in companions] == [Path(story)]
    cache = tmp_path / "processed"
    for src in sources:
        document_summary(src, engine="mupdf", processed=cache, companions=tuple(companions))
    rec = pd.read_csv(cache / "a" / "reconciliation.csv")
    assert rec["rule_id"].str.startswith("N.").any()
    assert not pd.read_csv(cache / "b" / "reconciliation.csv")["rule_id"].str.startswith("N.").any()
    doc = budgetlib.load(tables, cache=cache)
    assert doc.narrative is not None and doc.narrative.source.endswith("c.pdf")


def test_table_pdfs_with_prose_are_never_taken_for_narratives():
    """Most regions print the narrative and the tables in one PDF: such a PDF is a table
    document (it is parsed, checked and reported), only a PDF with no budget table at all is a
    companion narrative. A 目录 naming the tables does not make a narrative a table document."""
    from budgetlib.readers.narrative_text import split_sources

    national = sorted((CORPUS / "national").glob("*.pdf"))
    narratives = sorted((CORPUS / "narrative").glob("*.pdf"))
    assert len(national) >= 8 and len(narratives) == 8
    tables, companions = split_sources([*national, *narratives, CORPUS / "xinfang-office.pdf"])
    assert tables == [*national, CORPUS / "xinfang-office.pdf"]
    assert [p for p, _ in companions] == narratives


def test_the_report_banner_counts_the_narrative_findings():
    """The data-quality banner every report opens with counts the narrative's checks and its
    findings (xinfang-office: one, the 机关运行经费 figure); a document without a narrative
    gets no such line."""
    from budgetlib import narrative
    from budgetlib.analysis import quality

    doc = budgetlib.load(CORPUS / "xinfang-office.pdf",
                         narrative=CORPUS / "narrative" / "xinfang-office-narrative.pdf")
    b = quality.banner(doc)
    assert b.figures["narrative"]["mismatch"] == 1 and b.figures["narrative"]["checks"] >= 60
    assert any(s.startswith("情况说明：") and "1 处与报表或自身不符" in s for s in narrative.banner_sentences(b))
    plain = quality.banner(budgetlib.load(CORPUS / "xinfang-office.pdf"))
    assert plain.figures["narrative"] is None
    assert not any(s.startswith("情况说明") for s in narrative.banner_sentences(plain))
