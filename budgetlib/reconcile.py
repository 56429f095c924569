"""Reconciliation (勾稽关系核对): every accounting identity of a disclosure, checked exactly.

The identities are data (``catalog/rules.yaml``); this module is the small engine that runs
them. Each rule *kind* is one short function; each returns one or more results (one per rule
instance), and every result says what was compared, where it sits in the document and, for a
difference, which rows or keys account for it.

    report = budgetlib.reconcile(doc)          # lang="zh" | "en"
    report.summary()                           # counts by status
    report.failures()                          # mismatches first
    report.drilldown("X.T03_T05.by_function")  # the function codes that differ
    report.write("data/processed/<name>/")     # reconciliation.csv + reconciliation.html

Amounts are compared as exact decimals in the document's unit (元 tables in a 万元 document
are converted, 1 万元 = 10000 元). Each value's tolerance comes from its own printed decimals
(``Table.decimals``), as XBRL Calculations 1.1 does: a value v printed with d decimals stands
for [v - 0.5·10^-d, v + 0.5·10^-d]; an identity holds when the intervals of its two sides
overlap, and a difference inside that is "rounding", not "mismatch". A value printed to the
fen (万元 with 6 decimals, 元 with 2), a blank, or one whose decimals are unknown is exact.
"""

from __future__ import annotations

import hashlib
import html
import io
import pickle
import re
import sys
import threading
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from . import handover
from .catalog import class_codes, classification, load_yaml, table_catalog
from .model import BudgetDocument, frame_values, key_columns as _key_columns
from .normalize import AMOUNT_DTYPE, ZERO, fold

# unreadable: the identity needs a cell, row or table that could not be read (doc.problems)
# info: worth knowing, nothing wrong (a plausible classification code the list lacks)
STATUSES = ("pass", "info", "rounding", "mismatch", "unreadable", "not_applicable")
KINDS = ("row_sum", "column_total", "equal", "le", "coverage", "aggregate_match",
         "classification", "known_codes")
# Decimals at which a printed amount is exact to the fen (分).
FEN_DECIMALS = {"万元": 6, "元": 2}
COLUMNS = ["rule_id", "instance", "status", "severity", "left", "right", "difference", "tolerance",
           "unit", "tables", "location", "explanation", "description", "root_id", "echo_of"]


# ------------------------------------------------------------------------------------ rules
@dataclass(frozen=True)
class Rule:
    """One entry of the rule catalogue (勾稽规则), after `each` expansion."""

    id: str
    kind: str
    zh: str
    en: str
    tables: tuple[str, ...]
    check: str
    tolerance: str = "printed"
    severity: str = "error"
    optional: tuple[str, ...] = ()
    when: str | None = None
    otherwise: str | None = None
    instance: str = ""


@dataclass(frozen=True)
class Catalogue:
    rules: tuple[Rule, ...]
    conditions: dict


