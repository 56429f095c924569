"""Write a parsed document to a folder: CSV (UTF-8 with BOM, for Excel) and Parquet per table,
the facts view, document.json and a Frictionless datapackage.json. Atomic: a failed write
leaves any earlier folder as it was and no half-written one."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .catalog import table_catalog
from .model import BudgetDocument, Narrative, Problem, Table
from .normalize import AMOUNT_DTYPE

# Bumped whenever the folder's layout or the model changes, so old caches are re-parsed.
# 4: decimals.parquet, the decimals each amount was printed with (Table.decimals).
# 5: document.json keeps the narrative (情况说明): its source, page texts and sections.
# 6: T12 blocks across page breaks (indicators moved to their own block), notes never rows.
# 7: tables keep their standard kind (收支总表 …) and printed label (表3 …).
FORMAT_VERSION = 7

_FIELD_DOC = {"page": "PDF page (1-based) the row was read from; empty for text sources",
              "line": "line of the text file, or row on the PDF page, the row was read from"}


def _field(name: str, series: pd.Series, headers: dict, unit: str | None) -> dict:
    if series.dtype == AMOUNT_DTYPE:
        typ = "number"
    elif str(series.dtype) in ("Int64", "int64"):
        typ = "integer"
    elif str(series.dtype) == "bool":
        typ = "boolean"
    else:
        typ = "string"
    field = {"name": name, "type": typ}
    zh = headers.get(name) or headers.get(name.rsplit("_", 1)[0])
    if zh:
        field["title"] = zh
    if name in _FIELD_DOC:
        field["description"] = _FIELD_DOC[name]
    elif typ == "number" and unit:
        field["description"] = f"amount in {unit}, exact to 6 decimals as printed"
    if typ == "boolean":
        field["trueValues"], field["falseValues"] = ["True"], ["False"]
    return field


def _table_frames(doc: BudgetDocument):
    """(resource name, frame, table) for every table: data, plus the printed totals."""
    for tid, table in doc.tables.items():
        yield tid, table.data, table
        if not table.total.empty:
            yield f"{tid}_total", table.total, table


def write_document(doc: BudgetDocument, out_root: Path) -> Path:
    """Write `doc` to out_root/<source name>/ and return that folder."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    final = out_root / doc.meta["source_name"]
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=out_root))
    try:
        resources = []
        catalog = table_catalog()["tables"]
        frames = list(_table_frames(doc)) + [("facts", doc.facts(), None)]
        for name, frame, table in frames:
            frame.to_csv(tmp / f"{name}.csv", index=False, encoding="utf-8-sig")
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
            headers = table.headers if table is not None else {}
            unit = table.unit if table is not None else None
            spec = catalog.get(name.split("_")[0])
            resources.append({
                "name": name.lower(),
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8-sig",
                "title": table.title if table is not None else "facts: every amount, long",
                "description": (f"{spec.zh} / {spec.en}" if spec else "one row per amount") +
                               (" (printed 合计 rows)" if name.endswith("_total") else ""),
                "schema": {"fields": [_field(c, frame[c], headers, unit) for c in frame.columns]},
            })
        _decimals_long(doc).to_parquet(tmp / "decimals.parquet", index=False)
        tables_meta = {tid: {"title": t.title, "unit": t.unit, "headers": t.headers, "empty": t.empty,
                             "note": t.note, "incomplete": t.incomplete, "kind": t.kind, "label": t.label}
                       for tid, t in doc.tables.items()}
        (tmp / "document.json").write_text(
            json.dumps({**doc.meta, "warnings": doc.warnings,
                        "problems": [p.to_dict() for p in doc.problems],
                        "unrecognised_tables": [r.title for r in doc.raw_tables],
                        "tables_meta": tables_meta, "format_version": FORMAT_VERSION,
                        "narrative": _narrative_json(doc)},
                       ensure_ascii=False, indent=2), encoding="utf-8")
        package = {"name": final.name.lower().replace("_", "-"), "profile": "tabular-data-package",
                   "title": f"{doc.meta.get('department') or final.name} {doc.meta.get('year') or ''}".strip(),
                   "sources": [{"title": Path(doc.meta["source"]).name, "sha256": doc.meta["sha256"]}],
                   "resources": resources}
        (tmp / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o755)
        # Swap in: the old folder is removed only once the new one is complete.
        old = None
        if final.exists():
            old = out_root / f".{final.name}.old"
            shutil.rmtree(old, ignore_errors=True)
            final.rename(old)
        tmp.rename(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return final
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _narrative_json(doc: BudgetDocument) -> dict | None:
    """The narrative (情况说明) as JSON: its source, page texts and sections."""
    n = doc.narrative
    return None if n is None else {"source": n.source, "pages": {str(p): t for p, t in n.pages.items()},
                                   "sections": n.sections}


def _decimals_long(doc: BudgetDocument) -> pd.DataFrame:
    """Table.decimals of every table, long: table, part, row (position in the frame), column,
    decimals; only cells with known decimals."""
    parts = []
    for tid, t in doc.tables.items():
        for part, frame in (("data", t.data), ("total", t.total)):
            dec = t.decimals.get(part)
            if dec is None or dec.empty:
                continue
            dec = dec.reindex(frame.index).reset_index(drop=True)
            long = dec.rename_axis("row").reset_index().melt(id_vars="row", var_name="column", value_name="decimals")
            long = long.dropna(subset=["decimals"])
            parts.append(long.assign(table=tid, part=part))
    cols = ["table", "part", "row", "column", "decimals"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="Int8" if c == "decimals" else "int64" if c == "row" else "string")
                             for c in cols})
    out = pd.concat(parts, ignore_index=True)[cols]
    out["decimals"] = out["decimals"].astype("Int8")
    return out


