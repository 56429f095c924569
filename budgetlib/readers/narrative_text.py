"""The narrative (情况说明) of a disclosure: its prose, page by page, as sentences.

Beijing publishes the narrative as a companion PDF (附件1) beside the tables (附件2); most other
regions print it in the same PDF, on the pages before and after the tables. Either way this
module gives a ``Narrative`` (model.py): the text of each prose page, running page numbers
removed, and the section headings (一、收入预算情况说明 …). ``sentences`` cuts it into
sentences that keep their page, across page breaks. The patterns are data (catalog/claims.yaml,
``reading``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..catalog import load_yaml
from ..model import Narrative
from ..normalize import fold, join_wrapped
from .base import ReadError


@lru_cache(maxsize=1)
def claims_catalogue() -> dict:
    """catalog/claims.yaml, parsed once."""
    text = resources.files("budgetlib.catalog").joinpath("claims.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


def _rx(name: str) -> re.Pattern:
    return _compiled(claims_catalogue()["reading"][name])


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


@dataclass
class Sentence:
    """One sentence of the narrative: its text (wrapping undone), first page, last page,
    the section (level-1 heading title) it sits in, and whether it is a heading line."""

    text: str
    page: int
    end_page: int
    section: str = ""
    heading: bool = False

    def where(self) -> str:
        return f"p.{self.page}" if self.page == self.end_page else f"pp.{self.page}-{self.end_page}"


def _page_lines(text: str) -> list[str]:
    """The printed lines of one page, without blank lines and the running page number."""
    num = _rx("page_number")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not num.match(ln)]


def read_narrative(path, pages: list[int] | None = None) -> Narrative:
    """Read the prose of ``path`` (a PDF; all pages, or only ``pages``, 1-based).

    Raises ReadError (one line naming the file) when the file cannot be read."""
    from .pdf_mupdf import open_pdf

    path = Path(path)
    if path.suffix.lower() in (".txt", ".md"):
        if not path.exists():
            raise ReadError(f"{path}: no such file; check the path")
        chunks = path.read_text(encoding="utf-8").split("\f")
        texts = {i + 1: t for i, t in enumerate(chunks)}
    else:
        doc = open_pdf(path)
        try:
            wanted = pages or list(range(1, doc.page_count + 1))
            texts = {p: doc[p - 1].get_text("text") for p in wanted if 1 <= p <= doc.page_count}
        finally:
            doc.close()
    narrative = Narrative(source=str(path), pages={p: "\n".join(_page_lines(t)) for p, t in texts.items()})
    narrative.sections = sections(narrative)
    return narrative


def _is_title_line(line: str) -> bool:
    return bool(_rx("toc_title").match(line)) or line in ("目", "录")


def _running_lines(narrative: Narrative) -> set[str]:
    """Lines printed on many pages (a running header such as "苏州市水务局2026年度单位预算公开"):
    page furniture that would otherwise land inside the sentence a page break cuts."""
    n = len(narrative.pages)
    seen: dict[str, int] = {}
    for text in narrative.pages.values():
        for ln in set(text.splitlines()):
            seen[ln] = seen.get(ln, 0) + 1
    need = max(3, int(n * float(claims_catalogue()["reading"].get("running_line_share", 0.3))))
    return {ln for ln, k in seen.items() if k >= need and "。" not in ln}


def toc_and_body(narrative: Narrative) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(table-of-contents lines, body lines), each as (page, line). Without a 目录 all is body.
    Running page headers are dropped."""
    running = _running_lines(narrative)
    lines = [(p, ln) for p in sorted(narrative.pages) for ln in narrative.pages[p].splitlines() if ln not in running]
    start = next((i for i, (_, ln) in enumerate(lines) if _is_title_line(ln)), None)
    if start is None:
        return [], lines
    body = next((i for i in range(start + 1, len(lines)) if _rx("body_start").match(lines[i][1])), None)
    if body is None:
        return [], lines
    return lines[start:body], lines[:start] + lines[body:]


def toc_tables(narrative: Narrative) -> list[tuple[int, str]]:
    """The tables the 目录 announces, as (page, name): the entries after 第二部分."""
    toc, _ = toc_and_body(narrative)
    out, in_tables = [], False
    for page, line in toc:
        if _rx("toc_tables").match(line):
            in_tables = True
            continue
        m = _rx("toc_entry").match(line)
        if in_tables and m:
            out.append((page, join_wrapped(m.group("name"))))
    return out


