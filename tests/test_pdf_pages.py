"""The PDF page layer on real pages: what is a table cell and what is not.

* header words never fuse into a data cell (issue 8 §1: '900.000000项目总额');
* running page headers, footers and page numbers are never table cells;
* landscape and rotated pages are read in reading order.
"""

from __future__ import annotations

import re

import pymupdf
import pytest

from budgetlib.readers import pdf_grid, pdf_mupdf

from conftest import CORPUS

NATIONAL = CORPUS / "national"


def cells(path, pages=None) -> list[list[str]]:
    return [ln.cells for ln in pdf_mupdf.iter_page_lines(path, pages)]


def texts(path, pages=None) -> list[str]:
    return [" | ".join(c for c in row if c) for row in cells(path, pages)]


# --------------------------------------------------------------------------- header fuse
#
# A 预算表12 block whose merged cells (name, 项目总额, goal) run from the bottom of page 1 onto
# page 2, whose header row is repeated. Excel lays the merged text out over the block's whole
# range and draws it on both pages, each clipped to the block's part of that page: on page 2
# it lands inside the repeated header cells, clipped away. Those hidden glyphs are not the
# header's and not a continuation of it.

W, H = 842, 595
XS = [30, 230, 360, 560, 810]                      # 项目名称 | 项目总额 | 绩效目标 | 指标
HEAD = (30, 70)


def _text(doc, page, x, y, s, clip=None):
    """Text with its baseline at y; with ``clip`` (x0, y0, x1, y1, y downwards) drawn clipped
    to that box, as Excel draws a merged cell."""
    page.insert_text((x, y), s, fontname="china-s", fontsize=10)
    if clip is not None:
        xref = page.get_contents()[-1]
        x0, y0, x1, y1 = clip
        box = f"{x0} {H - y1} {x1 - x0} {y1 - y0} re W n ".encode()
        doc.update_stream(xref, b"q " + box + doc.xref_stream(xref) + b" Q")


def _grid_page(doc, body_rows, block):
    """Header row, then body rows; the block's merged cells (first three columns) span the
    rows inside ``block``: no rulings between them there."""
    page = doc.new_page(width=W, height=H)
    sh = page.new_shape()
    for x in XS:
        sh.draw_line((x, HEAD[0]), (x, body_rows[-1][1]))
    for y in HEAD:
        sh.draw_line((XS[0], y), (XS[-1], y))
    for y0, y1 in body_rows:
        inside = block[0] <= y0 and y1 < block[1]
        sh.draw_line((XS[3] if inside else XS[0], y1), (XS[-1], y1))
    sh.finish(color=(0, 0, 0), width=0.5)
    sh.commit()
    for x, s in zip(XS, ["项目名称", "项目总额", "绩效目标", "指标"]):
        _text(doc, page, x + 5, 52, s)
    return page


def build_runon_block(path, drawn_at: float):
    """Project 乙 spans y 460-560 on page 1 and 70-130 on page 2; its text, centred on the
    whole range, is visible on page 1 and drawn at baseline ``drawn_at`` on page 2."""
    doc = pymupdf.open()
    p1 = _grid_page(doc, [(70, 460), (460, 500), (500, 530), (530, 560)], (460, 560))
    for x, s in zip(XS, ["甲项目", "100.000000", "目标甲", "指标甲"]):
        _text(doc, p1, x + 5, 265, s)
    for y, s in ((485, "指标乙1"), (520, "指标乙2"), (550, "指标乙3")):
        _text(doc, p1, XS[3] + 5, y, s)
    for c, s in enumerate(["乙项目", "900.000000", "目标乙"]):
        _text(doc, p1, XS[c] + 5, 544, s, clip=(XS[c], 460, XS[c + 1], 560))
    p2 = _grid_page(doc, [(70, 100), (100, 130), (130, 200)], (70, 130))
    for c, s in enumerate(["乙项目", "900.000000", "目标乙"]):
        _text(doc, p2, XS[c] + 5, drawn_at, s, clip=(XS[c], 70, XS[c + 1], 130))
    for y, s in ((90, "指标乙4"), (120, "指标乙5")):
        _text(doc, p2, XS[3] + 5, y, s)
    for x, s in zip(XS, ["丙项目", "50.000000", "目标丙", "指标丙"]):
        _text(doc, p2, x + 5, 170, s)
    doc.save(path)
    return path


