"""Engine-independent assembly: a stream of Lines -> canonical tables.

Finds titles (by the catalogue, not by number), the unit line, header blocks (and the headers
repeated where pages broke), maps physical columns to catalogue columns by their header text,
and turns rows into tidy DataFrames with exact amounts and provenance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from ..catalog import (ColumnSpec, TableSpec, kind_by_signature, label_only, recognise_title, row_classification,
                       table_catalog)
from ..model import PROVENANCE, Problem, RawTable, Table
from ..normalize import (AMOUNT_DTYPE, ZERO, clean_text, fold, indicator_value, is_amount,
                         is_total_label, join_wrapped, parse_amount, printed_decimals, split_code_name,
                         with_decimals)
from ..normalize import printed_decimals_list
from .base import Line, ReadError
from .pdf_grid import merge_overlap

# "单位：万元", "金额单位：元", "（单位：万元）"; not "编制单位：…" or "预算单位：…"
_UNIT_RE = re.compile(r"(?:^|[^\u4e00-\u9fff]|金额)单位[:：]\s*([^\s)）]+)")
# a code opens a data row; a year (2024年“三公”经费预算数) opens a header
_CODE_START = re.compile(r"^\s*([0-9]{3,}(?![0-9]*\s*年)|[A-Z]\s*[-－])")
_YEAR_HEADING = re.compile(r"(?:19|20)\d\d年")  # a column group headed by a year alone
_ENUMERATED = re.compile(r"^\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*[、．]\s*\S")


_COLNUM_LABELS = {"栏次", "行次", "*", "**", "***", "栏", "次"}
_COLNUM = re.compile(r"\d{1,2}")
_PAGE_NUMBER = re.compile(r"\d{1,3}")


_OPERATOR_VALUE = re.compile(r"^(>=|<=|≥|≤|≧|≦|＞|＜|>|<|=|＝)\s*([-+]?[\d,]*\.?\d+)\s*(.*)$")
_OPERATOR_WORDS = {">=": "≥", "<=": "≤", "≧": "≥", "≦": "≤"}


def split_operator(value: str, unit: str) -> tuple[str, str, str]:
    """An indicator value printed with its operator and unit in one cell (">=2 次", "<=17 万元")
    -> (operator, value, unit); other values unchanged, with no operator."""
    m = _OPERATOR_VALUE.match(fold(value or ""))
    if not m:
        return "", value, unit
    return _OPERATOR_WORDS.get(m.group(1), m.group(1)), m.group(2), unit or m.group(3).strip().strip("()")


def drop_subtotal_blocks(projects: list[dict], with_indicators: set) -> list[dict]:
    """Project rows that are a budget unit's subtotal (Changsha: 单位编码 | unit name | 资金总额,
    no goal, no indicators, above its projects): a block with neither goal nor indicators whose
    amount covers the blocks under it, up to the next such row, is not a project (the unit's
    amount can be larger: the table need not list every project)."""
    def bare(p):
        return not p.get("goal") and p["project_no"] not in with_indicators and not p.get("pending")
    out = []
    for i, p in enumerate(projects):
        if bare(p):
            under = []
            for q in projects[i + 1:]:
                if bare(q):
                    break
                under.append(q)
            if under and sum((q["project_total"] or ZERO for q in under), ZERO) <= (p["project_total"] or ZERO):
                continue
        out.append(p)
    return out


# the dtype a text column ends with (pandas' str); see _typed_frame
_STR_DTYPE = pd.Series([], dtype=object).astype(str).dtype
_ARROW_STR = isinstance(_STR_DTYPE, pd.StringDtype) and _STR_DTYPE.storage == "pyarrow"


def _typed_frame(columns: dict[str, list], amounts=(), ints=()) -> pd.DataFrame | None:
    """A frame built column by column from its cells' Python values, each column typed once:
    ``amounts`` (Decimal or None) as AMOUNT_DTYPE, ``ints`` (int or None) as Int64, the others
    (str) as pandas' str. The frame ``DataFrame.from_records`` and a cast of each column give,
    at a fraction of the cost (issue 12). None when a value is of another type: the caller's
    general path decides."""
    typed = {}
    for c, vals in columns.items():
        # the types a column holds, each value's type taken in C (a test per value costs more)
        types = set(map(type, vals))
        if c in amounts:
            if not types <= {Decimal, type(None)}:
                return None
            # pyarrow's own conversion: what pd.array does for these values, without its checks
            typed[c] = pd.arrays.ArrowExtensionArray(pa.array(vals, type=AMOUNT_DTYPE.pyarrow_dtype))
        elif c in ints:
            if not types <= {int, type(None)}:
                return None
            typed[c] = _int_array(vals, np.int64)
        else:
            if not types <= {str}:
                return None
            typed[c] = _text_array(vals)
    return _frame(typed, len(next(iter(columns.values()), ())))


def _text_array(values: list[str]):
    """A pandas str column of str values: where pandas' str is Arrow-backed (pandas 3), the
    array pd.array builds, made from pyarrow directly without pd.array's per-value checks."""
    if _ARROW_STR:
        return pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string()), dtype=_STR_DTYPE)
    return pd.array(values, dtype=_STR_DTYPE)


def _all_zero(records: list[dict], amounts: list[str]) -> bool:
    """Is every amount of the records 0 or unread (NA), as the frame built from them says? Read
    off the records: a pandas comparison per column costs more than most tables' rows."""
    return all(v is None or v == 0 for r in records for v in (r.get(c, ZERO) for c in amounts))


def _decimals_frame(amounts: dict[str, list], n: int) -> pd.DataFrame:
    """The printed decimals (Int8) of each amount column, from its Decimal values: the frame
    ``printed_decimals`` of each column gives, built at once."""
    return _frame({c: _int_array(printed_decimals_list(vals), np.int8) for c, vals in amounts.items()}, n)


def _frame(arrays: dict[str, pd.api.extensions.ExtensionArray], n: int) -> pd.DataFrame:
    """``pd.DataFrame(arrays, index=pd.RangeIndex(n))``, built the way pandas' own from_records
    builds a frame from its columns, with the Index of column labels made once per set of
    labels: a DataFrame from a dict infers that Index (pandas' str) anew every time, which costs
    more than a small table's cells (issue 12). (``_from_arrays`` is pandas' own, private: a
    pandas without it gets the public constructor, the same frame more slowly.)"""
    if _FROM_ARRAYS is None:
        return pd.DataFrame(arrays, index=pd.RangeIndex(n))
    return _FROM_ARRAYS(list(arrays.values()), columns=_labels(tuple(arrays)), index=pd.RangeIndex(n))


_FROM_ARRAYS = getattr(pd.DataFrame, "_from_arrays", None)


