"""The one document model: every reader produces it, everything downstream reads it."""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from .normalize import AMOUNT_DTYPE

PROVENANCE = ["page", "line"]

# 元 in one printed unit (catalog/tables.yaml `units` gives how many of a unit make one 万元)
YUAN_PER_UNIT = {"元": Decimal(1), "万元": Decimal(10000), "万": Decimal(10000)}
# 元 to the fen and beyond: 万元 printed with 6 decimals is exact to 0.01 元
YUAN_DTYPE = pd.ArrowDtype(__import__("pyarrow").decimal128(28, 6))


@dataclass
class Problem:
    """Something in one cell, row or table that could not be read (无法读取的单元格/行/表).

    The rest of the document loads: an unreadable amount cell is NA (never guessed) and its
    table is marked ``incomplete``; a table that cannot be read at all is left out. ``level``
    is 'cell', 'row' or 'table'. ``expected`` says what the cell should have held."""

    file: str
    table: str | None
    page: int | None
    row: int | None
    column: str | None
    raw: str | None
    expected: str
    level: str = "cell"

    def where(self) -> str:
        parts = [self.file]
        if self.table:
            parts.append(self.table)
        if self.page is not None:
            parts.append(f"page {self.page}" + (f" row {self.row}" if self.row is not None else ""))
        elif self.row is not None:
            parts.append(f"line {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ": ".join(parts)

    def line(self) -> str:
        """One line for the terminal: where, the raw text, and what was expected."""
        raw = f" {self.raw!r}" if self.raw else ""
        return f"{self.where()}:{raw} {self.expected}"

    def to_dict(self) -> dict:
        return {"file": self.file, "table": self.table, "page": self.page, "row": self.row,
                "column": self.column, "raw": self.raw, "expected": self.expected, "level": self.level}


def key_columns(frame: pd.DataFrame) -> list[str]:
    """The columns that name a row: its codes (…_code), else its item label (项目)."""
    return [c for c in frame.columns if c.endswith("_code")] or [c for c in ("item",) if c in frame.columns]


def frame_values(frame: pd.DataFrame) -> tuple:
    """A frame's columns, dtypes, index and values, for a digest of its content: the values,
    not the frame's pickle, which also keeps its memory layout (different between two equal
    loads)."""
    return (list(frame.columns), [str(d) for d in frame.dtypes], frame.index.tolist(),
            [frame[c].tolist() for c in frame.columns])


@dataclass
class Table:
    """One canonical table of a disclosure (e.g. T03 支出总表).

    ``data`` holds the detail rows, tidy, with snake_case columns, codes split from names and
    the provenance columns ``page`` (PDF page, 1-based; NA for text) and ``line`` (text line
    or row on the page). ``total`` holds the printed 合计 row(s) with the same columns, kept
    apart so that summing ``data`` never double counts. ``headers`` maps each column to the
    Chinese header it was read from.

    ``decimals`` records how many decimals each amount cell was printed with, per part:
    ``{"data": frame, "total": frame}``, each an Int8 frame with the amount columns, aligned
    with ``data`` / ``total`` by index (NA: not printed or blank, i.e. exact). A printed value v
    with d decimals stands for [v - 0.5·10^-d, v + 0.5·10^-d] (XBRL Calculations 1.1); the
    reconciliation's rounding allowance comes from it. Readers set it through the frames'
    ``attrs["decimals"]`` (taken over here) or directly.
    """

    id: str
    title: str
    unit: str | None
    data: pd.DataFrame
    total: pd.DataFrame
    headers: dict[str, str] = field(default_factory=dict)
    empty: bool = False
    note: str | None = None
    # the standard kind (收支总表, 支出总表, …; catalog/tables.yaml) and the label printed with
    # the title (表3, 预算表 1, 一、), read but never used to decide the kind
    kind: str = ""
    label: str = ""
    # True when a cell or row of this table could not be read (see BudgetDocument.problems)
    incomplete: bool = False
    decimals: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self):
        for part, frame in (("data", self.data), ("total", self.total)):
            dec = frame.attrs.pop("decimals", None) if isinstance(frame, pd.DataFrame) else None
            if dec is not None and part not in self.decimals:
                # a slice of data carries its attrs: aligned with the slice (a frame built with
                # its decimals is aligned already, and reindexing copies it)
                aligned = dec.frame.index.equals(frame.index)
                self.decimals[part] = dec.frame if aligned else dec.frame.reindex(frame.index)

    def printed_decimals(self, part: str, column: str) -> pd.Series:
        """Decimals printed for ``column`` of ``data`` or ``total``, aligned with its rows (NA: exact)."""
        frame = self.data if part == "data" else self.total
        dec = self.decimals.get(part)
        if dec is None or column not in dec:
            return pd.Series(pd.NA, index=frame.index, dtype="Int8")
        return dec[column].reindex(frame.index)

    @property
    def pages(self) -> list[int]:
        # (value by value: this runs for every table of every load; each distinct value tested once)
        pages = {p for f in (self.data, self.total) if len(f) for p in set(f["page"].tolist())}
        return sorted({int(p) for p in pages if not pd.isna(p)})

    @property
    def amount_columns(self) -> list[str]:
        return [c for c in self.data.columns if self.data[c].dtype == AMOUNT_DTYPE]

    @property
    def key_columns(self) -> list[str]:
        """The columns that name a row: its codes (…_code), else its item label (项目)."""
        return key_columns(self.data)

    def grand_total_row(self) -> int | None:
        """Where in ``total`` the printed 合计 row (合计/总计) is: the first total row none of whose
        key columns holds a code, or None when every total row carries one (a final account's
        支出经济分类 printing its classes and no 合计). The one rule for "the table's 合计": the
        other total rows are its parts (类/款 subtotals of T05, a panel's subtotals, the
        department's row above its units, which repeats it), and adding them counts each amount
        two or three times."""
        cols = [self.total[k].tolist() for k in self.key_columns if k in self.total.columns]
        for i, vals in enumerate(zip(*cols) if cols else [()] * len(self.total)):
            if not any(str("" if v is None or v is pd.NA else v).strip()[:1].isdigit() for v in vals):
                return i
        return None

    def printed_total(self, column: str) -> Decimal | None:
        """The amount printed in the 合计 row (``grand_total_row``) for ``column``, or None if
        the table prints no 合计 row. The same row the checks and the narrative's claims read:
        not the first total row, which can be the department's row above its units (收入总表
        of Suzhou, Xi'an, Beijing) or, on a page without the 合计, one 类's subtotal."""
        i = self.grand_total_row()
        if i is None or column not in self.total:
            return None
        return self.total[column].iloc[i]

    def location(self) -> str:
        """'pages 3-5' or 'lines 40-92': where the table sits, for messages."""
        frame = pd.concat([f for f in (self.data, self.total) if len(f)]) if (len(self.data) or len(self.total)) else None
        if frame is None:
            return "no rows"
        if frame["page"].notna().any():
            p = frame["page"].dropna().astype(int)
            return f"page {p.min()}" if p.min() == p.max() else f"pages {p.min()}-{p.max()}"
        ln = frame["line"].dropna().astype(int)
        return f"lines {ln.min()}-{ln.max()}"


