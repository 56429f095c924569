"""Reader for tab-separated text renderings of the tables (the sample's format)."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

from .base import Line, ReadError

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]


def decode(raw: bytes, path: Path) -> str:
    """Detect the encoding: a BOM if there is one, else UTF-8, UTF-16 without BOM, GB18030."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return raw.decode(enc)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-16 without a BOM: the digits, tabs and newlines put zero bytes on one parity only.
    odd, even = raw[1::2].count(0), raw[0::2].count(0)
    for zeros, other, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros > len(raw) // 40 and zeros > 10 * (other + 1):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                break
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReadError(f"{path}: cannot decode the text (tried UTF-8, UTF-16, GB18030): "
                        f"save it as UTF-8 and retry") from exc


def iter_lines(path: Path) -> Iterator[Line]:
    raw = Path(path).read_bytes()
    text = decode(raw, path)
    for n, row in enumerate(text.splitlines(), start=1):
        cells = row.split("\t")
        if any(c.strip() for c in cells):
            yield Line(cells=cells, page=None, line=n)
