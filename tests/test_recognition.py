"""Recognition by content (issue 9): where a table's title is missing or spelled in words the
catalogue does not know, its header signature (tables.yaml ``signature``: header words, words
not printed, row labels) names the kind. Proven on real corpus pages whose title is redacted or
rewritten in a copy of the PDF; labels (表3) are read but never decide the kind."""

from __future__ import annotations

import shutil

import pymupdf
from conftest import CORPUS

import budgetlib
from budgetlib.catalog import kind_by_signature, recognise_title
from budgetlib.normalize import fold

NATIONAL = CORPUS / "national"
XIAN = NATIONAL / "xian-2026-budget-3.pdf"
# Xi'an 表5 (p.24): 部门综合预算一般公共预算支出明细表（按支出功能分类科目）
XIAN_T05_TITLE, XIAN_T05_PAGE = "部门综合预算一般公共预算支出明细表（按支出功能分类科目）", 24


def _copy_with(tmp_path, src, page_edits) -> str:
    """A copy of ``src`` with, per page, each old text redacted and (if given) new text printed
    in its place."""
    out = tmp_path / src.name
    shutil.copy(src, out)
    pdf = pymupdf.open(out)
    pages = []  # kept alive until the save (an edited page object must outlive it)
    for pno, edits in page_edits.items():
        page = pdf[pno - 1]
        pages.append(page)
        placed = []
        for old, new in edits:
            rects = page.search_for(old)
            assert rects, (pno, old)  # the text to replace is on the page
            for r in rects:
                page.add_redact_annot(r)
                placed.append((r, new))
        page.apply_redactions()
        for r, new in placed:
            if new:
                page.insert_text((r.x0, r.y1 - 2), new, fontname="china-s", fontsize=12)
    path = tmp_path / f"edited-{src.name}"
    pdf.save(path)
    return path


def test_a_table_whose_title_is_redacted_is_recognised_by_its_header(tmp_path):
    """Xi'an's 一般公共预算支出表 with its title line blacked out: no line of the page reads as a
    title any more, and the old title-only recognition left the table out (its rows went to the
    table before). Its header (功能科目 | 合计 | 人员经费支出 | 公用经费支出 | 专项业务经费支出)
    still names the kind, with the same rows and 合计 as the untouched document."""
    edited = _copy_with(tmp_path, XIAN, {XIAN_T05_PAGE: [(XIAN_T05_TITLE, None)]})
    page_lines = pymupdf.open(edited)[XIAN_T05_PAGE - 1].get_text().splitlines()
    assert not any((t := recognise_title(ln)) is not None and t.table_id for ln in page_lines)
    doc, orig = budgetlib.load(edited), budgetlib.load(XIAN)
    t05 = doc.tables["T05"]
    assert t05.kind == "一般公共预算支出表" and t05.pages == [XIAN_T05_PAGE]
    assert t05.label == "表5"  # the label is kept, not used for the kind
    for part in ("data", "total"):  # the same rows (one line fewer on the page: no title)
        got, want = (getattr(t, part).drop(columns="line") for t in (t05, orig.tables["T05"]))
        assert got.equals(want), part
    assert t05.unit == "元"
    # the table before it (表4 财政拨款收支总表, p.23) did not swallow its rows
    assert doc.tables["T04"].pages == orig.tables["T04"].pages
    assert any("recognised as 一般公共预算支出表 by its columns" in w for w in doc.warnings)


def test_a_title_in_unknown_words_and_a_wrong_label_do_not_decide(tmp_path):
    """Shenzhen's 支出总表 (pp.18-20, title repeated on each page) retitled in words no catalogue
    entry knows and labelled 表7 (the number of another table): still 支出总表, from its
    columns 基本支出 | 项目支出 | 事业单位经营支出, with every row."""
    src = NATIONAL / "shenzhen-2026-budget-1.pdf"
    edited = _copy_with(tmp_path, src, {p: [("支出总表", "经费安排明细表"), ("表3", "表7")] for p in (18, 19, 20)})
    assert recognise_title("经费安排明细表").table_id is None
    doc, orig = budgetlib.load(edited), budgetlib.load(src)
    t03 = doc.tables["T03"]
    assert t03.kind == "支出总表" and fold(t03.title) == "经费安排明细表"
    assert len(t03.data) == len(orig.tables["T03"].data) == 9
    assert t03.printed_total("total") == orig.tables["T03"].printed_total("total")
    assert "T07" in doc.tables and doc.tables["T07"].kind == "政府性基金预算支出表"  # 表7 is still 表7's


def test_a_signature_shared_by_two_kinds_names_neither():
    """Shanghai prints its 支出总表 and its 一般公共预算支出表 with the same columns; only the
    title tells them apart, so the header alone decides nothing. A distinctive header does."""
    shared = fold("项目/功能分类科目编码/功能分类科目名称/合计/基本支出/项目支出/类/款/项")
    assert kind_by_signature(shared, "") is None
    assert kind_by_signature(fold("支出预算/") + shared, "") == "T03"
    assert kind_by_signature(fold("一般公共预算支出/") + shared, "") == "T05"
    assert kind_by_signature(fold("单位名称/“三公”经费合计/因公出国(境)费用/公务接待费"), "") == "T09"


def test_rows_decide_where_one_header_fits_several_kinds():
    """Fuzhou's header for its 一般公共预算 / 政府性基金 / 国有资本经营 支出表 names none of them;
    the function classes the rows print do (tables.yaml row_content, the fund's 款 taken from
    what the corpus's titled 政府性基金预算支出表 print). Rows that fit two rules, or none, or
    rows of the economic classification, name nothing."""
    header = fold("科目编码/科目名称/小计/其中：/基本支出/项目支出")
    assert kind_by_signature(header, "") is None
    assert kind_by_signature(header, fold("合计/公共安全支出/公安/行政运行")) == "T05"
    assert kind_by_signature(header, fold("合计/城乡社区支出/国有土地使用权出让收入安排的支出")) == "T07"
    assert kind_by_signature(header, fold("合计/2296002-用于社会福利的彩票公益金支出")) == "T07"  # a code under 22960
    assert kind_by_signature(header, fold("合计/国有资本经营预算支出/国有企业资本金注入")) == "T08"
    # fund and state-capital rows in one table (a 财政拨款支出表): no single kind
    assert kind_by_signature(header, fold("合计/彩票公益金安排的支出/国有资本经营预算支出")) is None
    # the economic classification's rows (工资福利支出, 其他支出 -- a name both print): none
    assert kind_by_signature(header, fold("合计/工资福利支出/基本工资/其他支出")) is None
    # a header that names a kind is not overruled by the rows
    assert kind_by_signature(fold("科目编码/科目名称/合计/基本支出/项目支出/事业单位经营支出"),
                             fold("合计/城乡社区支出/国有土地使用权出让收入安排的支出")) == "T03"