@dataclass
class RawTable:
    """A table whose title the catalogue does not know: kept as rows of text, with a warning."""

    title: str
    rows: list[list[str]]
    page: int | None
    line: int | None
    kind: str = ""  # the standard kind when the title was recognised but the columns were not


@dataclass
class Narrative:
    """The prose of a disclosure (情况说明): its text page by page, and its sections.

    ``pages`` maps the PDF page (1-based) to its text as read, one printed line per text line,
    running page numbers removed. ``sections`` lists the headings (一、收入预算情况说明 …) with
    their level (1 for 一、, 2 for （一）), number, title and page. ``source`` is the file it was
    read from: a companion PDF (Beijing's 附件1) or the table PDF itself (prose pages)."""

    source: str
    pages: dict[int, str]
    sections: list[dict] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.pages[p] for p in sorted(self.pages))


@dataclass
class BudgetDocument:
    """A parsed disclosure (部门预算公开): metadata plus canonical tables keyed T01…T14.

    T12 (项目支出绩效目标表) is split in two: ``T12`` holds one row per project and
    ``T12_indicators`` one row per performance indicator.
    """

    meta: dict
    tables: dict[str, Table]
    raw_tables: list[RawTable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # cells, rows and tables that could not be read; the rest of the document is intact
    problems: list[Problem] = field(default_factory=list)
    narrative: Narrative | None = None  # the 情况说明, when read (load(..., narrative=...))
    # facts() as last computed, under the digest of the tables it was computed from: a report's
    # main process needs it twice (the parse cache, the Excel workbook)
    _facts: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __getitem__(self, table_id: str) -> pd.DataFrame:
        return self.tables[table_id].data

    def __contains__(self, table_id: str) -> bool:
        return table_id in self.tables

    def has_rows(self, table_id: str) -> bool:
        """True when the table is present and has detail rows (not only a header or 合计)."""
        t = self.tables.get(table_id)
        return t is not None and not t.empty and len(t.data) > 0

    @property
    def name(self) -> str:
        return self.meta.get("department") or self.meta.get("source_name") or "document"

    def summary(self) -> pd.DataFrame:
        """What was recognised: one row per table with title, location and row count."""
        rows = [{"table": t.id, "kind": t.kind, "title": t.title, "unit": t.unit, "where": t.location(),
                 "rows": len(t.data), "total_row": not t.total.empty, "empty": t.empty}
                for t in self.tables.values()]
        rows += [{"table": "?", "kind": r.kind, "title": r.title, "unit": None,
                  "where": f"page {r.page}" if r.page else f"line {r.line}",
                  "rows": len(r.rows), "total_row": False, "empty": False} for r in self.raw_tables]
        return pd.DataFrame(rows)

    def facts(self) -> pd.DataFrame:
        """Every amount in one long table: table, row keys, measure, amount, unit, provenance,
        and ``amount_yuan``, the same amount in 元 (exact Decimal).

        ``row_kind`` is 'detail' or 'total'; ``key`` joins the row's codes or item label, so
        cross-table rules can align rows without knowing each table's shape.

        Computed once per content of the tables: kept under their digest (value by value, a
        tenth of the cost), so an edited value gives fresh facts; each call returns its own copy."""
        key = self._tables_digest()
        if key is None or self._facts is None or self._facts[0] != key:
            self._facts = (key, self._compute_facts())
        return self._facts[1].copy()

    def _tables_digest(self) -> str | None:
        """A digest of what ``facts`` reads: the name, and each table's unit and rows, value by
        value. None when something cannot be pickled (then nothing is kept)."""
        h = hashlib.blake2b(digest_size=16)
        try:
            h.update(pickle.dumps(self.meta.get("source_name"), protocol=5))
            for tid, t in self.tables.items():
                h.update(pickle.dumps((tid, t.unit, frame_values(t.data), frame_values(t.total)), protocol=5))
        except Exception:  # noqa: BLE001
            return None
        return h.hexdigest()

    def _compute_facts(self) -> pd.DataFrame:
        frames = []
        for t in self.tables.values():
            for kind, frame in (("detail", t.data), ("total", t.total)):
                if frame.empty:
                    continue
                amounts = [c for c in frame.columns if frame[c].dtype == AMOUNT_DTYPE]
                if not amounts:
                    continue
                keys = [c for c in frame.columns if c not in amounts and c not in PROVENANCE
                        and (c.endswith("_code") or c in ("side", "item", "line_kind"))]
                key = frame[keys].astype(str).agg("|".join, axis=1) if keys else pd.Series("", index=frame.index)
                long = (frame.assign(key=key)
                        .melt(id_vars=["key", *PROVENANCE], value_vars=amounts, var_name="measure",
                              value_name="_amount")
                        .rename(columns={"_amount": "amount"}))
                long.insert(0, "row_kind", kind)
                long.insert(0, "table", t.id)
                long["unit"] = t.unit
                # the exact amount in 元, so documents printed in 元 and in 万元 compare
                factor = YUAN_PER_UNIT.get(t.unit or "")
                long["amount_yuan"] = [None if factor is None or pd.isna(v) else Decimal(v) * factor
                                       for v in long["amount"]]
                frames.append(long)
        if not frames:
            return pd.DataFrame(columns=["table", "row_kind", "key", "page", "line", "measure", "amount", "unit",
                                         "amount_yuan"])
        out = pd.concat(frames, ignore_index=True)
        out["amount"] = out["amount"].astype(AMOUNT_DTYPE)
        out["amount_yuan"] = out["amount_yuan"].astype(YUAN_DTYPE)
        out.insert(0, "document", self.meta.get("source_name"))
        return out
