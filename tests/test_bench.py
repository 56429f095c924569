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
    df = bench_engines([CORPUS / "civil-military-office.pdf"], engines=("floor", "load"), repeats=1)
    r = floor_ratio(df)
    doc, overall = r.iloc[0], r.iloc[-1]
    assert doc["floor_ms_per_page"] > 0 and doc["load_ms_per_page"] > doc["floor_ms_per_page"]
    assert abs(doc["ratio"] / (doc["load_ms_per_page"] / doc["floor_ms_per_page"]) - 1) < 0.01
    assert overall["document"] == "all 1 read" and overall["pages"] == 17