@pytest.mark.parametrize("drawn_at", [41, 66])   # above the header text, and below it
def test_header_words_never_fuse_into_a_data_cell(tmp_path, drawn_at):
    pdf = build_runon_block(tmp_path / "runon.pdf", drawn_at)
    # the hidden text really is on page 2, inside the header cells
    hidden = [ch for ch in pdf_mupdf.page_chars(pymupdf.open(pdf)[1]) if ch.hidden]
    assert "".join(ch.c for ch in hidden if ch.y0 > HEAD[0]).startswith("乙项目")
    rows = cells(pdf)
    assert rows[0] == rows[5] == ["项目名称", "项目总额", "绩效目标", "指标"]
    assert rows[2] == ["乙项目", "900.000000", "目标乙", "指标乙1"]
    every = [c for row in rows for c in row]
    assert every.count("900.000000") == 1 and every.count("项目总额") == 2
    assert not [c for c in every if "项目总额" in c and c != "项目总额"]


def _clipped_pages(path, pages):
    """(every glyph, the clipped page's words, the clipped text page) of pages with text
    clipped away: the two inputs of the word walk and of its glyph-by-glyph fallback."""
    doc = pymupdf.open(path)
    for pno in pages:
        page = doc[pno - 1]
        every = pdf_mupdf._raw_chars(page.get_textpage(flags=pdf_mupdf._KEEP_WS))
        visible = page.get_textpage(flags=pdf_mupdf._KEEP_WS | pdf_mupdf._clip_flag())
        yield every, visible.extractWORDS(None), visible


def test_the_word_walk_hides_exactly_what_glyph_by_glyph_hides(tmp_path):
    """The clipped page's words, walked in stream order, mark the same glyphs hidden as
    comparing every glyph's place with the clipped page's glyphs: on real run-on pages
    (healthcare-security pp.20-24: goals cut at page breaks, one drawn over a header) and
    on the synthetic run-on block."""
    cases = [*_clipped_pages(CORPUS / "healthcare-security.pdf", range(20, 25)),
             *_clipped_pages(build_runon_block(tmp_path / "runon.pdf", 41), [2])]
    walked = 0
    for every, words, visible in cases:
        reference = [pdf_mupdf.Char(c.x0, c.y0, c.x1, c.y1, c.c, c.size, False, c.seq) for c in every]
        pdf_mupdf._hide_by_places(reference, visible)
        if not any(c.hidden for c in reference):
            continue
        assert pdf_mupdf._hide_clipped(every, words)
        assert [c.hidden for c in every] == [c.hidden for c in reference]
        walked += 1
    assert walked >= 3


def test_words_that_do_not_line_up_mark_nothing():
    """When the words cannot be paired with the glyphs in order (here: a word's letters
    changed, or two words swapped), the walk marks nothing and says so, and reading falls
    back to the glyph-by-glyph comparison."""
    every, words, _ = next(_clipped_pages(CORPUS / "healthcare-security.pdf", [24]))
    changed = [words[0][:4] + ("乙" * len(words[0][4]),) + words[0][5:], *words[1:]]
    swapped = [words[1], words[0], *words[2:]]
    for bad in (changed, swapped):
        assert not pdf_mupdf._hide_clipped(every, bad)
        assert not any(c.hidden for c in every)


