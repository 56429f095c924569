"""tabula engine: tabula-java's lattice mode, re-gridded onto the page's visible rulings.

How it runs
-----------
* One JVM per process, started once through tabula-py's own ``TabulaVm`` (jpype, in
  process), so ``tabula.read_pdf`` calls made elsewhere in the process share it. Its start
  time is kept in ``JVM_START_SECONDS``. Without jpype tabula-py would start a JVM per call
  (seconds each): we refuse that with a clear error instead.
* The PDF is loaded once into tabula-java (PDFBox) and each page is extracted on its own
  with ``SpreadsheetExtractionAlgorithm`` (what ``lattice=True`` runs); the tables are
  serialised by tabula's ``JSONWriter`` (the ``output_format="json"`` of tabula-py), which
  gives every cell's coordinates.

The "lines must be orthogonal" failure
---------------------------------------
tabula-java throws ``IllegalArgumentException: lines must be orthogonal, vertical and
horizontal`` (tabula-java issues #90, #218, #529: open) when a page has a ruling of
near-zero length: Excel draws cell borders as thin rectangles whose edges can differ by
~0.0002 pt, tabula turns such an edge into a ruling that counts as both horizontal and
vertical, and ``Ruling.intersectionPoint`` throws. It happens on whole documents at once
with ``pages="all"``. Per page we therefore:
  1. run lattice as tabula-py would;
  2. on that error, run the same lattice algorithm with the degenerate rulings removed
     (``extract(page, rulings)``, rulings shorter than 1 pt dropped): "lattice-clean";
  3. if that fails too, use the ``pdf_grid`` geometry on PyMuPDF's input for the page:
     "mupdf". ``TabulaReader.fallbacks`` records which pages used 2 or 3.

Shape of the output
-------------------
tabula sees every ruling, including the white ones Excel draws where a cell has no border,
so its grid has extra columns and holds titles. Columns are taken from the *visible*
rulings instead (the ``pdf_grid`` grid of the page, as in the PyMuPDF engine): each tabula
cell's text goes to the visible cell holding the cell's top-left corner, so merged cells do
not shift columns; text outside the visible grid (titles, units, notes) comes from PyMuPDF's
free text of the page. The page-break stitching of merged cells (``pdf_grid.stitch_pages``)
is applied to the result, using tabula's own cell text.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from .base import Line, ReadError
from .pdf_grid import PageResult, cell_text_parts, row_opens, stitch_pages
from .pdf_mupdf import open_pdf, page_result

JAVA_MISSING = ("Java runtime not found: install one (apt-get install default-jre-headless) "
                "or use engine='mupdf'")
JVM_START_SECONDS: float | None = None
_J: dict = {}                                       # the Java classes, once imported


def java_available() -> bool:
    """Is there a Java runtime tabula can use (JAVA_HOME or java on PATH)?"""
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").exists():
        return True
    return shutil.which("java") is not None


def start_jvm() -> float:
    """Start (once per process) the JVM through tabula-py; return the seconds it took
    (0.0 if it was already running)."""
    global JVM_START_SECONDS
    if _J:
        return 0.0
    if not java_available():
        raise ReadError(JAVA_MISSING)
    try:
        import jpype  # noqa: F401  (tabula-py silently falls back to a subprocess without it)
        import tabula.io as tio
        from tabula.backend import TabulaVm
    except ImportError as exc:
        raise ReadError(f"the tabula engine needs tabula-py and jpype1: pip install tabula-py "
                        f"jpype1 ({exc.name} missing), or use engine='mupdf'") from exc
    t0 = time.perf_counter()
    try:
        if tio._tabula_vm is None or getattr(tio._tabula_vm, "tabula", None) is None:
            tio._tabula_vm = TabulaVm(java_options=["-Dfile.encoding=UTF8",
                                                    "-Djava.awt.headless=true"], silent=True)
        if getattr(tio._tabula_vm, "tabula", None) is None:
            raise ReadError("tabula-py could not start Java in process (jpype): " + JAVA_MISSING)
        from java.io import File
        from java.lang import IllegalArgumentException, StringBuilder
        from java.util import ArrayList
        from org.apache.pdfbox.pdmodel import PDDocument
        from technology.tabula import ObjectExtractor
        from technology.tabula.extractors import SpreadsheetExtractionAlgorithm
        from technology.tabula.writers import JSONWriter
    except ReadError:
        raise
    except Exception as exc:                        # JVMNotFoundException and friends
        raise ReadError(f"{JAVA_MISSING} ({exc})") from exc
    _J.update(File=File, IAE=IllegalArgumentException, SB=StringBuilder, List=ArrayList,
              PDDocument=PDDocument, OE=ObjectExtractor,
              SEA=SpreadsheetExtractionAlgorithm, JSON=JSONWriter)
    JVM_START_SECONDS = time.perf_counter() - t0
    return JVM_START_SECONDS


def _to_json(tables) -> list[dict]:
    sb = _J["SB"]()
    _J["JSON"]().write(sb, tables)
    return json.loads(str(sb.toString()))


def lattice_page(page) -> tuple[list[dict], str]:
    """tabula's lattice tables of one page as JSON, and how they were obtained."""
    try:
        return _to_json(_J["SEA"]().extract(page)), "lattice"
    except _J["IAE"]:
        clean = _J["List"]()
        for r in page.getRulings():
            if r.length() >= 1.0:                  # the zero-length edge is the culprit
                clean.add(r)
        return _to_json(_J["SEA"]().extract(page, clean)), "lattice-clean"


