"""Many documents as one dataset (语料库): Parquet datasets and an embedded DuckDB database.

    budgetlib batch tests/corpus/ --corpus data/corpus        # parse, check, report, and fill the corpus
    budgetlib corpus add tests/corpus/ --dask 2               # parse + check only, on a Dask cluster
    budgetlib sql "SELECT issuer, personnel_share_of_basic FROM documents ORDER BY 2 DESC"

    from budgetlib import corpus
    con = corpus.connect("data/corpus")                       # a DuckDB connection
    corpus.query("SELECT * FROM facts LIMIT 5", "data/corpus") # a DataFrame, exact decimals

Layout of a corpus folder (one Parquet file per document per dataset, named by its sha256,
inside a hive partition by year and kind, so parallel workers on several machines never write
the same file and a document lands or not as a whole)::

    documents/year=2026/kind=budget/<sha256>.parquet   one row: issuer, region, source, pages,
                                                       tables, reconciliation, headline figures
    facts/…/<sha256>.parquet        every amount: printed value and unit, amount in 元, provenance
    tables/…/<sha256>.parquet       every cell of every standard table, long form
    findings/…/<sha256>.parquet     the reconciliation rows (勾稽关系核对)
    corpus.duckdb                   views over the four datasets

A document's ``documents`` record is written last: it is the commit. A document with facts but
no ``documents`` record (a worker killed mid-write) is invisible to the views and is written
again by the next batch. Amounts are ``decimal128(24,6)`` in their printed unit and
``decimal128(28,6)`` in 元, in Parquet and in DuckDB alike.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .model import PROVENANCE, BudgetDocument
from .normalize import AMOUNT_DTYPE, fold

# Bumped whenever a record's content changes: documents ingested by an older version are redone.
CORPUS_VERSION = 1
DEFAULT_DIR = Path("data") / "corpus"  # relative: beside the user's work, not the package
DB_NAME = "corpus.duckdb"
DATASETS = ("documents", "facts", "tables", "findings")
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # DuckDB and Arrow read this partition value as NULL

AMOUNT = pa.decimal128(24, 6)   # the model's amounts: 6 places in 万元 are exact to the fen
YUAN = pa.decimal128(28, 6)     # the same amounts in 元
SHARE = pa.decimal128(24, 12)   # fractions (0.987616377034), quantised to 12 places
SHARE_Q = Decimal("1e-12")

# Headline amounts of a document (all in 元) and shares: what the comparison report compares.
HEADLINE_AMOUNTS = ("current_income", "current_expenditure", "expenditure_grand_total",
                    "basic_expenditure", "project_expenditure", "personnel_cost", "public_cost",
                    "general_budget_total", "three_public_total", "procurement_total",
                    "t12_project_total", "t12_stated_costs")
HEADLINE_SHARES = ("personnel_share_of_basic", "public_share_of_basic", "project_share",
                   "three_public_share", "procurement_share", "project_cost_coverage")
REC_STATUSES = ("pass", "info", "rounding", "mismatch", "unreadable", "not_applicable")

SCHEMAS = {
    "documents": pa.schema(
        [("sha256", pa.string()), ("source_file", pa.string()), ("source_name", pa.string()),
         ("source_path", pa.string()), ("issuer", pa.string()), ("issuer_key", pa.string()),
         ("region", pa.string()), ("format", pa.string()), ("engine", pa.string()), ("unit", pa.string()),
         ("pages", pa.int32()), ("tables", pa.list_(pa.string())), ("tables_empty", pa.list_(pa.string())),
         ("n_tables", pa.int32()), ("n_facts", pa.int64()), ("warnings", pa.list_(pa.string())),
         ("n_problems", pa.int32()), ("problems", pa.list_(pa.string())),  # cells/rows/tables not read
         *[(f"rec_{s}", pa.int32()) for s in REC_STATUSES],
         ("reconciliation", pa.string()),
         *[(f"{a}_yuan", YUAN) for a in HEADLINE_AMOUNTS],
         *[(s, SHARE) for s in HEADLINE_SHARES],
         ("missing", pa.string()),           # JSON: measure -> 'absent' | 'empty' (not disclosed)
         ("format_version", pa.int32()), ("corpus_version", pa.int32()),
         ("ingested_at", pa.timestamp("s", tz="UTC")), ("seconds", pa.float64())]),
    "facts": pa.schema(
        [("sha256", pa.string()), ("document", pa.string()), ("table_id", pa.string()),
         ("row_kind", pa.string()), ("row_no", pa.int32()), ("key", pa.string()), ("name", pa.string()),
         ("measure", pa.string()), ("amount", AMOUNT), ("unit", pa.string()), ("amount_yuan", YUAN),
         ("page", pa.int32()), ("line", pa.int32())]),
    "tables": pa.schema(
        [("sha256", pa.string()), ("table_id", pa.string()), ("title", pa.string()), ("unit", pa.string()),
         ("row_kind", pa.string()), ("row_no", pa.int32()), ("column_name", pa.string()), ("header", pa.string()),
         ("value", pa.string()), ("amount", AMOUNT), ("page", pa.int32()), ("line", pa.int32())]),
    "findings": pa.schema(
        [("sha256", pa.string()), ("rule_id", pa.string()), ("instance", pa.string()), ("status", pa.string()),
         ("severity", pa.string()), ("left_amount", AMOUNT), ("right_amount", AMOUNT), ("difference", AMOUNT),
         ("tolerance", AMOUNT), ("unit", pa.string()), ("tables", pa.string()), ("location", pa.string()),
         ("explanation", pa.string()), ("description", pa.string()), ("root_id", pa.string()),
         ("echo_of", pa.string())]),
}


# ------------------------------------------------------------------------------ the records

def _yuan_factor(unit: str | None) -> Decimal | None:
    """元 per printed unit (万元 -> 10000), or None when the unit is not money or unknown."""
    from .analysis.projects import MONEY_UNITS

    per_wan = MONEY_UNITS.get(fold(unit or ""))
    return None if per_wan is None else per_wan * 10000


def _yuan(value, unit) -> Decimal | None:
    factor = _yuan_factor(unit)
    if value is None or factor is None or pd.isna(value):
        return None
    return Decimal(value) * factor


def _share(value) -> Decimal | None:
    return None if value is None or pd.isna(value) else Decimal(value).quantize(SHARE_Q)


def issuer_key(name: str | None) -> str | None:
    """An issuer's name normalised for matching across years and kinds: full-width folded,
    whitespace and brackets removed ("北京市 信访办公室" == "北京市信访办公室")."""
    if not name:
        return None
    return "".join(ch for ch in fold(name) if ch not in "()[]【】《》\"'“”·")


def _names(frame: pd.DataFrame) -> pd.Series:
    """A row's readable label: its *_name columns (or item / project_name) joined with ' / '."""
    cols = [c for c in frame.columns if c.endswith("_name") or c in ("item", "label")]
    if not cols:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    parts = frame[cols].astype(object).where(frame[cols].notna(), None)
    return parts.apply(lambda r: " / ".join(str(v) for v in r if v not in (None, "")) or None, axis=1)