@pytest.mark.parametrize("name", ["fuzhou-2026-budget-1.pdf", "changsha-2026-budget-1.pdf"])
def test_a_page_without_rulings_reads_the_same_from_its_clipped_text_page_alone(name):
    """A page whose line art cannot make a table (``ruled``) is read from its clipped text
    page alone: its lines and its prose are those that reading both text pages gives."""
    doc = pymupdf.open(CORPUS / "national" / name)
    bare = 0
    for page in doc:
        segs = pdf_mupdf._unrotated_segs(page)
        if pdf_mupdf.ruled(segs):
            continue
        bare += 1
        read = []
        for both in (True, False):
            prose: dict = {}
            chars, m = pdf_mupdf._turned_chars(page, {}, prose, both)
            r = page.rect * page.derotation_matrix
            r = r if m is None else r * m
            result = pdf_grid.grid_page(pdf_mupdf._turned_segs(segs, m), chars, page.number + 1,
                                        clip=(r.x0, r.y0, r.x1, r.y1))
            read.append(([ln.cells for ln in result.lines], prose))
        assert read[0] == read[1], f"{name} p.{page.number + 1}"
    assert bare >= 10


# --------------------------------------------------------------------------- page furniture

PAGE_NUMBER = re.compile(r"[-－—–]?\s*\d{1,3}\s*[-－—–]?|第\s*\d+\s*页.*")


def printed_lines(path) -> list[tuple[int, str]]:
    """(page, text) of every visual line as printed, from the engine's plain text."""
    doc = pymupdf.open(path)
    return [(p.number + 1, t.strip()) for p in doc for t in p.get_text("text").splitlines() if t.strip()]


@pytest.mark.parametrize("name", ["suzhou-2026-budget-1", "shenzhen-2026-budget-1",
                                  "guangzhou-2026-budget-1", "fuzhou-2026-budget-1",
                                  "hangzhou-2026-budget-1"])
def test_page_numbers_are_not_lines(name):
    pdf = NATIONAL / f"{name}.pdf"
    printed = [(p, t) for p, t in printed_lines(pdf) if PAGE_NUMBER.fullmatch(t)]
    assert len({p for p, _ in printed}) >= 20          # the pages really carry numbers
    lines = list(pdf_mupdf.iter_lines(pdf))
    # every page's last line is its content, not its number
    last = {}
    for ln in lines:
        last[ln.page] = ln
    numbered = {p for p, _ in printed}
    assert not [ln.cells for p, ln in last.items() if p in numbered
                and len(ln.nonempty()) == 1 and PAGE_NUMBER.fullmatch(ln.nonempty()[0])]


def test_running_header_is_not_a_line_but_table_heads_stay():
    pdf = NATIONAL / "suzhou-2026-budget-1.pdf"
    header = "苏州市生态环境局2026 年度单位预算公开"
    assert sum(t == header for _, t in printed_lines(pdf)) >= 30
    rows = texts(pdf, [10])
    assert header not in rows and "- 9 -" not in rows
    # the table's own lines in the same top band are kept: label, title, issuer and unit
    assert rows[:4] == ["公开01 表", "收支总表", "单位：苏州市生态环境局", "单位：万元"]
    assert rows[-1] == "收入总计 | 41,183.84 | 支出总计 | 41,183.84"
    hz = texts(NATIONAL / "hangzhou-2026-budget-1.pdf", [15])
    assert "部门名称：杭州市气象局" in hz and "单位：万元" in hz


def test_print_footer_never_becomes_an_amount(tmp_path):
    """Issue 8 §1: a Beijing document printed with Excel's page footer '第 2 页，共 40 页' and
    a running header was refused ('第 2 页，共 17 页' is not an amount of 预算02表). The same
    real document with both added reads exactly as without them."""
    import budgetlib

    src = CORPUS / "xinfang-office.pdf"
    doc = pymupdf.open(src)
    for page in doc:
        r = page.rect
        page.insert_text((r.width / 2 - 40, r.height - 12), f"第 {page.number + 1} 页，共 {doc.page_count} 页",
                         fontname="china-s", fontsize=9)
        page.insert_text((40, 14), "北京市信访办公室 2026 年度部门预算公开", fontname="china-s", fontsize=9)
    doc.save(tmp_path / "xinfang-footer.pdf")
    got, want = budgetlib.load(tmp_path / "xinfang-footer.pdf"), budgetlib.load(src)
    assert sorted(got.tables) == sorted(want.tables)
    for tid, table in want.tables.items():
        assert got.tables[tid].data.equals(table.data), tid
        assert got.tables[tid].total.equals(table.total), tid


