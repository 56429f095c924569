"""`make bench` machinery works (its figures are measured by the command, not asserted here)."""

import pandas as pd

from budgetlib.bench import _amortised, floor_ratio
from budgetlib.bench_pdf import bench_engines
from budgetlib.formats import markdown_table
from conftest import CORPUS


def test_bench_engines_measures_a_real_pdf():
    df = bench_engines([CORPUS / "civil-military-office.pdf"], engines=("mupdf", "load"), repeats=1)
    assert list(df["engine"]) == ["mupdf", "load"]
    assert (df["pages"] == 17).all() and (df["ms_per_page"] > 0).all() and (df["peak_rss_mb"] > 50).all()
    summary = _amortised(df)
    assert set(summary["engine"]) == {"mupdf", "load"} and (summary["pages"] == 17).all()


def test_markdown_table_escapes_cells():
    text = markdown_table(pd.DataFrame({"a": ["x|y", None], "b": [1.5, 2]}))
    assert text.splitlines()[0] == "| a | b |"
    assert "x\\|y" in text and "|  | 2.0 |" in text


def test_floor_ratio_is_load_over_floor():
    df = bench_engines([CORPUS / "civil-military-office.pdf"], engines=("floor", "calls", "load"), repeats=1)
    r = floor_ratio(df)
    doc, overall = r.iloc[0], r.iloc[-1]
    assert doc["floor_ms_per_page"] > 0 and doc["load_ms_per_page"] > doc["floor_ms_per_page"]
    assert abs(doc["ratio"] / (doc["load_ms_per_page"] / doc["floor_ms_per_page"]) - 1) < 0.01
    assert overall["document"] == "all 1 read" and overall["pages"] == 17
    # load makes the calls and then does its own work on their results
    assert 0 < doc["calls_ms_per_page"] < doc["load_ms_per_page"]
    assert abs(doc["load_over_calls"] / (doc["load_ms_per_page"] / doc["calls_ms_per_page"]) - 1) < 0.02


def test_engine_calls_are_the_calls_reading_makes():
    """The bench's ``calls`` engine gets from PyMuPDF exactly what reading a page uses: the
    same glyphs (unclipped, in order) and the same line art."""
    import pymupdf

    from budgetlib.readers import pdf_mupdf

    with pymupdf.open(CORPUS / "healthcare-security.pdf") as doc:
        page = doc[21]                            # p.22: clipped run-on text at the page foot
        every, words, drawings = pdf_mupdf.engine_calls(page)
        glyphs = [ch["c"] for b in every["blocks"] for ln in b.get("lines", ()) for sp in ln["spans"]
                  for ch in sp["chars"]]
        chars = pdf_mupdf.page_chars(page)
        assert any(ch.hidden for ch in chars)
        assert len(glyphs) == len(chars)
        assert "".join(w[4] for w in words) == "".join(ch.c for ch in chars if not (ch.hidden or ch.c.isspace()))
        assert len(drawings) == len(page.get_cdrawings()) > 0
        assert pdf_mupdf.ruled(pdf_mupdf._unrotated_segs(page))
    # a page without rulings for a table: the clipped text page's glyphs alone, as reading
    with pymupdf.open(CORPUS / "national" / "changsha-2026-budget-1.pdf") as doc:
        page = doc[2]
        assert not pdf_mupdf.ruled(pdf_mupdf._unrotated_segs(page))
        every, words, drawings = pdf_mupdf.engine_calls(page, has_rulings=False)
        glyphs = [ch["c"] for b in every["blocks"] for ln in b.get("lines", ()) for sp in ln["spans"]
                  for ch in sp["chars"]]
        chars, _ = pdf_mupdf._turned_chars(page, {}, None, False)
        assert glyphs and len(glyphs) == len(chars) and words == []
