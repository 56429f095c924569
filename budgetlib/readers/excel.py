"""Reader for Excel workbooks: each sheet's rows, in sheet order, as Lines.

Merged cells already carry their value in the top-left cell in openpyxl, which is the shape
the assembler expects. ``page`` is the sheet's position (1-based)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .base import Line, ReadError


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores amounts as binary floats: round to 6 places (万元 to the fen), then drop
        # trailing zeros so an indicator value 99.99 reads as printed.
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def iter_lines(path: Path) -> Iterator[Line]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a declared dependency
        raise ReadError(f"{path}: reading Excel needs openpyxl: pip install openpyxl") from exc
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ReadError(f"{path}: not a readable Excel workbook ({type(exc).__name__}); "
                        "open and re-save it in Excel, or export it as PDF") from None
    for sheet_no, ws in enumerate(wb.worksheets, start=1):
        for row_no, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            if any(c.strip() for c in cells):
                yield Line(cells=cells, page=sheet_no, line=row_no)
    wb.close()
