"""Engine-independent assembly: a stream of Lines -> canonical tables.

Finds titles (by the catalogue, not by number), the unit line, header blocks (and the headers
repeated where pages broke), maps physical columns to catalogue columns by their header text,
and turns rows into tidy DataFrames with exact amounts and provenance.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pandas as pd

from ..catalog import ColumnSpec, TableSpec, label_only, recognise_title, table_catalog
from ..model import PROVENANCE, Problem, RawTable, Table
from ..normalize import (AMOUNT_DTYPE, ZERO, clean_text, fold, indicator_value, is_amount,
                         is_total_label, join_wrapped, parse_amount, printed_decimals, split_code_name,
                         with_decimals)
from .base import Line, ReadError
from .pdf_grid import merge_overlap

# "单位：万元", "金额单位：元", "（单位：万元）"; not "编制单位：…" or "预算单位：…"
_UNIT_RE = re.compile(r"(?:^|[^\u4e00-\u9fff]|金额)单位[:：]\s*([^\s)）]+)")
# a code opens a data row; a year (2024年“三公”经费预算数) opens a header
_CODE_START = re.compile(r"^\s*([0-9]{3,}(?![0-9]*\s*年)|[A-Z]\s*[-－])")
_ENUMERATED = re.compile(r"^\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*[、．]\s*\S")


_COLNUM_LABELS = {"栏次", "行次", "*", "**", "***", "栏", "次"}


def is_column_numbers(cells: list[str]) -> bool:
    """A 栏次 row: column numbers 1 2 3 … (with ** or 栏次 in the label columns), not data."""
    nums, labels = [], 0
    for c in cells:
        f = fold(c)
        if f in _COLNUM_LABELS:
            labels += 1
        elif re.fullmatch(r"\d{1,2}", f):
            nums.append(int(f))
        else:
            return False
    return len(nums) >= 2 and nums == list(range(nums[0], nums[0] + len(nums))) and nums[0] <= 1 \
        or (labels >= 1 and len(nums) >= 1 and nums == list(range(nums[0], nums[0] + len(nums))) and nums[0] <= 1)


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
            if len(l.nonempty()) == 1 and (k == 0 or lines[k - 1].page != l.page):
                tops.setdefault(fold(l.nonempty()[0]), set()).add(l.page)
        running = {t for t, pages in tops.items() if len(pages) >= 3}
        segs: list[Segment] = []
        preamble: list[Line] = []
        pending_label = ""
        note_at = -2  # index of the last note line (a note may wrap onto the next line)
        for i, line in enumerate(lines):
            cells = line.nonempty()
            one = fold(cells[0]) if len(cells) == 1 else ""
            title = self.title_of(cells, lines, i)
            if title is None and one and (one in running or any(r.search(one) for r in rec["furniture"]) or (
                    re.fullmatch(r"\d{1,3}", one) and (i + 1 == len(lines) or lines[i + 1].page != line.page))):
                continue  # a running header or a printed page number
            if title is not None:
                tid = title.table_id
                # A title repeated on a continuation page continues the same table.
                if segs and ((tid is not None and segs[-1].table_id == tid)
                             or (tid is None and segs[-1].core == title.core)):
                    continue
                segs.append(Segment(tid, title.printed, title.is_final, line,
                                    label=(pending_label + title.label), core=title.core))
                pending_label = ""
                continue
            if id(line) in self.headings:
                continue  # "四、财政拨款收支预算总表" over "2026 年度财政拨款收支预算总表"
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
        if title is None or title.labelled:
            return title
        within = self.catalog["recognition"]["confirm_within"]
        for nxt in lines[i + 1: i + 1 + within]:
            ncells = nxt.nonempty()
            if len(ncells) <= 3 and any(recognise_title(c) is not None for c in ncells):
                # a list of titles (a table of contents), or a section heading over its title
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

    def map_columns(self, seg: Segment, header: list[Line], specs: tuple[ColumnSpec, ...],
                    partial: bool = False) -> dict[int, ColumnSpec]:
        # up to the last column with a header of its own: a merged parent is not carried into
        # the empty columns a sheet or a page has beyond the table
        ncols = 1 + max((j for h in header for j, c in enumerate(h.cells) if c.strip()), default=-1)
        paths = self.header_paths(header, ncols)
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
        cells = [c for c in line.cells if c.strip()]
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
            key = tuple(fold(c) for c in line.cells if c.strip())
            new_page = bool(data) and line.page is not None and line.page != data[-1].page
            if data and (key == first_header_key or (
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
                    first_header_key = key
                continue
            data.append(line)
        if header or data:
            out.append((header, data))
        return out

    def is_note(self, line: Line) -> bool:
        """Is the line a note printed with the table (注：本部门无相关内容。, 本表无数据, …)? Its
        only text matches one of the catalogue's ``note_patterns`` or, with a 注：/说明： prefix,
        ``recognition.notes`` (those segments() has already set aside)."""
        cells = line.nonempty()
        if len(cells) != 1:
            return False
        text = fold(clean_text(cells[0]))
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

    def unit_of(self, seg: Segment, default: str | None) -> str | None:
        if seg.unit is None:
            return default
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
        blocks = self.blocks(seg, specs=specs)
        if not blocks or not blocks[0][0]:
            raise self.fail(seg, seg.first, "no header rows after the title (the table looks truncated)",
                            "check the file is complete")
        blocks = [self.split_panels(seg, header, data) for header, data in blocks]
        mapped = [(header, data, self.map_columns(seg, header, specs, partial=True)) for header, data in blocks]
        mapped = self.stitch_wide(seg, specs, mapped)
        if spec.row_items and not {"total", "overseas_travel"} & {s.name for _, _, m in mapped for s in m.values()}:
            return self.item_rows(seg, spec, unit, blocks)
        if any(is_amount(c) for _, d, _ in mapped for l in d for c in l.cells):
            # a table printed with no amount at all (only 合计, or a note) is empty, whatever its columns
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
        specs = tuple(cs for cs in specs if not cs.when_printed or cs.name in printed)
        data_df, total_df = self.frame(records, specs), self.frame(totals, specs)
        amounts = [c for c in spec.amount_columns if c in data_df]
        all_zero = all((data_df[c] == 0).all() for c in amounts) if len(data_df) else True
        empty = (len(data_df) == 0 or all_zero) and all((total_df[c] == 0).all() for c in amounts)
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

    def split_panels(self, seg: Segment, header: list[Line], data: list[Line]) -> tuple[list[Line], list[Line]]:
        """Side-by-side panels (决算 基本支出: 编码 | 名称 | 决算数 printed two or three times
        across the page): one list, the left panel's rows first. A panel's closing subtotal
        (人员经费合计 | 公用经费合计) is not a row of the list, nor the table's 合计: it is kept
        in the table's note."""
        ncols = 1 + max((j for h in header for j, c in enumerate(h.cells) if c.strip()), default=-1)
        paths = self.header_paths(header, ncols) if header else []
        width = next((p for p in range(2, ncols // 2 + 1) if ncols % p == 0 and paths[0]
                      and all(paths[k] == paths[k % p] for k in range(ncols))), None)
        if not width:
            return header, data
        head = [Line(h.cells[:width], h.page, h.line) for h in header]
        rows = []
        for i in range(ncols // width):
            for line in data:
                cells = line.cells[i * width:(i + 1) * width]
                label = fold(clean_text(next((c for c in cells if c.strip()), "")))
                if not label:
                    continue
                if label.endswith("合计") and not is_total_label(label):
                    seg.notes.append(" ".join(clean_text(c) for c in cells if c.strip()))
                    continue
                rows.append(Line(cells, line.page, line.line))
        return head, rows

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
        from ..catalog import classification
        codes = classification()
        codes = codes[codes["kind"] == kind]
        classes = dict(zip(codes.loc[codes["level"] == "类", "name"].map(fold), codes.loc[codes["level"] == "类", "code"]))
        kuans = {(p, fold(n)): c for p, n, c in zip(codes["parent"], codes["name"], codes["code"])
                 if len(c) == 5}
        items = {(p, fold(n)): c for p, n, c in zip(codes["parent"], codes["name"], codes["code"]) if len(c) == 7}
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
            codes = [r.get(key, "") for r in records]
            parents = {c for c in codes if c and any(o != c and o.startswith(c) for o in codes)}
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
                                    "page": line.page, "line": line.line, "_level": level})
        # Items printed under a numbered item (一、一般公共服务支出 / 信访事务 / 行政运行, or
        # 一、财政拨款 / 1.一般公共预算拨款) are its breakdown: sub_item, so the items still sum.
        for side in ("income", "expenditure"):
            items = [r for r in records if r["side"] == side and r["line_kind"] == "item"]
            top = min((r["_level"] for r in items), default=1)
            if side == "expenditure" and all(r["_level"] == 4 for r in items):
                # no numbering at all (Hangzhou): the lines named like a function 类 are the items
                from ..catalog import classification
                codes = classification()
                classes = set(codes.loc[(codes["kind"] == "function") & (codes["level"] == "类"), "name"].map(fold))
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
            if not any(r["line_kind"] == "current_total" for r in lines) and len(tops) == 1 \
                    and any(r["line_kind"] == "sub_item" for r in head):
                # one numbered line and its breakdown, no 本年收入合计 (一、财政拨款 / 一般公共预算 /
                # 政府性基金预算 … 二、上年结转结余): that line is the current-year total
                tops[0]["line_kind"] = "current_total"
                for r in head:
                    if r["line_kind"] == "sub_item":
                        r["line_kind"] = "item"
        df = pd.DataFrame.from_records(records, columns=["side", "line_no", "item", "line_kind", "amount", *PROVENANCE])
        decimals = pd.DataFrame({"amount": printed_decimals(df["amount"])}, index=df.index)
        df["amount"] = df["amount"].astype(AMOUNT_DTYPE)
        df[PROVENANCE] = df[PROVENANCE].astype("Int64")
        empty_total = df.iloc[0:0].copy()
        with_decimals(df, decimals)
        if not (df["line_kind"] == "grand_total").any():
            self.problem(seg, seg.rows[-1] if seg.rows else seg.first, "no 收入总计/支出总计 line (the table "
                         "looks truncated); check the file is complete", level="row")
        return Table(spec.id, seg.title, unit, df, empty_total, headers, empty=bool((df["amount"] == 0).all()),
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
        for header, data in blocks:
            mapping = {cs.name: j for j, cs in self.map_columns(seg, header, pcols).items()}
            l1_col = mapping["level1"]
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
                ind = [clean_text(c) for c in cells[k:k + 6]] + [""] * 6
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
        # name_carried and pending are bookkeeping only; from_records keeps just the listed columns
        proj = pd.DataFrame.from_records(projects, columns=["project_no", "project_code", "project_name", "project_total",
                                                            "fiscal_funds", "other_funds", "goal", *PROVENANCE])
        decimals = pd.DataFrame({c: printed_decimals(proj[c]) for c in ("project_total", "fiscal_funds", "other_funds")},
                                index=proj.index)
        for c in ("project_total", "fiscal_funds", "other_funds"):
            proj[c] = proj[c].astype(AMOUNT_DTYPE)
        ind = pd.DataFrame.from_records(indicators, columns=["project_no", "project_code", "level1", "level2", "level3",
                                                             "operator", "value", "value_number", "unit", *PROVENANCE])
        ind["value_number"] = ind["value_number"].astype(AMOUNT_DTYPE)
        ind["is_cost"] = ind["level1"] == "成本指标"
        ind["is_qualitative"] = ind["operator"] == "定性"
        for df in (proj, ind):
            df[["project_no", *PROVENANCE]] = df[["project_no", *PROVENANCE]].astype("Int64")
        headers = {c.name: c.zh for c in pcols}
        empty = proj.empty
        note = self.notes(seg)
        return (Table("T12", seg.title, unit, with_decimals(proj, decimals), proj.iloc[0:0], headers, empty, note),
                Table("T12_indicators", seg.title, unit, ind, ind.iloc[0:0], headers, empty, note))

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
        records = [dict(zip(cols, [clean_text(c) for c in l.cells] + [""] * ncols), page=l.page, line=l.line)
                   for l in seg.rows]
        df = pd.DataFrame.from_records(records, columns=cols + PROVENANCE)
        df[cols] = df[cols].fillna("")
        df[PROVENANCE] = df[PROVENANCE].astype("Int64")
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
            if seg.table_id is None:
                raw.append(RawTable(seg.title, [[clean_text(c) for c in l.cells] for l in seg.rows],
                                    seg.first.page, seg.first.line))
                self.warnings.append(f"{self.source}: {seg.first.where()}: table {seg.title!r} is not in the "
                                     "catalogue; kept as raw rows")
                continue
            spec = specs[seg.table_id]
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
        if seg.unit is None and spec.layout != "text_grid":
            self.warnings.append(f"{self.source}: {seg.table_id} has no 金额单位 line; using the "
                                 f"document's {doc_unit}")
        if spec.layout == "grid":
            return {spec.id: self.grid(seg, spec, unit)}
        if spec.layout == "two_sided":
            return {spec.id: self.two_sided(seg, spec, unit)}
        if spec.layout == "performance":
            projects, indicators = self.performance(seg, unit)
            return {"T12": projects, "T12_indicators": indicators}
        return {spec.id: self.text_grid(seg, spec, unit)}