def facts_records(doc: BudgetDocument, sha: str) -> pa.Table:
    """doc.facts() with the row's position (``row``), label (``name``) and the amount in 元."""
    f = doc.facts()
    if f.empty:
        return SCHEMAS["facts"].empty_table()
    f = f.rename(columns={"table": "table_id"})
    f["row_no"] = f.groupby(["table_id", "row_kind", "measure"], sort=False).cumcount()
    labels = {}
    for tid, t in doc.tables.items():
        for kind, frame in (("detail", t.data), ("total", t.total)):
            if len(frame):
                labels.update({(tid, kind, i): n for i, n in enumerate(_names(frame))})
    f["name"] = [labels.get(k) for k in zip(f["table_id"], f["row_kind"], f["row_no"])]
    f["amount_yuan"] = [_yuan(a, u) for a, u in zip(f["amount"], f["unit"])]
    f["sha256"] = sha
    return _to_arrow(f, "facts")


def tables_records(doc: BudgetDocument, sha: str) -> pa.Table:
    """Every cell of every standard table in long form: one row per (row, column), the value as
    text (amounts exact, e.g. '18464.861207') and, for amount columns, as a decimal too."""
    frames = []
    for tid, t in doc.tables.items():
        for kind, frame in (("detail", t.data), ("total", t.total)):
            if frame.empty:
                continue
            cols = [c for c in frame.columns if c not in PROVENANCE]
            amounts = {c for c in cols if frame[c].dtype == AMOUNT_DTYPE}
            for c in cols:
                values = frame[c]
                frames.append(pd.DataFrame({
                    "table_id": tid, "title": t.title, "unit": t.unit, "row_kind": kind,
                    "row_no": range(len(frame)), "column_name": c,
                    "header": t.headers.get(c) or t.headers.get(c.rsplit("_", 1)[0]),  # function_code -> function
                    "value": [None if pd.isna(v) else str(v) for v in values],
                    "amount": list(values) if c in amounts else None,
                    "page": frame["page"].to_numpy(), "line": frame["line"].to_numpy()}))
    if not frames:
        return SCHEMAS["tables"].empty_table()
    out = pd.concat(frames, ignore_index=True)
    out["sha256"] = sha
    return _to_arrow(out, "tables")


