"""Xi'an 三公 and 政府采购 tables read into the right columns, on real pages (issue 9).

表13 (三公) prints three column groups side by side: the prior year, the budget year and the change.
2025/2026 head them 上年 | 当年 | 增减变化情况; 2019-2022 print the years (2020年 | 2021年 | 增减变化情况),
and the reader took the prior year's columns (16 万元 against the narrative's 6.51). 表12 (政府采购)
prints the 采购目录 code joined to its name (A02010104台式计算机), which left the goods / services
split of the narrative compared with 0. The 2021/2022 files in tests/data are page subsets of
xian-2021-budget-1 and xian-2022-budget-5 (tests/data/MANIFEST.tsv): the narrative's 三公 and
采购 paragraphs and the two tables."""

from __future__ import annotations

from decimal import Decimal as D
from functools import cache
from pathlib import Path

import pymupdf
from conftest import CORPUS

import budgetlib
from budgetlib.reconcile import reconcile

DATA = Path(__file__).parent / "data"
FILES = {"xian-2021": DATA / "xian-2021-budget-1-pp11-12-39-41.pdf",
         "xian-2022": DATA / "xian-2022-budget-5-pp23-24-43-45.pdf",
         "xian-2019": CORPUS / "national" / "xian-2019-budget-2.pdf"}


@cache
def _doc(name):
    return budgetlib.load(FILES[name])


@cache
def _results(name):
    return {(r.rule.id, r.rule.instance): r for r in reconcile(_doc(name), lang="en").results}


def _claim(name, key):
    return next(r for (rid, inst), r in _results(name).items() if rid == "N.table" and inst.startswith(key + "@"))


def _page(name, page):
    return pymupdf.open(FILES[name])[page - 1].get_text()


def test_three_public_year_headed_groups_read_the_budget_year():
    # 2021 p.41 (subset p.5): 合计 row 2020年 {827,400 | 160,000 | 0 | 80,000 | 80,000 | 0 | 80,000 |
    # 462,000 | 205,400}, then 2021年 {1,171,100 | 65,100 | 0 | 65,100 | 0 | 0 | 0 | 320,000 | 1,096,000}
    text = _page("xian-2021", 5)
    assert "2020年" in text and "2021年" in text and "1,171,100.00" in text
    t09 = _doc("xian-2021").tables["T09"]
    assert t09.printed_total("total") == D("65100")
    assert t09.printed_total("official_reception") == D("65100")
    assert t09.printed_total("vehicle_total") == 0 and t09.printed_total("vehicle_operation") == 0
    assert t09.printed_total("meeting_cost") == D("320000")
    assert t09.printed_total("training_cost") == D("1096000")
    # the narrative (p.11): 三公 6.51万元, 公务接待费 6.51万元, 公务用车运行维护费 0万元
    for key in ("three_public_total", "official_reception", "vehicle_operation"):
        assert _claim("xian-2021", key).status == "pass", key

    # 2022 p.45: 2022年 {627300 | 35000 | 0 | 10000 | 25000 | 0 | 25000 | 202300 | 390000}
    t09 = _doc("xian-2022").tables["T09"]
    assert t09.printed_total("total") == D("35000")
    assert t09.printed_total("official_reception") == D("10000")
    assert t09.printed_total("vehicle_operation") == D("25000")
    for key in ("three_public_total", "official_reception", "vehicle_operation"):
        assert _claim("xian-2022", key).status == "pass", key


def test_three_public_2019_clipped_headers():
    # 2019 p.32: the group heading is clipped by its cell (务用车购置及运行维护), 公务用车购置经费;
    # 合计 row 2019年 {83.74 | 28.38 | | 4.38 | 24.00 | | 24.00 | 19.06 | 36.30} (万元)
    t09 = _doc("xian-2019").tables["T09"]
    assert t09.printed_total("total") == D("28.38")
    assert t09.printed_total("official_reception") == D("4.38")
    assert t09.printed_total("vehicle_total") == D("24.00") == t09.printed_total("vehicle_operation")
    assert list(t09.data["unit_code"]) == ["125001", "125002", "125003", "125004"]
    assert next(r for (rid, _), r in _results("xian-2019").items() if rid == "T09.total").status == "pass"


def test_procurement_catalogue_code_joined_to_its_name():
    t10 = _doc("xian-2021").tables["T10"]
    first = t10.data.iloc[0]
    assert (first["procurement_category_code"], first["procurement_category_name"]) == ("A02010104", "台式计算机")
    # the narrative (p.12): 货物类 119万元, 服务类 2247.16万元, 工程类 0万元
    for key in ("procurement_goods", "procurement_services", "procurement_works"):
        assert _claim("xian-2021", key).status == "pass", key


def test_procurement_2022_works_row_is_the_documents_own():
    # p.44 prints "B07装修工程 … 300000" (工程); the narrative (p.24) says 工程类预算0万元 and
    # 服务类 1868.17 = the services rows 1,838.165 + that 30万: a document defect, docs/findings.md
    assert "B07装修工程" in _page("xian-2022", 4)
    t10 = _doc("xian-2022").tables["T10"].data
    by = t10.groupby(t10["procurement_category_code"].str[:1])["amount"].sum()
    assert (by["A"], by["B"], by["C"]) == (D("2388345"), D("300000"), D("18381650"))
    assert _claim("xian-2022", "procurement_goods").status == "pass"
    assert _claim("xian-2022", "procurement_works").status == "mismatch"
