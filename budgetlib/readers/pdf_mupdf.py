"""PyMuPDF engine: the fast default PDF reader.

PyMuPDF gives the two things ``pdf_grid`` needs in a few milliseconds per page: the
characters with their boxes (``get_text("rawdict")``) and the vector paths
(``get_cdrawings()``), from which the visible thin rectangles/lines are the rulings and
the edges of filled cell backgrounds are cell borders too.

``open_pdf`` is shared by every engine: it turns the ways a file can be unreadable into
one-line ``ReadError`` messages before any engine starts.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path

from .base import Line, ReadError, cycle_collection_paused
from .pdf_grid import (SAME_GLYPH, Char, PageResult, Seg, grid_page, is_invisible, rect_to_segs,
                       stitch_pages)


# PyMuPDF 2 imports, when installed (it is by default), its layout analyser and pymupdf4llm
# (onnxruntime and more: 1.6 of its 1.9 s import on this machine); reading uses neither. So
# the first import here skips them; they stay importable afterwards (``import pymupdf.layout``),
# only ``pymupdf.to_markdown`` & co. report themselves unavailable in this process.
_EXTRAS = ("pymupdf.layout", "pymupdf4llm")


def _import_pymupdf():
    skipped = [] if "pymupdf" in sys.modules else [m for m in _EXTRAS if m not in sys.modules]
    for name in skipped:
        sys.modules[name] = None                    # import of it raises ImportError
    try:
        import pymupdf
    except ImportError as exc:                      # pragma: no cover - a dependency
        raise ReadError("PyMuPDF is not installed: pip install pymupdf") from exc
    finally:
        for name in skipped:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return pymupdf


def open_pdf(path):
    """Open a PDF with PyMuPDF, or raise ReadError naming the file and the problem:
    missing, empty, not a PDF/corrupt, truncated, encrypted, or scanned (no text layer)."""
    pymupdf = _import_pymupdf()
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"{path}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise ReadError(f"{path}: empty file (0 bytes): download it again")
    with open(path, "rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise ReadError(f"{path}: not a PDF file (no %PDF header): check the file type")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:                        # pymupdf.FileDataError and friends
        raise ReadError(f"{path}: corrupt PDF ({exc}): download it again") from exc
    if doc.needs_pass:
        doc.close()
        raise ReadError(f"{path}: encrypted PDF (password required): "
                        f"save an unencrypted copy and retry")
    # MuPDF silently repairs a truncated file and returns fewer pages or empty ones;
    # a file cut short has lost its final %%EOF marker, which we check ourselves.
    if b"%%EOF" not in tail or doc.page_count == 0:
        doc.close()
        raise ReadError(f"{path}: truncated or corrupt PDF (no end-of-file marker or no "
                        f"pages): download it again")
    if not _has_text(doc):
        doc.close()
        raise ReadError(f"{path}: no text layer: OCR needed (the PDF is scanned images)")
    return doc


def _has_text(doc) -> bool:
    """Is there any extractable text? (Look at a few pages first: the usual case is cheap.)"""
    for i in range(doc.page_count):
        if doc[i].get_text("text").strip():
            return True
    return False


# --------------------------------------------------------------------------- page data


def _display(page, dirs: dict | None = None):
    """The map from the page's unrotated space (where MuPDF reports glyphs and paths) to the
    page as it reads, or None when that is the unrotated space. A landscape table is often
    drawn sideways in a portrait media box with /Rotate 90: read in the unrotated space its
    lines would run top to bottom. ``dirs`` (glyphs per text direction, unrotated space, from
    ``_page_chars``) decides when given: the page is read turned so that most of its text
    runs left to right, whatever /Rotate says (a table page given /Rotate 90 without its
    content turned, or a table drawn sideways with no /Rotate at all)."""
    shown = page.rotation % 360
    turn = shown
    if dirs:
        best = max(dirs, key=lambda d: (dirs[d], _TURN.get(d) == shown))
        turn = _TURN.get(best, shown)
    if turn == shown:
        return page.rotation_matrix if shown else None
    if turn == 0:
        return None
    ur = page.rect * page.derotation_matrix         # the unrotated page box
    w, h = ur.width, ur.height
    return _import_pymupdf().Matrix(*{90: (0, 1, -1, 0, h, 0), 180: (-1, 0, 0, -1, w, h),
                                      270: (0, -1, 1, 0, 0, w)}[turn])


# the turn (degrees clockwise) that makes text running in a direction (unrotated space) run
# left to right
_TURN = {(1, 0): 0, (0, -1): 90, (-1, 0): 180, (0, 1): 270}


def _turn(m, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    """A box through the rotation ``m`` (a multiple of 90 degrees keeps it axis-parallel)."""
    ax, ay = x0 * m.a + y0 * m.c + m.e, x0 * m.b + y0 * m.d + m.f
    bx, by = x1 * m.a + y1 * m.c + m.e, x1 * m.b + y1 * m.d + m.f
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def page_segs(page, m=False) -> list[Seg]:
    """Visible axis-parallel ruling segments of a page (thin rects, lines, fill edges), in
    the page's displayed orientation (or through ``m``, see ``_display``)."""
    return _turned_segs(_unrotated_segs(page), _display(page) if m is False else m)