def findings_records(rec, sha: str) -> pa.Table:
    f = rec.frame.rename(columns={"left": "left_amount", "right": "right_amount"})
    f["sha256"] = sha
    return _to_arrow(f, "findings")


def _to_arrow(frame: pd.DataFrame, dataset: str) -> pa.Table:
    schema = SCHEMAS[dataset]
    cols = {}
    for field in schema:
        values = frame[field.name] if field.name in frame else [None] * len(frame)
        values = [None if v is None or (not isinstance(v, (list, str)) and pd.isna(v)) else v for v in values]
        if pa.types.is_integer(field.type):
            values = [None if v is None else int(v) for v in values]
        cols[field.name] = pa.array(values, type=field.type)
    return pa.table(cols, schema=schema)


def _pages(path: Path) -> int | None:
    if path.suffix.lower() != ".pdf" or not path.exists():
        return None
    import pymupdf

    with pymupdf.open(path) as pdf:
        return pdf.page_count


def headline_figures(doc: BudgetDocument) -> dict:
    """The measures the comparison report compares, from the analyses (no second reading):
    amounts in the document's unit, shares as exact fractions, and ``missing``: the measures a
    document does not disclose ('absent' table or 'empty' table), never zeros."""
    from .analysis import overview, personnel, procurement, projects
    from .analysis.base import detail_sum, share

    out, missing = {}, {}

    def safely(fn):
        try:
            return fn(doc)
        except Exception as exc:  # noqa: BLE001  (one measure never discards the document)
            doc.warnings.append(f"{doc.meta.get('source_name')}: corpus measure {fn.__name__} failed "
                                f"({type(exc).__name__}: {exc}); left blank")
            return None

    s = safely(overview.summary)
    if s is not None:
        f = s.figures
        out.update(current_income=f["current_income"], current_expenditure=f["current_expenditure"],
                   expenditure_grand_total=f["expenditure_grand_total"],
                   basic_expenditure=f["basic_expenditure"], project_expenditure=f["project_expenditure"])
    p = safely(personnel.personnel_vs_public)
    if p is not None and p.available:
        f = p.figures
        out.update(personnel_cost=f["personnel_cost"], public_cost=f["public_cost"], general_budget_total=f["total"],
                   personnel_share_of_basic=f["personnel_share_of_basic"],
                   public_share_of_basic=f["public_share_of_basic"], project_share=f["project_share_of_total"])
    elif p is not None:
        for m in ("personnel_share_of_basic", "public_share_of_basic", "project_share"):
            missing[m] = p.missing
    total = out.get("current_expenditure")
    t = safely(personnel.three_public_costs)
    if t is not None and t.available:
        out.update(three_public_total=t.figures["total"], three_public_share=share(t.figures["total"], total))
    elif t is not None:
        missing["three_public_share"] = t.missing
    pr = safely(procurement.procurement_share)
    if pr is not None and pr.available:
        out.update(procurement_total=pr.figures["total"], procurement_share=pr.figures["share_of_total"])
    elif pr is not None:
        missing["procurement_share"] = pr.missing
    c = safely(projects.cap_coverage)
    if c is not None and c.available:
        stated = detail_sum(c.frame["stated_costs"]) if len(c.frame) else None
        out.update(t12_project_total=c.figures["t12_total"], t12_stated_costs=stated,
                   project_cost_coverage=share(stated, c.figures["t12_total"]))
    elif c is not None:
        missing["project_cost_coverage"] = c.missing
    out["missing"] = missing
    return out


def document_records(doc: BudgetDocument, rec, sha: str, n_facts: int, seconds: float | None) -> pa.Table:
    meta = doc.meta
    figures = headline_figures(doc)
    unit = meta.get("unit") or "万元"
    counts = rec.summary() if rec is not None else {}
    row = {
        "sha256": sha, "source_file": Path(meta["source"]).name, "source_name": meta.get("source_name"),
        "source_path": str(Path(meta["source"]).resolve()), "issuer": doc.name if meta.get("department") else None,
        "issuer_key": issuer_key(meta.get("department")), "region": meta.get("region"),
        "format": meta.get("format"), "engine": meta.get("engine"), "unit": meta.get("unit"),
        "pages": _pages(Path(meta["source"])),
        "tables": [t for t in doc.tables], "tables_empty": [t for t, v in doc.tables.items() if v.empty],
        "n_tables": len(doc.tables), "n_facts": n_facts, "warnings": list(doc.warnings),
        "n_problems": len(getattr(doc, "problems", [])), "problems": [p.line() for p in getattr(doc, "problems", [])],
        **{f"rec_{s}": int(counts.get(s, 0)) for s in REC_STATUSES},
        "reconciliation": None if rec is None else ("ok" if rec.ok else "mismatch"),
        **{f"{a}_yuan": _yuan(figures.get(a), unit) for a in HEADLINE_AMOUNTS},
        **{s: _share(figures.get(s)) for s in HEADLINE_SHARES},
        "missing": json.dumps(figures["missing"], ensure_ascii=False, sort_keys=True),
        "format_version": _format_version(), "corpus_version": CORPUS_VERSION,
        "ingested_at": datetime.now(timezone.utc).replace(microsecond=0), "seconds": seconds,
    }
    return _to_arrow(pd.DataFrame([row]), "documents")


