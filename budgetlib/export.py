"""Write a parsed document to a folder: CSV (UTF-8 with BOM, for Excel) and Parquet per table,
the facts view, document.json and a Frictionless datapackage.json. Atomic: a failed write
leaves any earlier folder as it was and no half-written one."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from .catalog import table_catalog
from .model import BudgetDocument, Narrative, Problem, RawTable, Table
from .normalize import AMOUNT_DTYPE

# Bumped whenever the folder's layout or the model changes, so old caches are re-parsed.
# 4: decimals.parquet, the decimals each amount was printed with (Table.decimals).
# 5: document.json keeps the narrative (情况说明): its source, page texts and sections.
# 6: T12 blocks across page breaks (indicators moved to their own block), notes never rows.
# 7: tables keep their standard kind (收支总表 …) and printed label (表3 …).
# 8: document.json keeps the tables not recognised (raw_tables: title, rows, page, line, kind),
#    which the claims check reads: a document read back equals its fresh parse.
FORMAT_VERSION = 8

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
                        "raw_tables": [dataclasses.asdict(r) for r in doc.raw_tables],
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


_last_read: tuple = (None, None)  # (folder's file stamps, document): see read_document


def _stamps(folder: Path) -> tuple:
    """Name, size and modification time of every file in ``folder`` that ``read_document``
    reads (document.json, the Parquet files): a changed file, a rewritten folder
    (write_document swaps in a new one) or another folder differ. The reconciliation written
    beside them (reconciliation.csv, .html) while the notebooks run is not read back."""
    with os.scandir(folder) as it:
        return (str(folder.resolve()),) + tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns)
                                                       for e in it if e.is_file()
                                                       and (e.name == "document.json" or e.name.endswith(".parquet"))))


def read_document(folder: Path) -> BudgetDocument:
    """The BudgetDocument an earlier write_document() stored in `folder` (from its Parquet files).

    The last folder read is remembered while its files are unchanged, and read again as a copy:
    the four report notebooks of a document, run in one kernel, read its Parquet files once."""
    global _last_read
    import copy

    folder = Path(folder)
    stamps = _stamps(folder) if folder.is_dir() else None
    if stamps is not None and _last_read[0] == stamps:
        return copy.deepcopy(_last_read[1])
    doc = _read_document(folder)
    if stamps is not None:
        _last_read = (stamps, copy.deepcopy(doc))
    return doc


def _read_document(folder: Path) -> BudgetDocument:
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
    raw_tables = [RawTable(**r) for r in meta.pop("raw_tables", [])]
    meta.pop("format_version", None)
    narrative = Narrative(n["source"], {int(p): t for p, t in n["pages"].items()}, n["sections"]) if n else None
    return BudgetDocument(meta=meta, tables=tables, raw_tables=raw_tables, warnings=warnings, problems=problems,
                          narrative=narrative)


# ------------------------------------------------------------------------------ Excel workbook

# Chinese headers for the columns every table or view shares; a table's own columns take
# their printed header (Table.headers, from the catalogue).
_COLUMN_ZH = {
    "page": "页码", "line": "行号", "side": "收支", "line_no": "序号", "item": "项目",
    "line_kind": "行类型", "amount": "金额", "project_no": "项目序号", "project_code": "项目编码",
    "project_name": "项目名称", "value_number": "指标值（数值）", "is_cost": "成本指标",
    "is_qualitative": "定性指标", "unit": "单位", "document": "文件", "table": "表", "row_kind": "行类型",
    "key": "行", "measure": "栏目", "measure_zh": "栏目名称", "rule_id": "规则", "instance": "子项",
    "status": "状态", "severity": "级别", "left": "左边", "right": "右边", "difference": "差额",
    "tolerance": "容差", "tables": "涉及表", "location": "位置", "explanation": "说明",
    "description": "规则说明", "unit_code": "单位编码", "unit_name": "单位名称",
    "procurement_category_code": "采购品目编码", "procurement_category_name": "采购品目名称", "file": "文件", "column": "列", "raw": "原文",
    "expected": "应为", "level": "级别", "message": "说明", "row": "行",
}
_VALUE_ZH = {"pass": "相符", "rounding": "尾差", "mismatch": "不符", "not_applicable": "不适用",
             "unreadable": "无法读取", "error": "错误", "warning": "警告", "income": "收入",
             "expenditure": "支出", "detail": "明细", "total": "合计", "item": "项目",
             "subtotal": "小计", "current_total": "本年合计", "carryover": "结转结余",
             "carryover_item": "结转结余项目", "grand_total": "总计", "cell": "单元格", "row": "行",
             "table": "表", True: "是", False: "否"}
# the columns whose values are words of budgetlib's vocabulary, shown in Chinese
_TRANSLATED = {"status", "severity", "level", "side", "line_kind", "row_kind"}


def column_zh(col: str, headers: dict | None = None) -> str:
    """A column's Chinese header: the table's printed header, else the shared vocabulary."""
    headers = headers or {}
    for key in (col, f"{col}_column"):  # the catalogue names a code column "<col>_column"
        if key in headers:
            return headers[key]
    base, _, suffix = col.rpartition("_")
    if base in headers and suffix in ("code", "name"):  # 支出功能分类科目 -> …编码 / …名称
        head = headers[base]
        stem = head[:-2] if head.endswith(("名称", "编码")) else head
        return stem + ("编码" if suffix == "code" else "名称")
    if col[:1] == "c" and col[1:].isdigit():  # a table kept as a text grid (预算13表, 14表)
        return f"第{col[1:]}列"
    return _COLUMN_ZH.get(col, col)


def _sheet_name(text: str, used: set) -> str:
    name = "".join("_" if ch in "[]:*?/\\'" else ch for ch in text)[:31].strip() or "Sheet"
    base, n = name, 1
    while name in used:
        n += 1
        name = f"{base[:28]}-{n}"
    used.add(name)
    return name


def _excel_column(series: pd.Series) -> tuple[str, list]:
    """("number" | "string" | "any", values) for one column: amounts as floats (shown to the
    fen; the 6 printed decimals survive a double), statuses and booleans in Chinese, NA None."""
    if series.dtype == AMOUNT_DTYPE:
        floats = series.astype("float64").to_numpy(na_value=float("nan"))
        return "number", [None if f != f else float(f) for f in floats]
    values = series.astype(object).where(series.notna(), None).tolist()
    if str(series.dtype) in ("bool", "boolean"):
        return "string", [None if v is None else _VALUE_ZH[bool(v)] for v in values]
    if all(v is None or isinstance(v, str) for v in values):
        if series.name in _TRANSLATED:
            values = [_VALUE_ZH.get(v, v) for v in values]
        return "string", values
    out = []
    for v in values:
        if hasattr(v, "item"):  # numpy scalars
            v = v.item()
        elif isinstance(v, (list, tuple, dict)):
            v = json.dumps(v, ensure_ascii=False, default=str)
        elif v is not None and not isinstance(v, (int, float, str)):
            v = str(v)  # Decimal outside an amount column, dates...
        out.append(v)
    return "any", out


def _write_sheet(wb, formats: dict, name: str, frame: pd.DataFrame, headers: dict | None = None,
                 note: str | None = None) -> None:
    ws = wb.add_worksheet(name)
    top = 0
    if note:
        ws.write_string(0, 0, note, formats["note"])
        top = 1
    columns = [_excel_column(frame[c]) for c in frame.columns]
    for i, c in enumerate(frame.columns):
        title = str(column_zh(c, headers))
        # widths from the header and the first rows; CJK characters count double
        sample = [title] + ["" if v is None else (f"{v:,.2f}" if isinstance(v, float) else str(v))
                            for v in columns[i][1][:50]]
        width = max(len(x) + sum(1 for ch in x if ord(ch) > 0x2e80) for x in sample)
        ws.set_column(i, i, min(max(width + 2, 6), 60))
        ws.write_string(top, i, title, formats["head"])
    ws.freeze_panes(top + 1, 0)
    amount = formats["amount"]
    for r in range(len(frame)):
        row = top + 1 + r
        for i, (kind, values) in enumerate(columns):
            v = values[r]
            if v is None:
                continue
            if kind == "number":
                ws.write_number(row, i, v, amount)
            elif kind == "string" or isinstance(v, str):
                ws.write_string(row, i, v)  # text stays text: never a formula or a number
            else:
                ws.write(row, i, v)
    if len(frame):
        ws.autofilter(top, 0, top + len(frame), max(len(frame.columns) - 1, 0))


def write_workbook(doc: BudgetDocument, path, reconciliation=None) -> Path:
    """One Excel workbook (工作簿) for a document: a contents sheet, every table (printed
    headers in Chinese, amounts as numbers shown to the fen, page and line of each row), the
    printed 合计 rows, the facts (every amount, long), the reconciliation and the problems
    found while reading, for analysts who work in Excel or WPS. Written atomically."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog = table_catalog()["tables"]
    used: set = set()
    contents = []
    sheets = []
    for tid, table in doc.tables.items():
        spec = catalog.get(tid)
        name = _sheet_name(f"{tid} {spec.zh}" if spec else tid, used | {"说明"})
        unit = f"金额单位：{table.unit}" if table.unit else ""
        note = " ".join(x for x in (table.title, unit, "（空表）" if table.empty else "",
                                   f"注：{table.note}" if getattr(table, "note", None) else "") if x)
        sheets.append((name, table.data, table.headers, note))
        contents.append((name, table.title, len(table.data)))
    totals = [t.total.assign(table=tid) for tid, t in doc.tables.items() if not t.total.empty]
    if totals:
        frame = pd.concat(totals, ignore_index=True)
        frame = frame[["table", *[c for c in frame.columns if c != "table"]]]
        name = _sheet_name("合计行", used)
        sheets.append((name, frame, {}, "各表印刷的合计行（不计入明细，避免重复相加）"))
        contents.append((name, "各表印刷的合计行", len(frame)))
    facts = doc.facts()
    if not facts.empty:
        zh = {tid: t.headers for tid, t in doc.tables.items()}
        facts = facts.assign(measure_zh=[column_zh(m, zh.get(t)) for t, m in zip(facts["table"], facts["measure"])])
        name = _sheet_name("事实", used)
        sheets.append((name, facts, {}, "每个金额一行：表、行、栏目、金额、单位、页码、行号"))
        contents.append((name, "每个金额一行（长表）", len(facts)))
    if reconciliation is not None:
        frame = reconciliation.frame
        name = _sheet_name("对账", used)
        sheets.append((name, frame, {}, "勾稽关系核对：每条规则一行"))
        contents.append((name, "勾稽关系核对", len(frame)))
    problems = getattr(doc, "problems", None)
    if problems:
        import dataclasses

        frame = pd.DataFrame([dataclasses.asdict(p) for p in problems])
        name = _sheet_name("问题", used)
        sheets.append((name, frame, {}, "读取时发现的问题：无法读取的单元格、不完整的表"))
        contents.append((name, "读取时发现的问题", len(frame)))

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
        formats = {"head": wb.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True,
                                          "valign": "top", "bottom": 1}),
                   "note": wb.add_format({"italic": True, "font_color": "#555555"}),
                   "amount": wb.add_format({"num_format": "#,##0.00"})}  # the cell keeps every decimal
        info = wb.add_worksheet("说明")
        info.set_column(0, 0, 24)
        info.set_column(1, 1, 60)
        info.set_column(2, 2, 10)
        meta = doc.meta
        rows = [("部门", meta.get("department") or ""), ("年度", meta.get("year") or ""),
                ("文件", Path(str(meta.get("source", ""))).name), ("SHA-256", meta.get("sha256") or ""),
                ("金额单位", meta.get("unit") or ""), ("说明", "金额为数值，显示两位小数，单元格保留原文全部小数"),
                ("", "")]
        for r, row in enumerate(rows):
            info.write_row(r, 0, [str(x) for x in row])
        info.write_row(len(rows), 0, ["工作表", "内容", "行数"], formats["head"])
        for r, (name, what, n) in enumerate(contents, start=len(rows) + 1):
            info.write_url(r, 0, f"internal:'{name}'!A1", string=name)
            info.write_string(r, 1, str(what))
            info.write_number(r, 2, n)
        for name, frame, headers, note in sheets:
            _write_sheet(wb, formats, name, frame, headers, note)
        wb.close()
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