def _turned_segs(segs: list[Seg], m) -> list[Seg]:
    if m is None:
        return segs
    turned = []
    for sg in segs:
        x0, y0, x1, y1 = _turn(m, sg.x0, sg.y0, sg.x1, sg.y1)
        # a horizontal turns vertical and back: snap the thin side to one coordinate
        turned.append(Seg(x0, y0, x1, y0) if y1 - y0 < x1 - x0 else Seg(x0, y0, x0, y1))
    return turned


def ruled(segs: list[Seg]) -> bool:
    """Can the page's rulings (``_unrotated_segs``) make a table at all: two horizontals and
    two verticals, in either direction? A page without (a page of prose) has no cell, so a
    glyph clipped away there belongs to nothing and is dropped (``grid_page``): its clipped
    text page alone is read (``_page_chars``)."""
    flat = 0
    for sg in segs:
        if sg.y0 == sg.y1:
            flat += 1
    return flat >= 2 and len(segs) - flat >= 2


def _unrotated_segs(page) -> list[Seg]:
    segs: list[Seg] = []
    for path in page.get_cdrawings():
        kind = path.get("type", "")
        visible = (("f" in kind and not is_invisible(path.get("fill")))
                   or ("s" in kind and not is_invisible(path.get("color"))))
        if not visible:
            continue
        for item in path["items"]:
            op = item[0]
            if op == "l":                           # (the commonest first)
                # a stroked line is a ruling if (nearly) horizontal or vertical
                (xa, ya), (xb, yb) = item[1], item[2]
                if -0.5 <= ya - yb <= 0.5:
                    y = (ya + yb) / 2
                    segs.append(Seg(xa, y, xb, y) if xa <= xb else Seg(xb, y, xa, y))
                elif -0.5 <= xa - xb <= 0.5:
                    x = (xa + xb) / 2
                    segs.append(Seg(x, ya, x, yb) if ya <= yb else Seg(x, yb, x, ya))
            elif op == "re":
                segs.extend(rect_to_segs(*item[1][:4]))
            elif op == "qu":                        # an axis-parallel quad is a rect
                pts = item[1]
                xs = [p[0] for p in pts]
                ys = [p[1] for p in pts]
                segs.extend(rect_to_segs(min(xs), min(ys), max(xs), max(ys)))
    return segs


# text flags: keep spaces as printed; TEXT_CLIP leaves out glyphs outside the clip path
# (in PyMuPDF 2.x it has the value of TEXT_MEDIABOX_CLIP, 64)
_KEEP_WS = 2
_CLIP = 64


def _clip_flag() -> int:
    return getattr(_import_pymupdf(), "TEXT_CLIP", _CLIP)


def _raw_chars(textpage, dirs: dict | None = None) -> list[Char]:
    """Every glyph of a MuPDF text page, ``seq`` numbering its text lines in content-stream
    order; ``dirs`` (if given) counts the glyphs per text direction. (One plain loop: a page
    has about a thousand glyphs.)"""
    chars: list[Char] = []
    append = chars.append
    seq = 0
    same = _SAME_GLYPH_STR
    for block in textpage.extractRAWDICT()["blocks"]:
        for line in block.get("lines", ()):
            spans = line["spans"]
            if dirs is not None:
                d = (round(line["dir"][0]), round(line["dir"][1]))
                dirs[d] = dirs.get(d, 0) + sum(len(span["chars"]) for span in spans)
            for span in spans:
                size = span["size"]
                for ch in span["chars"]:
                    c = ch["c"]
                    x0, y0, x1, y1 = ch["bbox"]
                    append(Char(x0, y0, x1, y1, same.get(c, c), size, False, seq))
            seq += 1
        seq += 1                                    # a new block never continues a line
    return chars


_TEXT = attrgetter("c")

# SAME_GLYPH keyed by the character: one dict look-up per glyph instead of a translate
_SAME_GLYPH_STR = {chr(k): v for k, v in SAME_GLYPH.items()}


