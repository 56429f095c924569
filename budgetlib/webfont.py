"""A web font for the HTML reports: the glyphs a page uses, cut from the chart font.

A reader's machine may have no Chinese font at all (a server, a fresh container, some Linux
desktops): the reports then show boxes. The charts already carry Noto Sans SC (SIL OFL, from
the ``pylopdf-fonts-zh-cn`` wheel, see ``plots.py``); the pages embed a subset of the same
font, only the characters they contain, as WOFF in a ``data:`` URL, so each HTML file still
stands alone and works offline. WOFF (zlib), not WOFF2 (brotli): saving WOFF2 costs about 1 s
more per subset for a file about 10 % smaller, and needs one more package.

    css = webfont.font_face_css(text)      # "@font-face {...}" or "" when no font is found
    webfont.FAMILY                         # the family name to put first in font-family

Subsetting the 8 MB font costs 0.5-1 s (fontTools), so a report folder gets one subset for
all its pages, and subsets are cached on disk by their character set
(``$XDG_CACHE_HOME/budgetlib/webfont/``, else ``~/.cache``): a re-run pays nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import os
import re
from pathlib import Path

FAMILY = "Budgetlib Noto Sans SC"
_VERSION = "2"  # bump when the subsetting options change, so old cache entries are unused

_DATA_URL = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def font_file() -> Path | None:
    """Noto Sans SC Regular from the pylopdf-fonts-zh-cn wheel, or None if not installed."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"
    return path if path.is_file() else None


def page_text(page_html: str) -> str:
    """The characters a reader sees on a page: its text and attribute values (titles and
    tooltips), without scripts, styles and embedded images."""
    text = _SCRIPT_STYLE.sub(" ", _DATA_URL.sub(" ", page_html))
    attrs = " ".join(re.findall(r'(?:title|alt|aria-label)="([^"]*)"', text))
    return html.unescape(_TAG.sub(" ", text) + " " + attrs)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "budgetlib" / "webfont"


def subset_woff(chars: str, font: Path | None = None) -> bytes | None:
    """WOFF bytes of ``font`` (Noto Sans SC) cut down to ``chars``; None without a font."""
    font = font or font_file()
    if font is None:
        return None
    wanted = "".join(sorted({c for c in chars if not c.isspace()} | {" ", "\u00a0"}))
    stat = font.stat()
    key = hashlib.sha256(f"{_VERSION}\0{font}\0{stat.st_size}\0{stat.st_mtime_ns}\0{wanted}"
                         .encode("utf-8")).hexdigest()[:32]
    cached = _cache_dir() / f"{key}.woff"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # No hinting (screens and PDF printing do not need it) and no bounding-box recalculation
    # on save: together about half the time, and a smaller file.
    options = subset.Options(hinting=False, desubroutinize=True, notdef_outline=True,
                             name_IDs=["*"], name_languages=["*"])
    tt = TTFont(str(font), recalcBBoxes=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=wanted)
    subsetter.subset(tt)
    tt.flavor = "woff"
    buf = io.BytesIO()
    tt.save(buf)
    data = buf.getvalue()
    try:  # a cache that cannot be written only costs time
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    except OSError:
        pass
    return data


def font_face_css(text: str) -> str:
    """An ``@font-face`` rule for FAMILY covering every character of ``text``, or "" when the
    font is missing: the pages then fall back to the reader's own fonts."""
    data = subset_woff(text)
    if not data:
        return ""
    url = "data:font/woff;base64," + base64.b64encode(data).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400; '
            f'font-display: block; src: url({url}) format("woff"); }}')