def load_rules(path: str | Path | None = None) -> Catalogue:
    """Read a rule catalogue (default: the package's catalog/rules.yaml) and expand `each`."""
    if path is None:
        return _default_rules()
    return _parse_rules(load_yaml(Path(path).read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _default_rules() -> Catalogue:
    text = resources.files("budgetlib.catalog").joinpath("rules.yaml").read_text(encoding="utf-8")
    return _parse_rules(load_yaml(text))


def _parse_rules(raw: dict) -> Catalogue:
    rules = []
    for r in raw["rules"]:
        if r["kind"] not in KINDS:
            raise ValueError(f"rule {r['id']}: unknown kind {r['kind']!r}; use one of {', '.join(KINDS)}")
        base = {"id": r["id"], "kind": r["kind"], "tables": tuple(r["tables"]),
                "tolerance": r.get("tolerance", "printed"), "severity": r.get("severity", "error"),
                "optional": tuple(r.get("optional", ())), "when": r.get("when"), "otherwise": r.get("otherwise")}
        for sub in r.get("each") or [{}]:
            sub = {k: str(v) for k, v in sub.items()}
            inst = sub.get("instance") or next(iter(sub.values()), "")
            fmt = dict(sub, instance=inst)
            rules.append(Rule(zh=r["zh"].format(**fmt), en=r["en"].format(**fmt),
                              check=r["check"].format(**fmt), instance=inst, **base))
    return Catalogue(tuple(rules), dict(raw.get("conditions") or {}))


# ------------------------------------------------------------------------------- expressions
_REF = re.compile(r"^(?:(?P<fn>sum|printed|total)\(\s*(?P<inner>[^()]*)\)|(?P<plain>[^()]*))$")
_COL = re.compile(r"^(?P<table>T\d\d\w*)\.(?P<column>[\w*]+)\s*(?:\[(?P<filters>[^\]]*)\])?$")
_FILTER = re.compile(r"^\s*(\w+)\s*(\^=|!=|~=|=)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Ref:
    """A term: rows of one table (detail or printed 合计), one column, signed."""

    fn: str  # value | sum | printed | total
    table: str
    column: str
    filters: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    sign: int = 1

    def text(self) -> str:
        f = ", ".join(f"{k}{op}{'|'.join(v)}" for k, op, v in self.filters)
        core = f"{self.table}.{self.column}" + (f"[{f}]" if f else "")
        return core if self.fn == "value" else f"{self.fn}({core})"


def _split_top(text: str, seps: tuple[str, ...]) -> list[str]:
    """Split at separators outside brackets; each separator is kept as its own item."""
    out, depth, cur, i = [], 0, "", 0
    while i < len(text):
        ch = text[i]
        depth += ch in "[(" and 1 or 0
        depth -= ch in "])" and 1 or 0
        sep = next((s for s in seps if depth == 0 and text.startswith(s, i)), None)
        if sep:
            out += [cur, sep]
            cur, i = "", i + len(sep)
            continue
        cur += ch
        i += 1
    return out + [cur]


@cache
def _split_comparison(text: str) -> tuple[str, str, str]:
    parts = _split_top(text, ("<=", ">=", "="))
    if len(parts) != 3:
        raise ValueError(f"expected one comparison (=, <=, >=) in {text!r}")
    return parts[0].strip(), parts[1], parts[2].strip()


def _parse_filters(text: str | None):
    if not text:
        return ()
    out = []
    for part in text.split(","):
        m = _FILTER.match(part)
        if not m:
            raise ValueError(f"bad filter {part!r}")
        out.append((m.group(1), m.group(2), tuple(v.strip() for v in m.group(3).split("|"))))
    return tuple(out)


@cache
def parse_side(text: str) -> tuple[Ref, ...] | Decimal:
    """'T01.amount[side=income] + total(T07.total)' -> [Ref, Ref]; '0' -> Decimal(0)."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return Decimal(text)
    refs, sign = [], 1
    for tok in _split_top(text, ("+", "-")):
        tok = tok.strip()
        if tok in ("+", "-"):
            sign = -1 if tok == "-" else 1
            continue
        if not tok:
            continue
        m = _REF.match(tok)
        inner = (m.group("inner") if m.group("fn") else m.group("plain")).strip()
        c = _COL.match(inner)
        if not c:
            raise ValueError(f"bad term {tok!r}: expected TABLE.column[filters]")
        refs.append(Ref(m.group("fn") or "value", c.group("table"), c.group("column"),
                        _parse_filters(c.group("filters")), sign))
        sign = 1
    return tuple(refs)


# ------------------------------------------------------------------------------ the document
# Rules work on plain records (one dict per row): the tables are small and a rule touches a
# few columns, so list comprehensions beat DataFrame indexing by two orders of magnitude,
# which is what lets the mutation test run hundreds of reconciliations.
@dataclass
class Rows:
    """Rows of one table that a term or group used: their records and whether 合计 rows."""

    table: str
    recs: list[dict]
    kind: str = "detail"  # detail | total


class Context:
    """A document prepared for checking: records with Decimal amounts in the document's unit,
    and the rounding allowance per printed value of each table."""

    def __init__(self, doc: BudgetDocument):
        self.doc = doc
        units = [t.unit for t in doc.tables.values() if t.unit]
        self.unit = doc.meta.get("unit") or (max(set(units), key=units.count) if units else "万元")
        self._recs: dict[tuple[str, str], list[dict]] = {}
        # only the amount columns a table prints (its headers); a column another family prints
        # is absent here, so an identity that needs it is not_applicable, never a 0 = 0 pass
        self.amounts = {tid: [c for c in t.data.columns if t.data[c].dtype == AMOUNT_DTYPE
                              and (not t.headers or c in t.headers)]
                        for tid, t in doc.tables.items()}
        self.keys = {tid: _key_columns(t.data) for tid, t in doc.tables.items()}
        self.classes = class_codes()  # T01/T04 lines are named, not coded

    def present(self, tid: str) -> bool:
        """Present with detail rows: a table with only a zero 合计 row is empty (不适用)."""
        return self.doc.has_rows(tid)

    def factor(self, tid: str) -> Decimal:
        """Multiply a table's amounts by this to get the document's unit (元 -> 万元: /10000)."""
        units = table_catalog()["units"]
        tu = self.doc.tables[tid].unit or self.unit
        return Decimal(units.get(self.unit, 1)) / Decimal(units.get(tu, 1))

    def _halves(self, tid: str, kind: str, frame: pd.DataFrame) -> list[dict]:
        """Per row, {column: half a unit of its last printed decimal, in the document's unit}
        for the amounts printed with fewer decimals than the fen (XBRL Calculations 1.1: a
        value v printed with d decimals stands for v ± 0.5·10^-d). Exact cells are left out."""
        t = self.doc.tables[tid]
        fen = FEN_DECIMALS.get(t.unit or self.unit, 6)
        out = [{} for _ in range(len(frame))]
        dec = t.decimals.get("data" if kind == "detail" else "total")
        if dec is None or dec.empty:
            return out
        dec = dec.reindex(frame.index)
        f = self.factor(tid)
        for c in dec.columns:
            for i, d in enumerate(dec[c].tolist()):
                if d is not None and d is not pd.NA and int(d) < fen:
                    out[i][c] = Decimal(5).scaleb(-(int(d) + 1)) * f
        return out

    def rows(self, tid: str, kind: str = "detail", scaled: bool = True) -> list[dict] | None:
        """Detail or 合计 rows of `tid` as records (amounts: Decimal, document unit), or None."""
        if tid not in self.doc.tables:
            return None
        key = (tid, kind, scaled)
        if key not in self._recs:
            t = self.doc.tables[tid]
            frame = t.data if kind == "detail" else t.total
            f = self.factor(tid) if scaled else None
            cols = {c: frame[c].tolist() for c in frame.columns}  # column-wise: fast on Arrow arrays
            for c in self.amounts[tid]:
                cols[c] = [ZERO if v is None or v is pd.NA else (v * f if f is not None else v) for v in cols[c]]
            for c in ("page", "line"):
                cols[c] = [None if v is None or v is pd.NA else int(v) for v in cols.get(c, [None] * len(frame))]
            names = list(cols)
            halves = self._halves(tid, kind, frame) if scaled else [{}] * len(frame)
            self._recs[key] = [dict(zip(names, vals), _kind=kind, _i=i, _half=halves[i])
                               for i, vals in enumerate(zip(*cols.values()))]
        return self._recs[key]

    def grand_total(self, tid: str) -> list[dict]:
        """The printed 合计 row (``Table.grand_total_row``), or [] when the table prints none."""
        i = self.doc.tables[tid].grand_total_row() if tid in self.doc.tables else None
        return [] if i is None else self.rows(tid, "total")[i:i + 1]

    def select(self, ref: Ref) -> tuple[Decimal, list[Rows], Decimal, list[str]]:
        """Evaluate one term: (signed amount, rows used, rounding allowance of the values used, notes)."""
        notes: list[str] = []
        kinds = {"value": ["detail"], "sum": ["detail"], "printed": ["total"]}.get(ref.fn)
        if ref.fn == "total":
            kinds = ["total"] if self.grand_total(ref.table) else ["detail"]
        amount, used, n = ZERO, [], ZERO
        for kind in kinds:
            recs = self.rows(ref.table, kind)
            if recs is None:
                notes.append(f"{ref.table} absent")
                continue
            if ref.column not in self.amounts[ref.table]:
                # a column the table does not print (another family's layout) is no input, not a 0
                notes.append(f"{ref.table} has no column {ref.column}")
                continue
            if kind == "total":
                # the table's own total row (合计, or the department's row above its units): the
                # 类/款 aggregate rows kept after it are parts of it (T05 合计 was read ×3)
                recs = (None if ref.filters else self.grand_total(ref.table)) or recs[:1]
            picked = [r for r in recs if _matches(r, ref.filters)]
            if not picked and ref.fn in ("value", "printed"):
                notes.append(f"no row {ref.text()}")
            amount += sum((r[ref.column] for r in picked), ZERO)
            n += sum((half(r, ref.column) for r in picked), ZERO)
            used.append(Rows(ref.table, [dict(r, _amount=ref.sign * r[ref.column]) for r in picked], kind))
        return ref.sign * amount, used, n, notes


def half(rec: dict, col: str) -> Decimal:
    """Rounding allowance of one printed value (0 when printed to the fen or unknown)."""
    return rec["_half"].get(col, ZERO) if rec.get("_half") else ZERO


def _matches(rec: dict, filters) -> bool:
    for col, op, values in filters:
        v = rec.get(col)
        s = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)
        if op == "^=":
            ok = s.startswith(values)
        elif op == "~=":
            ok = any(fold(x) in fold(s) for x in values)
        else:
            ok = (s in values) == (op == "=")
        if not ok:
            return False
    return True


# ------------------------------------------------------------------------------- results
@dataclass
class Result:
    """One rule instance checked on one document."""

    rule: Rule
    status: str
    left: Decimal | None = None
    right: Decimal | None = None
    tolerance: Decimal | None = None
    tables: tuple[str, ...] = ()
    location: str = ""
    text: dict = field(default_factory=dict)  # lang -> explanation
    drill: list[dict] = field(default_factory=list)  # the rows / keys behind a difference
    # What the result depends on, for grouping consequences under their root (one defect, one
    # finding). reads: the values it read, {table, column, kind (detail|total), filters, sign
    # (+1 left side, -1 right side), rows (record numbers), full (all rows of those filters
    # count, so a gap there passes into this difference whole)}. gaps: for a failure within one
    # table, where its difference sits: {table, column, kind, filters, row (None: the rows
    # under those filters; else one record), gap}. delta: the difference the echo test uses.
    reads: list[dict] = field(default_factory=list, repr=False)
    gaps: list[dict] = field(default_factory=list, repr=False)
    delta: Decimal | None = None
    pages: tuple[int, ...] = ()
    root_id: str = ""  # the defect this result is a root of (D1, D2, …)
    echo_of: str = ""  # the defect(s) this result echoes (D1, or D1+D2)
    relation: str = ""  # how an echo's difference follows from its roots: "equal" or "within"

    @property
    def difference(self) -> Decimal | None:
        return None if self.left is None or self.right is None else self.left - self.right


def _status(diff: Decimal, tol: Decimal, op: str = "=") -> str:
    """pass / rounding / mismatch for left - right = diff under comparison op."""
    excess = {"=": abs(diff), "<=": max(diff, ZERO), ">=": max(-diff, ZERO)}[op]
    if excess == 0:
        return "pass"
    return "rounding" if excess <= tol else "mismatch"


def _worst(statuses) -> str:
    order = {"mismatch": 5, "unreadable": 4, "rounding": 3, "info": 2, "pass": 1, "not_applicable": 0}
    return max(statuses, key=order.get, default="not_applicable")


def _fmt(d: Decimal | None, unit: str) -> str:
    if d is None:
        return "—"
    return f"{d:,.{FEN_DECIMALS.get(unit, 6)}f}"


def _label(rec: dict, keys: list[str]) -> str:
    if rec.get("_kind") == "total":
        return "合计"
    return "/".join(str(rec[c]) for c in keys if rec.get(c) not in (None, ""))


def _pos(recs: list[dict]) -> str:
    pages = [r["page"] for r in recs if r.get("page") is not None]
    lines = [r["line"] for r in recs if r.get("line") is not None]
    if pages:
        if len(recs) == 1:
            return f"p.{pages[0]} r.{lines[0]}" if lines else f"p.{pages[0]}"
        return f"p.{min(pages)}" if min(pages) == max(pages) else f"pp.{min(pages)}-{max(pages)}"
    if lines:
        return f"line {lines[0]}" if len(lines) == 1 else f"lines {min(lines)}-{max(lines)}"
    return ""


def _where(rows: list[Rows], ctx: Context, limit: int = 3) -> str:
    """'T03 lines 53-94 (39 rows)', 'T01 line 35 (本年支出合计)', 'T05 p.5 r.3 (2010301)'."""
    parts = []
    for r in rows:
        if not r.recs:
            continue
        if r.kind == "total":
            parts.append(f"{r.table} 合计 {_pos(r.recs)}")
            continue
        keys = ctx.keys.get(r.table, [])
        labels = [_label(x, keys) for x in r.recs]
        tail = f" ({'; '.join(labels)})" if keys and len(labels) <= limit else \
            (f" ({len(labels)} rows)" if len(labels) > 1 else "")
        parts.append(f"{r.table} {_pos(r.recs)}{tail}")
    return "; ".join(parts)


def _pages(recs) -> tuple[int, ...]:
    return tuple(sorted({r["page"] for r in recs if r.get("page") is not None}))


def _printed_on_any_side(ref: Ref, ctx: Context) -> bool:
    """Does the table print a row of this line on either side (the filters without ``side``)?"""
    # a 合计/结转/总计 line printed on one side shows the layout has it; a named item (国有资本经营…)
    # is looked for on its own side only (the other side's 国有资本经营预算支出 is another line)
    named = any(f[0] == "item" for f in ref.filters)
    filters = tuple(f for f in ref.filters if f[0] != "side" or named)
    kinds = ("total",) if ref.fn == "printed" else ("detail", "total")
    return any(_matches(r, filters) for k in kinds for r in (ctx.rows(ref.table, k) or []))


def _unprinted(table: str, columns, ctx: Context) -> list[str]:
    """The columns of `table` a rule needs that this document does not print: an amount column
    outside the table's headers (another family's layout), or a key column (a code a filter or a
    grouping reads) that no row fills, e.g. a 支出总表 printed by function code only, with no
    部门经济分类. Such an input is unknown, not 0: the rule is not_applicable."""
    t = ctx.doc.tables.get(table)
    if t is None:
        return []
    out = []
    for col in dict.fromkeys(columns):
        if col in t.data.columns and t.data[col].dtype == AMOUNT_DTYPE:
            if col not in ctx.amounts.get(table, []):
                out.append(col)
        elif not any(str(r.get(col) or "").strip() for k in ("detail", "total") for r in ctx.rows(table, k) or []):
            out.append(col)
    return out


def _not_printed(rule: Rule, refs, ctx: Context) -> Result | None:
    """not_applicable when a (non-optional) term reads a column its table does not print."""
    for ref in refs:
        if ref.table in rule.optional:
            continue
        missing = _unprinted(ref.table, [ref.column] + [f[0] for f in ref.filters], ctx)
        if missing:
            what = "、".join(f"{ref.table}.{c}" for c in missing)
            return _not_applicable(rule, f"本文档不印 {what}（{ref.text()} 的输入）",
                                   f"this document does not print {what} (needed by {ref.text()})")
    return None


def _read(table: str, column: str, kind: str, filters, sign: int, recs, full: bool = True) -> dict:
    return {"table": table, "column": column, "kind": kind, "filters": frozenset(filters or ()), "sign": sign,
            "rows": frozenset(r["_i"] for r in recs), "full": full}


def _drill_rows(rows: list[Rows], side: str, ctx: Context) -> list[dict]:
    return [{"side": side, "table": r.table, "row_kind": r.kind, "key": _label(x, ctx.keys.get(r.table, [])),
             "amount": x["_amount"], "page": x.get("page"), "line": x.get("line")}
            for r in rows for x in r.recs]


def _verdict(status: str, diff: Decimal | None, tol: Decimal | None, unit: str, lang: str) -> str:
    if status == "pass":
        return "相符" if lang == "zh" else "they agree"
    gap = _fmt(diff, unit)
    if status == "rounding":
        return (f"相差 {gap} {unit}，在打印精度容差 {_fmt(tol, unit)} 内（尾差）" if lang == "zh"
                else f"they differ by {gap} {unit}, within the printed-precision tolerance {_fmt(tol, unit)} (rounding)")
    return f"不符，相差 {gap} {unit}" if lang == "zh" else f"MISMATCH: they differ by {gap} {unit}"


def _not_applicable(rule: Rule, why_zh: str, why_en: str) -> Result:
    return Result(rule, "not_applicable", tables=rule.tables,
                  text={"zh": f"不适用：{why_zh}", "en": f"not applicable: {why_en}"})



# ------------------------------------------------------------------------------- rule kinds
def check_compare(rule: Rule, ctx: Context, op: str | None = None) -> list[Result]:
    """equal / le / coverage: two sides, each a sum of terms, compared once."""
    l_text, cmp, r_text = _split_comparison(rule.check)
    op = op or cmp
    sides, rows, notes, tol, reads, refs = [], {"left": [], "right": []}, [], ZERO, [], {"left": [], "right": []}
    for name, text in (("left", l_text), ("right", r_text)):
        parsed = parse_side(text)
        if isinstance(parsed, Decimal):
            sides.append(parsed)
            continue
        total = ZERO
        unprinted = _not_printed(rule, parsed, ctx)
        if unprinted:
            return [unprinted]
        for ref in parsed:
            amount, used, allowance, why = ctx.select(ref)
            total += amount
            rows[name] += used
            refs[name].append(ref)
            reads += [_read(ref.table, ref.column, u.kind, ref.filters, (1 if name == "left" else -1) * ref.sign,
                            u.recs) for u in used]
            notes += [] if ref.table in rule.optional else why  # an absent optional table is simply 0
            if ref.table not in rule.optional and any("has no column" in w for w in why):
                # the document does not print this input column (another family's layout)
                return [_not_applicable(rule, f"{ref.table} 未印 {ref.text()}",
                                        f"{ref.table} does not print {ref.text()}")]
            tol += allowance
        sides.append(total)
        lines = [r for r in refs[name] if r.table not in rule.optional]
        if lines and all(r.fn in ("value", "printed") and not _printed_on_any_side(r, ctx) for r in lines):
            # a side made only of lines this document's layout never prints (no 本年收入合计 line on
            # either side, say): not a 0, nothing to compare. A line printed on the other side of
            # the table shows the layout has it, so a missing one is still counted (and caught).
            what = "、".join(r.text() for r in lines)
            return [_not_applicable(rule, f"本文档的表式不印 {what}", f"this document's layout does not print {what}")]
    left, right = sides
    tol = tol if rule.tolerance != "exact" else ZERO
    status = _status(left - right, tol, op)
    u, sym = ctx.unit, {"=": "=", "<=": "≤", ">=": "≥"}[op]
    zh = (f"{rule.zh}：左 {_fmt(left, u)}，右 {_fmt(right, u)} {u}（应 {sym}）："
          + _verdict(status, left - right, tol, u, "zh"))
    en = (f"{rule.en}: left {_fmt(left, u)}, right {_fmt(right, u)} {u} (expected {sym}): "
          + _verdict(status, left - right, tol, u, "en"))
    if rule.kind == "coverage" and right:
        zh += f"；覆盖率 {left / right * 100:.1f}%"
        en += f"; coverage {left / right * 100:.1f}%"
    if notes:
        zh += "（注：" + "；".join(notes) + "，按 0 计）"
        en += " (note: " + "; ".join(notes) + ", counted as 0)"
    drill = _drill_rows(rows["left"], "left", ctx) + _drill_rows(rows["right"], "right", ctx)
    gaps = []
    if len({r.table for rs in refs.values() for r in rs}) == 1:
        # an identity within one table: its difference sits in the summed (detail) side
        detail = next((n for n in ("left", "right") if any(r.fn == "sum" for r in refs[n])), None)
        if detail:
            gap = (left - right) * (1 if detail == "left" else -1)
            gaps = [{"table": r.table, "column": r.column, "kind": "detail", "filters": frozenset(r.filters),
                     "row": None, "gap": gap} for r in refs[detail][:1]]
    pages = _pages([x for u in rows["left"] + rows["right"] for x in u.recs])
    return [Result(rule, status, left, right, tol, rule.tables, _where(rows["left"] + rows["right"], ctx),
                   {"zh": zh, "en": en}, drill, reads, gaps, left - right, pages)]


def _row_spec(check: str):
    """'T06[dept_economic_code^=301|303]: public_cost = 0' -> (table, filters, left col, right)."""
    head, expr = check.split(":", 1)
    m = re.match(r"^\s*(T\d\d\w*)\s*(?:\[(.*)\])?\s*$", head)
    left, _, right = _split_comparison(expr)
    return m.group(1), _parse_filters(m.group(2)), left, right.strip()


def check_row_sum(rule: Rule, ctx: Context) -> list[Result]:
    """row_sum / classification: an identity within every row (detail and 合计 rows)."""
    tid, filters, left_col, right_text = _row_spec(rule.check)
    amounts = ctx.amounts[tid]
    if left_col not in amounts:
        return [_not_applicable(rule, f"{tid} 无 {left_col} 列", f"{tid} has no column {left_col}")]
    const, terms = ZERO, []
    if re.fullmatch(r"-?\d+(\.\d+)?", right_text):
        const = Decimal(right_text)
    else:
        for tok in (t.strip() for t in right_text.split("+")):
            # a|b: the first of alternative columns the table prints (人员经费, or Hunan's 人员类)
            tok = next((a for a in tok.split("|") if a in amounts), tok.split("|")[0])
            if "*" not in tok and tok not in amounts:
                return [_not_applicable(rule, f"{tid} 无 {tok} 列", f"{tid} has no column {tok}")]
            pat = re.compile("^" + re.escape(tok).replace(r"\*", ".*") + "$")
            terms += [c for c in amounts if pat.match(c) and c != left_col and c not in terms]
        if not terms:
            # the parts are not printed (上年结转结余 as one column, no sources): nothing to add up
            return [_not_applicable(rule, f"{tid} 未印 {right_text}", f"{tid} does not print {right_text}")]
    exact = rule.tolerance == "exact"
    row_tol = lambda rec: ZERO if exact else half(rec, left_col) + sum((half(rec, c) for c in terms), ZERO)  # noqa: E731
    keys, checked, bad = ctx.keys.get(tid, []), [], []
    for rec in ctx.rows(tid) + ctx.rows(tid, "total"):
        if not _matches(rec, filters):
            continue
        lv, rv = rec[left_col], const + sum((rec[c] for c in terms), ZERO)
        st = _status(lv - rv, row_tol(rec))
        checked.append(rec)
        if st != "pass":
            bad.append({"row_kind": rec["_kind"], "key": _label(rec, keys), "left": lv, "right": rv,
                        "difference": lv - rv, "status": st, "page": rec["page"], "line": rec["line"], "_rec": rec})
    if not checked:
        return [_not_applicable(rule, f"{tid} 中无适用的行", f"no rows of {tid} to check")]
    status = _worst([b["status"] for b in bad]) if bad else "pass"
    pool = [b["_rec"] for b in bad] or [r for r in checked if r["_kind"] == "detail"] or checked
    left = sum((r[left_col] for r in pool), ZERO)
    right = sum((const + sum((r[c] for c in terms), ZERO) for r in pool), ZERO)
    where = _where([Rows(tid, [r for r in pool if r["_kind"] == k], k) for k in ("detail", "total")], ctx)
    u, expr = ctx.unit, f"{left_col} = {right_text}"
    if bad:
        worst = max(bad, key=lambda b: abs(b["difference"]))
        zh = (f"{rule.zh}：{tid} 共 {len(checked)} 行中有 {len(bad)} 行不满足 {expr}；这些行左式合计 "
              f"{_fmt(left, u)}，右式合计 {_fmt(right, u)}；最大差额 {_fmt(worst['difference'], u)} {u}"
              + (f"（{worst['key']}）" if worst["key"] else ""))
        en = (f"{rule.en}: {len(bad)} of {len(checked)} rows of {tid} break {expr}; over those rows the left "
              f"side is {_fmt(left, u)} against {_fmt(right, u)}; largest gap {_fmt(worst['difference'], u)} {u}"
              + (f" ({worst['key']})" if worst["key"] else ""))
    else:
        zh = f"{rule.zh}：{tid} 全部 {len(checked)} 行满足 {expr}"
        en = f"{rule.en}: all {len(checked)} rows of {tid} satisfy {expr}"
    drill = [{k: v for k, v in b.items() if k != "_rec"} for b in bad]
    tol = sum((row_tol(r) for r in pool), ZERO)
    bad_recs = [b["_rec"] for b in bad]
    reads = [_read(tid, c, r["_kind"], None, sign, [r]) for r in bad_recs
             for c, sign in [(left_col, 1)] + [(c, -1) for c in terms]]
    gaps = [{"table": tid, "column": left_col, "kind": b["_rec"]["_kind"], "filters": frozenset(),
             "row": b["_rec"]["_i"], "gap": b["difference"]} for b in bad]
    return [Result(rule, status, left, right, tol, (tid,), where, {"zh": zh, "en": en}, drill, reads, gaps,
                   sum((b["difference"] for b in bad), ZERO), _pages(bad_recs or pool))]


def check_column_total(rule: Rule, ctx: Context) -> list[Result]:
    """column_total: per amount column, the detail rows sum to the printed 合计 row."""
    tid, cols_text = (s.strip() for s in rule.check.split(":", 1))
    detail, total = ctx.rows(tid), ctx.grand_total(tid)
    if not total:
        return [_not_applicable(rule, f"{tid} 未印合计行", f"{tid} prints no 合计 row")]
    amounts = ctx.amounts[tid]
    wanted = amounts if cols_text == "*" else [c.strip() for c in cols_text.split(",")]
    headers, out, u = ctx.doc.tables[tid].headers, [], ctx.unit
    where = _where([Rows(tid, detail), Rows(tid, total, "total")], ctx)
    for col in (c for c in wanted if c in amounts):
        left, right = sum((r[col] for r in detail), ZERO), total[0][col]
        tol = ZERO if rule.tolerance == "exact" else sum((half(r, col) for r in detail + total[:1]), ZERO)
        st = _status(left - right, tol)
        name = headers.get(col, col)
        zh = f"{tid} 明细行“{name}”列之和 {_fmt(left, u)} {u}，合计行 {_fmt(right, u)} {u}：" + \
            _verdict(st, left - right, tol, u, "zh")
        en = f"{tid} detail rows of '{col}' sum to {_fmt(left, u)} {u}; the printed 合计 row says " \
             f"{_fmt(right, u)} {u}: " + _verdict(st, left - right, tol, u, "en")
        if st == "mismatch" and left < right:
            zh += "（明细行少于合计：有行未列出或未读到）"
            en += " (the detail rows fall short of the 合计: rows are missing from the table or were not read)"
        drill = [{"column": col, "header": name, "detail_sum": left, "printed_total": right,
                  "difference": left - right, "rows": len(detail)}] if st != "pass" else []
        gaps = [{"table": tid, "column": col, "kind": "detail", "filters": frozenset(), "row": None,
                 "gap": left - right}]
        out.append(Result(replace(rule, instance=col), st, left, right, tol, (tid,), where,
                          {"zh": zh, "en": en}, drill, [], gaps, left - right, _pages(detail + total)))
    return out or [_not_applicable(rule, f"{tid} 无金额列", f"{tid} has no amount columns")]


def _key_of(key: str, ctx: Context):
    """Group key per record: 'function_code', 'function_code[:3]' (类), 'class(item)' (名称→类编码)."""
    m = re.fullmatch(r"class\((\w+)\)", key)
    if m:
        col = m.group(1)
        return lambda r: ctx.classes.get(fold(str(r.get(col) or "")), f"?{r.get(col)}")
    m = re.fullmatch(r"(\w+)(?:\[:(\d+)\])?", key)
    col, n = m.group(1), int(m.group(2)) if m.group(2) else None
    return lambda r: str(r.get(col) or "")[:n]


def check_aggregate(rule: Rule, ctx: Context, op: str | None = None) -> list[Result]:
    """aggregate_match: both sides grouped by a key, compared key by key."""
    l_text, cmp, r_text = _split_comparison(rule.check)
    op = op or cmp
    groups: dict[str, dict] = {}
    reads, ungrouped = [], []
    for side, text in (("left", l_text), ("right", r_text)):
        expr, key = text.rsplit(" by ", 1)
        key_of = _key_of(key.strip(), ctx)
        by_class = "class(" in key or "[:" in key  # a row with no code or an unknown name has no 类
        name_col = re.sub(r"^class\(|\W.*$", "", key.strip()).replace("_code", "_name")
        key_col = re.sub(r"^class\(|\W.*$", "", key.strip())
        unprinted = _not_printed(rule, [replace(r, filters=r.filters + ((key_col, "=", ()),))
                                        for r in parse_side(expr)], ctx)
        if unprinted:
            return [unprinted]
        for ref in parse_side(expr):
            if ref.column not in ctx.amounts.get(ref.table, []):
                continue
            exact = rule.tolerance == "exact"
            # key by key with "=", the keys that agree add nothing: the failing keys carry the
            # whole difference of the columns read; with <= / >= they need not
            reads.append(_read(ref.table, ref.column, "detail", ref.filters, (1 if side == "left" else -1) * ref.sign,
                               [r for r in ctx.rows(ref.table) if _matches(r, ref.filters)], full=op == "="))
            for rec in ctx.rows(ref.table):
                if not _matches(rec, ref.filters):
                    continue
                if by_class and rec[ref.column] and key_of(rec)[:1] in ("", "?"):
                    # an amount with no key (a row without a code, a line named like no 类)
                    ungrouped.append(f"{ref.table} {_label(rec, ctx.keys.get(ref.table, [])) or _pos([rec])}")
                g = groups.setdefault(key_of(rec), {"left": ZERO, "right": ZERO, "tol": ZERO, "name": "",
                                                    "rows": {"left": {}, "right": {}}})
                g[side] += ref.sign * rec[ref.column]
                g["tol"] += ZERO if exact else half(rec, ref.column)
                g["rows"][side].setdefault(ref.table, []).append(dict(rec, _amount=rec[ref.column]))
                g["name"] = g["name"] or str(rec.get(name_col) or "")
    if ungrouped:
        # the document does not print these amounts by 类 (T01 支出 by 基本/项目支出, names without
        # codes): no grouping to compare, which is not a difference
        what = "、".join(ungrouped[:3]) + (" …" if len(ungrouped) > 3 else "")
        return [_not_applicable(rule, f"无法按分类归组：{what}", f"cannot be grouped by its key: {what}")]
    u, recs = ctx.unit, []
    for k, g in sorted(groups.items()):
        if g["left"] == 0 and g["right"] == 0:
            continue
        st = _status(g["left"] - g["right"], g["tol"], op)
        loc = {s: _where([Rows(t, rs) for t, rs in g["rows"][s].items()], ctx, 1) for s in ("left", "right")}
        recs.append({"key": k, "name": g["name"], "left": g["left"], "right": g["right"],
                     "difference": g["left"] - g["right"], "status": st,
                     "left_location": loc["left"], "right_location": loc["right"]})
    left = sum((g["left"] for g in groups.values()), ZERO)
    right = sum((g["right"] for g in groups.values()), ZERO)
    tol = sum((g["tol"] for g in groups.values()), ZERO)
    bad = [r for r in recs if r["status"] != "pass"]
    status = _worst([r["status"] for r in bad]) if bad else ("pass" if recs else "not_applicable")
    sym = {"=": "=", "<=": "≤", ">=": "≥"}[op]
    if bad:
        more = f" …(+{len(bad) - 8})" if len(bad) > 8 else ""
        zh = f"{rule.zh}：{len(recs)} 个键中 {len(bad)} 个不满足 {sym}：" + "；".join(
            f"{r['key']} {r['name']} {_fmt(r['left'], u)} 对 {_fmt(r['right'], u)}（差 {_fmt(r['difference'], u)}）"
            for r in bad[:8]) + more
        en = f"{rule.en}: {len(bad)} of {len(recs)} keys break {sym}: " + "; ".join(
            f"{r['key']} {r['name']} {_fmt(r['left'], u)} vs {_fmt(r['right'], u)} (gap {_fmt(r['difference'], u)})"
            for r in bad[:8]) + more
        where = "; ".join(f"{r['key']}: {r['left_location']} | {r['right_location']}" for r in bad[:8])
    else:
        zh = f"{rule.zh}：{len(recs)} 个键逐一满足 {sym}（左合计 {_fmt(left, u)}，右合计 {_fmt(right, u)} {u}）"
        en = f"{rule.en}: all {len(recs)} keys satisfy {sym} (left {_fmt(left, u)}, right {_fmt(right, u)} {u})"
        where = f"{len(recs)} keys"
    pages = _pages([x for k in bad for g in [groups[k["key"]]] for rs in g["rows"].values()
                    for recs_ in rs.values() for x in recs_])
    return [Result(rule, status, left, right, tol, rule.tables, where, {"zh": zh, "en": en}, bad, reads, [],
                   sum((b["difference"] for b in bad), ZERO), pages)]


def _fold_name(name: str) -> str:
    """A classification name compared without punctuation, brackets or whitespace."""
    return re.sub(r"[\W_]+", "", fold(name))


@lru_cache(maxsize=None)
def _code_list(kind: str) -> dict[str, dict]:
    """code -> {'names': folded names it is printed with (name + aliases), 'documents': n}."""
    codes = classification()
    out = {}
    for r in codes[codes["kind"] == kind].itertuples(index=False):
        names = [r.name] + [a for a in str(getattr(r, "aliases", "") or "").split("|") if a]
        docs = str(getattr(r, "documents", "") or "")
        out[r.code] = {"name": r.name, "names": {_fold_name(n) for n in names},
                       "documents": int(docs) if docs.isdigit() else 0}
    return out


def _code_problem(code: str, name: str, lengths: list[int], known: dict) -> tuple[str, str] | None:
    """(level, what) for one printed code: 'warning' only for what is really wrong (malformed,
    a 类 nobody knows, a name that contradicts the name the code has everywhere else);
    'info' for a plausible code the list simply lacks; None when all is well."""
    if not code.isdigit() or len(code) not in lengths:
        return "warning", f"malformed (expected {'/'.join(map(str, lengths))} digits)"
    cls = code[:min(lengths)]
    if cls not in known:
        return "warning", f"class {cls} unknown"
    entry = known.get(code)
    if entry is None:
        missing = [code[:n] for n in lengths if n < len(code) and code[:n] not in known]
        return "info", "not in the list" + (f" (nor its parent {', '.join(missing)})" if missing else "")
    printed = _fold_name(name)
    # A name seen in one document only is no authority to contradict; a wrapped or abridged
    # name (one contains the other) is the same name.
    if printed and entry["documents"] >= 2 and printed not in entry["names"] \
            and not any(printed in n or n in printed for n in entry["names"]):
        return "warning", f"printed name contradicts {entry['name']} (printed so by {entry['documents']} documents)"
    return None


def check_known_codes(rule: Rule, ctx: Context) -> list[Result]:
    """known_codes: every printed code is well-formed, of a known 类, and printed with the name it
    has everywhere else (a warning otherwise); a plausible code the list lacks is info."""
    cols_text, spec = rule.check.rsplit(" in ", 1)
    m = re.fullmatch(r"\s*(\w+)\[([\d,\s]+)\]\s*", spec)
    kind, lengths = m.group(1), [int(x) for x in m.group(2).split(",")]
    known = _code_list(kind)
    seen, flagged = set(), {}
    for part in cols_text.split(","):
        tid, col = part.strip().split(".")
        name_col = col.replace("_code", "_name")
        for rec in ctx.rows(tid) or []:
            code = str(rec.get(col) or "")
            if not code:
                continue
            name = str(rec.get(name_col) or "")
            seen.add(code)
            problem = _code_problem(code, name, lengths, known)
            if problem:
                u = flagged.setdefault((code, name), {"code": code, "name": name, "level": problem[0],
                                                      "problem": problem[1], "rows": {}})
                u["rows"].setdefault(tid, []).append(rec)
    if not seen:
        return [_not_applicable(rule, "无编码", "no codes to check")]
    drill = [{"code": u["code"], "name": u["name"], "level": u["level"], "problem": u["problem"],
              "location": _where([Rows(t, rs) for t, rs in u["rows"].items()], ctx, 1)}
             for u in sorted(flagged.values(), key=lambda u: (u["level"] != "warning", u["code"]))]
    warn = [d for d in drill if d["level"] == "warning"]
    info = [d for d in drill if d["level"] == "info"]
    lst = lambda ds: "; ".join(f"{d['code']} {d['name']} ({d['problem']})" for d in ds[:10]) \
        + (f" …(+{len(ds) - 10})" if len(ds) > 10 else "")  # noqa: E731
    zh, en = f"{rule.zh}：{len(seen)} 个编码", f"{rule.en}: {len(seen)} codes"
    if warn:
        zh += f"，{len(warn)} 个有误（格式不对、类未知或名称与他处不一致）：{lst(warn)}"
        en += f", {len(warn)} wrong (malformed, unknown class, or a name that contradicts the list): {lst(warn)}"
    if info:
        zh += f"，{len(info)} 个不在科目表（{kind}）中（仅提示）：{lst(info)}"
        en += f", {len(info)} not in the {kind} list (information only): {lst(info)}"
    if not drill:
        zh += "均在科目表中且名称一致"
        en += f": all in the {kind} list with their names"
    status = "mismatch" if warn else "info" if info else "pass"
    where = "; ".join(d["location"] for d in (warn or info)[:10])
    return [Result(rule, status, Decimal(len(warn)), ZERO, ZERO, rule.tables, where, {"zh": zh, "en": en}, drill)]


# ------------------------------------------------------------------------------ one defect, one finding
@dataclass
class Defect:
    """A defect of the document (or of its reading): the failing identities within one table
    that show it (its roots) and the identities across tables that only repeat it (its echoes).
    Roots in two tables with the very same gap (T03 and T05 both leaving out the same rows,
    T01 and T04 printing the same short class lines) are one defect printed twice."""

    id: str
    roots: list[Result]
    echoes: list[Result] = field(default_factory=list)

    @property
    def amount(self) -> Decimal | None:
        """The largest gap among the roots (signed: detail rows below the 合计 is negative)."""
        diffs = [r.difference for r in self.roots if r.difference is not None and r.rule.kind != "known_codes"]
        return max(diffs, key=abs) if diffs else None

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for r in self.roots for t in r.tables))

    @property
    def pages(self) -> tuple[int, ...]:
        return tuple(sorted({p for r in self.roots for p in r.pages}))

    def describe(self, unit: str, lang: str = "zh") -> str:
        """One line: what, where (tables and pages), how much."""
        parts = []
        for t in self.tables:
            rs = [r for r in self.roots if t in r.tables[:1]]
            what = list(dict.fromkeys(re.sub(r"^T\d\d\w*\s*[:：]\s*", "", r.rule.zh if lang == "zh" else r.rule.en)
                                      for r in rs))
            gaps = [f"{r.rule.instance + ' ' if r.rule.instance else ''}{_fmt(r.difference, unit)}" for r in rs
                    if r.difference is not None and r.rule.kind != "known_codes"]
            pages = _page_text(tuple(sorted({p for r in rs for p in r.pages})))
            sep = "；" if lang == "zh" else "; "
            parts.append(f"{t}{' ' + pages if pages else ''} {'不满足' if lang == 'zh' else 'breaks'} "
                         f"{sep.join(what)}"
                         + (f"（{', '.join(gaps)} {unit}）" if lang == "zh" and gaps else
                            f" ({', '.join(gaps)} {unit})" if gaps else ""))
        head = f"{self.id} " + ("；".join(parts) if lang == "zh" else "; ".join(parts))
        n = len(self.echoes)
        if lang == "zh":
            return head + (f"；另有 {n} 条跨表核对因此不符" if n else "")
        return head + (f"; echoed by {n} cross-table check{'s' if n > 1 else ''}" if n else "")


def _page_text(pages: tuple[int, ...]) -> str:
    if not pages:
        return ""
    return f"p.{pages[0]}" if len(pages) == 1 else f"pp.{pages[0]}-{pages[-1]}"


def _contributions(echo: Result, root: Result) -> tuple[Decimal, Decimal, bool]:
    """How much of the root's gap passes into `echo`'s difference: (exact part, bounded part,
    whether it reads the root at all). A gap in rows the echo reads whole passes whole (exact);
    a gap in rows it reads only part of (a filter more, or keys compared with <= / >=) passes
    at most whole (bounded)."""
    exact, bound, touched = ZERO, ZERO, False
    for g in root.gaps:
        for rd in echo.reads:
            if (rd["table"], rd["column"], rd["kind"]) != (g["table"], g["column"], g["kind"]):
                continue
            if g["row"] is not None:
                if g["row"] in rd["rows"]:
                    exact += rd["sign"] * g["gap"]
                    touched = True
            elif rd["filters"] == g["filters"] and rd["full"]:
                exact += rd["sign"] * g["gap"]
                touched = True
            elif rd["filters"] >= g["filters"]:
                bound += rd["sign"] * g["gap"]
                touched = True
    return exact, bound, touched


def _explained(f: Result, roots: list[Result]) -> tuple[list[Result], str]:
    """The roots whose gaps account for f's difference, and how ("equal" or "within")."""
    cands = []
    for r in roots:
        if r is f:
            continue
        exact, bound, touched = _contributions(f, r)
        if touched:
            cands.append((r, exact, bound))
    if not cands or f.delta is None:
        return [], ""
    tol = (f.tolerance or ZERO) + sum((r.tolerance or ZERO for r, _, _ in cands), ZERO)
    exact_ones = [(r, e) for r, e, b in cands if e and not b]
    # the smallest set of roots whose gaps add up to the difference
    from itertools import combinations
    for n in range(1, min(len(exact_ones), 4) + 1):
        for combo in combinations(exact_ones, n):
            if abs(sum((e for _, e in combo), ZERO) - f.delta) <= tol:
                return [r for r, _ in combo], "equal"
    # rows missing from a table show, partly, in any identity that reads some of them
    same = [(r, e + b) for r, e, b in cands if (e + b) and ((e + b) > 0) == (f.delta > 0)]
    if same and f.delta and abs(f.delta) <= sum((abs(c) for _, c in same), ZERO) + tol:
        return [r for r, _ in same], "within"
    return [], ""


def group_defects(results: list[Result]) -> list[Defect]:
    """One defect, one finding: every mismatch becomes a root of a defect or an echo of one.

    Failures within one table (column_total, row_sum, a one-table equal) are roots, unless a
    row_sum difference is exactly another row's gap in a subtotal it adds (T09 总额 short only
    because its 小计 is blank). A failure across tables whose difference equals the gaps of
    roots on the values it reads (or, reading only some of those rows, lies within them) is their
    echo; one that nothing explains is a defect of its own. Sets root_id / echo_of on results."""
    failing = [r for r in results if r.status == "mismatch"]
    for r in failing:
        r.root_id = r.echo_of = r.relation = ""
    within = [r for r in failing if r.gaps]
    # 1. a subtotal's gap echoes in the identity that adds the subtotal
    echoes: dict[int, tuple[list[Result], str]] = {}
    cell_roots = [r for r in within if r.rule.kind == "row_sum"]
    for f in cell_roots:
        explained, how = _explained(f, [r for r in cell_roots if r is not f])
        if how == "equal":
            echoes[id(f)] = (explained, how)
    for k, (explained, _) in list(echoes.items()):  # explaining each other: both stay roots
        if any(id(r) in echoes and any(id(x) == k for x in echoes[id(r)][0]) for r in explained):
            echoes.pop(k)
    roots = [r for r in within if id(r) not in echoes]
    # 2. everything else: an echo of the roots it reads, or a root of its own
    for f in failing:
        if f.gaps or id(f) in echoes:
            continue
        explained, how = _explained(f, roots)
        if explained:
            echoes[id(f)] = (explained, how)
        else:
            roots.append(f)
    # 3. roots -> defects: one table's column_total instances together; the same gap in two
    #    tables is one defect printed twice
    defects: list[Defect] = []
    of_root: dict[int, Defect] = {}
    for r in roots:
        d = next((d for d in defects if any(x.rule.id == r.rule.id and x.rule.kind == "column_total"
                                            for x in d.roots)), None)
        if d is None and r.gaps and r.difference:
            d = next((d for d in defects if d.amount == r.difference and all(x.gaps for x in d.roots)
                      and r.tables[0] not in d.tables), None)
        if d is None:
            d = Defect(f"D{len(defects) + 1}", [])
            defects.append(d)
        d.roots.append(r)
        of_root[id(r)] = d
    # lead with the largest; a later root of a defect may carry a larger gap than the first
    # (defects of the tables' own identities first, then codes, narrative claims and the like)
    defects.sort(key=lambda d: (0, -abs(d.amount)) if d.amount is not None and d.roots[0].gaps else (1, 0))
    for i, d in enumerate(defects, 1):
        d.id = f"D{i}"
        for r in d.roots:
            r.root_id = d.id
    for f in failing:
        if id(f) in echoes:
            explained, how = echoes[id(f)]
            ids = sorted(dict.fromkeys(of_root[id(r)].id for r in explained), key=lambda i: int(i[1:]))
            f.echo_of, f.relation = "+".join(ids), how
            for i in ids:
                d = next(d for d in defects if d.id == i)
                if f not in d.echoes:
                    d.echoes.append(f)
    return defects


# ------------------------------------------------------------------------------ the engine
def _condition(name: str, cat: Catalogue, ctx: Context) -> bool | None:
    """True / False, or None when the condition's tables are missing."""
    cond = cat.conditions[name]
    tables = set(re.findall(r"\b(T\d\d)\.", cond["check"]))
    if not all(ctx.present(t) for t in tables):
        return None
    r = check_compare(Rule(id=name, kind="equal", zh="", en="", tables=tuple(tables), check=cond["check"]), ctx)
    return r[0].status == "pass"


def _unreadable_inputs(rule: Rule, ctx: Context) -> list[str]:
    """Where the rule's inputs could not be read: a table left out for a problem, a table with
    an unreadable row, or an NA cell in a column the rule reads ('*' reads them all; a
    column_total instance reads its own column)."""
    out = []
    for tid in rule.tables:
        t = ctx.doc.tables.get(tid)
        probs = [p for p in ctx.doc.problems if (p.table or "").split(" ")[0] == tid]
        if t is None:
            out += [f"{tid} ({p.expected.split(';')[0]})" for p in probs if p.level == "table"]
            continue
        if not t.incomplete:
            continue
        out += [f"{tid} {p.page and f'p.{p.page} '}r.{p.row}" for p in probs if p.level == "row"]
        for frame in (t.data, t.total):
            for c in ctx.amounts.get(tid, []):
                qualified = f"{tid}." in rule.check  # 'total(T06.total)' names its table; 'T05: a = b' does not
                name = rf"{tid}\.{re.escape(c)}(?!\w)" if qualified else rf"(?<!\w){re.escape(c)}(?!\w)"
                reads = (c == rule.instance if rule.instance in ctx.amounts.get(tid, []) else
                         "*" in rule.check or re.search(name, rule.check))
                if c not in frame or not reads:
                    continue
                for page, line in frame.loc[frame[c].isna(), ["page", "line"]].itertuples(index=False):
                    out.append(f"{tid}.{c} " + (f"p.{page} r.{line}" if pd.notna(page) else f"line {line}"))
    return out


def _problem_results(doc: BudgetDocument) -> list[Result]:
    """One row per cell, row or table that could not be read, with status unreadable."""
    out = []
    for i, p in enumerate(doc.problems, 1):
        rule = Rule(id="P.unreadable", kind="problem", zh="无法读取的单元格、行或表", en="cell, row or table that "
                    "could not be read", tables=((p.table or "").split(" ")[0],), check="", instance=str(i))
        raw = f"“{p.raw}”" if p.raw else ""
        where = p.where().removeprefix(p.file + ": ")
        out.append(Result(rule, "unreadable", tables=rule.tables, location=where,
                          text={"zh": f"无法读取：{where} {raw}（{p.expected}）", "en": f"unreadable: {p.line()}"}))
    return out


def _run_rule(rule: Rule, cat: Catalogue, ctx: Context) -> list[Result]:
    results = _run_rule_inputs(rule, cat, ctx)
    if not ctx.doc.problems:
        return results
    lost = any(t not in ctx.doc.tables for t in rule.tables)  # only a problem's table is listed then
    for r in results:
        bad = _unreadable_inputs(r.rule, ctx)
        lst = "；".join(bad[:5]) + (f" …(+{len(bad) - 5})" if len(bad) > 5 else "")
        if bad:
            if r.status != "not_applicable" or lost:
                r.status = "unreadable"
                r.text = {"zh": f"无法判断（所需单元格无法读取：{lst}）：" + r.text["zh"],
                          "en": f"cannot be decided (inputs could not be read: {lst}): " + r.text["en"]}
    return results


def _run_rule_inputs(rule: Rule, cat: Catalogue, ctx: Context) -> list[Result]:
    missing = [t for t in rule.tables if not ctx.present(t)]
    if missing:
        absent = [t for t in missing if t not in ctx.doc.tables]
        return [_not_applicable(
            rule, "、".join(f"{t}{'缺失' if t in absent else '无明细行'}" for t in missing),
            ", ".join(f"{t} {'absent' if t in absent else 'has no rows'}" for t in missing))]
    op = None
    if rule.when:
        holds = _condition(rule.when, cat, ctx)
        if not holds:
            c = cat.conditions[rule.when]
            if not rule.otherwise:
                return [_not_applicable(rule, f"条件不成立：{c['zh']}", f"condition not met: {c['en']}")]
            op = rule.otherwise
    results = KIND_CHECKS[rule.kind](rule, ctx, op) if op else KIND_CHECKS[rule.kind](rule, ctx)
    if op:
        c = cat.conditions[rule.when]
        for r in results:
            r.text = {"zh": f"[条件“{c['zh']}”不成立或无法判断，改查 {op}] " + r.text["zh"],
                      "en": f"[condition '{c['en']}' does not hold or cannot be checked: checked {op} instead] "
                            + r.text["en"]}
    return results


# One small function per rule kind; `classification` is a row check, `le`/`coverage` comparisons.
KIND_CHECKS = {"equal": check_compare, "le": check_compare, "coverage": check_compare,
               "row_sum": check_row_sum, "classification": check_row_sum,
               "column_total": check_column_total, "aggregate_match": check_aggregate,
               "known_codes": check_known_codes}


def reconcile(doc: BudgetDocument, lang: str = "zh", rules: str | Path | Catalogue | None = None
              ) -> ReconciliationReport:
    """Run every rule of the catalogue on `doc` and return the report (核对报告).

    Every rule gives at least one row: pass, rounding, mismatch or not_applicable (a rule whose
    tables are absent or empty is never a pass). `lang` chooses the explanation language."""
    cat = rules if isinstance(rules, Catalogue) else load_rules(rules)
    ctx = Context(doc)
    results: list[Result] = []
    for rule in cat.rules:
        results += _run_rule(rule, cat, ctx)
    results += _problem_results(doc)
    if doc.narrative is not None:  # the 情况说明's claims, checked against the tables (claims.py)
        from .claims import check_narrative
        results += check_narrative(doc, lang)
    return ReconciliationReport(doc.name, doc.meta.get("source_name") or doc.name, ctx.unit, results, lang)


# A report reads one document's reconciliation in several places (the summary for the index,
# each page's banner, the overview's section), each page loading the document afresh in one
# kernel: ``reconciled`` runs it once per document per process.
_REPORTS: dict[tuple[str, str], ReconciliationReport] = {}
_REPORTS_KEPT = 8
_REPORTS_LOCK = threading.Lock()


def _plain_pickle(obj) -> bytes:
    """``obj`` pickled without pickle's memo: equal values give equal bytes whether or not they
    share objects (a parse holds one string where its read-back from the cache holds two equal
    ones, and a memo writes the second as a reference to the first)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=5)
    pickler.fast = True  # no memo (a self-referencing value raises: then no digest)
    pickler.dump(obj)
    return buf.getvalue()


def _known_decimals(decimals: dict) -> list:
    """A table's printed decimals, for a digest: a part where no cell's decimals are known is
    left out, as no part at all (both mean every amount exact; the parse cache keeps only
    the cells whose decimals are known)."""
    return [(part, frame_values(d)) for part, d in sorted(decimals.items())
            if d is not None and d.notna().to_numpy().any()]


def document_digest(doc: BudgetDocument) -> str | None:
    """A digest of everything ``reconcile`` reads from `doc` (meta, problems, narrative, the
    tables not recognised, and each table's attributes and rows, value by value): the same
    for two loads of one file (parsed, or read back from the parse cache), another once any
    value changes (an edited document is never given the original's report). None when it
    cannot be taken."""
    h = hashlib.blake2b(digest_size=16)
    try:
        h.update(_plain_pickle((doc.meta, doc.problems, doc.narrative, doc.raw_tables, doc.warnings)))
        for tid, t in doc.tables.items():
            attrs = {k: v for k, v in vars(t).items() if k not in ("data", "total", "decimals")}
            h.update(_plain_pickle((tid, attrs, frame_values(t.data), frame_values(t.total),
                                    _known_decimals(t.decimals))))
    except Exception:  # noqa: BLE001  (something unpicklable: no sharing, not an error)
        return None
    return h.hexdigest()


def reconciled(doc: BudgetDocument, lang: str = "zh") -> ReconciliationReport:
    """``reconcile(doc, lang)`` once per document per process: the report is kept (the last
    few documents) under the digest of the document's content, so every caller in a report
    shares one run. The report is shared: read it, do not change it.

    Across processes too: a report made here is handed to the report kernels this process
    started, and a report kernel takes the one its parent made (``handover``), under the same
    key: the pages' banners do not reconcile the document the index row reconciled."""
    digest = document_digest(doc)
    if digest is None:
        return reconcile(doc, lang)
    key = (digest, lang)
    with _REPORTS_LOCK:
        report = _REPORTS.get(key)
    if report is None:
        report = handover.take("reconciliation", key)
        if report is None:
            report = reconcile(doc, lang)
            handover.give("reconciliation", key, report)
        with _REPORTS_LOCK:
            _REPORTS[key] = report
            while len(_REPORTS) > _REPORTS_KEPT:
                del _REPORTS[next(iter(_REPORTS))]
    return report


# ------------------------------------------------------------------------------ the report
class ReconciliationReport:
    """What `reconcile` found: one row per rule instance, with drill-downs for differences."""

    def __init__(self, document: str, source_name: str, unit: str, results: list[Result], lang: str = "zh"):
        self.document, self.source_name, self.unit, self.results, self.lang = \
            document, source_name, unit, results, lang
        self.defects: list[Defect] = group_defects(results)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.summary().items())
        return f"<ReconciliationReport {self.source_name}: {counts}>"

    def _frame(self, lang: str) -> pd.DataFrame:
        rows = [{"rule_id": r.rule.id, "instance": r.rule.instance, "status": r.status,
                 "severity": r.rule.severity, "left": r.left, "right": r.right, "difference": r.difference,
                 "tolerance": r.tolerance, "unit": self.unit, "tables": ",".join(r.tables),
                 "location": r.location, "explanation": r.text.get(lang, ""),
                 "description": r.rule.zh if lang == "zh" else r.rule.en,
                 "root_id": r.root_id, "echo_of": r.echo_of} for r in self.results]
        f = pd.DataFrame(rows, columns=COLUMNS)
        for c in ("left", "right", "difference", "tolerance"):
            f[c] = pd.array([None if v is None else v for v in f[c]], dtype=AMOUNT_DTYPE)
        return f

    @property
    def frame(self) -> pd.DataFrame:
        """rule_id, instance, status, severity, left, right, difference (exact), tolerance, unit,
        tables, location, explanation, description, root_id (the defect a mismatch is a root of),
        echo_of (the defect(s) a mismatch only repeats)."""
        return self._frame(self.lang)

    def defect_frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per defect: id, tables, pages, amount (the largest gap), what (one line),
        roots and echoes (rule[instance] lists)."""
        lang = lang or self.lang
        name = lambda r: f"{r.rule.id}[{r.rule.instance}]" if r.rule.instance else r.rule.id  # noqa: E731
        return pd.DataFrame([{"defect": d.id, "tables": ",".join(d.tables), "pages": _page_text(d.pages),
                              "amount": d.amount, "what": d.describe(self.unit, lang),
                              "roots": "; ".join(map(name, d.roots)), "echoes": "; ".join(map(name, d.echoes))}
                             for d in self.defects],
                            columns=["defect", "tables", "pages", "amount", "what", "roots", "echoes"])

    def in_language(self, lang: str) -> ReconciliationReport:
        return ReconciliationReport(self.document, self.source_name, self.unit, self.results, lang)

    def summary(self) -> pd.Series:
        """Counts by status (all four statuses, zeros included)."""
        counts = pd.Series([r.status for r in self.results]).value_counts()
        return pd.Series({s: int(counts.get(s, 0)) for s in STATUSES}, name="rules")

    def failures(self) -> pd.DataFrame:
        """Mismatches (errors before warnings), then what could not be read, then rounding."""
        f = self.frame
        f = f[f["status"].isin(["mismatch", "unreadable", "rounding"])].copy()
        order = {"mismatch": 0, "unreadable": 2, "rounding": 4}
        f["_o"] = [order[s] + (sev != "error") for s, sev in zip(f["status"], f["severity"])]
        return f.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)

    @property
    def ok(self) -> bool:
        """True when no error-severity rule is a mismatch (warnings and rounding do not count)."""
        return not any(r.status == "mismatch" and r.rule.severity == "error" for r in self.results)

    def status(self, rule_id: str, instance: str | None = None) -> str:
        """The status of one rule (the worst over its instances, or of one instance)."""
        return _worst(r.status for r in self.results
                      if r.rule.id == rule_id and (instance is None or r.rule.instance == instance))

    def drilldown(self, rule_id: str, instance: str | None = None) -> pd.DataFrame:
        """The keys / rows that account for the rule's difference (for a passing rule: its rows)."""
        if not any(r.rule.id == rule_id for r in self.results):
            raise KeyError(f"no rule {rule_id!r} in this report")
        recs = [dict(d, instance=r.rule.instance) for r in self.results
                if r.rule.id == rule_id and (instance is None or r.rule.instance == instance) for d in r.drill]
        return pd.DataFrame(recs)

    # -- output ---------------------------------------------------------------------------
    def _display(self) -> pd.DataFrame:
        f = self.frame
        for c in ("left", "right", "difference"):
            f[c] = [_fmt(v, self.unit) if pd.notna(v) else "" for v in f[c]]
        return f.drop(columns=["tolerance", "unit"])

    def to_markdown(self) -> str:
        from .formats import markdown_table

        title = "核对报告" if self.lang == "zh" else "Reconciliation report"
        document = str(self.document).replace("|", "\\|")
        defects = "".join(f"- {d.describe(self.unit, self.lang)}\n" for d in self.defects)
        return (f"# {title}: {document} ({self.unit})\n\n"
                + " ".join(f"{k}: {v}" for k, v in self.summary().items()) + "\n\n"
                + (defects + "\n" if defects else "")
                + markdown_table(self._display()) + "\n")

    def to_html(self) -> str:
        """A standalone page; every piece of document text is escaped."""
        e = lambda v: html.escape("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
        f = self._display()
        colour = {"pass": "#e6f4ea", "info": "#e8f0fe", "rounding": "#fff8e1", "mismatch": "#fde7e9",
                  "unreadable": "#fbe3d0", "not_applicable": "#f1f3f4"}
        head = "".join(f"<th>{e(c)}</th>" for c in f.columns)
        body = "".join(f"<tr style='background:{colour.get(row.status, '#fff')}'>"
                       + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in f.itertuples(index=False))
        drills = []
        for r in self.results:
            if r.status in ("mismatch", "rounding") and r.drill:
                d = pd.DataFrame(r.drill)
                drills.append(f"<h3>{e(r.rule.id)} {e(r.rule.instance)}</h3><table><tr>"
                              + "".join(f"<th>{e(c)}</th>" for c in d.columns) + "</tr>"
                              + "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>"
                                        for row in d.head(200).itertuples(index=False)) + "</table>")
        summary = " · ".join(f"{e(k)}: {v}" for k, v in self.summary().items())
        title = "核对报告" if self.lang == "zh" else "Reconciliation report"
        defects = ""
        if self.defects:
            items = "".join(
                f"<li><b>{e(d.describe(self.unit, self.lang))}</b><ul>"
                + "".join(f"<li>{'根源' if self.lang == 'zh' else 'root'}: {e(r.text.get(self.lang, ''))}</li>"
                          for r in d.roots)
                + "".join(f"<li>{'连带' if self.lang == 'zh' else 'echo'} ({e(x.relation)}): "
                          f"{e(x.text.get(self.lang, ''))}</li>" for x in d.echoes)
                + "</ul></li>" for d in self.defects)
            defects = (f"<h2>{'缺陷（每个缺陷一条，连带不符列于其下）' if self.lang == 'zh' else 'Defects (one each, echoes listed under it)'}"
                       f"</h2><ol>{items}</ol>")
        return ("<!doctype html><html><head><meta charset='utf-8'>"
                f"<title>{e(title)} {e(self.document)}</title><style>body{{font-family:sans-serif}}"
                "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;"
                "vertical-align:top}</style></head><body>"
                f"<h1>{e(title)}: {e(self.document)} ({e(self.unit)})</h1><p>{summary}</p>{defects}"
                f"<table><tr>{head}</tr>{body}</table>"
                + ("<h2>" + ("差异明细" if self.lang == "zh" else "Drill-down") + "</h2>" + "".join(drills)
                   if drills else "") + "</body></html>")

    def write(self, out_dir, fmt: str = "html") -> list[Path]:
        """Write reconciliation.csv (UTF-8 with BOM, for Excel) and reconciliation.html (or .md)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        csv_path = out / "reconciliation.csv"
        self.frame.to_csv(csv_path, index=False, encoding="utf-8-sig")
        page = out / f"reconciliation.{'md' if fmt == 'md' else 'html'}"
        page.write_text(self.to_markdown() if fmt == "md" else self.to_html(), encoding="utf-8")
        return [csv_path, page]


# ------------------------------------------------------------------------------ command line
def check_paths(paths, out_dir, strict: bool = False, lang: str = "zh", engine: str | None = None,
                cache=None, narratives=()) -> int:
    """`budgetlib check`: reconcile each document, print a summary, write the reports.

    With ``cache`` (data/processed), a document parsed before and unchanged is read back, not
    parsed again.

    Goes on past a document it cannot read (one line on stderr, no traceback); a cell, row or
    table that could not be read is its own row (status unreadable) and one line on stderr.
    Returns 2 if a document could not be read, else 1 if `strict` and any error-severity
    identity is a mismatch, else 0. `strict` also refuses a document with any unreadable cell."""
    from .loader import DEFAULT_ENGINE, load
    from .readers.base import ReadError

    from .readers.narrative_text import match_companion, read_narrative, split_sources

    # narrative PDFs (情况说明) among the sources or given with --narrative join their tables
    paths, companions = split_sources(paths, narratives)
    unreadable, broken = 0, 0
    if not paths:
        for path, _ in companions:  # nothing else given: say so, never a silent success
            print(f"error: {path}: read as a narrative (情况说明), not a table document: nothing to check; "
                  "give the table PDF with it", file=sys.stderr)
            unreadable += 1
    for path in paths:
        try:
            doc = load(path, engine=engine or DEFAULT_ENGINE, cache=cache, strict=strict)
            companion = match_companion(doc, companions, only_pair=len(paths) == 1)
            if companion is not None:
                narrative = read_narrative(companion)
                if cache is not None:  # read back (not parsed) and the cache keeps the narrative
                    doc = load(path, engine=engine or DEFAULT_ENGINE, cache=cache, strict=strict, narrative=narrative)
                doc.narrative = narrative
            report = reconcile(doc, lang=lang)
        except ReadError as exc:
            print(f"error: {exc}", file=sys.stderr)
            unreadable += 1
            continue
        except Exception as exc:  # noqa: BLE001 - a batch never stops for one document
            print(f"error: {path}: could not be checked ({type(exc).__name__}: {exc}); "
                  f"please report this with the file", file=sys.stderr)
            unreadable += 1
            continue
        for p in doc.problems:
            print(f"unreadable: {p.line()}", file=sys.stderr)
        written = report.write(Path(out_dir) / doc.meta["source_name"])
        counts = report.summary()
        print(f"{path}  {doc.name}  " + "  ".join(f"{k} {v}" for k, v in counts.items())
              + f"  defects {len(report.defects)}  -> {written[-1]}")
        if doc.narrative is not None:
            from .claims import narrative_line
            print("  " + narrative_line(doc, report))
        # lead with the defects (what, where, how much, pages), each with its echoes under it
        name = lambda r: f"{r.rule.id}[{r.rule.instance}]" if r.rule.instance else r.rule.id  # noqa: E731
        for d in report.defects:
            print(f"  defect {d.describe(report.unit, lang)}")
            for r in d.roots:
                print(f"    root  {r.rule.severity:<7} {name(r)}: {r.text.get(lang, '')}")
            for r in d.echoes:
                print(f"    echo  {r.rule.severity:<7} {name(r)} ({'= ' if r.relation == 'equal' else '⊂ '}"
                      f"{r.echo_of}): {r.text.get(lang, '')}")
        fails = report.failures()
        for row in fails.itertuples(index=False):
            if row.root_id or row.echo_of:
                continue  # shown with its defect above
            inst = f"[{row.instance}]" if row.instance else ""
            print(f"  {row.status:<9} {row.severity:<7} {row.rule_id}{inst}: {row.explanation}")
        for r in (r for r in report.results if r.status == "info"):
            print(f"  info      {r.rule.severity:<7} {name(r)}: {r.text.get(lang, '')}")
        broken += not report.ok
    if unreadable:
        return 2
    return 1 if strict and broken else 0