def page_chars(page, dirs: dict | None = None, prose: dict | None = None) -> list[Char]:
    """Every glyph of the page (see ``_page_chars``), turned so that its text runs left to
    right (see ``_display``; ``dirs`` receives the glyph count per direction, ``prose`` the
    page's text if it has a sentence end)."""
    return _turned_chars(page, {} if dirs is None else dirs, prose)[0]


def _turned_chars(page, dirs: dict, prose: dict | None,
                  has_rulings: bool = True) -> tuple[list[Char], object]:
    """``page_chars`` and the turn it made (``_display``), worked out once; without
    ``has_rulings`` (see ``ruled``) the visible glyphs only."""
    chars = _page_chars(page, dirs, prose) if has_rulings else _visible_chars(page, dirs, prose)
    m = _display(page, dirs)
    if m is None:
        return chars, m
    return [Char(*_turn(m, ch.x0, ch.y0, ch.x1, ch.y1), ch.c, ch.size, ch.hidden, ch.seq) for ch in chars], m


def _page_chars(page, dirs: dict | None = None, prose: dict | None = None) -> list[Char]:
    """Every glyph of the page with its box and font size; glyphs drawn but clipped away
    (the run-on text of a merged cell cut by a page break) are marked ``hidden``.
    The cheap word extraction tells whether anything is clipped at all (most pages: no);
    then the visible words are matched to the glyphs in stream order (``_hide_clipped``),
    and only if they do not line up exactly, a glyph is visible when the clipped
    extraction has the same glyph at the same place. (Testing whether a visible word's box
    covers the glyph's centre is not enough: clipped text drawn over a header marked the
    glyphs under 绩效目标 visible, healthcare-security p.24.)
    ``prose`` (a dict) receives, under the page number, the page's plain text (what
    ``get_text("text")`` gives: the visible glyphs) when it has a sentence end (。): the
    narrative's pages (``narrative_text.prose_pages``) without extracting them again."""
    every = _raw_chars(page.get_textpage(flags=_KEEP_WS), dirs)
    visible = page.get_textpage(flags=_KEEP_WS | _clip_flag())   # its words, then maybe its glyphs
    words = visible.extractWORDS(None)
    shown = "".join(w[4] for w in words)
    if prose is not None and "。" in shown:
        prose[page.number + 1] = visible.extractText()
    if len(shown) >= len(every) - sum(map(str.isspace, map(_TEXT, every))):
        return every                                # nothing clipped (most pages)
    if not _hide_clipped(every, words):
        _hide_by_places(every, visible)
    return every


def _visible_chars(page, dirs: dict | None = None, prose: dict | None = None) -> list[Char]:
    """The glyphs of the clipped text page, all visible: ``_page_chars`` for a page that has
    no table (``ruled``), where a clipped glyph would be dropped anyway."""
    visible = page.get_textpage(flags=_KEEP_WS | _clip_flag())
    chars = _raw_chars(visible, dirs)
    if prose is not None and "。" in "".join(map(_TEXT, chars)):
        prose[page.number + 1] = visible.extractText()
    return chars


def _hide_by_places(every: list[Char], visible) -> None:
    """Mark ``hidden`` the glyphs of ``every`` that the clipped text page ``visible`` does
    not have at the same place (glyph by glyph: ``_hide_clipped``'s fallback)."""
    # (the same glyph comes out of both extractions with the very same numbers, so the
    # rounded places are only needed for the glyphs not found exactly: the hidden ones)
    exact = set(_glyph_places(visible))
    shown = None
    for ch in every:
        if not ch.c.isspace() and (ch.c, ch.x0, ch.y0) not in exact:
            if shown is None:
                shown = {(c, round(x0, 1), round(y0, 1)) for c, x0, y0 in exact}
            ch.hidden = _glyph_key(ch) not in shown


def _hide_clipped(every: list[Char], words: list) -> bool:
    """Mark ``hidden`` the glyphs that the clipped text page's words leave out. Both text
    pages come from one content stream in one order, the clipped one without the glyphs
    clipped away, so one walk pairs each visible word's letters with glyphs (the same
    character, its centre in the word's box) and the glyphs left unpaired are the hidden
    ones. The pairing must account for every word, and each word's box must be exactly
    that of its paired glyphs (MuPDF builds it from the same glyph boxes); otherwise
    nothing is marked and False is returned (then ``_page_chars`` compares glyph by glyph).
    (It pairs all 201 clipped pages of the corpus; the clipped page's own glyphs would cost
    a second glyph extraction and a set of every glyph's place.)"""
    same = _SAME_GLYPH_STR
    todo = iter([w for w in words if w[4]])
    hidden: list[Char] = []
    paired: list[Char] = []                 # the current word's glyphs
    word = next(todo, None)
    if word is not None:
        x0, y0, x1, y1, text = word[:5]
    for ch in every:                        # (a plain loop: every glyph of the page)
        c = ch.c
        if c.isspace():
            continue
        if word is not None:
            wc = text[len(paired)]
            if (wc == c or same.get(wc) == c) and x0 - 0.01 <= ch.cx <= x1 + 0.01 \
                    and y0 - 0.01 <= ch.cy <= y1 + 0.01:
                paired.append(ch)
                if len(paired) == len(text):
                    if not _box_of(paired, word):
                        break                   # a letter paired with the wrong glyph
                    word = next(todo, None)
                    if word is not None:
                        x0, y0, x1, y1, text = word[:5]
                    paired = []
                continue
        ch.hidden = True
        hidden.append(ch)
    if word is None:
        return True
    for ch in hidden:
        ch.hidden = False
    return False


