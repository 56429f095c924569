"""Formats budgetlib has not seen (issue 9: "other regions exist, with habits of their own"):
real corpus pages transformed with PyMuPDF the ways other families print them -- turned
sideways, without a title, with the title after the body, with other labels, a continuation
page without its header, another 金额单位, another family's title words -- must read as the
same tables with the same amounts. Each test builds its transformed copy in tmp_path from a
small real PDF of tests/corpus/national and compares it with the untouched document."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from functools import lru_cache

import pymupdf
import pytest
from conftest import CORPUS

import budgetlib
from budgetlib.catalog import label_only, recognise_title
from budgetlib.normalize import fold

NATIONAL = CORPUS / "national"
# Shanghai 2026 (20 landscape pages, unit 元, no labels): T01 p.7, T02 pp.8-9, T03 pp.10-11,
# T04 p.12, T05 pp.13-14, T07 p.15, T08 p.16, T06 pp.17-18, T09 p.19 (万元)
SHANGHAI = NATIONAL / "shanghai-2026-budget-1.pdf"
# Fuzhou 2026 (万元, no thousands separators, section heading 三、… over each title)
FUZHOU = NATIONAL / "fuzhou-2026-budget-1.pdf"
# Changchun 2026 (label after the title: 收支总表（预算表 1）)
CHANGCHUN = NATIONAL / "changchun-2026-budget-1.pdf"


@lru_cache(maxsize=None)
def _original(path):
    return budgetlib.load(path)


def _text_lines(page):
    """(box, text, font size) of each text line of a page, in MuPDF's unrotated space."""
    return [(pymupdf.Rect(line["bbox"]), "".join(s["text"] for s in line["spans"]), line["spans"][0]["size"])
            for block in page.get_text("dict")["blocks"] for line in block.get("lines", ())]


def _line_with(page, text):
    """The box and font size of the first text line of the page containing ``text`` (spaces ignored)."""
    want = fold(text)
    found = [(box, size) for box, t, size in _text_lines(page) if want in fold(t)]
    assert found, (page.number + 1, text)  # the text to change is printed on the page
    return found[0]


def _rewrite(page, edits):
    """Each (old, new, where) of ``edits``: the text line printing ``old`` is blacked out
    (redaction: its glyphs are gone from the page, the rulings stay) and ``new`` (if any) is
    printed in its place, or ``where="after"`` under the table (the lowest text and ruling)."""
    placed = []
    for old, new, where in edits:
        box, size = _line_with(page, old)
        page.add_redact_annot(box)
        placed.append((box, size, new, where))
    page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE, graphics=pymupdf.PDF_REDACT_LINE_ART_NONE)
    # under the last text and the last ruling of the page (the table's grid)
    bottom = max([b.y1 for b, t, _ in _text_lines(page) if t.strip()]
                 + [d["rect"].y1 for d in page.get_drawings() if d["rect"].y1 < page.rect.height - 5], default=0)
    for box, size, new, where in placed:
        if new:
            if where == "after":
                bottom += size * 2
                page.insert_text((box.x0, bottom), new, fontname="china-s", fontsize=size)
            else:
                page.insert_text((box.x0, box.y1 - size * 0.2), new, fontname="china-s", fontsize=size)


def _edited(tmp_path, src, page_edits, name="edited"):
    """A copy of ``src`` with ``page_edits`` {page number: [(old, new, where), …]} applied."""
    pdf = pymupdf.open(src)
    for pno, edits in page_edits.items():
        _rewrite(pdf[pno - 1], edits)
    out = tmp_path / f"{name}-{src.name}"
    pdf.save(out)
    return out


def _same_table(got, want, lines=False):
    """The same rows, totals, unit and kind (text line numbers may move when a line is removed)."""
    assert got.kind == want.kind and got.unit == want.unit, (got.id, got.kind, got.unit)
    for part in ("data", "total"):
        a, b = getattr(got, part), getattr(want, part)
        if not lines:
            a, b = a.drop(columns="line"), b.drop(columns="line")
        assert a.reset_index(drop=True).equals(b.reset_index(drop=True)), (got.id, part)


