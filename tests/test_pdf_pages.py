"""The PDF page layer on real pages: what is a table cell and what is not.

* header words never fuse into a data cell (issue 8 §1: '900.000000项目总额');
* running page headers, footers and page numbers are never table cells;
* landscape and rotated pages are read in reading order.
"""

from __future__ import annotations

import pymupdf
import pytest

from budgetlib.readers import pdf_mupdf

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