def _format_version() -> int:
    from .export import FORMAT_VERSION

    return FORMAT_VERSION


# ------------------------------------------------------------------------------ the folder

def _root(corpus_dir) -> Path:
    return Path(corpus_dir if corpus_dir is not None else DEFAULT_DIR).resolve()


def _partition(year, kind) -> str:
    return f"year={year if year not in (None, '') else HIVE_NULL}/kind={kind or HIVE_NULL}"


def _files(root: Path, dataset: str, sha: str) -> list[Path]:
    return sorted((root / dataset).glob(f"*/*/{sha}.parquet"))


def _write_atomically(table: pa.Table, path: Path) -> None:
    """Write to a hidden temporary file beside ``path``, then rename: readers (and DuckDB's
    ``*.parquet`` glob) see the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def record_of(corpus_dir, sha: str) -> dict | None:
    """The ``documents`` record of a document in the corpus (with year and kind), or None."""
    files = _files(_root(corpus_dir), "documents", sha)
    if not files:
        return None
    rec = pq.read_table(files[0], partitioning=None).to_pylist()[0]
    year, kind = files[0].parent.parent.name.split("=", 1)[1], files[0].parent.name.split("=", 1)[1]
    rec["year"] = None if year == HIVE_NULL else int(year)
    rec["kind"] = None if kind == HIVE_NULL else kind
    return rec


def is_current(corpus_dir, source, engine: str, sha: str | None = None) -> dict | None:
    """The document's record when the corpus holds this file (same sha256), read by the same
    engine (PDF only) and the current format and corpus versions; else None."""
    from .loader import sha256_of

    source = Path(source)
    rec = record_of(corpus_dir, sha or sha256_of(source))
    if rec is None or rec["corpus_version"] != CORPUS_VERSION or rec["format_version"] != _format_version():
        return None
    if source.suffix.lower() == ".pdf" and rec["engine"] != engine:
        return None
    return rec


def add_document(doc: BudgetDocument, corpus_dir=None, rec=None, seconds: float | None = None) -> dict:
    """Write one parsed document's records into the corpus (replacing any earlier ones) and
    return its ``documents`` record. ``rec``: its ReconciliationReport (computed if None)."""
    from . import reconcile

    root = _root(corpus_dir)
    sha = doc.meta["sha256"]
    rec = rec if rec is not None else reconcile(doc)
    facts = facts_records(doc, sha)
    parts = {"facts": facts, "tables": tables_records(doc, sha), "findings": findings_records(rec, sha),
             "documents": document_records(doc, rec, sha, facts.num_rows, seconds)}
    partition = _partition(doc.meta.get("year"), doc.meta.get("kind"))
    # Uncommit first when the document moves partition (e.g. its year is now read), so that no
    # moment shows it twice; then the records, the documents record last.
    for old in _files(root, "documents", sha):
        if old.parent != root / "documents" / partition:
            old.unlink(missing_ok=True)
    for dataset in DATASETS[1:] + DATASETS[:1]:
        target = root / dataset / partition / f"{sha}.parquet"
        _write_atomically(parts[dataset], target)
        for old in _files(root, dataset, sha):
            if old != target:
                old.unlink(missing_ok=True)
    return parts["documents"].to_pylist()[0] | {"year": doc.meta.get("year"), "kind": doc.meta.get("kind")}


def remove(corpus_dir, which: str) -> list[str]:
    """Remove documents from the corpus by file path (its sha256 is computed), sha256 (or a
    unique prefix of 8+ characters) or source file name. Returns the sha256s removed."""
    from .loader import sha256_of

    root = _root(corpus_dir)
    path = Path(which)
    if path.is_file():
        shas = [sha256_of(path)]
    else:
        docs = {p.stem: p for p in (root / "documents").glob("*/*/*.parquet")}
        shas = [s for s in docs if len(which) >= 8 and s.startswith(which.lower())]
        if not shas:
            shas = [s for s, p in docs.items() if pq.read_table(p, columns=["source_file", "source_name"],
                                                                partitioning=None).to_pylist()[0]
                    ["source_file"] in (which, path.name)]
    removed = []
    for sha in shas:
        for dataset in DATASETS:  # documents first: the document leaves the views at once
            for f in _files(root, dataset, sha):
                f.unlink(missing_ok=True)
        removed.append(sha)
    return removed


# ------------------------------------------------------------------------------ DuckDB

_DUCK_TYPES = {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
               pa.bool_(): "BOOLEAN", pa.list_(pa.string()): "VARCHAR[]", pa.timestamp("s", tz="UTC"): "TIMESTAMPTZ"}


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    return _DUCK_TYPES[t]


def _view_sql(root: Path, dataset: str) -> str:
    if next((root / dataset).glob("*/*/*.parquet"), None) is not None:
        pattern = str(root / dataset / "*" / "*" / "*.parquet").replace("'", "''")
        source = (f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = true, union_by_name = true, "
                  "hive_types = {'year': INTEGER, 'kind': VARCHAR})")
    else:  # an empty dataset still has its columns, so queries bind
        cols = [f"CAST(NULL AS {_duck_type(f.type)}) AS \"{f.name}\"" for f in SCHEMAS[dataset]]
        source = f"SELECT {', '.join(cols)}, CAST(NULL AS INTEGER) AS year, CAST(NULL AS VARCHAR) AS kind WHERE false"
    if dataset != "documents":  # records of a document whose commit (documents record) is missing
        source = f"SELECT * FROM ({source}) WHERE sha256 IN (SELECT sha256 FROM documents)"
    return f"CREATE OR REPLACE VIEW {dataset} AS {source}"


def refresh(corpus_dir=None):
    """(Re)create the DuckDB file's views over the corpus folder (absolute paths: run again
    after moving the folder; ``connect`` does it)."""
    con = connect(corpus_dir)
    con.close()
    return _root(corpus_dir) / DB_NAME


def connect(path=None, read_only: bool = False):
    """A DuckDB connection to a corpus: ``path`` is the corpus folder (default data/corpus) or
    its corpus.duckdb. Views: documents, facts, tables, findings (each with year and kind).

    ``con.sql(...).df()`` gives floats for decimals; use ``query`` (or ``.arrow()``) for exact
    amounts. ``read_only`` opens the file without refreshing the views (several readers at once)."""
    import duckdb

    path = Path(path if path is not None else DEFAULT_DIR).resolve()
    root, db = (path.parent, path) if path.suffix == ".duckdb" else (path, path / DB_NAME)
    if read_only:
        return duckdb.connect(str(db), read_only=True)
    root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    # Views are recreated only when they change (the folder moved, a dataset became (non-)empty):
    # a query does not rewrite the database file.
    con.execute("CREATE TABLE IF NOT EXISTS _budgetlib_views (name VARCHAR PRIMARY KEY, sql VARCHAR)")
    have = dict(con.execute("SELECT name, sql FROM _budgetlib_views").fetchall())
    for dataset in DATASETS:  # documents first: the others refer to it
        sql = _view_sql(root, dataset)
        if have.get(dataset) != sql:
            con.execute(sql)
            con.execute("INSERT OR REPLACE INTO _budgetlib_views VALUES (?, ?)", [dataset, sql])
    return con


def exact_frame(relation) -> pd.DataFrame:
    """A DuckDB relation as a DataFrame with decimals kept exact (pandas Arrow decimal dtype)."""
    table = relation.to_arrow_table()
    ints = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
            pa.int64(): pd.Int64Dtype()}  # nullable: a blank page number stays an integer column
    return table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else ints.get(t))


def query(sql: str, corpus_dir=None, params=None) -> pd.DataFrame:
    """Run ``sql`` on the corpus and return a DataFrame with exact decimals."""
    con = connect(corpus_dir)
    try:
        return exact_frame(con.sql(sql, params=params) if params else con.sql(sql))
    finally:
        con.close()


# ------------------------------------------------------------------------------ one task

def summary_row(rec: dict, lang: str = "zh") -> dict:
    """The index's headline figures from a ``documents`` record, on the same bases and under the
    same one-language column names as a document parsed now (``overview.headline``)."""
    from . import narrative
    from .analysis.overview import headline_keys, reconciliation_cell

    def wan(v):
        return None if v is None else Decimal(v) / 10000

    k = headline_keys(lang)
    counts = {s: rec.get(f"rec_{s}", 0) or 0 for s in REC_STATUSES}
    return {
        k["department"]: rec.get("issuer") or rec.get("source_name"),
        k["year"]: rec.get("year") or "",
        k["expenditure"]: narrative.fmt_amount(wan(rec.get("current_expenditure_yuan"))),
        k["personnel_share"]: narrative.fmt_share(rec.get("personnel_share_of_basic")),
        k["procurement_share"]: narrative.fmt_share(rec.get("procurement_share")),
        k["reconciliation"]: reconciliation_cell(counts, rec.get("defects"), rec.get("n_problems") or 0, lang),
    }


def ingest(source, corpus_dir=None, engine: str | None = None, processed=None, lang: str = "zh",
           force: bool = False, strict: bool = False, doc: BudgetDocument | None = None,
           started: float | None = None) -> dict:
    """One document into the corpus: parse (or read back from ``processed``), reconcile, write
    its records; skipped when the corpus already holds it (same sha256 and engine). Returns the
    index row (``summary_row``). Runs in a worker: a local process or a Dask worker.

    ``doc``: the document, read already (`batch --corpus`: for its pages; its unreadable cells
    reported there): not loaded again, and its reconciliation and facts, when made already,
    are not made again. ``started``: when its reading began (``time.perf_counter()``), for
    the record's seconds."""
    from .loader import DEFAULT_ENGINE, load, sha256_of
    from .reconcile import reconciled

    engine = engine or DEFAULT_ENGINE
    source = Path(source)
    if not force and source.exists() and (rec := is_current(
            corpus_dir, source, engine, doc.meta["sha256"] if doc is not None else sha256_of(source))):
        return summary_row(rec, lang) | {_corpus_key(lang): _corpus_word("unchanged", lang)}
    t0 = time.perf_counter() if started is None else started
    if doc is None:
        doc = load(source, engine=engine, cache=processed, strict=strict)
        for p in getattr(doc, "problems", []):
            print(f"unreadable: {p.line()}", file=sys.stderr, flush=True)
    report = reconciled(doc, lang=lang)  # shared with the batch's pages of the same document
    if processed is not None:
        report.write(Path(processed) / doc.meta["source_name"])
    rec = add_document(doc, corpus_dir, report, seconds=round(time.perf_counter() - t0, 2))
    return summary_row(rec, lang) | {_corpus_key(lang): _corpus_word("added", lang)}


