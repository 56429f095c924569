"""Structural facts behind the reading speed (issue 12), on real corpus PDFs. No timings:
what is asserted is how much work a page costs (text extractions per page) and that each
shortcut gives exactly what the general path gives."""

from __future__ import annotations

import gc

import pandas as pd
import pymupdf
import pytest

import budgetlib
from budgetlib.readers import assemble, pdf_grid, pdf_mupdf

from conftest import CORPUS

PDF = CORPUS / "xinfang-office.pdf"        # 17 pages, clipped run-on text on its T12 pages


class _Counting:
    """Counts calls of a method on a class, calling through to it."""

    def __init__(self, monkeypatch, cls, name):
        self.calls = []
        real = getattr(cls, name)

        def wrapper(obj, *args, **kwargs):
            self.calls.append(args)
            return real(obj, *args, **kwargs)

        monkeypatch.setattr(cls, name, wrapper)


def test_each_page_is_interpreted_for_text_twice_and_its_glyphs_listed_once_unless_clipped(monkeypatch):
    """Every glyph of a page comes from one text page; a second, clipped text page says
    whether anything is hidden, and only then are its glyphs listed too. No other text
    extraction runs while reading (the 435 get_text calls for 177 pages of issue 12)."""
    textpages = _Counting(monkeypatch, pymupdf.Page, "get_textpage")
    get_text = _Counting(monkeypatch, pymupdf.Page, "get_text")
    rawdicts = _Counting(monkeypatch, pymupdf.TextPage, "extractRAWDICT")
    lines = list(pdf_mupdf.iter_lines(PDF))
    n = pymupdf.open(PDF).page_count
    raw = len(rawdicts.calls)
    assert len(get_text.calls) == 1                 # open_pdf's "is there any text" on page 1
    assert lines and len(textpages.calls) == 2 * n + 1  # (get_text makes its own text page)
    with pymupdf.open(PDF) as doc:
        clipped = sum(any(ch.hidden for ch in pdf_mupdf.page_chars(p)) for p in doc)
    assert 0 < clipped < n
    assert n <= raw <= n + clipped


def test_reading_a_page_leaves_the_cycle_collector_as_the_caller_had_it():
    """The cycle collector is paused while a page is read (base.cycle_collection_paused),
    then left as it was: on stays on, and a caller that turned it off finds it off."""
    with pymupdf.open(PDF) as doc:
        assert gc.isenabled()
        lines = pdf_mupdf.page_result(doc[12], 13).lines
        assert lines and gc.isenabled()
        gc.disable()
        try:
            assert pdf_mupdf.page_result(doc[12], 13).lines == lines
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_a_document_is_read_and_assembled_with_the_cycle_collector_paused(monkeypatch):
    """load() reads and assembles a document with the cycle collector off (on, it walks every
    object of the process now and then: base.cycle_collection_paused), then leaves it as the
    caller had it: on stays on, off stays off."""
    seen = []
    real = assemble.Assembler.table

    def table(self, *args):
        seen.append(gc.isenabled())
        return real(self, *args)

    monkeypatch.setattr(assemble.Assembler, "table", table)
    assert gc.isenabled()
    budgetlib.load(PDF)
    assert len(seen) >= 9 and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        budgetlib.load(PDF)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_table_groups_match_every_pair_compared():
    """The vertical-ruling index finds the same connected rulings as comparing every
    horizontal with every vertical, on every page of a real document."""
    def brute(segs):
        parent = list(range(len(segs)))
        for i, h in enumerate(segs):
            for j, v in enumerate(segs):
                if h.horizontal and not v.horizontal and (h.x0 - pdf_grid.TOUCH <= v.x0 <= h.x1 + pdf_grid.TOUCH) \
                        and (v.y0 - pdf_grid.TOUCH <= h.y0 <= v.y1 + pdf_grid.TOUCH):
                    pdf_grid._union(parent, i, j)
        return sorted(sorted(k for k in range(len(segs)) if pdf_grid._find(parent, k) == r)
                      for r in {pdf_grid._find(parent, k) for k in range(len(segs))})

    with pymupdf.open(PDF) as doc:
        pages = [pdf_grid.clean_segs(pdf_mupdf.page_segs(p)) for p in doc]
    assert sum(len(s) for s in pages) > 1000
    for segs in pages:
        index = pdf_grid._VerticalIndex(segs)
        parent = list(range(len(segs)))
        for i, h in enumerate(segs):
            if h.horizontal:
                for j in index.crossing(h):
                    pdf_grid._union(parent, i, j)
        fast = sorted(sorted(k for k in range(len(segs)) if pdf_grid._find(parent, k) == r)
                      for r in {pdf_grid._find(parent, k) for k in range(len(segs))})
        assert fast == brute(segs)


def _tables(doc):
    return {tid: (t.data, t.total, t.decimals) for tid, t in doc.tables.items()}


def test_typed_frames_equal_the_general_path(monkeypatch):
    """The assembler's frames built column by column are the frames the general path (from
    records, then each column cast) builds: same values, dtypes, index and printed decimals."""
    fast = budgetlib.load(PDF)
    monkeypatch.setattr(assemble, "_typed_frame", lambda *a: None)
    general = budgetlib.load(PDF)
    a, b = _tables(fast), _tables(general)
    assert a.keys() == b.keys() and len(a) >= 9
    for tid in a:
        for x, y in zip(a[tid][:2], b[tid][:2]):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        assert a[tid][2].keys() == b[tid][2].keys()
        for part in a[tid][2]:
            pd.testing.assert_frame_equal(a[tid][2][part], b[tid][2][part], check_exact=True)


@pytest.mark.parametrize("text", ["合 计", "（一）\u3000基本支出", "", "a\tb\nc"])
def test_fold_is_the_same_function_cached(text):
    from budgetlib.normalize import fold
    assert fold(text) == fold(text) == text.translate(__import__("budgetlib.normalize").normalize._FOLD) \
        .replace(" ", "").replace("\t", "").replace("\n", "")
