"""Cross-check two PDF engines cell by cell.

Both engines emit the same Line shape (see ``base.py``), so their outputs can be lined up
page by page and row by row. Rows are matched by position on the page (the n-th line of a
page in engine A against the n-th in B); when the two give a page a different number of
rows or columns that is itself reported, as a disagreement on the whole row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby, zip_longest
from pathlib import Path

import pandas as pd

from .base import Line


def engine(name: str) -> Callable[[Path], Iterator[Line]]:
    """The ``iter_lines`` of a PDF engine by name: "mupdf" or "tabula"."""
    if name == "mupdf":
        from .pdf_mupdf import iter_lines
    elif name == "tabula":
        from .pdf_tabula import iter_lines
    else:
        raise ValueError(f"unknown PDF engine {name!r}: use 'mupdf' or 'tabula'")
    return iter_lines


def normalise(text: str, fold_width: bool = False) -> str:
    """Light normalisation before comparing: whitespace removed (engines differ on spaces
    inside CJK text); with ``fold_width`` also NFKC, because PDFBox (tabula) and MuPDF map
    some glyphs to different code points ("：" U+FF1A vs ":", "＝" vs "=")."""
    text = "".join(text.split())
    return unicodedata.normalize("NFKC", text) if fold_width else text


def _pages(lines: Iterable[Line]) -> dict[int, list[Line]]:
    return {p: list(g) for p, g in groupby(lines, key=lambda ln: ln.page)}


def compare_lines(a: Iterable[Line], b: Iterable[Line], fold_width: bool = False) -> pd.DataFrame:
    """Every cell where two Line streams disagree: page, row, column, text_a, text_b.
    ``DataFrame.attrs`` holds ``cells`` (cells compared), ``agree`` and ``agreement``."""
    pa, pb = _pages(a), _pages(b)
    diffs = []
    cells = agree = 0
    for page in sorted(set(pa) | set(pb)):
        for row, (la, lb) in enumerate(zip_longest(pa.get(page, []), pb.get(page, [])), start=1):
            ca = la.cells if la is not None else []
            cb = lb.cells if lb is not None else []
            for col, (ta, tb) in enumerate(zip_longest(ca, cb), start=1):
                ta, tb = ta if ta is not None else "", tb if tb is not None else ""
                cells += 1
                if normalise(ta, fold_width) == normalise(tb, fold_width):
                    agree += 1
                else:
                    diffs.append((page, row, col, ta, tb))
    df = pd.DataFrame(diffs, columns=["page", "row", "column", "text_a", "text_b"])
    df.attrs.update(cells=cells, agree=agree, agreement=agree / cells if cells else 1.0)
    return df


def compare_engines(path, a: str = "mupdf", b: str = "tabula",
                    fold_width: bool = False) -> pd.DataFrame:
    """Cell disagreements between engines ``a`` and ``b`` on one PDF (see
    ``compare_lines``); ``df.attrs["agreement"]`` is the share of cells that agree."""
    df = compare_lines(engine(a)(Path(path)), engine(b)(Path(path)), fold_width=fold_width)
    df.attrs.update(path=str(path), a=a, b=b)
    return df