def sections(narrative: Narrative) -> list[dict]:
    """The headings of the body: level 1 (一、…) and level 2 (（一）…), with their page."""
    _, body = toc_and_body(narrative)
    out = []
    for page, line in body:
        line = join_wrapped(line)
        for level, rx in ((1, _rx("heading")), (2, _rx("subheading"))):
            m = rx.match(line)
            if m:
                out.append({"level": level, "number": m.group("number"), "title": m.group("title").strip(),
                            "page": page})
                break
    return out


def sentences(narrative: Narrative) -> list[Sentence]:
    """The body cut into sentences: at 。, and before every line that starts a block (a heading,
    a list item, a figure caption). Line wrapping is undone; a sentence keeps its first page."""
    _, body = toc_and_body(narrative)
    block, heading_rx, sub_rx = _rx("block_start"), _rx("heading"), _rx("subheading")
    out: list[Sentence] = []
    buf, start, section = "", None, ""
    last_page = None

    def flush(page_end):
        nonlocal buf, start
        text = join_wrapped(buf).strip()
        if text:
            out.append(Sentence(text, start, page_end, section, bool(heading_rx.match(text))))
        buf, start = "", None

    for page, line in body:
        if block.match(line) and buf:
            flush(last_page)
        m = heading_rx.match(join_wrapped(line))
        if m:
            section = m.group("title").strip()
        # split the line at 。 (keeping it); a piece ending in 。 closes its sentence
        for piece in re.split(r"(?<=。)(?!。)", line):  # "。。" stays one sentence: the style check sees it
            if not piece:
                continue
            if start is None:
                start = page
            buf += piece if not buf else ("" if _cjk_join(buf, piece) else " ") + piece
            if piece.endswith("。"):
                flush(page)
        last_page = page
        joined = join_wrapped(line)
        sm = sub_rx.match(joined)
        if m or (sm and sm.end() == len(joined)):
            flush(page)  # a heading line is a sentence of its own
    if buf:
        flush(last_page)
    return out


def _cjk_join(left: str, right: str) -> bool:
    """Wrapped Chinese lines join without a space; two Latin words/numbers keep one."""
    return not (left[-1:].isascii() and left[-1:].isalnum() and right[:1].isascii() and right[:1].isalnum())


# ------------------------------------------------------------------------------ pairing
_YEAR = re.compile(r"(20\d\d)\s*年?度?\s*(?:部门|单位)(?:预算|决算)")


_UNIT_STATED = re.compile(r"单位[:：]?[万千]?元")


def _untitled_table(text: str) -> bool:
    """A page of a table printed without its title: no sentence, and its words name one kind
    of table by its header signature (tables.yaml ``signature``)."""
    from ..catalog import kind_by_signature

    folded = fold(text)
    return "。" not in folded and kind_by_signature(folded, folded) is not None


def probe(path) -> dict | None:
    """What the first pages of a PDF say about it, cheaply: {'narrative': bool, 'issuer', 'year'}.

    A narrative names its issuer and year in its title ("北京市审计局2026年度部门预算信息公开")
    and has prose; a table PDF starts with a table title (预算01表 …). None if unreadable."""
    from ..catalog import match_title, recognise_title
    from .pdf_mupdf import open_pdf

    try:
        doc = open_pdf(path)
    except ReadError:
        return None
    try:
        first = [ln for p in range(min(2, doc.page_count)) for ln in _page_lines(doc[p].get_text("text"))]
        # a PDF that prints a budget table on any page is a table document, even when it opens
        # with prose (most regions print the narrative and the tables in one PDF)
        # (a title on a page that also states a 金额单位, so a 目录 listing table names is not one)
        has_tables = False
        for p in range(doc.page_count):
            text = doc[p].get_text("text")
            if _UNIT_STATED.search(re.sub(r"\s+", "", text)) and (any(
                    (t := recognise_title(ln)) is not None and t.table_id for ln in _page_lines(text))
                    or _untitled_table(text)):
                has_tables = True
                break
    finally:
        doc.close()
    if not first:
        return None
    is_table = any(match_title(ln) for ln in first[:3])
    head = join_wrapped("".join(first[:4]))
    joined = "".join(first)
    info = {"narrative": not is_table and not has_tables and ("情况说明" in joined or "。" in joined),
            "issuer": None, "year": None}
    for pattern in claims_catalogue()["issuer_patterns"][:2]:
        m = re.search(pattern, head)
        if m:
            info["issuer"] = m.group("issuer").strip()
            break
    y = _YEAR.search(head)
    info["year"] = int(y.group(1)) if y else None
    return info