def _corpus_key(lang: str) -> str:
    return "语料库" if lang == "zh" else "corpus"


def _corpus_word(state: str, lang: str) -> str:
    return {"unchanged": "未变", "added": "已加入"}[state] if lang == "zh" else state


# ------------------------------------------------------------------------------ running many

class Progress:
    """One line per finished document: count, rate, time left (both schedulers)."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream, self.done, self.skipped, self.t0 = total, stream, 0, 0, time.perf_counter()

    def line(self, skipped: bool = False) -> str:
        """The progress prefix for one more finished document (``skipped``: done by an earlier
        run; it counts as done but not towards the rate)."""
        self.done += 1
        self.skipped += skipped
        elapsed = time.perf_counter() - self.t0
        worked = self.done - self.skipped
        rate = worked / elapsed if elapsed > 0 and worked else 0.0
        if not worked:
            return f"[{self.done}/{self.total}]"
        left = (self.total - self.done) / rate
        return f"[{self.done}/{self.total}] {rate * 60:.1f} docs/min, {_duration(left)} left"


def finished_row(source, name, out_dir, notebooks, params, corpus_dir=None, engine: str | None = None) -> dict | None:
    """For `batch --corpus`: the index row of a document an earlier run finished, or None.

    Finished means: the corpus holds it (same sha256, engine, versions), and each notebook's
    executed copy in out_dir/<name>/ ran without error with the same parameters as now, with its
    HTML beside it. A batch stopped midway thus picks up where it stopped."""
    import json as _json

    from .loader import DEFAULT_ENGINE

    source = Path(source)
    rec = is_current(corpus_dir, source, engine or DEFAULT_ENGINE) if source.exists() else None
    if rec is None:
        return None
    doc_dir = Path(out_dir).resolve() / name
    wanted = {"lang": "zh", **params, "source": str(source.resolve()), "out_dir": str(doc_dir)}
    reports = []
    for nb in notebooks:
        ipynb, html = doc_dir / f"{Path(nb).stem}.ipynb", doc_dir / f"{Path(nb).stem}.html"
        try:
            meta = _json.loads(ipynb.read_text(encoding="utf-8"))["metadata"].get("papermill", {})
        except (OSError, ValueError, KeyError):
            return None
        if meta.get("exception") or meta.get("parameters") != _json.loads(_json.dumps(wanted)) or not html.exists():
            return None
        reports.append({"notebook": Path(nb).stem, "ok": True, "html": str(html)})
    return {"source": str(source), "document": source.stem, "status": "ok", "error": None, "reports": reports,
            "summary": summary_row(rec, params.get("lang", "zh")) | {_corpus_key(params.get("lang", "zh")):
                                                                   _corpus_word("unchanged", params.get("lang", "zh"))},
            "seconds": 0.0}


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@contextlib.contextmanager
def executor(jobs: int = 2, scheduler: str | None = None, dask_workers: int | None = None):
    """Where documents run: a Dask cluster (``scheduler`` address, or ``dask_workers`` local worker
    processes started here), else a local process pool of ``jobs`` (None when jobs <= 1: run
    in this process). Dask does placement, re-runs the tasks of a lost worker, and retries."""
    if scheduler or dask_workers:
        from distributed import Client, LocalCluster

        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=":0")  # any free port
            client = Client(cluster)
        try:
            yield client.get_executor(pure=False, retries=2)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        from .report import forget_parent_jvm

        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                 initializer=forget_parent_jvm) as pool:
            yield pool
    else:
        yield None


def build(sources, corpus_dir=None, engine: str | None = None, processed=None, pool=None,
          progress=sys.stderr) -> pd.DataFrame:
    """Parse and check many documents into the corpus (no HTML reports) on ``pool`` (an executor
    from ``executor()``; None: in this process), then refresh the DuckDB views. A document that
    cannot be read is listed with its one-line error; the others go on. One row per document."""
    from concurrent.futures import as_completed

    sources = list(dict.fromkeys(Path(s) for s in sources))
    prog = Progress(len(sources), progress)
    rows = []

    def done(source, result=None, error=None):
        rows.append({"source": str(source), "status": "failed" if error else "ok", "error": error,
                     **(result or {})})
        if progress:
            skipped = (result or {}).get(_corpus_key("zh")) == _corpus_word("unchanged", "zh")
            mark = "FAILED" if error else "done  " if skipped else "ok    "
            print(f"{prog.line(skipped)}  {mark} {source.name}" + (f"  {error}" if error else ""), file=progress, flush=True)

    args = dict(corpus_dir=_root(corpus_dir), engine=engine, processed=processed)
    if pool is None:
        for s in sources:
            try:
                done(s, ingest(s, **args))
            except Exception as exc:  # noqa: BLE001  (a bad document is listed, the batch goes on)
                done(s, error=_one_line(exc))
    else:
        futures = {pool.submit(ingest, s, **args): s for s in sources}
        for fut in as_completed(futures):
            try:
                done(futures[fut], fut.result())
            except Exception as exc:  # noqa: BLE001
                done(futures[fut], error=_one_line(exc))
    refresh(corpus_dir)
    order = {str(s): i for i, s in enumerate(sources)}
    return pd.DataFrame(sorted(rows, key=lambda r: order[r["source"]]))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


# ------------------------------------------------------------------------------ batch hooks

def index_links(out_dir, lang: str = "zh") -> list[tuple[str, Path]]:
    """The link the batch index shows to the corpus's comparison report."""
    from .corpus_report import NOTEBOOK

    label = "部门比较报告（语料库）" if lang == "zh" else "Comparison of departments (corpus)"
    return [(label, Path(out_dir).resolve() / "corpus" / f"{NOTEBOOK.stem}.html")]