def _same_document(doc, orig):
    assert sorted(doc.tables) == sorted(orig.tables)
    for tid, t in orig.tables.items():
        _same_table(doc.tables[tid], t)
    assert len(doc.problems) == len(orig.problems)


# -- pages turned: /Rotate and content drawn sideways -----------------------------------------

def _turned(tmp_path, src, turns):
    """A copy of ``src`` where each page of ``turns`` {page: (content, flag)} has its content
    drawn turned by ``content`` degrees into a box of the turned size and ``flag`` as its
    /Rotate (None: none)."""
    pdf, out = pymupdf.open(src), pymupdf.open()
    for i, page in enumerate(pdf):
        if i + 1 not in turns:
            out.insert_pdf(pdf, from_page=i, to_page=i)
            continue
        content, flag = turns[i + 1]
        w, h = page.rect.width, page.rect.height
        new = out.new_page(width=h, height=w) if content % 180 else out.new_page(width=w, height=h)
        new.show_pdf_page(new.rect, pdf, i, rotate=content)
        if flag is not None:
            new.set_rotation(flag)
    path = tmp_path / f"turned-{src.name}"
    out.save(path)
    return path


def test_turned_table_pages_read_the_same(tmp_path):
    """Shanghai's table pages turned the ways landscape tables are published: the page is read
    the way its text runs (most of its glyphs left to right), whatever /Rotate says, so every
    table and amount is the same."""
    turns = {7: (90, 90),      # T01: drawn sideways in a portrait box, /Rotate 90 shows it upright
             8: (270, 270),    # T02: the same, turned the other way
             9: (270, 270),
             10: (0, 90),      # T03: /Rotate 90 on an upright page: shown sideways
             11: (0, 270),
             12: (90, None),   # T04: drawn sideways, no /Rotate at all
             13: (180, None),  # T05: upside down
             14: (180, 180)}   # ... and turned back by /Rotate 180
    _same_document(budgetlib.load(_turned(tmp_path, SHANGHAI, turns)), _original(SHANGHAI))


def test_set_rotation_on_a_table_page(tmp_path):
    """``page.set_rotation(90)`` on the real pages of 支出总表 and 财政拨款收支总表 (nothing
    else changed): the same document."""
    pdf = pymupdf.open(SHANGHAI)
    for pno in (10, 11, 12):
        pdf[pno - 1].set_rotation(90)
    path = tmp_path / "rotated.pdf"
    pdf.save(path)
    _same_document(budgetlib.load(path), _original(SHANGHAI))


# -- titles removed, or printed after the body ------------------------------------------------

# every table title of the three documents, by page (Fuzhou also prints a section heading that
# names the table, 三、支出预算总表, over its title: both go)
SHANGHAI_TITLES = {7: ["2026年预算单位财务收支预算总表"], 8: ["2026年预算单位收入预算总表"],
                   10: ["2026年预算单位支出预算总表"], 12: ["2026年预算单位财政拨款收支预算总表"],
                   13: ["2026年预算单位一般公共预算支出功能分类预算表"],
                   15: ["2026年预算单位政府性基金预算支出功能分类预算表"],
                   16: ["2026年预算单位国有资本经营预算支出功能分类预算表"],
                   17: ["2026年预算单位一般公共预算基本支出部门预算经济分类预算表"],
                   19: ["2026年单位“三公”经费和机关运行经费预算表"]}
FUZHOU_TITLES = {p: [f"{n}、{t}", f"2026 年度{t}"] for p, n, t in (
    (8, "一", "收支预算总表"), (9, "二", "收入预算总表"), (10, "三", "支出预算总表"), (11, "四", "财政拨款收支预算总表"),
    (13, "五", "一般公共预算拨款支出预算表"), (14, "六", "政府性基金预算拨款支出预算表"),
    (16, "七", "国有资本经营预算拨款支出预算表"), (17, "八", "一般公共预算支出经济分类情况表"),
    (19, "九", "一般公共预算基本支出经济分类情况表"), (23, "十", "一般公共预算“三公”经费支出预算表"))}