def prose_pages(path, table_pages: set[int], texts: dict[int, str] | None = None) -> Narrative | None:
    """The narrative printed inside a table PDF (most regions): the pages that hold no table
    and read as prose (a few sentence ends), before, between or after the tables. None if
    there are none. ``texts``: the plain text of every page with a sentence end, by page, as
    the reading already extracted it (``pdf_mupdf.iter_lines``); without it the pages are
    read here."""
    need = int(claims_catalogue()["reading"].get("prose_min_sentences", 3))
    if texts is not None:
        texts = {p: texts[p] for p in sorted(texts) if p not in table_pages}
    else:
        texts = _page_texts(path, table_pages)
        if texts is None:
            return None
    keep = {p: t for p, t in texts.items() if t.count("。") >= need}
    if not keep:
        return None
    narrative = Narrative(source=str(path), pages={p: "\n".join(_page_lines(t)) for p, t in keep.items()})
    narrative.sections = sections(narrative)
    return narrative


def _issuer_key(name: str | None) -> str:
    from ..normalize import fold

    key = re.sub(r"[“”\"\s]", "", fold(name or ""))
    for suffix in claims_catalogue()["issuer_suffixes"]:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            key = key[: -len(suffix)]
    return key


def split_sources(paths, narratives=()) -> tuple[list, list[tuple[Path, dict]]]:
    """Separate the narrative PDFs from the table documents among ``paths`` (by their content,
    not their names) and add the explicit ``narratives``: (table paths, [(narrative, probe)])."""
    tables, companions = [], []
    for p in paths:
        info = probe(p) if str(p).lower().endswith(".pdf") else None
        if info and info["narrative"]:
            companions.append((Path(p), info))
        else:
            tables.append(p)
    for p in narratives or ():
        companions.append((Path(p), probe(p) or {"narrative": True, "issuer": None, "year": None}))
    return tables, companions


def match_companion(doc, companions: list[tuple[Path, dict]], only_pair: bool = False) -> Path | None:
    """The companion narrative of ``doc``: the one printing the same issuer and year as the
    tables (部门名称 of the tables, title of the narrative); the file name only breaks ties or
    stands in when a document names no issuer. ``only_pair``: one table document and one
    narrative were given together, so they belong together (a wrong issuer is then a finding)."""
    if not companions:
        return None
    dept, year = _issuer_key(doc.meta.get("department")), doc.meta.get("year")
    stem = Path(doc.meta.get("source") or "").stem

    def hint(p: Path) -> bool:
        return bool(stem) and (p.stem.startswith(stem) or stem in p.stem)

    same = [(p, i) for p, i in companions
            if dept and i.get("issuer") and _issuer_key(i["issuer"]) == dept and (not year or i.get("year") in (None, year))]
    if len(same) == 1:
        return same[0][0]
    pool = same or [(p, i) for p, i in companions if not i.get("issuer") or not dept]
    hinted = [p for p, _ in pool if hint(p)]
    if len(hinted) == 1:
        return hinted[0]
    if len(pool) == 1 and len(companions) == 1:
        return pool[0][0]
    return companions[0][0] if only_pair and len(companions) == 1 else None


def page_heads(path, lines: int = 3) -> dict[int, list[str]]:
    """The first printed lines of every page of a PDF (where a table prints its title), or {}
    when the file is not a readable PDF. Lets the 目录 check see a table printed under a title
    the reader did not recognise."""
    from .pdf_mupdf import open_pdf

    if not path or not str(path).lower().endswith(".pdf") or not Path(path).exists():
        return {}
    try:
        doc = open_pdf(path)
    except ReadError:
        return {}
    try:
        return {p + 1: _page_lines(doc[p].get_text("text"))[:lines] for p in range(doc.page_count)}
    finally:
        doc.close()


def other_pages(path, skip) -> Narrative | None:
    """The pages of a PDF outside ``skip`` (the pages read as prose), as a Narrative: a short
    section page (one "本部门无…" sentence), a 目录 or a table page. Only the empty-table check
    looks at them, for the sentence saying why a table is empty; no other claim is read there
    (their lists and table lines read as prose give false claims). None when not a readable PDF."""
    if not path or not str(path).lower().endswith(".pdf") or not Path(path).exists():
        return None
    texts = _page_texts(path, skip)
    if texts is None:
        return None
    return Narrative(source=str(path), pages={p: "\n".join(_page_lines(t)) for p, t in texts.items()})


def _page_texts(path, skip) -> dict[int, str] | None:
    """The plain text of every page of the PDF at ``path`` outside ``skip``, by 1-based page;
    None when it is not a readable PDF."""
    from .pdf_mupdf import open_pdf

    try:
        doc = open_pdf(path)
    except ReadError:
        return None
    try:
        return {p: doc[p - 1].get_text("text") for p in range(1, doc.page_count + 1) if p not in skip}
    finally:
        doc.close()