# --------------------------------------------------------------------------- grids


def test_floors_drawn_in_pieces_keep_the_table_whole():
    """xian 2026 绩效目标表: the floors of the value columns are separate strokes with no wall
    at their ends. They are the table's rulings: each value stays on its label's row, and a
    value in a wall-less column is read inside the table, not left outside it."""
    rows = texts(NATIONAL / "xian-2026-budget-3.pdf", [34])
    assert "项目名称 | 法律顾问服务" in rows and "主管部门 | 西安市人民政府办公厅" in rows
    assert "满意度指标 | 服务对象满意度指标 | 机关人员满意度 | ≥90 | 10" in rows
    every = [c for row in cells(NATIONAL / "xian-2026-budget-3.pdf", [34]) for c in row]
    assert "≥9" not in every and "0" not in every


# --------------------------------------------------------------------------- rotation


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_page_is_read_in_reading_order(tmp_path, rotation):
    """A landscape table drawn sideways in a portrait media box, shown upright by /Rotate:
    MuPDF reports glyphs and rulings in the unrotated space, where the table's lines run top
    to bottom. Read in the displayed orientation, the pages give the same Lines as the
    original landscape pages (shanghai 财务收支预算总表, pp.7-8)."""
    src_path = NATIONAL / "shanghai-2026-budget-1.pdf"
    src = pymupdf.open(src_path)
    out = pymupdf.open()
    for pno in (6, 7):
        page = out.new_page(width=src[pno].rect.height, height=src[pno].rect.width)
        page.set_rotation(rotation)
        page.show_pdf_page(page.rect, src, pno, rotate=rotation)
    out.save(tmp_path / "rotated.pdf")
    rotated = pymupdf.open(tmp_path / "rotated.pdf")
    assert rotated[0].rotation == rotation and rotated[0].mediabox.width < rotated[0].mediabox.height
    got = cells(tmp_path / "rotated.pdf")
    assert got == cells(src_path, [7, 8])
    assert got[0] == ["2026年预算单位财务收支预算总表"]
    assert got[7][:4] == ["一、财政拨款收入", "178,830,483", "一、社会保障和就业支出", "3,196,880"]


def test_row_cut_by_the_page_break_is_one_row():
    """hangzhou 收入预算总表 pp.21-22: the last row of p.21 is cut by the page break and its
    rest printed as the first row of p.22 ("杭州市机动" / "车驾驶员考试服务中心", "12,437.3" /
    "6"). One row, its amounts whole: 12,437.36 + 2,112.28 = 14,549.64 as printed."""
    pdf = CORPUS / "pages" / "hangzhou-2026-budget-3-p21-22.pdf"
    rows = cells(pdf)
    row = next(r for r in rows if r[0].startswith("杭州市机动"))
    assert row[0] == "杭州市机动车驾驶员考试服务中心"
    assert [c for c in row[1:] if c] == ["14,549.64", "14,549.64", "12,437.36", "2,112.28"]
    assert not any(r[0].startswith("车驾驶员") for r in rows)
    assert not [c for r in rows for c in r if c == "12,437.3"]
    # a page that starts with a row of its own is left alone
    nxt = rows[rows.index(row) + 1]
    assert nxt[:2] == ["杭州市道路交通事故社会救助基金管理服务中心（杭州市公安综合保障服务中心）", "6,314.47"]