CHANGCHUN_TITLES = {6: ["收支总表（预算表1）"], 7: ["收入总表(预算表2)"], 8: ["支出总表（预算表3）"],
                    9: ["财政拨款收支总表(预算表4)"], 10: ["本年一般公共预算支出表（预算表5）"],
                    11: ["本年一般公共预算基本支出表(预算表6)"], 12: ["本年一般公共预算“三公”经费支出表(预算表7)"],
                    13: ["本年政府性基金预算支出表(预算表8)"]}


@pytest.mark.parametrize("src, titles, untold", [
    (SHANGHAI, SHANGHAI_TITLES, {}),
    # Fuzhou prints 一般公共预算/政府性基金/国有资本经营 支出表 with the same columns (科目编码 |
    # 科目名称 | 小计 | 基本支出 | 项目支出), and its two economic-class tables too (科目编码 |
    # 科目名称 | 预算数). The rows tell the first apart (公共安全支出/公安/…: general function
    # classes only, tables.yaml row_content); its 政府性基金 and 国有资本经营 tables print no row
    # (合计 only), nor do the economic tables say which is which: those stay raw
    (FUZHOU, FUZHOU_TITLES, {"T07": 14, "T08": 16, "T19": 17, "T06": 19}),
    # Changchun's 政府性基金 table: the columns of its 一般公共预算支出表 without 人员/公用经费
    (CHANGCHUN, CHANGCHUN_TITLES, {"T07": 13}),
])
def test_tables_whose_titles_are_redacted_are_recognised_by_their_headers(tmp_path, src, titles, untold):
    """Every title line blacked out: each table whose header (and first row labels) names one
    kind is that kind, with the same rows, totals and unit; a table whose columns fit several
    kinds is kept as raw rows on its own page -- never guessed, never merged into the table
    before it (the old reading appended Fuzhou's pages 13-23 to its 支出总表)."""
    doc, orig = budgetlib.load(_edited(tmp_path, src, {p: [(t, None, None) for t in ts] for p, ts in titles.items()})), \
        _original(src)
    told = {tid: t for tid, t in orig.tables.items() if tid not in untold}
    assert sorted(doc.tables) == sorted(told)
    for tid, t in told.items():
        _same_table(doc.tables[tid], t)
    raw_pages = {r.page for r in doc.raw_tables if not r.title}
    assert raw_pages == set(untold.values())
    assert not doc.problems
    for tid, t in told.items():  # each says how it was recognised
        if tid in orig.tables and orig.tables[tid].pages and orig.tables[tid].pages[0] in titles:
            assert any(f"recognised as {t.kind} by its columns" in w for w in doc.warnings), tid



# Fuzhou 2026, 福州市公安局交通管理支队 (40 pages): its 政府性基金 table prints rows (212 城乡社区支出 /
# 21208 国有土地使用权出让收入安排的支出 / 2120899), under the header of its 一般公共预算支出表
FUZHOU_2 = NATIONAL / "fuzhou-2026-budget-2.pdf"
FUZHOU_2_TITLES = {p: [f"{n}、{t}", f"2026 年度{t}"] for p, n, t in (
    (7, "一", "收支预算总表"), (8, "二", "收入预算总表"), (9, "三", "支出预算总表"), (10, "四", "财政拨款收支预算总表"),
    (11, "五", "一般公共预算拨款支出预算表"), (12, "六", "政府性基金预算拨款支出预算表"),
    (13, "七", "国有资本经营预算拨款支出预算表"), (14, "八", "一般公共预算支出经济分类情况表"),
    (15, "九", "一般公共预算基本支出经济分类情况表"), (18, "十", "一般公共预算“三公”经费支出预算表"))}