def _cells(tables: list[dict]) -> list[tuple[float, float, float, float, str]]:
    """(left, top, right, bottom, text) of every real cell (tabula pads spans with 0x0)."""
    out = []
    for t in tables:
        for row in t["data"]:
            for c in row:
                if c["width"] > 0 and c["height"] > 0:
                    out.append((c["left"], c["top"], c["left"] + c["width"],
                                c["top"] + c["height"], c["text"]))
    return out


def _covered_regions(cells, grids) -> list[set[tuple[int, int]]]:
    """Visible regions (by anchor) whose centre lies in some tabula cell, empty or not."""
    out: list[set[tuple[int, int]]] = [set() for _ in grids]
    for i, g in enumerate(grids):
        for r in range(len(g.ys) - 1):
            y = (g.ys[r] + g.ys[r + 1]) / 2
            for c in range(len(g.xs) - 1):
                x = (g.xs[c] + g.xs[c + 1]) / 2
                if any(left <= x <= right and top <= y <= bottom
                       for left, top, right, bottom, _ in cells):
                    out[i].add(g.anchor[r][c])
    return out


def regrid(tables: list[dict], mu: PageResult) -> tuple[PageResult, int] | None:
    """tabula's cell texts placed on the visible grid(s) of the page, merged in reading
    order with the page's free text; and the number of cells filled from PyMuPDF because
    tabula found no cell there (a merged cell left open at a page break has no bottom
    ruling, so tabula's lattice sees no rectangle). None if the page has no visible grid."""
    if not mu.grids:
        return None
    cells = _cells(tables)
    covered = _covered_regions(cells, mu.grids)
    mu_rows = {y: ln for y, ln, free in zip(mu.tops, mu.lines, mu.free, strict=True) if not free}
    texts: list[dict[tuple[int, int], list[tuple[float, float, str]]]] = [{} for _ in mu.grids]
    for left, top, right, bottom, text in cells:
        if not text.strip():
            continue
        # the top-left corner, nudged inside, names the visible cell (merged: its anchor)
        x, y = left + min(2.0, (right - left) / 2), top + min(2.0, (bottom - top) / 2)
        for i, g in enumerate(mu.grids):
            if g.contains(x, y):
                r, c = g.cell_of(x, y)
                texts[i].setdefault(g.anchor[r][c], []).append((top, left, text))
                break
    rows: list[tuple[float, list[str], list[float] | None, frozenset[int] | None]] = []
    filled = 0
    for i, g in enumerate(mu.grids):
        nc = len(g.xs) - 1
        for r in range(len(g.ys) - 1):
            row = []
            for c in range(nc):
                if g.anchor[r][c] == (r, c) and (r, c) not in covered[i]:
                    mu_line = mu_rows.get(g.ys[r])
                    text = mu_line.cells[c] if mu_line is not None and c < len(mu_line.cells) else ""
                    filled += bool(text)
                    row.append(text)
                    continue
                parts = sorted(texts[i].get((r, c), []))
                row.append(cell_text_parts([p for _, _, t in parts for p in t.splitlines()]))
            if any(row):
                rows.append((g.ys[r], row, g.centres, row_opens(g, r)))
    for y, line, free in zip(mu.tops, mu.lines, mu.free, strict=True):
        if free:
            rows.append((y, line.cells, line.xs, None))
    rows.sort(key=lambda t: t[0])
    out = PageResult(mu.page, [], grids=mu.grids)
    where: dict[float, int] = {}
    for n, (y, cells, xs, opens) in enumerate(rows):
        out.lines.append(Line(cells=cells, page=mu.page, line=n + 1, xs=xs, opens=opens))
        out.tops.append(y)
        if xs is not None:
            where.setdefault(y, n)
    # the page-break regions found by the geometry, pointed at the re-gridded rows
    for src, dst in ((mu.top, out.top), (mu.bottom, out.bottom)):
        for e in src:
            n = where.get(mu.tops[e.row])
            if n is not None:
                dst.append(replace(e, row=n))
    return out, filled


class TabulaReader:
    """Reads one PDF with tabula; ``fallbacks`` maps page -> "lattice-clean" | "mupdf ..."
    for the pages where plain lattice failed; ``filled`` maps page -> number of cells
    where tabula found no cell and PyMuPDF's text was used."""

    def __init__(self, path):
        self.path = Path(path)
        self.fallbacks: dict[int, str] = {}
        self.filled: dict[int, int] = {}            # page -> cells taken from PyMuPDF
        self.pages = 0

    def __iter__(self) -> Iterator[Line]:
        mu_doc = open_pdf(self.path)                # same input checks as every engine
        start_jvm()
        jdoc = _J["PDDocument"].load(_J["File"](str(self.path)))
        try:
            oe = _J["OE"](jdoc)
            self.pages = mu_doc.page_count
            yield from stitch_pages(self._page(oe, mu_doc, p) for p in range(1, self.pages + 1))
        finally:
            jdoc.close()
            mu_doc.close()

    def _page(self, oe, mu_doc, pno: int) -> PageResult:
        mu = page_result(mu_doc[pno - 1], pno)
        try:
            tables, how = lattice_page(oe.extract(pno))
        except Exception as exc:                    # still failing: PyMuPDF geometry
            self.fallbacks[pno] = f"mupdf ({str(exc).splitlines()[0][:80]})"
            return mu
        if how != "lattice":
            self.fallbacks[pno] = how
        got = regrid(tables, mu)
        if got is None:
            return mu                               # no visible grid: text-only page
        if got[1]:
            self.filled[pno] = got[1]
        return got[0]


def iter_lines(path) -> Iterator[Line]:
    """Lines of every page of the PDF at ``path`` read with tabula (see module doc)."""
    yield from TabulaReader(path)
