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
from budgetlib.catalog import recognise_title
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
