"""What every reader produces: a stream of positioned rows of cells.

A reader (text, PDF engine, Excel) knows how to get cells out of a file and nothing about
budget tables. The engine-independent assembler (``assemble.py``) turns the stream into
canonical tables. Keeping this boundary narrow is what lets two PDF engines be compared cell
by cell and lets the text and PDF paths give the same document model.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Line:
    """One physical row of a page (or of a text file).

    ``cells`` are in grid order: a cell merged across columns carries its text in its first
    (left-most) column, a cell merged across rows in its top row, and the other positions are
    ``""``. A title line or a unit line ("金额单位：万元") is a row of one non-empty cell.
    ``page`` is 1-based (None for text); ``line`` is the 1-based line number in a text file,
    or the row index on the page for a PDF.
    """

    cells: list[str]
    page: int | None = None
    line: int | None = None
    # optional: the x-centres of the grid columns (PDF engines), for debugging and cross-checks
    xs: list[float] | None = field(default=None, repr=False)
    # optional (PDF engines): the grid columns whose cell begins on this row, i.e. is not the
    # continuation of a cell merged down from the row above. An empty cell that begins here
    # still marks a boundary (a T12 block whose name is printed on the next page).
    opens: frozenset[int] | None = field(default=None, repr=False)

    def nonempty(self) -> list[str]:
        return [c for c in self.cells if c.strip()]

    def where(self) -> str:
        """Human location for error messages: 'page 3 row 12' or 'line 88'."""
        if self.page is not None:
            return f"page {self.page} row {self.line}" if self.line is not None else f"page {self.page}"
        return f"line {self.line}" if self.line is not None else "unknown position"


class ReadError(Exception):
    """A bad input. Its message is one line naming the file and, where known, table, page and
    cell, and saying what to do. The CLI prints it without a traceback."""


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while a document is read and assembled, then back as
    the caller had it. Reading and assembling allocate millions of short-lived objects (glyphs,
    lines, rows, Decimals) in no reference cycle, which reference counting frees; left on, the
    collector runs dozens of times per document, now and then walking every object of the
    process (3% of a load's time on the Beijing corpus, issue 12). Whatever garbage a cycle
    holds is collected once it is back on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