def _attach_decimals(tables: dict[str, Table], path: Path) -> None:
    if not path.exists():
        return
    long = pd.read_parquet(path)
    for (tid, part), g in long.groupby(["table", "part"]):
        t = tables.get(tid)
        if t is None:
            continue
        frame = t.data if part == "data" else t.total
        amounts = [c for c in frame.columns if frame[c].dtype == AMOUNT_DTYPE]
        dec = g.pivot(index="row", columns="column", values="decimals").reindex(index=range(len(frame)),
                                                                               columns=amounts)
        dec.index = frame.index
        t.decimals[part] = dec.astype("Int8")


def read_document_meta(folder: Path) -> dict | None:
    """document.json of an earlier parse, or None."""
    p = Path(folder) / "document.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas(
        types_mapper=lambda t: AMOUNT_DTYPE if pa.types.is_decimal(t) else None)


def read_document(folder: Path) -> BudgetDocument:
    """The BudgetDocument an earlier write_document() stored in `folder` (from its Parquet files)."""
    folder = Path(folder)
    meta = read_document_meta(folder)
    tables = {}
    for tid, tm in meta.pop("tables_meta").items():
        data = _read_parquet(folder / f"{tid}.parquet")
        total_path = folder / f"{tid}_total.parquet"
        total = _read_parquet(total_path) if total_path.exists() else data.iloc[0:0]
        tables[tid] = Table(tid, tm["title"], tm["unit"], data, total, tm["headers"], tm["empty"], tm["note"],
                            incomplete=tm.get("incomplete", False), kind=tm.get("kind", ""),
                            label=tm.get("label", ""))
    _attach_decimals(tables, folder / "decimals.parquet")
    warnings = meta.pop("warnings", [])
    problems = [Problem(**p) for p in meta.pop("problems", [])]
    n = meta.pop("narrative", None)
    for key in ("unrecognised_tables", "format_version"):
        meta.pop(key, None)
    narrative = Narrative(n["source"], {int(p): t for p, t in n["pages"].items()}, n["sections"]) if n else None
    return BudgetDocument(meta=meta, tables=tables, warnings=warnings, problems=problems, narrative=narrative)
