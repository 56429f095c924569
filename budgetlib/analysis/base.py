"""What every analysis returns (a Finding) and the few exact-arithmetic helpers they share."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pandas as pd

from ..model import BudgetDocument
from ..normalize import AMOUNT_DTYPE, fold

ZERO = Decimal("0")
# tables whose amount columns are not money in the table's unit (indicator values carry their own)
_OWN_UNITS = ("T12_indicators",)


def in_wan(doc: BudgetDocument) -> BudgetDocument:
    """The document with every table's amounts in 万元 (折算为万元), exact: what the analyses
    read, so that a document printed in 元 (Shanghai, Xi'an) or in 元 and 万元 table by table is
    reported in the same 万元 as a Beijing one, and shares across tables use one unit.

    The document itself keeps its printed values and units; the view is made once per document
    (a document all in 万元 is its own view). ``meta["printed_unit"]`` and each table's
    ``printed_unit`` keep what the document printed."""
    if doc.__dict__.get("_in_wan"):
        return doc
    view = doc.__dict__.get("_wan_view")
    if view is not None:
        return view
    from ..catalog import table_catalog

    per_wan = {fold(k): Decimal(str(v)) for k, v in table_catalog()["units"].items()}
    tables = {}
    for tid, t in doc.tables.items():
        factor = per_wan.get(fold(t.unit or ""), Decimal(1))
        if factor == 1 or tid in _OWN_UNITS:
            tables[tid] = t
            continue
        frames = []
        for frame in (t.data, t.total):
            frame = frame.copy()
            for col in frame.columns:
                if frame[col].dtype == AMOUNT_DTYPE:
                    frame[col] = pd.Series([None if v is None or pd.isna(v) else Decimal(v) / factor
                                            for v in frame[col]], index=frame.index, dtype=AMOUNT_DTYPE)
            frames.append(frame)
        tables[tid] = replace(t, data=frames[0], total=frames[1], unit="万元", decimals=dict(t.decimals))
        tables[tid].printed_unit = t.unit
    if all(tables[tid] is t for tid, t in doc.tables.items()):
        view = doc
    else:
        view = replace(doc, tables=tables, meta={**doc.meta, "unit": "万元", "printed_unit": doc.meta.get("unit")})
    view.__dict__["_in_wan"] = True
    doc.__dict__["_wan_view"] = view
    return view


def wan(func):
    """An analysis that reads its document in 万元 (``in_wan``)."""
    @functools.wraps(func)
    def wrapper(doc, *args, **kwargs):
        return func(in_wan(doc), *args, **kwargs)
    return wrapper


@dataclass
class Finding:
    """One answer to one question (一个分析结论): headline figures, rows, and their sources.

    ``figures`` holds the headline numbers: amounts as exact ``Decimal`` in 万元, shares as
    exact ``Decimal`` fractions (0.9876…, never pre-rounded), plus labels such as which table
    a number came from. ``frame`` holds the rows behind them. ``missing`` is None when the
    question could be answered, else why not: ``"absent"`` (the table is not in the document)
    or ``"empty"`` (the table is there with no rows, e.g. 本部门无政府采购预算). Nothing raises
    for a missing table: the narrative turns ``missing`` into a sentence.
    """

    kind: str
    figures: dict = field(default_factory=dict)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    tables: tuple[str, ...] = ()
    missing: str | None = None
    missing_table: str | None = None
    # column -> base key (see bases.BASES): what each share column of ``frame`` is a share of,
    # so a table header can name it.
    bases: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.missing is None

    def __getitem__(self, key):
        return self.figures[key]


def table_state(doc: BudgetDocument, table_id: str) -> str | None:
    """None when the table has detail rows, else "absent" or "empty"."""
    if table_id not in doc.tables:
        return "absent"
    return None if doc.has_rows(table_id) else "empty"


def nothing(kind: str, doc: BudgetDocument, table_id: str, **figures) -> Finding:
    """The Finding for a question whose table is absent or empty."""
    return Finding(kind, figures=figures, tables=(table_id,), missing=table_state(doc, table_id) or "empty",
                   missing_table=table_id)


def total_of(doc: BudgetDocument, table_id: str, column: str) -> Decimal | None:
    """The printed 合计 of a column, else the sum of the detail rows, else None.

    The printed total is preferred: it is what the department states, and detail rows can be
    incomplete (the sample's T03/T06 are)."""
    t = doc.tables.get(table_id)
    if t is None or column not in t.data:
        return None
    printed = t.printed_total(column)
    if printed is not None and not pd.isna(printed):
        return Decimal(printed)
    if t.data.empty:
        return None
    return detail_sum(t.data[column])


def detail_sum(values) -> Decimal:
    """Exact sum of amounts (Arrow decimals or Decimal objects); blanks count as zero."""
    return sum((Decimal(v) for v in values if v is not None and not pd.isna(v)), ZERO)


def share(part, whole) -> Decimal | None:
    """part / whole as an exact Decimal fraction; None when whole is missing or zero."""
    if part is None or whole is None or pd.isna(part) or pd.isna(whole) or Decimal(whole) == 0:
        return None
    return Decimal(part) / Decimal(whole)


def t01_line(doc: BudgetDocument, side: str, line_kind: str) -> Decimal | None:
    """An amount of the two-sided T01 (收支总表) by side and line kind, e.g. 本年支出合计 is
    ("expenditure", "current_total")."""
    if not doc.has_rows("T01"):
        return None
    t = doc["T01"]
    rows = t[(t["side"] == side) & (t["line_kind"] == line_kind)]
    return Decimal(rows["amount"].iloc[0]) if len(rows) else None


def pages_of(values) -> str:
    """The distinct pages of some rows, for a merged row's page column: '12', '12, 13'; ''
    when the source has no pages (a text file)."""
    pages = sorted({int(p) for p in values if p is not None and not pd.isna(p)})
    runs: list[list[int]] = []
    for p in pages:  # consecutive pages as a range: '21–26, 29'
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def amounts(values) -> pd.Series:
    """Money in 万元 at 6 decimals (exact to the fen) as the model's amount dtype."""
    return pd.Series([None if v is None else Decimal(v) for v in values], dtype=AMOUNT_DTYPE)