def after_batch(corpus_dir, out_dir, lang: str = "zh", progress=sys.stderr) -> bool:
    """After `batch --corpus`: refresh the DuckDB views and run the comparison notebook into
    out_dir/corpus/. True when the report ran."""
    from .corpus_report import run_report

    refresh(corpus_dir)
    ok, path, error = run_report(corpus_dir, Path(out_dir) / "corpus", lang=lang)
    print(f"comparison report: {path}" if ok else f"comparison report FAILED: {error} ({path})",
          file=progress, flush=True)
    return ok


# ------------------------------------------------------------------------------ command line

def _print_frame(frame: pd.DataFrame, csv: bool, max_rows: int) -> None:
    if csv:
        frame.to_csv(sys.stdout, index=False)
        return
    with pd.option_context("display.max_rows", max_rows, "display.max_columns", None, "display.width", 250,
                           "display.max_colwidth", 60, "display.unicode.east_asian_width", True,
                           # DuckDB divides decimals into doubles: plain digits, never 2.5e+04
                           "display.float_format", lambda x: f"{x:,.2f}" if abs(x) >= 1 else f"{x:.6g}"):
        print(frame.to_string(index=False, max_rows=max_rows) if len(frame) else "(no rows)")
        if len(frame) > max_rows:
            print(f"({len(frame)} rows; --max-rows N or --csv for more)")


