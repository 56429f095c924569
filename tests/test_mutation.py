"""Mutation test of the rule catalogue: does some identity catch every single corruption?

For many seeded random single mutations of a parsed document (in memory, on the model's
DataFrames, never on files) -- change one amount, drop a detail row, swap two digits of an
amount, move an amount between two columns (or two lines of T01/T04) -- reconcile again and
require that at least one rule instance fails (mismatch or rounding) *newly or differently
from the unmutated document* and names the mutated table among its tables.

The documents are printed to the fen (6 decimals in 万元), so the rounding tolerance is zero
and every change is larger than it: the detection rate must be 100 %.

Mutations excluded by construction, because no identity of a disclosure can see them:
  * T12_indicators: indicator values (指标值) enter no accounting identity.
  * dropping a row of a one-row table (T02, T09): the table becomes empty, which is reported
    as "not applicable" (and by the reader's `empty` flag), not as a broken identity.
  * dropping a T12 project: T12 need not list every project; the coverage share changes and is
    reported, but nothing breaks.
  * moving money between T12 财政资金 and 其他资金 of a project, or between T02 上年结转
    财政专户管理资金 and 单位资金: no other table splits those columns, so every identity that
    reads them reads their sum.
  * dropping or changing an all-zero row is not a corruption when the value stays zero; a
    "drop" therefore picks rows with a non-zero amount, a "move" a non-zero source.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

import budgetlib
from budgetlib.model import BudgetDocument
from budgetlib.normalize import AMOUNT_DTYPE
from budgetlib.reconcile import reconcile

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "beijing-2025-citizen-hotline-center.txt"
CORPUS = ROOT / "tests" / "corpus"
KINDS = ("change", "drop", "swap_digits", "move")
SKIP_TABLES = {"T12_indicators"}
UNSEEN_MOVES = {"T12": {"fiscal_funds", "other_funds"},
                "T02": {"carryover_special_account", "carryover_unit_funds"}}
Q = Decimal("0.000001")


def _amount_cells(doc: BudgetDocument, nonzero: bool):
    """(table, 'data'|'total', row label, column) of every amount cell that may be mutated."""
    for tid, t in doc.tables.items():
        if tid in SKIP_TABLES:
            continue
        for part in ("data", "total"):
            frame = getattr(t, part)
            for col in (c for c in frame.columns if frame[c].dtype == AMOUNT_DTYPE):
                for idx, v in frame[col].items():
                    if not nonzero or (v is not None and v != 0):
                        yield tid, part, idx, col


def _with_table(doc: BudgetDocument, tid: str, **frames) -> BudgetDocument:
    t = doc.tables[tid]
    new = replace(t, data=frames.get("data", t.data.copy()), total=frames.get("total", t.total.copy()))
    return BudgetDocument(doc.meta, {**doc.tables, tid: new}, doc.raw_tables, doc.warnings)


def _set(doc, tid, part, idx, col, value):
    frame = getattr(doc.tables[tid], part).copy()
    frame[col] = frame[col].astype(object)
    frame.loc[idx, col] = Decimal(value).quantize(Q)
    frame[col] = frame[col].astype(AMOUNT_DTYPE)
    return _with_table(doc, tid, **{part: frame})


def mutate(doc: BudgetDocument, kind: str, rng: random.Random):
    """One random mutation of `kind`: (mutated document, table id, description), or None."""
    if kind == "change":
        tid, part, idx, col = rng.choice(list(_amount_cells(doc, nonzero=False)))
        old = getattr(doc.tables[tid], part).loc[idx, col]
        delta = Decimal(rng.choice([-1, 1])) * Decimal(10) ** rng.randint(-6, 4) * rng.randint(1, 9)
        return _set(doc, tid, part, idx, col, old + delta), tid, f"{tid}.{part}[{idx}].{col} {old} -> {old + delta}"
    if kind == "swap_digits":
        for _ in range(50):
            tid, part, idx, col = rng.choice(list(_amount_cells(doc, nonzero=True)))
            old = getattr(doc.tables[tid], part).loc[idx, col]
            text = f"{old:.6f}"
            pos = [i for i in range(len(text) - 1) if text[i].isdigit() and text[i + 1].isdigit()
                   and text[i] != text[i + 1]]
            if pos:
                i = rng.choice(pos)
                new = text[:i] + text[i + 1] + text[i] + text[i + 2:]
                return _set(doc, tid, part, idx, col, Decimal(new)), tid, f"{tid}.{part}[{idx}].{col} {text} -> {new}"
        return None
    if kind == "drop":
        cells = [(tid, idx) for tid, part, idx, _ in _amount_cells(doc, nonzero=True)
                 if part == "data" and len(doc.tables[tid].data) > 1 and tid != "T12"]
        tid, idx = rng.choice(cells)
        data = doc.tables[tid].data.drop(index=idx)
        return _with_table(doc, tid, data=data), tid, f"{tid} drop row {idx}"
    if kind == "move":
        tid, part, idx, col = rng.choice(list(_amount_cells(doc, nonzero=True)))
        frame = getattr(doc.tables[tid], part)
        amount = frame.loc[idx, col]
        share = amount if rng.random() < 0.5 else (amount * Decimal(rng.randint(1, 99)) / 100).quantize(Q)
        if share == 0:
            return None
        if "side" in frame.columns:  # T01/T04: between two item lines of the same side
            same = frame[(frame["side"] == frame.loc[idx, "side"]) & (frame["line_kind"] == frame.loc[idx, "line_kind"])]
            others = [i for i in same.index if i != idx]
            if not others:
                return None
            j = rng.choice(others)
            doc2 = _set(doc, tid, part, idx, col, amount - share)
            doc2 = _set(doc2, tid, part, j, col, frame.loc[j, col] + share)
            return doc2, tid, f"{tid} move {share} from row {idx} to row {j}"
        cols = [c for c in frame.columns if frame[c].dtype == AMOUNT_DTYPE and c != col
                and not {c, col} <= UNSEEN_MOVES.get(tid, set())]
        if not cols:
            return None
        other = rng.choice(cols)
        doc2 = _set(doc, tid, part, idx, col, amount - share)
        doc2 = _set(doc2, tid, part, idx, other, frame.loc[idx, other] + share)
        return doc2, tid, f"{tid}.{part}[{idx}] move {share} from {col} to {other}"
    raise ValueError(kind)


def _fingerprint(report):
    return {(r.rule.id, r.rule.instance): (r.status, r.left, r.right, len(r.drill), r.tables)
            for r in report.results}


def detected(base: dict, report, tid: str) -> bool:
    for key, (status, left, right, n, tables) in _fingerprint(report).items():
        if status in ("mismatch", "rounding") and tid in tables and base.get(key) != (status, left, right, n, tables):
            return True
    return False


def run(doc: BudgetDocument, n_per_kind: int, seed: int) -> dict:
    rng = random.Random(seed)
    base = _fingerprint(reconcile(doc))
    stats = {k: [0, 0, []] for k in KINDS}  # tried, detected, missed descriptions
    for kind in KINDS:
        while stats[kind][0] < n_per_kind:
            m = mutate(doc, kind, rng)
            if m is None:
                continue
            mdoc, tid, what = m
            stats[kind][0] += 1
            if detected(base, reconcile(mdoc), tid):
                stats[kind][1] += 1
            else:
                stats[kind][2].append(what)
    return stats


def _report(name, stats):
    tried = sum(s[0] for s in stats.values())
    found = sum(s[1] for s in stats.values())
    per = ", ".join(f"{k} {s[1]}/{s[0]}" for k, s in stats.items())
    print(f"\n{name}: detected {found}/{tried} = {found / tried:.1%} ({per})")
    for k, s in stats.items():
        for what in s[2][:5]:
            print(f"  missed {k}: {what}")
    return found, tried


def test_mutations_of_the_sample_are_all_detected():
    t0 = time.time()
    stats = run(budgetlib.load(SAMPLE), n_per_kind=40, seed=20250101)
    found, tried = _report("sample", stats)
    print(f"  ({time.time() - t0:.1f}s)")
    assert found == tried


@pytest.mark.parametrize("name", ["xinfang-office", "audit-bureau"])
def test_mutations_of_corpus_documents_are_all_detected(name):
    doc = budgetlib.load(CORPUS / f"{name}.pdf")
    t0 = time.time()
    stats = run(doc, n_per_kind=15, seed=7)
    found, tried = _report(name, stats)
    print(f"  ({time.time() - t0:.1f}s)")
    assert found == tried
