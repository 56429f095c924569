"""load(path) -> BudgetDocument: pick the reader, assemble, attach metadata."""

from __future__ import annotations

import csv
import hashlib
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .model import BudgetDocument
from .normalize import clean_text, fold
from .readers.assemble import Assembler
from .readers.base import Line, ReadError, cycle_collection_paused

PDF_ENGINES = ("mupdf", "tabula")
DEFAULT_ENGINE = "mupdf"
TEXT_SUFFIXES = {".txt", ".tsv", ".tab"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
_YEAR = re.compile(r"(20\d\d)\s*年")
_WHITESPACE = re.compile(r"\s+")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _lines(path: Path, engine: str, prose: dict | None = None):
    """The reader for a file, chosen by its content first and its name second. The default
    PDF engine fills ``prose`` with the text of the pages that may be narrative (see
    ``pdf_mupdf.iter_lines``)."""
    with open(path, "rb") as fh:
        magic = fh.read(8)
    suffix = path.suffix.lower()
    if magic.startswith(b"%PDF") or suffix == ".pdf":
        if engine not in PDF_ENGINES:
            raise ReadError(f"{path}: unknown PDF engine {engine!r}; use one of {', '.join(PDF_ENGINES)}")
        if engine == "tabula":
            from .readers import pdf_tabula
            return pdf_tabula.iter_lines(path), engine
        from .readers import pdf_mupdf
        return pdf_mupdf.iter_lines(path, prose), engine
    if magic.startswith(b"PK\x03\x04") or suffix in EXCEL_SUFFIXES:
        from .readers import excel
        return excel.iter_lines(path), "excel"
    from .readers import text
    return text.iter_lines(path), "text"


def _manifest_entry(path: Path) -> dict:
    """Metadata a MANIFEST.tsv beside the file gives (department, year), if there is one."""
    manifest = path.parent / "MANIFEST.tsv"
    if not manifest.exists():
        return {}
    with open(manifest, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if Path(row.get("file", "")).name == path.name:
                return {k: v for k, v in row.items() if v and v != "-"}
    return {}


def _department_and_year(lines: list[Line], doc_tables) -> tuple[str | None, int | None]:
    dept, year = None, None
    t13 = doc_tables.get("T13")
    rows = [[clean_text(c) for c in l.cells] for l in lines]
    if t13 is not None:
        # its text cells row by row, read column by column (its text columns are str, and a
        # frame's .values or .drop convert or copy the whole frame: issue 12)
        columns = [t13.data[c].tolist() for c in t13.data.columns if c not in ("page", "line")]
        rows += [list(row) for row in zip(*columns)]
    for row in rows:
        cells = [c for c in row if c]
        for i, c in enumerate(cells):
            if dept is None and fold(c) == "部门名称" and i + 1 < len(cells):
                dept = cells[i + 1]
            if year is None and (m := _YEAR.search(c)):
                year = int(m.group(1))
    return dept, year


@lru_cache(maxsize=1)
def _meta_phrases() -> dict:
    """catalog/document_meta.yaml, its patterns compiled."""
    from .catalog import load_yaml

    raw = load_yaml(resources.files("budgetlib.catalog").joinpath("document_meta.yaml")
                         .read_text(encoding="utf-8"))
    labels = "|".join(map(re.escape, raw["issuer_labels"]))
    return {**raw,
            "labelled": re.compile(rf"^({labels})[:：](?P<name>.+)$"),
            "label_cell": re.compile(rf"^({labels})$"),
            "rank": {lab: k for k, lab in enumerate(raw["issuer_labels"])},
            "not_issuer": re.compile(raw["not_issuer"]),
            "titles": [re.compile(t) for t in raw["titles"]],
            "contents": re.compile(raw["contents"]),
            "region": re.compile(raw["region"])}


def _squeeze(text: str) -> str:
    return _WHITESPACE.sub("", clean_text(text))


def _issuer_name(name: str, ph: dict) -> str | None:
    for q in ph["issuer_drop"]:
        name = name.replace(q, "")
    name = name.strip(ph["issuer_strip"])
    return name if len(name) >= 2 and not ph["not_issuer"].match(name) else None


def _labelled_issuer(lines: list[Line], ph: dict) -> tuple[str, Line] | None:
    """The issuer named by the best-ranked label ("预算单位：…", a cell 部门名称 then its value)."""
    best = None
    for line in lines:
        cells = [_squeeze(c) for c in line.cells if c.strip()]
        for i, c in enumerate(cells):
            m = ph["labelled"].match(c)
            label, name = (m.group(1), m.group("name")) if m else (None, None)
            if m is None and ph["label_cell"].match(c) and i + 1 < len(cells) and len(cells) <= 4:
                label, name = c, cells[i + 1]
            if label is None or (name := _issuer_name(name, ph)) is None:
                continue
            if best is None or ph["rank"][label] < best[0]:
                best = (ph["rank"][label], name, line)
    return (best[1], best[2]) if best else None


def _title_page(lines: list[Line], ph: dict) -> tuple[str, int | None]:
    """The text of the title page: the one-cell lines of the document's first page, up to
    its table of contents, joined (a title is often wrapped over two or three lines)."""
    first = next((l.page for l in lines if l.nonempty()), None)
    parts = []
    for line in lines:
        cells = line.nonempty()
        if line.page != first or len(cells) != 1 or ph["contents"].match(_squeeze(cells[0])):
            break
        parts.append(_squeeze(cells[0]))
    return "".join(parts), first


def document_meta(lines: list[Line]) -> dict:
    """Issuer (部门/单位), year, kind (budget / final_accounts) and region, from the document's
    own words: the title page and the labelled lines ("预算单位：…", "部门名称：…"). Each found
    field's evidence is under ``meta_source`` ("page 1: <text>"). Fields not printed are absent."""
    ph = _meta_phrases()
    out: dict = {}
    where: dict = {}
    title, page = _title_page(lines, ph)
    for pat in ph["titles"] if title else ():
        m = pat.search(title)
        if m is None:
            continue
        got = m.groupdict()
        out["year"] = int(got["year"])
        out["kind"] = ph["kinds"][got["kind"]]
        if got.get("issuer") and (name := _issuer_name(got["issuer"], ph)):
            out["department"] = name
        if got.get("scope"):
            out["scope"] = got["scope"]
        for k in ("year", "kind", "department"):
            if k in out:
                where[k] = f"page {page}: {m.group(0)}"
        break
    labelled = _labelled_issuer(lines, ph) if "department" not in out else None
    if labelled is not None:            # the title names no issuer ("上海市2026年市级单位预算")
        name, line = labelled
        out["department"] = name
        where["department"] = f"page {line.page}: {' '.join(line.nonempty())}"
    scope = out.pop("scope", None)
    for text, evidence in ((out.get("department"), "department"), (scope, "year")):
        if text and (region := region_of(text)):
            out["region"] = region
            where["region"] = where[evidence]
            break
    if where:
        out["meta_source"] = where
    return out


def region_of(name: str) -> str | None:
    """The place an issuer's name starts with (上海市, 上海市普陀区, 广州市 in 中国共产党广州市委员会…)."""
    m = _meta_phrases()["region"].match(name or "")
    return m.group("region") if m else None


def _meta_line(line: Line) -> bool:
    """A line that may name the issuer: a labelled one ("预算单位：…", a cell 部门名称)."""
    ph = _meta_phrases()
    cells = line.nonempty()
    return len(cells) <= 4 and any(ph["labelled"].match(c) or ph["label_cell"].match(c) for c in map(_squeeze, cells))


def load(path, engine: str = DEFAULT_ENGINE, cache=None, strict: bool = False, narrative=None) -> BudgetDocument:
    """Parse one disclosure (text, PDF or Excel) into a BudgetDocument.

    ``narrative`` is the companion narrative PDF (情况说明, Beijing's 附件1) read into
    ``doc.narrative``; without it, a PDF whose own pages carry prose beside the tables gets
    those pages as its narrative.

    With ``cache`` (a folder such as data/processed), an earlier parse of the same bytes
    (same sha256, engine and format version) is read back from cache/<name>/ instead of parsing
    again, and a fresh parse is written there.

    Raises ReadError, with a one-line message naming the file, only for a failure of the whole
    document (missing, empty, not a PDF, encrypted, scanned without text, no budget table). A
    problem confined to a cell, row or table is recorded in ``doc.problems`` (the cell is NA,
    its table ``incomplete``; a table that cannot be read is left out) and the rest loads.
    ``strict=True`` refuses the document for any such problem instead."""
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder, not a file; name a .pdf, .txt or .xlsx file")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: the file is empty (0 bytes); download it again")
    doc = _load_cached(path, engine, Path(cache)) if cache is not None else _parse(path, engine)
    if narrative is not None:
        with_narrative(doc, narrative, cache)
    if strict and doc.problems:
        more = f" (and {len(doc.problems) - 1} more)" if len(doc.problems) > 1 else ""
        raise ReadError(f"{doc.problems[0].line()}{more}; refused because strict reading is on")
    return doc


def with_narrative(doc: BudgetDocument, narrative, cache=None) -> BudgetDocument:
    """Read the companion narrative (情况说明: a Narrative or its PDF) into ``doc`` and, with
    ``cache``, rewrite its parse cache when the narrative is new there (notebooks reading the
    cache later see it). ``load(..., narrative=...)`` in one step; for a document already
    loaded, this saves reading it again."""
    from .model import Narrative
    from .readers.narrative_text import read_narrative

    before = doc.narrative
    doc.narrative = narrative if isinstance(narrative, Narrative) else read_narrative(narrative)
    if cache is not None and (before is None or before.pages != doc.narrative.pages):
        from .export import write_document

        write_document(doc, Path(cache))
    return doc


def _load_cached(path: Path, engine: str, cache: Path) -> BudgetDocument:
    from .export import FORMAT_VERSION, read_document, read_document_meta, write_document

    folder = cache / path.stem
    meta = read_document_meta(folder)
    wanted_engine = engine if path.suffix.lower() == ".pdf" else None
    sha = sha256_of(path)
    if (meta and meta.get("sha256") == sha and meta.get("format_version") == FORMAT_VERSION
            and (wanted_engine is None or meta.get("engine") == wanted_engine)):
        doc = read_document(folder)
        doc.meta["source"] = str(path)
        return doc
    doc = _parse(path, engine, sha)
    write_document(doc, cache)
    return doc


def _parse(path: Path, engine: str, sha: str | None = None) -> BudgetDocument:
    prose: dict = {}                    # page -> text, of the pages with a sentence end
    lines_iter, used = _lines(path, engine, prose)
    assembler = Assembler(str(path))
    kept: list[Line] = []

    def keep(it):
        # Remember the lines metadata reads (the title page, labelled issuer lines) without
        # reading the file twice.
        labelled = 0
        for line in it:
            if len(kept) < 40:
                kept.append(line)
            elif labelled < 20 and _meta_line(line):
                kept.append(line)
                labelled += 1
            yield line

    with cycle_collection_paused():
        result = assembler.run(keep(lines_iter))
    manifest = _manifest_entry(path)
    printed = document_meta(kept)
    dept, year = _department_and_year(result.preamble + kept[:10], result.tables)
    units = [t.unit for t in result.tables.values() if t.unit]
    # the document's own words first; a MANIFEST.tsv beside the file is a fallback only
    department = printed.get("department") or dept or manifest.get("department") or manifest.get("issuer")
    meta = {
        "source": str(path),
        "source_name": path.stem,
        "sha256": sha or sha256_of(path),
        "format": "pdf" if used in PDF_ENGINES else used,
        "engine": used,
        "department": department,
        "year": printed.get("year") or year or (int(manifest["year"]) if manifest.get("year", "").isdigit() else None),
        "kind": printed.get("kind") or ("final_accounts" if result.is_final else "budget"),
        "region": printed.get("region") or region_of(department) or manifest.get("region") or manifest.get("city"),
        "unit": max(set(units), key=units.count) if units else None,
        "tables": sorted(result.tables),
        "meta_source": printed.get("meta_source", {}),
    }
    doc = BudgetDocument(meta=meta, tables=result.tables, raw_tables=result.raw_tables,
                         warnings=result.warnings, problems=result.problems)
    if used in PDF_ENGINES:
        from .readers.narrative_text import prose_pages

        used_pages = {p for t in doc.tables.values() for p in t.pages} | {r.page for r in doc.raw_tables if r.page}
        doc.narrative = prose_pages(path, used_pages, prose if used == "mupdf" else None)
    return doc