def cmd_sql(args) -> int:
    import duckdb

    try:
        frame = query(args.query, args.corpus)
    except duckdb.Error as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2  # README "Exit codes"
    _print_frame(frame, args.csv, args.max_rows)
    return 0


def cmd_corpus(args) -> int:
    from . import config

    if args.action == "add":
        with executor(args.jobs, args.scheduler, args.dask) as pool:
            frame = build(config.expand_sources(args.sources), args.corpus, engine=args.engine,
                          processed=Path(args.processed) if args.processed else None, pool=pool)
        failed = frame[frame["status"] != "ok"]
        print(f"{len(frame) - len(failed)} of {len(frame)} documents in the corpus {_root(args.corpus)}")
        return 2 if len(failed) else 0
    if args.action == "remove":
        missing = 0
        for item in args.items:
            removed = remove(args.corpus, item)
            print(f"{item}: removed {', '.join(s[:16] for s in removed)}" if removed else f"{item}: not in the corpus",
                  file=sys.stdout if removed else sys.stderr)
            missing += not removed
        refresh(args.corpus)
        return 2 if missing else 0
    if args.action == "report":
        from .corpus_report import run_report

        refresh(args.corpus)
        ok, path, error = run_report(args.corpus, Path(args.out), lang=args.lang, region=args.region,
                                     year=args.year, kind=args.kind, issuer=args.issuer)
        print(path if ok else f"error: {error} ({path})", file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 2
    return 2


def add_commands(sub) -> None:
    """`budgetlib sql` and `budgetlib corpus add|remove|report` (called by cli.build_parser)."""
    from .loader import DEFAULT_ENGINE, PDF_ENGINES

    corpus_help = f"corpus folder (default ./{DEFAULT_DIR.as_posix()})"
    sp = sub.add_parser("sql", help="query the corpus with SQL (DuckDB): tables documents, facts, tables, findings",
                        description="query the corpus with SQL (DuckDB): tables documents, facts, tables, findings")
    sp.add_argument("query", help='e.g. "SELECT issuer, personnel_share_of_basic FROM documents ORDER BY 2 DESC"')
    sp.add_argument("--corpus", default=str(DEFAULT_DIR), help=corpus_help)
    sp.add_argument("--csv", action="store_true", help="CSV on stdout instead of a table")
    sp.add_argument("--max-rows", type=int, default=100, help="rows printed (default 100)")
    sp.set_defaults(func=cmd_sql)

    cp = sub.add_parser("corpus", help="maintain the corpus: add documents (parse + check), remove, report",
                        description="maintain the corpus: add documents (parse + check), remove, report")
    actions = cp.add_subparsers(dest="action", required=True)
    a = actions.add_parser("add", help="parse and check documents into the corpus (no HTML reports)")
    a.add_argument("sources", nargs="+", metavar="SOURCE", help="files or folders")
    a.add_argument("--engine", choices=PDF_ENGINES, default=DEFAULT_ENGINE)
    a.add_argument("--processed", default=None, help="parsed-data cache folder (optional)")
    add_scale_options(a, jobs=True)
    r = actions.add_parser("remove", help="remove documents from the corpus")
    r.add_argument("items", nargs="+", metavar="FILE_OR_SHA", help="a file, its sha256 (8+ characters) or file name")
    p = actions.add_parser("report", help="run the comparison notebook (05_comparison) on the corpus")
    p.add_argument("--out", default="reports/corpus", help="output folder (default reports/corpus)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh")
    add_filter_options(p)
    for parser in (a, r, p):
        parser.add_argument("--corpus", default=str(DEFAULT_DIR), help=corpus_help)
    cp.set_defaults(func=cmd_corpus)


def add_scale_options(parser, jobs: bool = False) -> None:
    """--jobs / --scheduler / --dask, for `batch` and `corpus add`."""
    if jobs:
        parser.add_argument("--jobs", type=int, default=2, help="local worker processes (default 2)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:8786", default=None,
                        help="run the documents on this Dask cluster instead of local processes")
    parser.add_argument("--dask", type=int, metavar="N", default=None,
                        help="start a local Dask cluster of N worker processes and run on it")


def add_filter_options(parser) -> None:
    parser.add_argument("--region", default=None, help="only documents of this region")
    parser.add_argument("--year", type=int, default=None, help="only this year")
    parser.add_argument("--kind", choices=["budget", "final_accounts"], default=None)
    parser.add_argument("--issuer", default=None, help="only issuers whose name contains this (SQL LIKE pattern)")