def test_tables_with_one_header_told_apart_by_their_rows(tmp_path):
    """Fuzhou prints 一般公共预算 and 政府性基金 支出表 with one header (科目编码 | 科目名称 | 小计 |
    基本支出 | 项目支出). Titles blacked out, the rows decide (tables.yaml row_content): p.11's
    function classes are general ones only (204 公共安全支出 / 20402 公安 …): 一般公共预算支出表;
    p.12's 款 is a government-fund one (21208 国有土地使用权出让收入安排的支出): 政府性基金预算支出表.
    Both read as the titled document reads them. Its 国有资本经营 table prints only 合计 and a
    note, and its two economic-class tables share one header too: nothing in them says which
    is which, so they stay raw rows, each on its own page (not joined to the table before)."""
    doc, orig = budgetlib.load(_edited(tmp_path, FUZHOU_2, {p: [(t, None, None) for t in ts]
                                                           for p, ts in FUZHOU_2_TITLES.items()})), _original(FUZHOU_2)
    for tid, kind, page in (("T05", "一般公共预算支出表", 11), ("T07", "政府性基金预算支出表", 12)):
        assert doc.tables[tid].kind == kind and doc.tables[tid].pages == [page]
        _same_table(doc.tables[tid], orig.tables[tid])
        assert any(f"page {page} row 2: no title before this header; recognised as {kind}" in w for w in doc.warnings)
    assert doc.tables["T07"].data["function_code"].tolist() == ["2120899"]
    assert sorted(doc.tables) == sorted(set(orig.tables) - {"T08", "T19", "T06"})
    assert {r.page for r in doc.raw_tables if not r.title} == {13, 14, 15}
    assert not doc.problems


def _without_titles(tmp_path, src):
    """A copy of ``src`` with every line of its table pages that reads as a table title or a
    label (recognise_title / label_only) blacked out."""
    pdf = pymupdf.open(src)
    for pno in sorted({p for t in _original(src).tables.values() for p in t.pages}):
        page = pdf[pno - 1]
        for box, text, _ in _text_lines(page):
            t = recognise_title(text)
            if (t is not None and t.table_id) or label_only(text.strip()):
                page.add_redact_annot(box)
        page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE, graphics=pymupdf.PDF_REDACT_LINE_ART_NONE)
    path = tmp_path / f"untitled-{src.name}"
    pdf.save(path)
    return path


@pytest.mark.parametrize("name, untold, raw_pages", [
    # Shenzhen: title and 表N repeated on every page, unit line and header too; its 表7/8/10/11
    # (预算单位 | 科目编码 | 科目名称 | 支出总计 | 基本支出 | 项目支出) and 基本/项目支出总表 share columns.
    # 表7's rows are general function classes only (一般公共服务支出/信访事务/…): 一般公共预算支出表
    # (tables.yaml row_content), its p.27 a continuation, and 表10 (pp.28-30, 工资福利支出/基本
    # 工资/…, the economic classification) not; its 政府性基金 and 国有资本经营 tables (pp.32, 33) print no row
    ("shenzhen-2026-budget-1.pdf", {"T07", "T08", "T15", "T17", "T19"}, {21, 22, 23, 28, 29, 30, 32, 33}),
    # Guangzhou: 收支总表 over two pages, the second with its header and no title
    ("guangzhou-2026-budget-1.pdf", {"T06", "T15", "T17", "T20"}, {12, 14, 18, 19}),
])
def test_other_families_without_any_title(tmp_path, name, untold, raw_pages):
    """Every title and label of two more families blacked out: the tables their headers name
    read the same (continuation pages stay with their table); the others are raw rows on their
    own pages, never merged into a neighbour."""
    src = NATIONAL / name
    doc, orig = budgetlib.load(_without_titles(tmp_path, src)), _original(src)
    assert sorted(doc.tables) == sorted(set(orig.tables) - untold)
    for tid, t in doc.tables.items():
        _same_table(t, orig.tables[tid])
    assert {r.page for r in doc.raw_tables if not r.title} == raw_pages
    assert not doc.problems