def _box_of(glyphs: list[Char], word) -> bool:
    """Is ``word``'s box (x0, y0, x1, y1) that of ``glyphs`` (to 0.01 pt)? The first and
    last glyph decide a line of one height; the rest are looked at only if they do not."""
    first, last = glyphs[0], glyphs[-1]
    box = (min(first.x0, last.x0), min(first.y0, last.y0), max(first.x1, last.x1), max(first.y1, last.y1))
    if all(abs(a - b) <= 0.01 for a, b in zip(box, word[:4])):
        return True
    box = (min(ch.x0 for ch in glyphs), min(ch.y0 for ch in glyphs),
           max(ch.x1 for ch in glyphs), max(ch.y1 for ch in glyphs))
    return all(abs(a - b) <= 0.01 for a, b in zip(box, word[:4]))


def engine_calls(page, has_rulings: bool = True) -> tuple:
    """The PyMuPDF calls reading a page makes (``_page_chars`` and ``page_segs``), and nothing
    of ours: the line art, every glyph of the unclipped text page and the clipped text page's
    words; on a page without rulings for a table (``has_rulings``: ``ruled``, which the caller
    works out beforehand) the clipped text page's glyphs alone. ``make bench`` times it as
    ``calls``: the part of ``load`` that is the library's."""
    drawings = page.get_cdrawings()
    if not has_rulings:
        return page.get_textpage(flags=_KEEP_WS | _clip_flag()).extractRAWDICT(), [], drawings
    every = page.get_textpage(flags=_KEEP_WS).extractRAWDICT()
    visible = page.get_textpage(flags=_KEEP_WS | _clip_flag()).extractWORDS(None)
    return every, visible, drawings


def _glyph_key(ch: Char) -> tuple:
    return ch.c, round(ch.x0, 1), round(ch.y0, 1)


def _glyph_places(textpage) -> Iterator[tuple]:
    """(c, x0, y0) of every glyph of a text page, without building the glyphs."""
    same = _SAME_GLYPH_STR
    for block in textpage.extractRAWDICT()["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                for ch in span["chars"]:
                    c = ch["c"]
                    x0, y0 = ch["bbox"][:2]
                    yield same.get(c, c), x0, y0


def page_result(page, pno: int | None = None, prose: dict | None = None) -> PageResult:
    """One page through ``pdf_grid`` (for engines that fall back on PyMuPDF geometry);
    ``prose``: see ``_page_chars``."""
    with cycle_collection_paused():         # a page: some ten thousand objects in no cycle
        segs = _unrotated_segs(page)
        chars, m = _turned_chars(page, {}, prose, ruled(segs))
        r = page.rect * page.derotation_matrix           # the unrotated page box, then turned as read
        r = r if m is None else r * m
        return grid_page(_turned_segs(segs, m), chars, pno or page.number + 1,
                         clip=(r.x0, r.y0, r.x1, r.y1))


def _pages(doc, pages, prose: dict | None = None) -> Iterator[Line]:
    """Lines of the given pages, page-broken merged cells stitched (one page held back)."""
    yield from stitch_pages(page_result(doc[pno - 1], pno, prose) for pno in pages)


def iter_lines(path, prose: dict | None = None) -> Iterator[Line]:
    """Lines of every page of the PDF at ``path``, in document order. ``prose`` (a dict), when
    given, receives the plain text of each page with a sentence end, by page number (for the
    narrative printed beside the tables: ``narrative_text.prose_pages``)."""
    doc = open_pdf(path)
    try:
        yield from _pages(doc, range(1, doc.page_count + 1), prose)
    finally:
        doc.close()


def iter_page_lines(path, pages: list[int] | None = None) -> Iterator[Line]:
    """Like ``iter_lines`` but only the given 1-based pages (for fallbacks and tests)."""
    doc = open_pdf(path)
    try:
        yield from _pages(doc, pages if pages is not None else range(1, doc.page_count + 1))
    finally:
        doc.close()