@lru_cache(maxsize=None)
def _labels(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(list(names))


def _records_frame(records: list[dict], cols: list[str], amounts: tuple = (), ints: tuple = ()
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame of ``records`` (``cols`` in order) with ``amounts`` as AMOUNT_DTYPE and ``ints``
    as Int64, the other columns as ``from_records`` gives them; and the amounts' printed decimals
    (an Int8 frame, taken before the cast drops them)."""
    columns = {c: [r.get(c) for r in records] for c in cols}
    # no rows: from_records leaves the text columns object, which the general path keeps
    fast = _typed_frame(columns, amounts, ints) if records else None
    if fast is not None:
        return fast, _decimals_frame({c: columns[c] for c in amounts}, len(records))
    df = pd.DataFrame.from_records(records, columns=cols)
    decimals = pd.DataFrame({c: printed_decimals(df[c]) for c in amounts}, index=df.index)
    for c in amounts:
        df[c] = df[c].astype(AMOUNT_DTYPE)
    if ints:
        df[list(ints)] = df[list(ints)].astype("Int64")
    return df, decimals


def _int_array(values: list, dtype) -> pd.arrays.IntegerArray:
    """A nullable integer column (Int8, Int64) from ints and None/NA, built from its values and
    its mask (``pd.array`` infers and checks each value: several times slower, issue 12)."""
    if set(map(type, values)) <= {int}:                 # no value missing (page, line)
        return pd.arrays.IntegerArray(np.array(values, dtype), np.zeros(len(values), bool))
    mask = np.fromiter((v is None or v is pd.NA for v in values), bool, len(values))
    data = np.fromiter((0 if m else v for v, m in zip(values, mask)), dtype, len(values))
    return pd.arrays.IntegerArray(data, mask)


def is_column_numbers(cells: list[str]) -> bool:
    """A 栏次 row: column numbers 1 2 3 … (with ** or 栏次 in the label columns), not data."""
    nums, labels = [], 0
    for c in cells:
        f = fold(c)
        if f in _COLNUM_LABELS:
            labels += 1
        elif _COLNUM.fullmatch(f):
            nums.append(int(f))
        else:
            return False
    return len(nums) >= 2 and nums == list(range(nums[0], nums[0] + len(nums))) and nums[0] <= 1 \
        or (labels >= 1 and len(nums) >= 1 and nums == list(range(nums[0], nums[0] + len(nums))) and nums[0] <= 1)


@lru_cache(maxsize=None)
def _codes_by_name(kind: str) -> tuple[dict, dict, dict]:
    """The classification list (codes.csv) of one kind (function, dept_economic) by folded
    name: 类 codes by name, 款 codes by (类 code, name), 项 codes by (款 code, name). Made once:
    the list has thousands of rows, and tables printing names without codes ask for it."""
    from ..catalog import classification
    codes = classification()
    codes = codes[codes["kind"] == kind]
    classes = dict(zip(codes.loc[codes["level"] == "类", "name"].map(fold), codes.loc[codes["level"] == "类", "code"]))
    kuans = {(p, fold(n)): c for p, n, c in zip(codes["parent"], codes["name"], codes["code"]) if len(c) == 5}
    items = {(p, fold(n)): c for p, n, c in zip(codes["parent"], codes["name"], codes["code"]) if len(c) == 7}
    return classes, kuans, items


def _folded_cells(line: Line) -> tuple[str, ...]:
    return tuple(fold(c) for c in line.cells if c.strip())


def _prints_again(line: Line, key: tuple[str, ...] | None) -> bool:
    """Does the line print again the header line whose folded cells are ``key``? Its first
    cell is compared first: most lines asked are data rows, and folding all their cells costs
    more than the rest of splitting a table into blocks."""
    if not key:
        return key is not None and _folded_cells(line) == key
    first = next((c for c in line.cells if c.strip()), None)
    return first is not None and fold(first) == key[0] and _folded_cells(line) == key


def _only_cell(line: Line) -> str | None:
    """The line's one non-empty cell; None when it has none or several (it stops at the second:
    most lines asked are rows of many cells)."""
    found = None
    for c in line.cells:
        if c.strip():
            if found is not None:
                return None
            found = c
    return found


def _above_on_page(lines: list[Line], i: int) -> Iterator[int]:
    """The indices of the lines above ``lines[i]`` on its page, nearest first (a page's lines
    are consecutive: the scan stops at the page before)."""
    for k in range(i - 1, -1, -1):
        if lines[k].page != lines[i].page:
            return
        yield k


def realign(line: Line, header: list[Line]) -> Line:
    """A row gridded on its own (a lone 合计 row at the top of a continuation page) has other
    columns than the header: each cell goes to the header column nearest its x-centre."""
    xs = next((h.xs for h in reversed(header) if h.xs), None)
    if not xs or not line.xs or len(line.xs) != len(line.cells) or len(line.cells) == len(xs):
        return line
    cells = [""] * len(xs)
    for c, x in zip(line.cells, line.xs):
        if c.strip():
            k = min(range(len(xs)), key=lambda j: abs(xs[j] - x))
            if cells[k].strip():
                return line  # two cells for one column: not a re-gridding, leave it as read
            cells[k] = c
    return Line(cells, line.page, line.line, xs=list(xs))


@dataclass
class Segment:
    """The lines between one table title and the next."""

    table_id: str | None
    title: str
    is_final: bool
    first: Line
    unit: str | None = None
    unit_line: Line | None = None
    rows: list[Line] = field(default_factory=list)
    label: str = ""
    notes: list[str] = field(default_factory=list)
    core: str = ""
    closed: bool = False
    untitled: bool = False  # recognised by its header; its title, if printed after the body, is adopted
    title_unit: str | None = None  # a 金额单位 printed in the title (…总表（单位：万元）), if no unit line



@dataclass
class Assembled:
    tables: dict[str, Table]
    raw_tables: list[RawTable]
    warnings: list[str]
    preamble: list[Line]
    is_final: bool
    problems: list[Problem] = field(default_factory=list)


class TableError(ReadError):
    """A failure confined to one table: recorded as a Problem, the rest of the document loads."""

    def __init__(self, message: str, problem: Problem):
        super().__init__(message)
        self.problem = problem


class Assembler:
    """Holds the source name so every error can name the file, table, place and cell."""

    def __init__(self, source: str):
        self.source = source
        self.catalog = table_catalog()
        self.warnings: list[str] = []
        self.problems: list[Problem] = []
        self.incomplete: set[str] = set()  # table ids with a cell or row that could not be read
        self.headings: set[int] = set()  # lines that name a table but are not its title

    # -- errors -------------------------------------------------------------------------
    def problem(self, seg: Segment | None, line: Line | None, expected: str, column: str | None = None,
                raw: str | None = None, level: str = "cell") -> Problem:
        """Record a cell/row/table that could not be read; its table is marked incomplete."""
        table = None
        if seg is not None:
            table = f"{seg.table_id} {seg.title}" if seg.table_id else seg.title
            if seg.table_id and level != "table":
                self.incomplete.add(seg.table_id)
        p = Problem(self.source, table, line.page if line else None, line.line if line else None,
                    column, raw, expected, level)
        if level != "table":
            self.problems.append(p)
        return p

    def fail(self, seg: Segment | None, line: Line | None, what: str, todo: str) -> ReadError:
        """A failure of the whole table (truncated, no header): TableError, caught per table."""
        p = self.problem(seg, line, f"{what}; {todo}", level="table")
        return TableError(p.line(), p)

    # -- segmentation -------------------------------------------------------------------
    def segments(self, lines: Iterable[Line]) -> tuple[list[Segment], list[Line]]:
        rec = self.catalog["recognition"]
        lines = [l for l in lines if l.nonempty()]
        # a one-cell line printed at the top of three or more pages is a running header
        tops: dict[str, set] = {}
        for k, l in enumerate(lines):
            if (k == 0 or lines[k - 1].page != l.page) and len(l.nonempty()) == 1:
                tops.setdefault(fold(l.nonempty()[0]), set()).add(l.page)
        running = {t for t, pages in tops.items() if len(pages) >= 3}
        segs: list[Segment] = []
        preamble: list[Line] = []
        pending_label = ""
        note_at = -2  # index of the last note line (a note may wrap onto the next line)
        title_page = None  # the page of the last title line (a header under it is that table's)
        title_at = -99  # the index of the last title line
        for i, line in enumerate(lines):
            cells = line.nonempty()
            one = fold(cells[0]) if len(cells) == 1 else ""
            title = self.title_of(cells, lines, i)
            if title is None and segs and segs[-1].untitled and segs[-1].rows and segs[-1].rows[-1] is lines[i - 1] \
                    and lines[i - 1].page == line.page and len(cells) <= 2 \
                    and (under := recognise_title(" ".join(cells))) is not None and under.table_id == segs[-1].table_id:
                self.adopt_title(segs[-1], under)  # the title printed under the body it names
                continue
            if title is None and one and (one in running or any(r.search(one) for r in rec["furniture"]) or (
                    _PAGE_NUMBER.fullmatch(one) and (i + 1 == len(lines) or lines[i + 1].page != line.page))):
                continue  # a running header or a printed page number
            if title is not None:
                title_page, title_at = line.page, i
                tid = title.table_id
                # A title repeated on a continuation page continues the same table.
                if segs and ((tid is not None and segs[-1].table_id == tid)
                             or (tid is None and segs[-1].core == title.core)):
                    self.adopt_title(segs[-1], title)
                    continue
                segs.append(Segment(tid, title.printed, title.is_final, line,
                                    label=(pending_label + title.label), core=title.core,
                                    title_unit=self.title_unit(title.printed)))
                pending_label = ""
                continue
            if id(line) in self.headings:
                continue  # "四、财政拨款收支预算总表" over "2026 年度财政拨款收支预算总表"
            if line.page != title_page and self.untitled_start(lines, i):
                kind = self.signature([l for l in lines[i: i + 20] if l.page == line.page])
                unit_k = next((k for k in _above_on_page(lines, i) if self.unit_in(lines[k].nonempty()) is not None),
                              None)
                if kind and kind not in {s.table_id for s in segs} and not (segs and self.signature(segs[-1].rows) == kind):
                    # a table printed without a title (or with it after the body): its header names it
                    spec = self.catalog["tables"][kind]
                    segs.append(Segment(kind, spec.zh, any(s.is_final for s in segs), line, label=pending_label,
                                        untitled=True))
                    self.warnings.append(f"{self.source}: {line.where()}: no title before this header; "
                                         f"recognised as {spec.kind} by its columns and rows")
                    pending_label = ""
                elif segs and unit_k is not None \
                        and segs[-1].unit_line not in (None, lines[unit_k]) and not segs[-1].closed \
                        and i - title_at > self.catalog["recognition"]["confirm_within"] \
                        and not (segs[-1].table_id and self.repeats_header(segs[-1], lines, i)
                                 and not self.second_total(segs[-1], lines, i)
                                 and not self.other_classification(segs[-1], lines, i)):
                    # a unit line and a header on a page with no title: a new table, not a
                    # continuation of the one before, though its columns fit no single kind or
                    # those of a table read already. Not when the table before has no unit line
                    # of its own (Beijing prints a wide table's 金额单位 on its second page, over
                    # the columns continued there), when a title stands just before (at the foot
                    # of the page before), or when the header is the one of the table before,
                    # repeated (Shenzhen repeats unit line and header on continuation pages) --
                    # unless a second 合计 opens its rows, or its rows are of the other
                    # classification: a table of its own with the same header (Fuzhou's empty
                    # 政府性基金 table after its 一般公共预算支出表; Shenzhen's 表10 by economic
                    # class after its 表7 by function).
                    segs.append(Segment(None, "", any(s.is_final for s in segs), line, label=pending_label,
                                        untitled=True))
                    fits = (f"are those of a {self.catalog['tables'][kind].kind} read already" if kind
                            else "fit no single kind of table")
                    self.warnings.append(f"{self.source}: {line.where()}: no title before this header, and its "
                                         f"columns and rows {fits}; kept as raw rows")
                    pending_label = ""
                else:
                    unit_k = None
                if unit_k is not None:
                    segs[-1].unit, segs[-1].unit_line = self.unit_in(lines[unit_k].nonempty()), lines[unit_k]
            if one and label_only(one):
                pending_label = one  # 表1 on its own line above the title
                continue
            unit = self.unit_in(cells)
            if unit is not None and segs:
                if segs[-1].unit is None:
                    segs[-1].unit, segs[-1].unit_line = unit, line
                    continue
                if fold(unit) == fold(segs[-1].unit):
                    continue  # repeated under a repeated title
            if one and any(r.search(one) for r in rec["meta_lines"]):
                continue  # 部门名称：… between the title and the header
            if is_column_numbers(cells):
                continue  # 栏次 row: "** ** 1 2 3", "栏次 | 1 | 2"
            if (one and segs and segs[-1].notes and i == note_at + 1 and line.page == lines[note_at].page
                    and not segs[-1].notes[-1].endswith(("。", ".", "；", ";", "：", ":"))
                    and not is_amount(one) and not _CODE_START.match(one)):
                segs[-1].notes[-1] += clean_text(cells[0])  # the note wrapped onto this line ("…的支" / "出。")
                note_at = i
                continue
            if one and segs and any(r.search(one) for r in rec["notes"]):
                segs[-1].notes.append(clean_text(cells[0]))
                note_at = i
                continue
            if segs and segs[-1].closed:
                preamble.append(line)  # narrative after a table, before the next title
                continue
            if one and segs and segs[-1].rows and self.ends_table(segs[-1], one):
                segs[-1].closed = True
                preamble.append(line)
                continue
            (segs[-1].rows if segs else preamble).append(line)
        return segs, preamble

    def signature(self, rows: list[Line]) -> str | None:
        """The kind a table's header and first row labels name (tables.yaml ``signature``)."""
        head = []
        for line in rows[:4]:
            if self.looks_like_data(line) or is_column_numbers(line.nonempty()):
                break
            head.append(line)
        if not head:
            return None
        if sum(1 for l in rows[:8] for c in l.nonempty()[:3] if (t := recognise_title(c)) and t.table_id) >= 2:
            return None  # a list of tables (报表目录: 表1 | 部门综合预算收支总表 | 是否空表), not a table
        header = "/".join(fold(clean_text(c)) for l in head for c in l.nonempty())
        labels = "/".join(fold(clean_text(c)) for l in rows[len(head): len(head) + 15] if not self.is_note(l)
                          for c in l.nonempty() if not is_amount(c))
        return kind_by_signature(header, labels)

    def untitled_start(self, lines: list[Line], i: int) -> bool:
        """Does the line open the first header of its page (a table with no title above it)?"""
        if not self.header_start(lines[i]):
            return False
        # the first line of several cells on its page
        return not any(self.header_start(lines[k]) for k in _above_on_page(lines, i))

    def repeats_header(self, seg: Segment, lines: list[Line], i: int) -> bool:
        """Is the header that opens at ``lines[i]`` the segment's own header, printed again
        (every line of it, up to the first data row)?"""
        def block(rows):
            out = []
            for l in rows[:6]:
                if self.looks_like_data(l):
                    break
                out.append(tuple(fold(c) for c in l.cells if c.strip()))
            return out
        here = block([l for l in lines[i: i + 6] if l.page == lines[i].page])
        first = next((k for k, l in enumerate(seg.rows) if here and tuple(fold(c) for c in l.cells if c.strip()) == here[0]), None)
        return first is not None and block(seg.rows[first:]) == here

    def second_total(self, seg: Segment, lines: list[Line], i: int) -> bool:
        """Does the first row under the header opening at ``lines[i]`` read 合计 while the
        segment has printed its 合计 already (a new table, not a continuation page)?"""
        def first_label(rows):
            return next((c for l in rows if self.looks_like_data(l) or is_total_label(next(iter(l.nonempty()), ""))
                         for c in l.nonempty()[:1]), "")
        here = [l for l in lines[i: i + 8] if l.page == lines[i].page]
        return is_total_label(first_label(here)) and any(
            is_total_label(c) for l in seg.rows for c in l.nonempty()[:1])

    def other_classification(self, seg: Segment, lines: list[Line], i: int) -> bool:
        """Do the rows under the header opening at ``lines[i]`` print 类/款 names of one
        classification (function or economic) and the segment's rows only those of the other?"""
        def labels(rows):
            return "/".join(fold(clean_text(c)) for l in rows if self.looks_like_data(l)
                            for c in l.nonempty() if not is_amount(c))
        here = row_classification(labels([l for l in lines[i: i + 30] if l.page == lines[i].page]))
        before = row_classification(labels(seg.rows))
        return len(here) == 1 and len(before) == 1 and here != before

    @staticmethod
    def adopt_title(seg: Segment, title) -> None:
        """A table recognised by its header takes the title printed after its body (its words,
        label and final-accounts flag); a titled table keeps its own."""
        if seg.untitled:
            seg.title, seg.core, seg.untitled = title.printed, title.core, False
            seg.label = seg.label or title.label
            seg.is_final = seg.is_final or title.is_final

    def header_start(self, line: Line) -> bool:
        """Could the line open a table's header: several cells, not data, not a unit or
        编制单位 line (a two-cell top header row: 本年收入 | 本年支出, 项目 | 支出预算)."""
        cells = line.nonempty()
        if len(cells) < 2 or self.cells_look_like_data(cells):
            return False
        return len(cells) >= 3 or (self.unit_in(cells) is None and not any(
            r.search(fold(c)) for c in cells for r in self.catalog["recognition"]["meta_lines"]))

    def ends_table(self, seg: Segment, text: str) -> bool:
        """Narrative text or a section heading after a grid table's rows: the table is over."""
        spec = self.catalog["tables"].get(seg.table_id) if seg.table_id else None
        if spec is None or spec.layout not in ("grid", "two_sided"):
            return False
        if not any(len(l.nonempty()) >= 2 for l in seg.rows):
            return False  # nothing of the table yet (a title's own subtitle lines)
        return any(r.search(text) for r in self.catalog["recognition"]["table_end"])

    def unit_in(self, cells: list[str]) -> str | None:
        """The unit a short line states ("单位：万元", "编制单位：… | 单位：元"), or None."""
        if len(cells) > 3:
            return None
        for c in cells:
            if (m := _UNIT_RE.search(clean_text(c))) and self.catalog["recognition"]["unit_word"].search(m.group(1)):
                return m.group(1)
        return None

    def title_of(self, cells: list[str], lines: list[Line], i: int):
        """The title a line prints, if it is one. A title without a Beijing-style label must be
        followed soon by a unit line or a header: contents pages and narrative headings that name
        a table are not followed by either."""
        if len(cells) > 2:
            return None
        title = recognise_title(cells[0])
        if title is None and len(cells) == 2 and self.unit_in(cells[1:]) is None:
            title = recognise_title(" ".join(cells))
        if title is None and len(cells) == 1 and i + 1 < len(lines) and len(nxt := lines[i + 1].nonempty()) == 1 \
                and lines[i + 1].page == lines[i].page and recognise_title(nxt[0]) is None:
            # a title wrapped onto a second line ("…（按支出功能分类科" / "目-不含上年结转）")
            title = recognise_title(cells[0] + nxt[0])
            if title is not None:
                self.headings.add(id(lines[i + 1]))
        if title is None or title.labelled:
            return title
        within = self.catalog["recognition"]["confirm_within"]
        for nxt in lines[i + 1: i + 1 + within]:
            ncells = nxt.nonempty()
            if any(recognise_title(c) is not None for c in ncells[:3]):
                # a list of titles (a table of contents, perhaps with 是否空表 columns), or a
                # section heading over its title
                self.headings.add(id(lines[i]))
                return None
            if len(ncells) >= 3 or self.unit_in(ncells) is not None:
                return title
        return None

    # -- header / column mapping ----------------------------------------------------------
    @staticmethod
    def header_paths(header: list[Line], ncols: int) -> list[str]:
        """Each column's header cells top to bottom; a merged parent is carried right over the
        columns it spans (only in the upper rows: the bottom row names leaves)."""
        paths: list[list[str]] = [[] for _ in range(ncols)]
        for depth, line in enumerate(header):
            carried, parent = "", None
            last = depth == len(header) - 1
            for j in range(ncols):
                text = fold(clean_text(line.cells[j])) if j < len(line.cells) else ""
                if text:
                    carried, parent = text, list(paths[j])
                elif not last and paths[j] == parent:
                    # a merged cell spans right only under its own parent: 上年 | 当年 groups
                    # side by side each restart their sub-headers
                    text = carried
                if text and (not paths[j] or paths[j][-1] != text):
                    paths[j].append(text)
        return ["/".join(p) for p in paths]

    def year_groups(self, paths: list[str]) -> list[str]:
        """Column groups headed by a year alone (2020年 | 2021年 | 增减变化情况): the latest year's
        heading read as 当年, earlier years' as 上年 (catalogue recognition.year_groups), the words
        the 上年 | 当年 layout prints. One year alone is no comparison: left as printed."""
        words = self.catalog["recognition"].get("year_groups") or {}
        years = {int(p[:4]) for path in paths for p in path.split("/") if _YEAR_HEADING.fullmatch(p)}
        if len(years) < 2 or not words:
            return paths
        latest = max(years)
        return ["/".join((words["latest"] if int(p[:4]) == latest else words["earlier"])
                         if _YEAR_HEADING.fullmatch(p) else p for p in path.split("/")) for path in paths]

    def map_columns(self, seg: Segment, header: list[Line], specs: tuple[ColumnSpec, ...],
                    partial: bool = False) -> dict[int, ColumnSpec]:
        # up to the last column with a header of its own: a merged parent is not carried into
        # the empty columns a sheet or a page has beyond the table
        ncols = 1 + max((j for h in header for j, c in enumerate(h.cells) if c.strip()), default=-1)
        paths = self.year_groups(self.header_paths(header, ncols))
        mapping: dict[int, ColumnSpec] = {}
        taken: set[str] = set()
        scored = []
        for j, path in enumerate(paths):
            for spec in specs:
                s = spec.specificity(path)
                if s:
                    scored.append((s, -j, j, spec))
        # Most specific first, so '项目支出/扣除基建…' claims its spec before plain '项目支出'.
        for s, _, j, spec in sorted(scored, key=lambda x: (-x[0], -x[1])):
            if j in mapping or spec.name in taken:
                continue
            mapping[j] = spec
            taken.add(spec.name)
        if not partial:
            self.require(seg, header[0], specs, taken)
        return mapping

    def require(self, seg: Segment, line: Line, specs: tuple[ColumnSpec, ...], taken) -> None:
        # required: true -> this column; required: <group> -> any column of that group
        groups = {s.required for s in specs if isinstance(s.required, str) and s.name in taken}
        missing = [s for s in specs if s.required and s.name not in taken
                   and not (isinstance(s.required, str) and s.required in groups)]
        seen: set = set()
        missing = [s for s in missing if not (isinstance(s.required, str) and (s.required in seen or seen.add(s.required)))]
        if missing:
            names = ", ".join(s.zh for s in missing)
            raise self.fail(seg, line, f"header has no column {names} (the table looks truncated "
                            "or its header is not one the catalogue knows)",
                            "check the table is complete, or add the header variant to catalog/tables.yaml")

    # -- rows -----------------------------------------------------------------------------
    @staticmethod
    def looks_like_data(line: Line, level1: tuple[str, ...] = ()) -> bool:
        return Assembler.cells_look_like_data(line.nonempty(), level1)

    @staticmethod
    def cells_look_like_data(cells: list[str], level1: tuple[str, ...] = ()) -> bool:
        """``looks_like_data`` of a line's non-empty cells (for a caller that has them already)."""
        if not cells:
            return False
        if any(is_amount(c) for c in cells):
            return True
        if is_total_label(cells[0]) and len(cells) == 1:  # the 合计 row of an empty table
            return True
        if _CODE_START.match(cells[0]):
            return True
        if any(_ENUMERATED.match(c) for c in cells):
            return True  # "22、其他支出": an enumerated item line, even with no amount
        return bool(level1) and any(fold(c) in level1 for c in cells)

    @staticmethod
    def header_like(line: Line, specs: tuple[ColumnSpec, ...]) -> bool:
        """Does the row name a catalogue column (so it is a header, not a wrapped text row)?"""
        cells = {fold(clean_text(c)) for c in line.cells if c.strip()}
        return any(t and t in c for c in cells for s in specs for t in s.words)

    def blocks(self, seg: Segment, level1: tuple[str, ...] = (), specs: tuple[ColumnSpec, ...] = ()
               ) -> list[tuple[list[Line], list[Line]]]:
        """Split a segment's rows into (header rows, data rows) blocks. A header repeated where a
        page broke opens a new block, and so does a different header at the top of a new page
        (a table too wide for one page continues its columns there)."""
        out: list[tuple[list[Line], list[Line]]] = []
        header: list[Line] = []
        data: list[Line] = []
        first_header_key = None
        for line in seg.rows:
            new_page = bool(data) and line.page is not None and line.page != data[-1].page
            if data and (_prints_again(line, first_header_key) or (
                    new_page and specs and not self.looks_like_data(line, level1)
                    and self.header_like(line, specs))):
                out.append((header, data))
                header, data = [line], []
                continue
            if self.is_note(line):
                continue  # the table's note (see notes), never a row
            if not data and not self.looks_like_data(line, level1):
                header.append(line)
                if first_header_key is None:
                    first_header_key = _folded_cells(line)
                continue
            data.append(line)
        if header or data:
            out.append((header, data))
        return out

    def is_note(self, line: Line) -> bool:
        """Is the line a note printed with the table (注：本部门无相关内容。, 本表无数据, …)? Its
        only text matches one of the catalogue's ``note_patterns`` or, with a 注：/说明： prefix,
        ``recognition.notes`` (those segments() has already set aside)."""
        only = _only_cell(line)
        if only is None:
            return False
        text = fold(clean_text(only))
        return any(p.search(text) for p in (*self.catalog["note_patterns"], *self.catalog["recognition"]["notes"]))

    def notes(self, seg: Segment) -> str | None:
        """The table's note (Table.note): its note lines joined, or None. Notes are never rows."""
        found = seg.notes + [clean_text(line.nonempty()[0]) for line in seg.rows if self.is_note(line)]
        return "; ".join(found) or None

    def amount(self, seg: Segment, line: Line, spec: ColumnSpec, cell: str) -> Decimal | None:
        """The cell's exact amount; None (NA, never a guess) and a Problem if it is not one."""
        try:
            return parse_amount(clean_text(cell))
        except ValueError:
            # a number wrapped inside a narrow cell ("576,171.1" over "1")
            joined = re.sub(r"\s+", "", cell)
            if joined != cell.strip() and is_amount(joined):
                return parse_amount(joined)
            self.problem(seg, line, "is not an amount (amounts look like 1,234.567890; blank or - means 0); "
                         "the cell is left empty (NA): check it against the page",
                         column=spec.zh, raw=clean_text(cell))
            return None

    def convert(self, seg: Segment, line: Line, spec: ColumnSpec, cell: str) -> dict:
        if spec.kind == "amount":
            return {spec.into or spec.name: self.amount(seg, line, spec, cell)}
        if spec.kind == "code_part":
            return {}  # joined with its siblings in join_parts
        if spec.kind == "code":
            return {spec.into or spec.name: fold(clean_text(cell))}
        if spec.kind == "code_name":
            code, name = split_code_name(cell)
            if not code and spec.code_prefix and (m := re.match(spec.code_prefix, name)) and m.end() < len(name):
                code, name = m.group(0), name[m.end():].strip()
            return dict(zip(spec.fields, (code, name)))
        if spec.kind == "code":
            return {spec.name: fold(clean_text(cell))}
        if spec.kind == "name":
            return {spec.name: join_wrapped(cell)}
        return {spec.name: clean_text(cell)}

    @staticmethod
    def frame(records: list[dict], specs: tuple[ColumnSpec, ...]) -> pd.DataFrame:
        cols = list(dict.fromkeys(o for s in specs for o in s.outputs)) + PROVENANCE
        amounts = list(dict.fromkeys(s.into or s.name for s in specs if s.kind == "amount"))
        # a column the table does not print is 0; a cell that could not be read (None) stays NA
        if not any(o in amounts for s in specs if s.kind != "amount" for o in s.outputs):
            columns: dict[str, list] = {}
            for c in cols:
                if c in amounts:
                    columns[c] = [r.get(c, ZERO) for r in records]
                elif c in PROVENANCE:
                    columns[c] = [r.get(c) for r in records]
                else:
                    columns[c] = ["" if r.get(c) is None else r[c] for r in records]
            fast = _typed_frame(columns, amounts, PROVENANCE)
            if fast is not None:
                decimals = _decimals_frame({s.name: columns[s.name] for s in specs if s.kind == "amount"},
                                           len(records))
                return with_decimals(fast, decimals)
        records = [{**dict.fromkeys(amounts, ZERO), **r} for r in records]
        df = pd.DataFrame.from_records(records, columns=cols)
        # decimals as printed (parse_amount keeps the exponent), before the cast drops them
        decimals = pd.DataFrame({s.name: printed_decimals(df[s.name]) for s in specs if s.kind == "amount"},
                                index=df.index)
        for s in specs:
            if s.kind == "amount":
                o = s.into or s.name
                df[o] = pd.array(df[o].tolist(), dtype=AMOUNT_DTYPE)
            else:
                for o in s.outputs:
                    df[o] = df[o].astype(object).fillna("").astype(str)
        df["page"] = df["page"].astype("Int64")
        df["line"] = df["line"].astype("Int64")
        return with_decimals(df, decimals)

    def title_unit(self, title: str) -> str | None:
        """The 金额单位 a title prints in its qualifier: …总表（单位：万元）, …表（万元）."""
        m = self.catalog["recognition"]["title_unit"].search(fold(title))
        return m.group(1) if m else None

    def unit_of(self, seg: Segment, default: str | None) -> str | None:
        if seg.unit is None:
            return seg.title_unit or default
        unit = fold(seg.unit).rstrip(")")
        if unit not in self.catalog["units"]:
            self.problem(seg, seg.unit_line, f"unknown 金额单位; budgetlib knows {', '.join(self.catalog['units'])}: "
                         "the table's amounts have no unit; convert the table or add the unit to catalog/tables.yaml",
                         column="金额单位", raw=seg.unit, level="row")
            return None
        return unit

    # -- layouts ----------------------------------------------------------------------------
    def grid(self, seg: Segment, spec: TableSpec, unit: str | None) -> Table:
        specs = spec.columns
        records, totals, headers = [], [], {}
        code_ctx: dict = {}
        units: list[dict] = []  # per-unit subtotal rows (预算单位 with amounts, no code)
        carried: dict = {}  # a subtotal row's value carried onto the items below (ColumnSpec.carry)
        block_unit: dict = {}  # the budget unit whose block the rows are in (ColumnSpec.unit_digits)
        blocks = self.blocks(seg, specs=specs)
        if not blocks or not blocks[0][0]:
            raise self.fail(seg, seg.first, "no header rows after the title (the table looks truncated)",
                            "check the file is complete")
        groups = self.panel_groups(blocks, specs)
        blocks = [self.split_panels(seg, header, data, groups, specs) for header, data in blocks]
        mapped = [(header, data, self.map_columns(seg, header, specs, partial=True)) for header, data in blocks]
        mapped = self.stitch_wide(seg, specs, mapped)
        mapped = [(header, [realign(line, header) for line in data], mapping) for header, data, mapping in mapped]
        if spec.row_items and not {"total", "overseas_travel"} & {s.name for _, _, m in mapped for s in m.values()}:
            return self.item_rows(seg, spec, unit, blocks)
        if any(is_amount(c) and parse_amount(c) != 0 for _, d, _ in mapped for l in d for c in l.cells):
            # a table printed with no amount at all (only 合计, or a note), or with 0.00 in every
            # cell (Xi'an 2021 表9 政府性基金收支表, 收入|支出 blocks), is empty, whatever its columns
            self.require(seg, blocks[0][0][0], specs, {s.name for _, _, m in mapped for s in m.values()})
        for header, data, mapping in mapped:
            headers.update({s.name: s.zh for s in mapping.values()})
            width = 1 + max(mapping, default=-1)
            for line in data:
                line = self.widen_total(line, width)
                rec: dict = {"page": line.page, "line": line.line}
                parts: dict = {}
                for j, cs in mapping.items():
                    cell = line.cells[j] if j < len(line.cells) else ""
                    if cs.kind == "code_part":
                        parts.setdefault(cs.into, {})[cs.part] = fold(clean_text(cell))
                    for k, v in self.convert(seg, line, cs, cell).items():
                        if v != "" or k not in rec:  # a code column and a code in the name both feed *_code
                            rec[k] = v
                for out, p in parts.items():
                    code = self.join_parts(p, code_ctx.setdefault(out, {}))
                    if code and not rec.get(out):
                        rec[out] = code
                if self.unit_block(rec, mapping, code_ctx, block_unit):
                    units.append(rec)  # a unit's block head: a subtotal, kept with the totals
                    continue
                stray = [c for j, c in enumerate(line.cells) if c.strip() and j not in mapping]
                if stray:
                    self.warnings.append(f"{self.source}: {spec.id} {line.where()}: text outside the known "
                                         f"columns ignored: {' | '.join(clean_text(c) for c in stray)[:80]}")
                is_total = any(is_total_label(c) for c in line.cells[:3] if c.strip()) or any(
                    is_total_label(str(rec.get(o, ""))) for cs in mapping.values() if cs.kind in ("name", "code_name")
                    for o in cs.outputs)
                keys = [o for cs in mapping.values() if cs.kind not in ("amount", "code_part") for o in cs.outputs]
                # a row of amounts with no label at all is the 合计 row printed without its label
                if keys and not any(rec.get(k) for k in keys):
                    is_total = True
                if not is_total and rec.get("unit_name") and len(keys) > 1 \
                        and not any(rec.get(k) for k in keys if k != "unit_name"):
                    # a budget unit's subtotal row; the rows under it keep its name
                    units.append(rec)
                    continue
                if not is_total and spec.detail_key and not rec.get(spec.detail_key):
                    # a subtotal (a category's, a unit's): its items follow; only a value to carry
                    carried.update({cs.name: rec[cs.name] for cs in specs
                                    if cs.carry and rec.get(cs.name) in cs.carry})
                    continue
                for name, value in carried.items():
                    rec[name] = rec.get(name) or value
                if "unit_name" in keys and not rec.get("unit_name") and units:
                    rec["unit_name"] = units[-1]["unit_name"]
                (totals if is_total else records).append(rec)
        if any(r.get("year") for r in records):
            # rows by year (Shenzhen 三公: 2025, 2026, 增减变化金额): the latest year first
            def year_of(r):
                m = re.search(r"(20\d\d)", r.get("year", ""))
                return -int(m.group(1)) if m else 0
            records.sort(key=year_of)
        if seg.is_final and any("决算" in r.get("basis", "") for r in records):
            records.sort(key=lambda r: "决算" not in r.get("basis", ""))  # the 决算数 row first
        for kind in ("function", "dept_economic"):
            if any(f"{kind}_name" in cs.outputs for cs in specs):
                records, agg = self.resolve_names(seg, records, kind)
                totals = totals + agg
        # printed 合计 first, then the budget units' rows, then the 类/款 aggregates
        records, totals = self.split_hierarchy(specs, records, totals + units)
        printed = {cs.name for _, _, m in mapped for cs in m.values()}
        if block_unit:
            printed.add("unit_name")  # no 预算单位 column, but the code column heads units' blocks
        specs = tuple(cs for cs in specs if not cs.when_printed or cs.name in printed)
        data_df, total_df = self.frame(records, specs), self.frame(totals, specs)
        printed_columns = {o for cs in specs for o in cs.outputs}   # the frames' columns (a set: issue 12)
        amounts = [c for c in spec.amount_columns if c in printed_columns]
        empty = _all_zero(records, amounts) and _all_zero(totals, amounts)
        if spec.total_row and len(data_df) and total_df.empty and not empty:
            self.problem(seg, seg.rows[-1], "detail rows but no 合计 row (the table looks truncated); "
                         "check the file is complete", level="row")
        return Table(spec.id, seg.title, unit, data_df, total_df, headers, empty, self.notes(seg))

    @staticmethod
    def widen_total(line: Line, width: int) -> Line:
        """A 合计 row alone on a page whose grid is narrower than the header's (合计 | 189,767,551
        | 101,341,746 | 88,425,805 with no code columns): its amounts are the table's last columns."""
        cells = [c for c in line.cells if c.strip()]
        if len(line.cells) >= width or not cells or not is_total_label(cells[0]) \
                or not all(is_amount(c) for c in cells[1:]):
            return line
        return replace(line, cells=[cells[0]] + [""] * (width - len(cells)) + cells[1:])

    def panel_width(self, header: list[Line]) -> tuple[int, int] | None:
        """(panel width, columns) when the header repeats itself across the page (决算 基本支出:
        编码 | 名称 | 决算数 printed two or three times), else None."""
        ncols = 1 + max((j for h in header for j, c in enumerate(h.cells) if c.strip()), default=-1)
        paths = self.header_paths(header, ncols) if header else []
        width = next((p for p in range(2, ncols // 2 + 1) if ncols % p == 0 and paths[0]
                      and all(paths[k] == paths[k % p] for k in range(ncols))), None)
        return (width, ncols) if width else None

    def panel_groups(self, blocks, specs: tuple[ColumnSpec, ...]) -> dict[int, tuple[str, str]]:
        """The column each panel's amounts belong to, from the panels' closing subtotals
        (人员经费合计 under the first panel, 公用经费合计 under the last: the 决算 基本支出表 splits
        人员经费 | 公用经费 by panel, not by column): {panel: (column name, subtotal label)}. A
        panel without a subtotal of its own is part of the group closed by the next subtotal to
        its right (the 公用经费 classes 302 and 310 side by side, one 公用经费合计 under the
        last). {} when the subtotals do not name an amount column for every panel, or name only
        one (the panels are then one list, with no split)."""
        amount_specs = [cs for cs in specs if cs.kind == "amount" and cs.name != "total"]
        named: dict[int, tuple[str, str]] = {}
        npanels = 0
        for header, data in blocks:
            shape = self.panel_width(header)
            if not shape:
                continue
            width, ncols = shape
            npanels = max(npanels, ncols // width)
            for line in data:
                for i in range(ncols // width):
                    cells = line.cells[i * width:(i + 1) * width]
                    label = fold(clean_text(next((c for c in cells if c.strip()), "")))
                    if not label.endswith("合计") or is_total_label(label):
                        continue
                    score, best = max(((cs.specificity(label), cs) for cs in amount_specs),
                                      key=lambda x: x[0], default=(0, None))
                    if score:
                        named[i] = (best.name, label.removesuffix("合计"))
        groups: dict[int, tuple[str, str]] = {}
        for i in reversed(range(npanels)):
            if g := named.get(i) or groups.get(i + 1):
                groups[i] = g
        if len(groups) != npanels or len({g[0] for g in groups.values()}) < 2:
            return {}
        return groups

    def split_panels(self, seg: Segment, header: list[Line], data: list[Line],
                     groups: dict[int, tuple[str, str]] | None = None,
                     specs: tuple[ColumnSpec, ...] = ()) -> tuple[list[Line], list[Line]]:
        """Side-by-side panels (决算 基本支出: 编码 | 名称 | 决算数 printed two or three times
        across the page): one list, the left panel's rows first. A panel's closing subtotal
        (人员经费合计 | 公用经费合计) is not a row of the list; it is kept in the table's note.
        With ``groups`` (``panel_groups``) each row also carries its amount under its panel's
        column (人员经费 or 公用经费), and the subtotals make the table's 合计 row: each is its
        column's 合计, their sum the 合计 (基本支出) the table does not print."""
        shape = self.panel_width(header)
        if not shape:
            return header, data
        width, ncols = shape
        head = [Line(h.cells[:width], h.page, h.line) for h in header]
        # the panel's amount column: the one its header maps to the table's 合计 (决算数)
        amount_at = next((j for j, cs in self.map_columns(seg, head, specs, partial=True).items()
                          if cs.name == "total"), None) if groups else None
        split = bool(groups) and amount_at is not None and len(groups) == ncols // width
        cols = list({name: (name, label) for name, label in groups.values()}.values()) if split else []
        subtotals: dict[str, str] = {}
        where = None
        rows = []
        for i in range(ncols // width):
            for line in data:
                cells = line.cells[i * width:(i + 1) * width]
                cells += [""] * (width - len(cells))
                label = fold(clean_text(next((c for c in cells if c.strip()), "")))
                if not label:
                    continue
                if label.endswith("合计") and not is_total_label(label):
                    seg.notes.append(" ".join(clean_text(c) for c in cells if c.strip()))
                    if split:
                        subtotals[groups[i][0]] = cells[amount_at]
                        where = where or line
                    continue
                if split:
                    cells = cells + [cells[amount_at] if name == groups[i][0] else "" for name, _ in cols]
                rows.append(Line(cells, line.page, line.line))
        if split:
            head = [Line(h.cells + [""] * (width - len(h.cells)) + [label for _, label in cols], h.page, h.line)
                    for h in head]
            if where is not None:
                rows.append(self.panel_total(width, amount_at, cols, subtotals, where))
        return head, rows

    @staticmethod
    def panel_total(width: int, amount_at: int, cols: list[tuple[str, str]], subtotals: dict[str, str],
                    where: Line) -> Line:
        """The 合计 row of a table split by panels: each subtotal under its column, and their
        sum (exact, with the decimals printed) under the panel's amount column."""
        printed = [subtotals.get(name, "") for name, _ in cols]
        try:
            total = str(sum((parse_amount(v) for v in printed), ZERO)) if any(v.strip() for v in printed) else ""
        except ValueError:
            total = ""                # an unreadable subtotal: its own cell says so when converted
        cells = ["合计"] + [""] * (width - 1)
        cells[amount_at] = total
        return Line(cells + printed, where.page, where.line)

    _ITEM_PREFIX = re.compile(r"^(其中[:：]?)?(\([一二三四五六七八九十\d]{1,2}\)|[一二三四五六七八九十\d]{1,2}[、.．])?")

    def item_rows(self, seg: Segment, spec: TableSpec, unit: str | None, blocks) -> Table:
        """A table whose items are printed as rows (项目 | 合计): each row's label is matched
        against the columns' words, its amount read from the 决算数/合计/预算数 column."""
        header = blocks[0][0]
        data = [l for _, d in blocks for l in d]
        ncols = max(len(l.cells) for l in header + data)
        paths = self.header_paths(header, ncols)
        col = next((j for words in (("决算数",), ("合计", "预算数", "金额", "小计", "预算"))
                    for j, p in enumerate(paths) if any(w in p for w in words)), None)
        amount_specs = [c for c in spec.columns if c.kind == "amount"]
        rec: dict = {}
        where = None
        for line in data:
            cells = line.cells
            lj = next((j for j, c in enumerate(cells) if c.strip() and not is_amount(c)), None)
            if lj is None:
                continue
            label = self._ITEM_PREFIX.sub("", re.sub(r"[“”\"‘’']", "", fold(clean_text(cells[lj]))))
            j = col if col is not None and col > lj else next(
                (k for k in range(lj + 1, len(cells)) if cells[k].strip()), None)
            if j is None or j >= len(cells):
                continue
            if is_total_label(label):
                best = next(c for c in amount_specs if c.name == "total")
            else:
                scored = [(c.specificity(label), c) for c in amount_specs]
                score, best = max(scored, key=lambda x: x[0])
                if not score:
                    continue
            if best.name in rec:
                continue
            rec[best.name] = self.amount(seg, line, best, cells[j])
            where = where or line
        if not rec:
            raise self.fail(seg, seg.first, "neither the header nor the rows name the table's items",
                            "check the table, or add the header variant to catalog/tables.yaml")
        rec.update(page=where.page, line=where.line)
        df = self.frame([rec], spec.columns)
        headers = {c.name: c.zh for c in amount_specs if c.name in rec}
        empty = all(v == 0 for k, v in rec.items() if k not in PROVENANCE)
        return Table(spec.id, seg.title, unit, df, df.iloc[0:0], headers, empty, None)

    def stitch_wide(self, seg: Segment, specs, mapped: list) -> list:
        """A table too wide for its page prints its remaining columns on the next page, with
        the same number of rows. Such blocks (whose columns are all new) are joined side by
        side, headers included, and mapped again: the continued header's parents (本年收入)
        then carry over the page break."""
        out: list = []
        for header, data, mapping in mapped:
            prev = out[-1] if out else None
            if (prev is not None and mapping and not {s.name for s in mapping.values()}
                    & {s.name for s in prev[2].values()} and len(data) == len(prev[1])):
                width = max(len(l.cells) for l in prev[0] + prev[1])
                pad = lambda l: l.cells + [""] * (width - len(l.cells))  # noqa: E731
                depth = max(len(prev[0]), len(header))
                top_a = [None] * (depth - len(prev[0])) + prev[0]
                top_b = [None] * (depth - len(header)) + header
                joined_header = [Line((pad(a) if a else [""] * width) + (b.cells if b else []),
                                      (a or b).page, (a or b).line) for a, b in zip(top_a, top_b)]
                joined = [Line(pad(a) + b.cells, a.page, a.line) for a, b in zip(prev[1], data)]
                out[-1] = (joined_header, joined, self.map_columns(seg, joined_header, specs, partial=True))
                continue
            out.append((header, data, mapping))
        return out

    def resolve_names(self, seg: Segment, records: list[dict], kind: str) -> tuple[list[dict], list[dict]]:
        """Names only, no codes (Hangzhou): a row named like a 类, or like a 款 of the 类 above it,
        gets that code from the classification list (the only reading of the name), and is an
        aggregate when the rows under it are deeper; the 项 rows get theirs when every one is named
        in the list under its 款, else they keep their name alone."""
        field, code_field = f"{kind}_name", f"{kind}_code"
        if not records or any(r.get(code_field) for r in records) or not any(r.get(field) for r in records):
            return records, []
        classes, kuans, items = _codes_by_name(kind)
        levels, current, kuan, prev, found = [], None, None, None, {}
        for r in records:
            name = fold(r.get(field, ""))
            # a 类 is followed by a 款, whatever its name; a name printed twice in a row is a parent
            # and its namesake child (其他一般公共服务支出: 款 20199, then 项 2019999)
            after = levels[-1] if levels else 0
            if after != 1 and name in classes and classes[name] != prev:
                current, kuan, lv = classes[name], None, 1
                prev = r[code_field] = current
            elif after == 1 or (current and (current, name) in kuans and kuans[(current, name)] != prev
                                and (kuan, name) not in items):
                # (a 项 listed under the 款 above is that 项, even when a 款 has its name:
                # 公路水路运输 under 超长期特别国债安排的支出 is 2149801, not the 款 21401)
                lv, kuan = 2, kuans.get((current, name))
                prev = kuan
                if kuan:
                    r[code_field] = kuan
            else:
                lv, prev = 3, None
                found[id(r)] = items.get((kuan, name)) if kuan else None
            levels.append(lv)
        if found and all(found.values()):
            # every 项 named under its 款 in the list: their codes (only all or none, so that a 类
            # is never summed from some of its rows)
            for r in records:
                if id(r) in found:
                    r[code_field] = found[id(r)]
        agg = [r for k, r in enumerate(records) if k + 1 < len(records) and levels[k + 1] > levels[k]]
        if agg:
            items_done = "get theirs under their 款" if found and all(found.values()) else "keep their names alone"
            self.warnings.append(f"{self.source}: {seg.table_id} prints names without codes: 类/款 codes "
                                 f"resolved from the names where unambiguous; 项 rows {items_done}")
        keep = [r for r in records if not any(r is a for a in agg)]
        return keep, agg

    @staticmethod
    def unit_block(rec: dict, mapping: dict, code_ctx: dict, block_unit: dict) -> bool:
        """Budget units' blocks in a code column (ColumnSpec.unit_digits) and 2-digit 款 codes
        under their 类 (parent_digits). True when `rec` heads a unit's block; every other row
        takes the unit of the block it is in."""
        head = False
        for cs in mapping.values():
            if cs.kind != "code" or not (cs.unit_digits or cs.parent_digits):
                continue
            out = cs.into or cs.name
            code, name_key, ctx = rec.get(out, ""), out.replace("_code", "_name"), code_ctx.setdefault(out + "#", {})
            if code.isdigit() and len(code) in cs.unit_digits:
                block_unit.clear()
                block_unit.update(unit_code=code, unit_name=rec.get(name_key, ""))
                rec[out], rec[name_key], head = "", "", True
                ctx.clear()
            elif cs.parent_digits and code.isdigit():
                if len(code) == 3:
                    ctx["class"] = code
                elif len(code) == 2 and ctx.get("class"):
                    rec[out] = ctx["class"] + code
        for k, v in block_unit.items():
            rec[k] = rec.get(k) or v
        return head

    @staticmethod
    def join_parts(parts: dict, ctx: dict) -> str:
        """A code split into 类|款|项 columns, with or without the parent digits ("201 08 01" or
        "201" / "08" / "01" on separate rows): the full code, parents taken from the rows above."""
        cls, kuan, item = parts.get(1, ""), parts.get(2, ""), parts.get(3, "")
        # a 款/项 printed from a number cell loses its leading zero (301 | 2 津贴补贴 is 30102)
        kuan, item = (p.zfill(2) if p.isdigit() and len(p) == 1 else p for p in (kuan, item))
        if cls:
            ctx["1"] = cls if len(cls) <= 3 else cls[:3]
            ctx.pop("2", None)
        if kuan:
            ctx["2"] = kuan if len(kuan) >= 5 else ctx.get("1", "") + kuan
        if item:
            return item if len(item) >= 7 else ctx.get("2", "") + item
        if kuan:
            return ctx["2"]
        return cls

    @staticmethod
    def split_hierarchy(specs, records: list[dict], totals: list[dict]) -> tuple[list[dict], list[dict]]:
        """Rows whose hierarchical code (单位编码 015) prefixes another row's (015001) are
        aggregates: they go with the totals, so the detail rows can be summed. ``hierarchy: true``
        puts them before the printed totals (the department's row is the table's total);
        ``aggregates`` (类/款 rows of a code list) after them, so the printed 合计 stays first."""
        for cs in specs:
            if not cs.hierarchy:
                continue
            key = cs.into or cs.name
            codes = sorted({c for r in records if (c := r.get(key))})
            # sorted, the codes a code prefixes follow it directly: compare neighbours only
            parents = {c for c, o in zip(codes, codes[1:]) if o.startswith(c)}
            agg = [r for r in records if r.get(key) in parents]
            totals = agg + totals if cs.hierarchy is True else totals + agg
            records = [r for r in records if r.get(key) not in parents]
        return records, totals

    def two_sided(self, seg: Segment, spec: TableSpec, unit: str | None) -> Table:
        """收支总表: one record per side per line, with the line kind (item, current_total, …)."""
        kinds = self.catalog["two_sided_line_kinds"]
        blocks = self.blocks(seg)
        if not blocks or not blocks[0][0]:
            raise self.fail(seg, seg.first, "no header rows after the title", "check the file is complete")
        records, headers = [], {}
        for header, data in blocks:
            mapping = {cs.name: j for j, cs in self.map_columns(seg, header, self.catalog["two_sided_columns"]).items()}
            headers.update({"item": "项目", "amount": "预算数"})
            for side in ("income", "expenditure"):
                after_carryover = False
                for line in data:
                    cells = line.cells
                    item_cell = cells[mapping[f"{side}_item"]] if mapping[f"{side}_item"] < len(cells) else ""
                    amt_cell = cells[mapping[f"{side}_amount"]] if mapping[f"{side}_amount"] < len(cells) else ""
                    if not item_cell.strip():
                        if amt_cell.strip():
                            self.problem(seg, line, f"an amount on the {side} side has no item label; the "
                                         "amount is left out: check the row against the PDF",
                                         column="预算数", raw=clean_text(amt_cell), level="row")
                        continue
                    m = re.match(r"^\s*([一二三四五六七八九十]+)\s*[、.．]\s*(.*)$", clean_text(item_cell))
                    line_no, item = (m.group(1), join_wrapped(m.group(2))) if m else ("", join_wrapped(item_cell))
                    level = 1 if m else 4
                    if not m and (m2 := re.match(r"^\s*([(（][一二三四五六七八九十]+[)）]|\d{1,2}\s*[、.．])\s*(.*)$",
                                                 clean_text(item_cell))):
                        # (一) or 1. : a lower level of numbering
                        level = 2 if m2.group(1)[0] in "(（" else 3
                        line_no, item = fold(m2.group(1)).rstrip("、.．"), join_wrapped(m2.group(2))
                    kind = kinds.get(fold(item), "item")
                    if kind == "carryover":
                        after_carryover = True
                    elif kind == "grand_total":
                        after_carryover = False
                    elif kind == "item" and after_carryover:
                        kind = "carryover_item"
                    cs = self.catalog["two_sided_columns"][1]
                    records.append({"side": side, "line_no": line_no, "item": item, "line_kind": kind,
                                    "amount": self.amount(seg, line, cs, amt_cell),
                                    "page": line.page, "line": line.line, "_level": level,
                                    "_blank": not amt_cell.strip()})
        # Items printed under a numbered item (一、一般公共服务支出 / 信访事务 / 行政运行, or
        # 一、财政拨款 / 1.一般公共预算拨款) are its breakdown: sub_item, so the items still sum.
        for side in ("income", "expenditure"):
            items = [r for r in records if r["side"] == side and r["line_kind"] == "item"]
            top = min((r["_level"] for r in items), default=1)
            if side == "expenditure" and all(r["_level"] == 4 for r in items):
                # no numbering at all (Hangzhou): the lines named like a function 类 are the items
                classes = _codes_by_name("function")[0]
                if any(fold(r["item"]) in classes for r in items):
                    for r in items:
                        r["_level"] = 1 if fold(r["item"]) in classes else 4
                    top = 1
            for r in items:
                if r["_level"] > top:
                    r["line_kind"] = "sub_item"
            lines = [r for r in records if r["side"] == side]
            head = lines[:next((k for k, r in enumerate(lines) if r["line_kind"] in ("carryover", "grand_total")),
                               len(lines))]
            tops = [r for r in head if r["line_kind"] == "item"]
            subs = [r for r in head if r["line_kind"] == "sub_item"]
            if len(tops) == 1 and tops[0]["_blank"] and subs:
                # the one numbered line, printed without an amount over a numbered breakdown
                # (一、部门预算 / 1、财政拨款 3,643.37 / 2、上级补助收入 …): a heading, so the lines
                # of the next level are the items
                tops[0]["line_kind"] = "sub_item"
                level = min(r["_level"] for r in subs)
                for r in subs:
                    if r["_level"] == level:
                        r["line_kind"] = "item"
                tops = [r for r in head if r["line_kind"] == "item"]
            if not any(r["line_kind"] == "current_total" for r in lines) and len(tops) == 1 \
                    and any(r["line_kind"] == "sub_item" for r in head):
                # one numbered line and its breakdown, no 本年收入合计 (一、财政拨款 / 一般公共预算 /
                # 政府性基金预算 … 二、上年结转结余): that line is the current-year total
                tops[0]["line_kind"] = "current_total"
                for r in head:
                    if r["line_kind"] == "sub_item":
                        r["line_kind"] = "item"
        df, decimals = _records_frame(records, ["side", "line_no", "item", "line_kind", "amount", *PROVENANCE],
                                      amounts=("amount",), ints=tuple(PROVENANCE))
        empty_total = df.iloc[0:0].copy()
        with_decimals(df, decimals)
        if not any(r["line_kind"] == "grand_total" for r in records):
            self.problem(seg, seg.rows[-1] if seg.rows else seg.first, "no 收入总计/支出总计 line (the table "
                         "looks truncated); check the file is complete", level="row")
        return Table(spec.id, seg.title, unit, df, empty_total, headers, empty=_all_zero(records, ["amount"]),
                     note=self.notes(seg))

    def performance(self, seg: Segment, unit: str | None) -> tuple[Table, Table]:
        """预算12表: project blocks -> (projects, indicators). Indicator rows are placed by their
        content (the 一级指标 word), because text renderings shift some of them left or right.

        A block is the rows under one set of merged project cells (名称, 金额, 绩效目标), and its
        indicators are the rows it spans, wherever its name is printed. Across a page break:
        - a block that begins in the last rows of a page with its cells empty there (the PDF
          engines say so: ``Line.opens``) takes its name, amounts and goal from the project row
          at the top of the next page, where Excel printed them;
        - a block whose merged cells are printed again at the top of the next page (same code,
          same amounts) continues there: one project, its goal not repeated.
        A project's page and line are those of its block's first row."""
        pcols = self.catalog["performance_columns"]
        level1_words = tuple(fold(w) for w in self.catalog["indicator_level1"])
        ops = {fold(o) for o in self.catalog["indicator_operators"]}
        by = {c.name: c for c in pcols}
        projects, indicators = [], []
        current = None
        prev_line: Line | None = None          # the data row before this one (any block)
        blocks = self.blocks(seg, level1_words)
        if not blocks or not blocks[0][0]:
            raise self.fail(seg, seg.first, "no header rows after the title", "check the file is complete")
        with_indicator_columns, funds_printed = False, set()
        for header, data in blocks:
            mapping = {cs.name: j for j, cs in self.map_columns(seg, header, pcols).items()}
            # a table of projects without indicator columns (Hangzhou's 项目支出绩效表): no indicators
            l1_col = mapping.get("level1", 10 ** 6)
            with_indicator_columns = with_indicator_columns or "level1" in mapping
            funds_printed |= {n for n in ("fiscal_funds", "other_funds") if n in mapping}
            # indicator cells by their columns where the header does not print them in the order
            # 一级 二级 三级 性质 指标值 单位 (Changsha: 指标值 | 指标值内容 | 评分标准 | 度量单位 | 指标值类型)
            by_column = any(mapping.get(n) != l1_col + i for i, n in enumerate(self._INDICATOR))
            block_cols = {mapping["project"], mapping["project_total"]}
            for line in data:
                # the first data row of a page: a cell beginning there may continue one from the
                # page before, so it is no evidence of a new block
                page_top = prev_line is None or line.page != prev_line.page
                prev_line = line
                cells = line.cells
                k = next((j for j, c in enumerate(cells) if fold(c) in level1_words), None)
                head = cells[: (k if k is not None else l1_col)]
                name_cell = head[mapping["project"]] if mapping["project"] < len(head) else ""
                code, name = split_code_name(name_cell)
                has_project = bool(code) or any(is_amount(c) for c in head)
                if (not has_project and k == l1_col and current is not None and not page_top
                        and line.opens is not None and block_cols <= line.opens):
                    # a block begins here with its project cells empty: they are printed on
                    # the next page (water-authority p.148, its name on p.149)
                    current = {"page": line.page, "line": line.line, "project_total": ZERO,
                               "fiscal_funds": ZERO, "other_funds": ZERO,
                               "goal": clean_text(" ".join(head)), "project_no": len(projects) + 1,
                               "project_code": f"#{len(projects) + 1}", "project_name": "", "pending": True}
                    projects.append(current)
                elif any(c.strip() for c in head):
                    if is_total_label(next(c for c in head if c.strip())):
                        continue
                    # most projects carry a code; some documents print only a name and amounts
                    if has_project:
                        rec = self._project(seg, line, head, mapping, by, k == l1_col or k is None)
                        prev = projects[-1] if projects else None
                        amounts = ("project_total", "fiscal_funds", "other_funds")
                        if prev is not None and prev.get("pending") and page_top:
                            # the name, amounts and goal of the block begun on the page before
                            prev.update({a: rec[a] for a in amounts}, pending=False,
                                        project_code=code or prev["project_code"], project_name=name,
                                        goal=merge_overlap(prev["goal"], rec["goal"]))
                            above = projects[-2] if len(projects) > 1 else None
                            if not code and not name and above is not None:
                                # its amounts only: the name merged over several blocks is above
                                prev.update(project_code=above["project_code"],
                                            project_name=above["project_name"], name_carried=True)
                            self._recode(indicators, prev)
                            current = prev
                        elif (prev is not None and page_top and not prev.get("pending")
                              and (not code or code == prev["project_code"])
                              and (not name or fold(name) == fold(prev["project_name"]))
                              and (all(rec[a] == prev[a] for a in amounts) and rec["project_total"] not in (0, None)
                                   or code and all(0 in (rec[a], prev[a]) or rec[a] == prev[a]
                                                   for a in amounts))):
                            # the block's merged cells printed again on the next page (its name,
                            # its amounts on either page or both): the same project continues
                            prev.update({a: rec[a] or prev[a] for a in amounts})
                            prev["goal"] = merge_overlap(prev["goal"], rec["goal"])
                            current = prev
                        elif (code and prev is not None and prev.get("name_carried") and rec["project_total"] == 0
                                and line.page != prev["page"]):
                            # a block begun on the last row of a page, its name printed on the next
                            prev.update(project_code=code, project_name=name)
                            self._recode(indicators, prev)
                            current = prev
                        else:
                            # project_no numbers the blocks: a code can repeat (one block per unit)
                            current = rec
                            current.update(project_no=len(projects) + 1,
                                           project_code=code or f"#{len(projects) + 1}", project_name=name)
                            if not code and not name and prev is not None:
                                # a blank name cell under a name merged over several blocks
                                current.update(project_code=prev["project_code"],
                                               project_name=prev["project_name"], name_carried=True)
                            projects.append(current)
                    elif current is not None and k is None:
                        # goal text continued on the next page
                        current["goal"] = (current["goal"] + " " + clean_text(" ".join(head))).strip()
                    elif current is not None and page_top:
                        # the rest of the goal printed again beside the next page's first indicator
                        current["goal"] = merge_overlap(current["goal"], clean_text(" ".join(head)))
                if current is None:
                    if k is not None:
                        raise self.fail(seg, line, "an indicator row before any project row",
                                        "check the table against the PDF")
                    continue
                if k is None:
                    # a merged 一级指标 cell: the row's indicator starts in the level-2 column
                    if l1_col + 1 < len(cells) and any(c.strip() for c in cells[l1_col + 1:]) and indicators \
                            and indicators[-1]["project_no"] == current["project_no"]:
                        k, carried = l1_col, indicators[-1]["level1"]
                    else:
                        continue
                else:
                    carried = None
                if by_column and k == l1_col:
                    ind = [clean_text(cells[mapping[n]]) if mapping.get(n, len(cells)) < len(cells) else ""
                           for n in self._INDICATOR]
                else:
                    ind = [clean_text(c) for c in cells[k:k + 6]] + [""] * 6
                if not ind[3] and "operator" not in mapping:
                    ind[3], ind[4], ind[5] = split_operator(ind[4], ind[5])  # Changchun: ">=2 次"
                level1 = carried or fold(ind[0])
                op = fold(ind[3])
                if op and op not in ops:
                    self.warnings.append(f"{self.source}: T12 {line.where()}: unknown indicator operator {ind[3]!r}")
                indicators.append({"project_no": current["project_no"], "project_code": current["project_code"],
                                   "level1": level1,
                                   "level2": ind[1], "level3": ind[2], "operator": op, "value": ind[4],
                                   "value_number": indicator_value(ind[4]), "unit": ind[5],
                                   "page": line.page, "line": line.line})
        for p in projects:
            if p.get("pending"):
                self.warnings.append(f"{self.source}: T12 page {p['page']} row {p['line']}: a project block "
                                     "with no name or amounts, on this page or at the top of the next; "
                                     f"kept as {p['project_code']}, check the table against the PDF")
        projects = drop_subtotal_blocks(projects, {i["project_no"] for i in indicators})
        # name_carried and pending are bookkeeping only; from_records keeps just the listed columns
        # 财政资金 / 其他资金 not printed (Changsha, Changchun, Hangzhou): no column, never a 0
        unprinted = [c for c in ("fiscal_funds", "other_funds") if c not in funds_printed]
        proj, decimals, ind = self._project_frames(projects, indicators, unprinted)
        # from the records (the frame's rows, in order): comparing a str column costs more
        ind["is_cost"] = np.array([i["level1"] == "成本指标" for i in indicators], dtype=bool)
        ind["is_qualitative"] = np.array([i["operator"] == "定性" for i in indicators], dtype=bool)
        headers = {c.name: c.zh for c in pcols}
        empty = proj.empty
        note = self.notes(seg)
        projects_table = Table("T12", seg.title, unit, with_decimals(proj, decimals), proj.iloc[0:0], headers, empty, note)
        if not with_indicator_columns:
            return projects_table, None  # no indicator columns printed: no indicator table
        return (projects_table,
                Table("T12_indicators", seg.title, unit, ind, ind.iloc[0:0], headers, empty, note))

    _INDICATOR = ("level1", "level2", "level3", "operator", "value", "unit")

    @staticmethod
    def append_projects(tables: dict[str, Table], more: dict[str, Table]) -> None:
        """The projects (and indicators) of a later 项目支出绩效目标表 title added to T12, their
        project numbers after the ones already read."""
        base = tables["T12"]
        offset = int(base.data["project_no"].max()) if len(base.data) else 0
        for tid, t in more.items():
            if tid not in tables:
                continue
            extra = t.data.assign(project_no=t.data["project_no"] + offset)
            if tid == "T12":
                nos = extra["project_code"].str.fullmatch(r"#\d+")
                extra.loc[nos, "project_code"] = "#" + extra.loc[nos, "project_no"].astype(str)
            else:
                codes = more["T12"].data.set_index("project_no")["project_code"]
                extra["project_code"] = [("#" + str(n + offset)) if str(codes.get(n, "")).startswith("#")
                                         else c for n, c in zip(t.data["project_no"], extra["project_code"])]
            merged = pd.concat([tables[tid].data, extra], ignore_index=True)
            if tid == "T12":
                dec = pd.concat([base.decimals.get("data", pd.DataFrame(index=base.data.index)),
                                 t.decimals.get("data", pd.DataFrame(index=t.data.index))], ignore_index=True)
                tables[tid].decimals["data"] = dec
            tables[tid].data = merged
            tables[tid].empty = tables[tid].empty and t.empty

    def performance_form(self, seg: Segment, unit: str | None) -> tuple[Table, Table] | None:
        """项目支出绩效目标表 printed as one form per project (catalog ``performance_form``): a
        项目名称 row opens a project; labelled cells give its 资金总额 / 财政资金 / 其他资金 and goal
        (each the first non-empty cell after its label); a row naming 一级指标 and 三级指标 is the
        indicator header, mapped like the grid's, and the rows under it are indicators (一级指标
        carried down from the row above where blank). None when the rows are not such forms."""
        form = self.catalog["performance_form"]
        pcols = self.catalog["performance_columns"]
        by = {c.name: c for c in pcols}
        ops = {fold(o) for o in self.catalog["indicator_operators"]}
        unit_re = re.compile(form["unit_label"])
        level1_of = {fold(k): v for k, v in form.get("level1_of_level2", {}).items()}
        keys = {k: tuple(fold(w) for w in form[k]) for k in ("project_name", "project_total", "fiscal_funds",
                                                             "other_funds", "goal")}

        def label(cell: str) -> str:
            return re.sub(r"^其中[:：]?", "", fold(clean_text(cell))).rstrip(":：")

        def after(cells, j, amount=False):
            return next((c for c in cells[j + 1:] if c.strip() and (not amount or is_amount(c))), "")

        projects, indicators, current, mapping, form_unit = [], [], None, None, None
        for line in seg.rows:
            cells, labels = line.cells, [label(c) for c in line.cells]
            if form_unit is None and (m := next((unit_re.search(fold(c)) for c in cells if unit_re.search(fold(c))), None)):
                form_unit = m.group(1)
            j = next((j for j, lab in enumerate(labels) if lab in keys["project_name"]), None)
            if j is not None:
                code, name = split_code_name(after(cells, j))
                current = {"page": line.page, "line": line.line, "project_no": len(projects) + 1,
                           "project_code": code or f"#{len(projects) + 1}", "project_name": name,
                           "project_total": None, "fiscal_funds": None, "other_funds": None, "goal": ""}
                projects.append(current)
                mapping = None
                continue
            if current is None:
                continue
            if "一级指标" in labels and "二级指标" in labels:
                header = Line(cells=[label(c) for c in cells], page=line.page, line=line.line)
                mapping = {cs.name: j for j, cs in self.map_columns(seg, [header], pcols, partial=True).items()}
                continue
            if mapping is None:
                for j, lab in enumerate(labels):
                    for k in ("project_total", "fiscal_funds", "other_funds"):
                        if current[k] is None and any(w in lab for w in keys[k]):
                            cell = after(cells, j, amount=True)
                            current[k] = self.amount(seg, line, by[k], cell) if cell else ZERO
                    if not current["goal"] and lab in keys["goal"]:
                        current["goal"] = clean_text(after(cells, j))
                continue
            ind = [clean_text(cells[mapping[n]]) if mapping.get(n, len(cells)) < len(cells) else ""
                   for n in self._INDICATOR]
            if not (ind[1] or ind[2]) or not any(ind[1:]):
                continue
            if not ind[3]:
                ind[3], ind[4], ind[5] = split_operator(ind[4], ind[5])
            if not ind[5] and (m := re.search(r"\(([^()]{1,4})\)$", fold(ind[2]))):
                ind[5] = m.group(1)   # Xi'an: 法律顾问服务成本（万元） | ≤5
            implied = level1_of.get(re.sub(r"指标$", "", fold(ind[1])))
            level1 = fold(ind[0]) or implied or next((i["level1"] for i in reversed(indicators)
                                                      if i["project_no"] == current["project_no"]), "")
            op = fold(ind[3])
            if op and op not in ops:
                op = ""
            indicators.append({"project_no": current["project_no"], "project_code": current["project_code"],
                               "level1": level1, "level2": ind[1], "level3": ind[2], "operator": op,
                               "value": ind[4], "value_number": indicator_value(ind[4]), "unit": ind[5],
                               "is_cost": "成本指标" in (level1, implied), "page": line.page, "line": line.line})
        if not projects or not any(p["project_total"] is not None for p in projects):
            return None
        unprinted = [k for k in ("fiscal_funds", "other_funds") if all(p[k] is None for p in projects)]
        for p in projects:
            for k in ("project_total", "fiscal_funds", "other_funds"):
                p[k] = ZERO if p[k] is None else p[k]
        if form_unit and form_unit in self.catalog["units"]:
            unit = form_unit
        cost = [i["is_cost"] for i in indicators]
        proj, decimals, ind = self._project_frames(projects, indicators, unprinted)
        ind["is_cost"] = [bool(x) for x in cost]   # 成本指标 as 一级 or as 二级 (Shanghai 万里 2023)
        ind["is_qualitative"] = ind["operator"] == "定性"
        headers = {c.name: c.zh for c in pcols}
        note = self.notes(seg)
        return (Table("T12", seg.title, unit, with_decimals(proj, decimals), proj.iloc[0:0], headers, proj.empty, note),
                Table("T12_indicators", seg.title, unit, ind, ind.iloc[0:0], headers, proj.empty, note))

    @staticmethod
    def _project_frames(projects: list[dict], indicators: list[dict], unprinted: list[str]):
        """The T12 project and indicator frames from their records: amounts typed, each cell's
        printed decimals kept, the funding columns the table does not print left out; project
        numbers and provenance Int64."""
        ints = ("project_no", *PROVENANCE)
        funds = tuple(c for c in ("project_total", "fiscal_funds", "other_funds") if c not in unprinted)
        proj, decimals = _records_frame(projects, ["project_no", "project_code", "project_name", *funds, "goal",
                                                   *PROVENANCE], amounts=funds, ints=ints)
        ind, _ = _records_frame(indicators, ["project_no", "project_code", "level1", "level2", "level3", "operator",
                                             "value", "value_number", "unit", *PROVENANCE],
                                amounts=("value_number",), ints=ints)
        return proj, decimals, ind

    @staticmethod
    def _recode(indicators: list[dict], project: dict) -> None:
        """The project's code on the indicators already read for its block."""
        for ind in indicators:
            if ind["project_no"] == project["project_no"]:
                ind["project_code"] = project["project_code"]

    def _project(self, seg, line, head, mapping, by, aligned: bool) -> dict:
        """Project cells before the indicators. Aligned rows are read by position; shifted rows
        by content: the amounts in order are total, fiscal, other; the remaining text is the goal."""
        rec = {"page": line.page, "line": line.line, "fiscal_funds": ZERO, "other_funds": ZERO, "goal": ""}
        if aligned:
            for name in ("project_total", "fiscal_funds", "other_funds"):
                j = mapping.get(name)
                rec[name] = self.amount(seg, line, by[name], head[j]) if j is not None and j < len(head) else ZERO
            j = mapping.get("goal")
            rec["goal"] = clean_text(head[j]) if j is not None and j < len(head) else ""
            return rec
        cells = [c for c in head[1:] if c.strip()]
        amounts = [c for c in cells if is_amount(c)]
        for name, cell in zip(("project_total", "fiscal_funds", "other_funds"), amounts):
            rec[name] = self.amount(seg, line, by[name], cell)
        rec["goal"] = " ".join(clean_text(c) for c in cells if not is_amount(c))
        if not amounts:
            raise self.fail(seg, line, "a project row without 项目总额", "check the row against the PDF")
        return rec

    def text_grid(self, seg: Segment, spec: TableSpec, unit: str | None) -> Table:
        """Tables kept as text (部门整体支出绩效目标表 and the like): rows of cleaned cells."""
        ncols = max((len(l.cells) for l in seg.rows), default=0)
        cols = [f"c{j + 1}" for j in range(ncols)]
        # every row has every column, its missing cells "" (no NA to fill)
        records = [dict(zip(cols, [clean_text(c) for c in l.cells] + [""] * ncols), page=l.page, line=l.line)
                   for l in seg.rows]
        df, _ = _records_frame(records, cols + PROVENANCE, ints=tuple(PROVENANCE))
        return Table(spec.id, seg.title, unit, df, df.iloc[0:0], {}, empty=df.empty)

    # -- driver -------------------------------------------------------------------------------
    def run(self, lines: Iterable[Line]) -> Assembled:
        segs, preamble = self.segments(lines)
        if not segs:
            raise ReadError(f"{self.source}: no budget table found (no title such as '预算01表 收支总表'); "
                            "check that this is a departmental budget disclosure")
        units = [fold(s.unit) for s in segs if s.unit and fold(s.unit) in self.catalog["units"]]
        doc_unit = max(set(units), key=units.count) if units else None
        tables: dict[str, Table] = {}
        raw: list[RawTable] = []
        specs = self.catalog["tables"]
        for seg in segs:
            if seg.table_id is None and (kind := self.signature(seg.rows)) is not None \
                    and kind not in tables and kind not in {s.table_id for s in segs}:
                # a title in words the catalogue does not know: its header names the kind
                self.warnings.append(f"{self.source}: {seg.first.where()}: {seg.title!r} recognised as "
                                     f"{specs[kind].kind} by its columns and rows")
                seg.table_id = kind
            if seg.table_id is None:
                raw.append(RawTable(seg.title, [[clean_text(c) for c in l.cells] for l in seg.rows],
                                    seg.first.page, seg.first.line))
                if not seg.untitled:
                    self.warnings.append(f"{self.source}: {seg.first.where()}: table {seg.title!r} is not in the "
                                         "catalogue; kept as raw rows")
                continue
            spec = specs[seg.table_id]
            if seg.table_id in tables and spec.layout == "performance":
                # one form per project, each under its own title (Fuzhou): the projects of a
                # later title join the table's
                try:
                    more = self.table(seg, spec, doc_unit)
                except TableError:
                    more = {}
                if more.get("T12") is not None and not more["T12"].data.empty:
                    self.append_projects(tables, more)
                    continue
            first = tables.get(seg.table_id)
            if first is not None and first.data.empty and first.total.empty and seg.rows:
                # the first was a title with no rows at all (a 报表目录 entry, Xi'an 2026): this one
                del tables[seg.table_id]
            if seg.table_id in tables:
                self.warnings.append(f"{self.source}: {seg.first.where()}: a second {seg.table_id} "
                                     f"({seg.title}) ignored")
                continue
            try:
                built = self.table(seg, spec, doc_unit)
            except TableError as exc:
                if spec.fallback:
                    # another family's columns for this kind: recognised, kept as raw rows
                    self.warnings.append(f"{exc.problem.line()}; the {spec.kind} is kept as raw rows")
                    raw.append(RawTable(seg.title, [[clean_text(c) for c in l.cells] for l in seg.rows],
                                        seg.first.page, seg.first.line, kind=spec.kind))
                    continue
                # a table that cannot be read is left out; the rest of the document loads
                self.problems.append(exc.problem)
                continue
            for t in built.values():
                t.kind = spec.kind
                t.label = seg.label
                if seg.notes and not t.note:
                    t.note = "; ".join(seg.notes)
            tables.update(built)
        if not tables and not raw and self.problems:
            raise ReadError(f"{self.source}: no budget table could be read; the first problem: "
                            f"{self.problems[0].line()}")
        for tid in self.incomplete:
            if tid in tables:
                tables[tid].incomplete = True
        if "T12" in tables and "T12_indicators" in tables:
            tables["T12_indicators"].incomplete = tables["T12"].incomplete
        return Assembled(tables, raw, self.warnings, preamble, any(s.is_final for s in segs), self.problems)

    def table(self, seg: Segment, spec: TableSpec, doc_unit: str | None) -> dict[str, Table]:
        unit = self.unit_of(seg, doc_unit)
        if seg.unit is None and seg.title_unit is None and spec.layout != "text_grid":
            self.warnings.append(f"{self.source}: {seg.table_id} has no 金额单位 line; using the "
                                 f"document's {doc_unit}")
        if spec.layout == "grid":
            return {spec.id: self.grid(seg, spec, unit)}
        if spec.layout == "two_sided":
            return {spec.id: self.two_sided(seg, spec, unit)}
        if spec.layout == "performance":
            try:
                projects, indicators = self.performance(seg, unit)
            except TableError:
                form = self.performance_form(seg, unit)   # one form per project, if it is that
                if form is None:
                    raise
                projects, indicators = form
            return {"T12": projects, "T12_indicators": indicators} if indicators is not None else {"T12": projects}
        return {spec.id: self.text_grid(seg, spec, unit)}