def test_titles_printed_after_the_body(tmp_path):
    """Shanghai's titles moved under their tables: each table is read from its header, and the
    title printed under it is its title (words and kind), not a row and not a new table."""
    edits = {p: [(t, t, "after") for t in ts] for p, ts in SHANGHAI_TITLES.items()}
    doc, orig = budgetlib.load(_edited(tmp_path, SHANGHAI, edits)), _original(SHANGHAI)
    _same_document(doc, orig)
    for tid, t in orig.tables.items():
        assert fold(doc.tables[tid].title) == fold(t.title)


# -- other labels and other families' title words ---------------------------------------------

# Shanghai's titles in the words of Hunan, Guangdong, Fujian, with labels of every form seen
# (公开09表, （预算表 5）, 表3：, 预算表12, 五、, 单位预算08表, 表 2), their numbers all wrong
SHANGHAI_RETITLED = {7: ("公开09表", "公开09表 部门收支总体情况表"), 8: ("(预算表5)", "部门收入总体情况表（预算表 5）"),
                     10: ("表3", "表3：2026年本年支出总体情况表"), 12: ("预算表12", "财政拨款收支总体情况表 预算表12"),
                     13: ("五、", "五、一般公共预算支出情况表（按功能分类科目）"),
                     15: ("单位预算08表", "单位预算08表 政府性基金预算支出情况表"),
                     16: ("(预算表1)", "国有资本经营预算拨款支出预算表（预算表 1）"),
                     17: ("", "一般公共预算基本支出情况表（按经济分类科目）"),
                     19: ("表2", "表 2 财政拨款安排的行政经费及“三公”经费预算表")}
# Fuzhou's section heading replaced by a label on its own line, its title by the words of
# Shenzhen, Jiangsu, Xi'an
FUZHOU_RETITLED = {8: ("表4", "收支总表"), 9: ("公开01表", "收入总表"), 10: ("预算表 2", "支出总表"),
                   11: ("表 9", "财政拨款收支总表"), 13: ("单位预算01表", "一般公共预算支出表（按功能分类）"),
                   14: ("表10", "政府性基金预算支出表"), 16: ("表 7", "国有资本经营预算支出预算表"),
                   17: ("公开08表", "一般公共预算支出表（按经济分类）"),
                   19: ("十一、", "一般公共预算基本支出明细表（按支出经济分类科目）"),
                   23: ("预算表 3", "一般公共预算“三公”经费、会议费、培训费支出表")}


def test_other_families_title_words_and_labels(tmp_path):
    """Each family's titles in other families' words (families.md), under labels that number
    them wrongly: the kind comes from the title words, the label is kept but decides nothing,
    and every table reads the same."""
    cases = [(SHANGHAI, {p: [(SHANGHAI_TITLES[p][0], t, None)] for p, (_, t) in SHANGHAI_RETITLED.items()},
              SHANGHAI_RETITLED),
             (FUZHOU, {p: [(FUZHOU_TITLES[p][0], lab, None), (FUZHOU_TITLES[p][1], t, None)]
                       for p, (lab, t) in FUZHOU_RETITLED.items()}, FUZHOU_RETITLED)]
    for src, edits, printed in cases:
        doc, orig = budgetlib.load(_edited(tmp_path, src, edits)), _original(src)
        _same_document(doc, orig)
        for t in doc.tables.values():
            if t.pages and t.pages[0] in printed and t.id != "T12_indicators":
                label, title = printed[t.pages[0]]
                assert fold(t.label) == fold(label), (t.id, t.label)
                assert fold(title) in fold(t.title) or fold(t.title) in fold(title)
        assert not doc.raw_tables



# -- a continuation page without its header; another 金额单位 ------------------------------------

def test_continuation_pages_without_their_repeated_header(tmp_path):
    """Shanghai repeats the column header on every continuation page (收入总表 p.9, 支出总表
    p.11, 一般公共预算支出表 p.14, 基本支出表 p.18). Blacked out there -- text and the header's own
    rulings -- the rows of those pages stay in their tables, column for column."""
    pdf = pymupdf.open(SHANGHAI)
    for pno in (9, 11, 14, 18):
        page = pdf[pno - 1]
        first_row = min(b.y0 for b, t, _ in _text_lines(page) if any(ch.isdigit() for ch in t))
        page.add_redact_annot(pymupdf.Rect(0, 0, page.rect.width, first_row - 2))
        page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE,
                              graphics=pymupdf.PDF_REDACT_LINE_ART_REMOVE_IF_COVERED)
        assert not any("科目编码" in t for _, t, _ in _text_lines(page))  # no header left
    path = tmp_path / "no-repeated-header.pdf"
    pdf.save(path)
    doc, orig = budgetlib.load(path), _original(SHANGHAI)
    _same_document(doc, orig)
    for tid, pages in (("T02", [8, 9]), ("T03", [10, 11]), ("T05", [13, 14]), ("T06", [17, 18])):
        assert doc.tables[tid].pages == pages


def test_amounts_follow_the_printed_unit(tmp_path):
    """The 金额单位 is read per table: Shanghai's 支出总表 relabelled 单位：万元 and its 三公 table
    单位：元, its 财政拨款收支总表 with the unit in the title (…总表（单位：万元）, no unit line):
    the printed amounts are unchanged, their unit and amounts in 元 follow the print (x 10000
    or / 10000); the other tables keep 元."""
    edits = {10: [("单位：元", "单位：万元", None)], 19: [("单位:万元", "单位：元", None)],
             12: [("单位：元", None, None),
                  ("2026年预算单位财政拨款收支预算总表", "2026年预算单位财政拨款收支预算总表（单位：万元）", None)]}
    doc, orig = budgetlib.load(_edited(tmp_path, SHANGHAI, edits)), _original(SHANGHAI)
    units = {"T03": "万元", "T09": "元", "T04": "万元"}
    assert {tid: t.unit for tid, t in doc.tables.items()} == {tid: units.get(tid, t.unit) for tid, t in orig.tables.items()}
    got, want = doc.facts(), orig.facts()
    assert got["amount"].equals(want["amount"])  # the same printed amounts, row for row
    factor = {"T03": Decimal(10000), "T04": Decimal(10000), "T09": Decimal("0.0001")}
    for tid in doc.tables:
        g, w = got[got.table == tid], want[want.table == tid]
        f = factor.get(tid, Decimal(1))
        assert [None if v is None or v != v else Decimal(v) for v in g["amount_yuan"]] == \
            [None if v is None or v != v else Decimal(v) * f for v in w["amount_yuan"]], tid
    assert doc.tables["T03"].printed_total("total") == Decimal("180366183")  # 万元 now, as printed
    assert not any("T04 has no 金额单位 line" in w for w in doc.warnings)


def test_the_command_line_on_a_document_of_unseen_format(tmp_path, capsys):
    """`budgetlib tables` on Fuzhou with its titles blacked out and two pages turned: exit 0,
    the tables that cannot be told listed as raw ('?'), every message one line, no traceback.
    `check` takes it for the table document it is, not for a narrative (情况说明) -- which it
    did when no page printed a title, and then checked nothing and said nothing."""
    from budgetlib import cli
    from budgetlib.readers.narrative_text import probe

    edited = _edited(tmp_path, FUZHOU, {p: [(t, None, None) for t in ts] for p, ts in FUZHOU_TITLES.items()})
    path = _turned(tmp_path, edited, {10: (90, 90), 19: (0, 90)})
    assert cli.main(["tables", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "支出总表" in out and "\n             ?" in out
    assert "Traceback" not in out + err
    assert all(line.startswith("warning: ") for line in err.splitlines())
    assert probe(path)["narrative"] is False
    assert probe(CORPUS / "narrative" / "audit-bureau-narrative.pdf")["narrative"] is True
