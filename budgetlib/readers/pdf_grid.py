"""Engine-independent page geometry: ruling segments + positioned characters -> Lines.

A PDF engine (PyMuPDF, tabula's fallback, pdfplumber...) only has to say where the ruling
lines and the characters of one page are. This module turns that into the reader contract
of ``base.py``:

* the table grid comes from the ruling lines: the x of the vertical rulings are the column
  boundaries and the y of the horizontal rulings the row boundaries, so a cell merged
  across columns or rows does not shift anything; a merged cell is found by the *absence*
  of the ruling that would separate two grid cells, and its text goes to its top-left cell;
* text outside any grid (titles, "金额单位：万元", notes such as "本部门无…") becomes one-cell
  Lines, in reading order with the grid rows;
* a page with text but no rulings falls back to columns found from the x-gaps of the text.

Coordinates are PDF user space with y growing downwards (PyMuPDF's convention).
Everything here is pure Python and works on one page at a time.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from .base import Line

# Tolerances in points (1/72 inch). Excel prints borders as 0.5-0.75 pt rectangles and
# places the two edges of a shared border within ~0.2 pt of each other.
SNAP = 1.5          # rulings closer than this are the same grid line
THIN = 2.0          # a filled rectangle thinner than this is a ruling, not a cell fill
MIN_RULE = 2.0      # shorter rulings are drawing noise (the cause of tabula's "orthogonal" error)
TOUCH = 2.5         # a horizontal and a vertical ruling this close are connected
WHITE = 0.97        # fills/strokes lighter than this on every channel are invisible


class Char:
    """One glyph: its box and text. ``size`` is the font size (for gap thresholds),
    ``hidden`` is set when it is drawn but clipped away (see ``grid_page``), ``seq`` is the
    engine's text-line number in content-stream order (-1 unknown). A plain slotted class:
    pages have thousands of glyphs and the centre is needed many times."""

    __slots__ = ("x0", "y0", "x1", "y1", "c", "size", "hidden", "seq", "cx", "cy", "h")

    def __init__(self, x0: float, y0: float, x1: float, y1: float, c: str,
                 size: float = 0.0, hidden: bool = False, seq: int = -1):
        # (one assignment each: a page builds a thousand glyphs or more)
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
        self.c = c
        self.size = size
        self.hidden = hidden
        self.seq = seq
        self.cx = (x0 + x1) / 2
        self.cy = (y0 + y1) / 2
        self.h = size or (y1 - y0)

    def __repr__(self) -> str:
        return f"Char({self.c!r} {self.x0:.1f},{self.y0:.1f}{' hidden' if self.hidden else ''})"


class Seg(NamedTuple):
    """An axis-parallel ruling segment: horizontal if ``y0 == y1`` else vertical (the hot
    loops compare the two themselves, a property costs more than the comparison). (A named
    tuple, not a frozen dataclass: pages have thousands and it is built several times faster.)"""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return self.y0 == self.y1


# --------------------------------------------------------------------------- glyphs


def _same_glyph_table() -> dict[int, str]:
    """A font's glyph often serves several code points, and a ToUnicode map built from such
    a font can name the odd one: a CJK compatibility ideograph (U+F98E for 年) or a Kangxi
    radical (U+2F0A for 入) for the ideograph, a non-breaking hyphen or space for "-" and
    " " (Noto Sans SC embedded by PyMuPDF reads back "2010301‑行政运行" with U+2011 and
    F98E). Read them as the plain characters: header and code matching need them."""
    table = {0x2011: "-", 0x2010: "-", 0xA0: " "}
    for cp in list(range(0xF900, 0xFB00)) + list(range(0x2F00, 0x2FE0)):
        plain = unicodedata.normalize("NFKC", chr(cp))
        if len(plain) == 1 and plain != chr(cp):
            table[cp] = plain
    return table


SAME_GLYPH = _same_glyph_table()


# --------------------------------------------------------------------------- rulings


def is_invisible(color) -> bool:
    """White (or absent) paint: Excel draws the unbordered gridlines in white, and those
    white lines cross titles and notes, so they must not make grid boundaries."""
    if color is None:
        return True
    for v in color[:3]:                     # (a plain loop: asked for every drawn path)
        if v < WHITE:
            return False
    return True


def rect_to_segs(x0: float, y0: float, x1: float, y1: float) -> list[Seg]:
    """A drawn rectangle as rulings: a thin one is a line along its centre, a wide one
    (a cell fill or a stroked box) contributes its four edges."""
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    w, h = x1 - x0, y1 - y0
    if w < THIN and h < THIN:
        return []                                   # a dot: noise
    if h < THIN:
        y = (y0 + y1) / 2
        return [Seg(x0, y, x1, y)]
    if w < THIN:
        x = (x0 + x1) / 2
        return [Seg(x, y0, x, y1)]
    return [Seg(x0, y0, x1, y0), Seg(x0, y1, x1, y1), Seg(x0, y0, x0, y1), Seg(x1, y0, x1, y1)]


def clean_segs(segs: Iterable[Seg], clip: tuple[float, float, float, float] | None = None) -> list[Seg]:
    """Cut rulings to the page (a merged cell continued from the previous page is drawn
    from above the page top) and drop those too short to separate anything."""
    out = []
    for s in segs:
        if clip is not None:
            cx0, cy0, cx1, cy1 = clip
            if not (s.x0 >= cx0 and s.y0 >= cy0 and s.x1 <= cx1 and s.y1 <= cy1):   # (most are inside)
                s = Seg(max(s.x0, cx0), max(s.y0, cy0), min(s.x1, cx1), min(s.y1, cy1))
            if s.x0 > s.x1 or s.y0 > s.y1:
                continue                            # entirely off the page
        if (s.x1 - s.x0 if s.y0 == s.y1 else s.y1 - s.y0) >= MIN_RULE:    # (horizontal, inline)
            out.append(s)
    return out


# --------------------------------------------------------------------------- clustering


def cluster(values: Iterable[float], tol: float = SNAP) -> list[float]:
    """Sorted centres of groups of values whose neighbours are within ``tol``."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _find(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _union(parent: list[int], a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:
        parent[max(ra, rb)] = min(ra, rb)


def table_groups(segs: list[Seg]) -> list[list[Seg]]:
    """Connected sets of rulings: each is one table (a page may hold two small ones).
    Two rulings connect if they cross/touch, or if collinear and overlapping."""
    segs = _join_vertical_pieces(segs)
    n = len(segs)
    parent = list(range(n))
    near = _VerticalIndex(segs)
    for i, h in enumerate(segs):
        if h.y0 == h.y1:
            root = _find(parent, i)                 # (_union written out: a page of cells
            for j in near.crossing(h):              # drawn one by one has thousands)
                other = _find(parent, j)
                if other > root:
                    parent[other] = root
                elif other < root:
                    parent[root] = root = other
    # a floor drawn in pieces end to end is one ruling (the pieces break at hidden sheet
    # columns, where no wall stands: xian-2026-4 p.43, 150-298-365-432-491)
    hs = sorted((i for i in range(n) if segs[i].y0 == segs[i].y1), key=lambda i: (segs[i].y0, segs[i].x0))
    for a, b in zip(hs, hs[1:]):
        if abs(segs[b].y0 - segs[a].y0) <= 0.3 and -0.3 <= segs[b].x0 - segs[a].x1 <= 0.3:
            _union(parent, a, b)
    groups: dict[int, list[Seg]] = {}
    for i in range(n):
        groups.setdefault(_find(parent, i), []).append(segs[i])
    # a table needs both directions; a stray underline or a lone box edge is not one
    tables = [g for g in groups.values()
              if sum(s.y0 == s.y1 for s in g) >= 2 and sum(s.y0 != s.y1 for s in g) >= 2]
    tables = _join_floor_pieces(tables, [g[0] for g in groups.values() if len(g) == 1 and g[0].y0 == g[0].y1])
    # again while any is adopted: a border adopted widens the table, so the one beyond it
    # comes within reach, and one between two adopted borders is a column wall (finance-
    # bureau p.23: five bare verticals left of the indicator grid, the walls of the project
    # name, amount and goal columns of a block that fills the page)
    lone = [g[0] for g in groups.values() if len(g) == 1 and g[0].y0 != g[0].y1]
    bounds = [_table_bounds(t) for t in tables]     # kept up to date as borders are adopted
    while lone:
        left = [v for v in lone if not _adopt_border(tables, bounds, v)]
        if len(left) == len(lone):
            break
        lone = left
    return tables


def _join_vertical_pieces(segs: list[Seg]) -> list[Seg]:
    """A wall drawn cell by cell, its pieces a hair apart, is one ruling. Where no floor
    crosses the gap (a header cell spanning two rows), the pieces would touch nothing: the
    columns beside the two-row cells lost their walls and the whole header fused into one
    cell (shanghai-final-4 p.10, 支出决算表: pieces 145.58-168.02 and 168.99-191.57)."""
    vs = sorted((s for s in segs if s.y0 != s.y1), key=attrgetter("x0"))
    if len(vs) < 2:
        return segs
    out = [s for s in segs if s.y0 == s.y1]
    walls: list[list[Seg]] = []                 # the verticals of one x (within 0.3 pt)
    for s in vs:
        if walls and s.x0 - walls[-1][0].x0 <= 0.3:
            walls[-1].append(s)
        else:
            walls.append([s])
    for wall in walls:
        wall.sort(key=attrgetter("y0"))
        cur = wall[0]
        for s in wall[1:]:
            if s.y0 - cur.y1 <= SNAP:
                if s.y1 > cur.y1:
                    cur = Seg(cur.x0, cur.y0, cur.x0, s.y1)
            else:
                out.append(cur)
                cur = s
        out.append(cur)
    return out


class _VerticalIndex:
    """The vertical rulings by x, each x's sorted by top, so that the verticals a horizontal
    touches are found among a few (a page of cells drawn one by one has thousands)."""

    def __init__(self, segs: list[Seg]):
        by_x: dict[float, list[int]] = {}
        for j, s in enumerate(segs):
            if s.y0 != s.y1:
                by_x.setdefault(s.x0, []).append(j)
        self.segs = segs
        self.xs = sorted(by_x)
        self.cols = []
        for x in self.xs:
            ids = sorted(by_x[x], key=lambda j: segs[j].y0)
            tallest = max(segs[j].y1 - segs[j].y0 for j in ids)
            self.cols.append((ids, [segs[j].y0 for j in ids], tallest))

    def crossing(self, h: Seg) -> list[int]:
        """The verticals ``h`` crosses or touches (within TOUCH)."""
        out = []
        y = h.y0
        for ids, tops, tallest in self.cols[bisect_left(self.xs, h.x0 - TOUCH):bisect_right(self.xs, h.x1 + TOUCH)]:
            for j in ids[bisect_left(tops, y - TOUCH - tallest - 1.0):bisect_right(tops, y + TOUCH)]:
                v = self.segs[j]
                if v.y0 - TOUCH <= y <= v.y1 + TOUCH:
                    out.append(j)
        return out


def _join_floor_pieces(tables: list[list[Seg]], pieces: list[Seg]) -> list[list[Seg]]:
    """A lone horizontal that continues, end to end, a horizontal of a table (or a piece
    already taken in) is that table's ruling drawn in pieces; when it continues rulings of
    two tables it joins them. (xian 2026 绩效目标表: the floors of the 指标值 and 项目名称
    value columns are separate strokes with no wall at their ends, so the table fell apart
    and the text in those columns was left outside it or fused across rows.)"""
    if not pieces or not tables:
        return tables
    parent = list(range(len(tables)))
    ends: dict[tuple[int, int], set[int]] = {}      # (y bucket, x bucket) -> tables ending there

    def add_ends(s: Seg, k: int) -> None:
        for x in (s.x0, s.x1):
            ends.setdefault((round(s.y0 / SNAP), round(x / TOUCH)), set()).add(k)

    for k, t in enumerate(tables):
        for s in t:
            if s.y0 == s.y1:
                add_ends(s, k)
    while pieces:
        left = []
        for p in pieces:
            yb = round(p.y0 / SNAP)
            hit = {_find(parent, k) for x in (p.x0, p.x1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                   for k in ends.get((yb + dy, round(x / TOUCH) + dx), ())}
            if not hit:
                left.append(p)
                continue
            first = min(hit)
            tables[first].append(p)
            add_ends(p, first)
            for k in hit:
                _union(parent, first, k)
        if len(left) == len(pieces):
            break
        pieces = left
    joined: dict[int, list[Seg]] = {}
    for k, t in enumerate(tables):
        joined.setdefault(_find(parent, k), []).extend(t)
    return list(joined.values())


def _table_bounds(t: list[Seg]) -> tuple[float, float, float, float]:
    """(top, bottom) of a table's verticals and (left, right) of all its rulings."""
    return (min(s.y0 for s in t if s.y0 != s.y1), max(s.y1 for s in t if s.y0 != s.y1),
            min(s.x0 for s in t), max(s.x1 for s in t))


def _adopt_border(tables: list[list[Seg]], bounds: list[tuple], v: Seg) -> bool:
    """A vertical touching no horizontal but spanning a table's full height just beside it
    is that table's outer border: Excel sometimes omits every horizontal of a column that
    is one tall merged cell on the page (water-authority p131: only the left border of the
    project-name column is drawn). ``bounds`` are the tables' ``_table_bounds``, updated
    here (a page of lone verticals asks thousands of times)."""
    for k, (top, bottom, left, right) in enumerate(bounds):
        if abs(v.y0 - top) <= TOUCH and abs(v.y1 - bottom) <= TOUCH \
                and left - 200 < v.x0 < right + 200:     # (an inner wall too: see below)
            tables[k].append(v)
            bounds[k] = (min(top, v.y0), max(bottom, v.y1), min(left, v.x0), max(right, v.x1))
            return True
    return False


# --------------------------------------------------------------------------- grid


@dataclass
class Grid:
    """One table's grid. ``xs``/``ys`` are the boundaries (n+1 for n columns/rows);
    ``anchor[r][c]`` is the (row, col) of the top-left cell of the merged region
    that grid cell (r, c) belongs to."""

    xs: list[float]
    ys: list[float]
    anchor: list[list[tuple[int, int]]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        """Grid cell holding a point inside the bbox (clamped at the outer border)."""
        c = bisect_right(self.xs, x) - 1
        r = bisect_right(self.ys, y) - 1
        last_c, last_r = len(self.xs) - 2, len(self.ys) - 2
        return (0 if r < 0 else last_r if r > last_r else r), (0 if c < 0 else last_c if c > last_c else c)

    @property
    def centres(self) -> list[float]:
        return [round((a + b) / 2, 2) for a, b in zip(self.xs, self.xs[1:], strict=False)]


class _Rulings:
    """The rulings of one direction indexed by their grid line, so that "is there a ruling
    at this grid line passing this point" looks at a handful of intervals, not all."""

    def __init__(self, segs: list[Seg], lines: list[float]):
        self.lines = lines
        self.spans: list[list[tuple[float, float]]] = [[] for _ in lines]
        for s in segs:
            pos, a, b = (s.y0, s.x0, s.x1) if s.y0 == s.y1 else (s.x0, s.y0, s.y1)
            k = _nearest(lines, pos)
            if abs(lines[k] - pos) <= SNAP:
                self.spans[k].append((a - SNAP, b + SNAP))

    def covered(self, k: int, at: float) -> bool:
        for a, b in self.spans[k]:          # (a plain loop: called for every cell of a grid)
            if a <= at <= b:
                return True
        return False


def _nearest(lines: list[float], pos: float) -> int:
    """Index of the line nearest ``pos`` in increasing ``lines`` (the lower one on a tie)."""
    k = bisect_left(lines, pos)
    if k == len(lines) or (k > 0 and abs(lines[k - 1] - pos) <= abs(lines[k] - pos)):
        return k - 1
    return k


def _floor_guide(hr: _Rulings, xs: list[float]) -> dict[int, float]:
    """For a column crossed by no horizontal ruling at all (see ``_adopt_border``), the
    x-middle of a neighbour column whose floors it should follow: it is one tall cell only
    because its rulings were not drawn, and each block's name must stay with its block."""
    guide: dict[int, float] = {}
    nc = len(xs) - 1
    nr1 = len(hr.lines)
    mids = [(xs[c] + xs[c + 1]) / 2 for c in range(nc)]
    floorless = [not any(hr.covered(k, mids[c]) for k in range(nr1)) for c in range(nc)]
    for c in range(nc):
        if not floorless[c]:
            continue
        if c > 0 and floorless[c - 1]:
            # one of a run of tall columns (a block filling the page: name, amounts and
            # goal, finance-bureau p.23): the block's own cells, not to be cut by the
            # indicator rows on their right
            continue
        for nb in (c + 1, c - 1):
            if 0 <= nb < nc and any(hr.covered(k, mids[nb]) for k in range(1, nr1 - 1)):
                guide[c] = mids[nb]
                break
    return guide


def build_grid(segs: list[Seg]) -> Grid:
    """Grid boundaries from the rulings, then merged cells from the missing separators."""
    hs = [s for s in segs if s.y0 == s.y1]
    vs = [s for s in segs if s.y0 != s.y1]
    xs = cluster([s.x0 for s in vs])
    ys = cluster([s.y0 for s in hs])
    # a table drawn without its outer left/right (top/bottom) border still ends where the
    # other direction's rulings end
    left, right = min(s.x0 for s in segs), max(s.x1 for s in segs)
    top, bottom = min(s.y0 for s in vs), max(s.y1 for s in vs)
    if left < xs[0] - SNAP:
        xs.insert(0, left)
    if right > xs[-1] + SNAP:
        xs.append(right)
    if top < ys[0] - SNAP:
        ys.insert(0, top)
    if bottom > ys[-1] + SNAP:
        ys.append(bottom)
    nr, nc = len(ys) - 1, len(xs) - 1
    vr, hr = _Rulings(vs, xs), _Rulings(hs, ys)
    parent = list(range(nr * nc))
    guide = _floor_guide(hr, xs)
    xmids = [guide.get(c, (xs[c] + xs[c + 1]) / 2) for c in range(nc)]
    # floors[r][c]: a ruling between grid rows r and r+1 in column c
    floors = [[hr.covered(r + 1, xmids[c]) for c in range(nc)] for r in range(nr - 1)]
    for r in range(nr):
        ymid = (ys[r] + ys[r + 1]) / 2
        for c in range(nc - 1):
            # no wall to the right: merged, unless the two cells have different floors or
            # ceilings. A merged cell is a rectangle; a cell split into rows beside an
            # unsplit one is a separate column whose wall was not drawn (water-authority
            # p.136: 一级指标 cells beside a tall goal cell, no ruling between them).
            if vr.covered(c + 1, ymid):
                continue
            if (r > 0 and floors[r - 1][c] != floors[r - 1][c + 1]) or (
                    r < nr - 1 and floors[r][c] != floors[r][c + 1]):
                continue
            _union(parent, r * nc + c, r * nc + c + 1)
    for c in range(nc):
        for r in range(nr - 1):
            if not floors[r][c]:                     # no floor below: merged
                _union(parent, r * nc + c, (r + 1) * nc + c)
    # the union keeps the smallest index as root = the top-left cell of the region
    anchor = [[divmod(_find(parent, r * nc + c), nc) for c in range(nc)] for r in range(nr)]
    return Grid(xs, ys, anchor)


# --------------------------------------------------------------------------- text


def is_cjk(ch: str) -> bool:
    """CJK ideographs and full-width forms/punctuation: no space is written between them."""
    if not ch:
        return False
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x3000 <= o <= 0x303F or unicodedata.east_asian_width(ch) in ("W", "F"))


def join_wrapped(parts: list[str]) -> str:
    """Join the visual lines of one cell. A break next to CJK is no space
    ("政府性基金预" + "算资金"); a code or an amount broken mid-token stays whole
    ("11000024T0000" + "02780436-..."); only two Latin words get a space."""
    out = ""
    for p in parts:
        if not p:
            continue
        if out:
            a, b = out[-1], p[0]
            if a.isascii() and a.isalpha() and b.isascii() and b.isalpha():
                out += " "
        out += p
    return out


def text_lines(chars: list[Char]) -> list[list[Char]]:
    """Group chars into visual lines (top to bottom), each sorted left to right.
    Two chars share a line when their vertical centres are within half a glyph height."""
    if not chars:
        return []
    if len(chars) == 1 or _one_baseline(chars):
        return [sorted(chars, key=_BY_X0)]          # (most cells: one line of one font)
    lines: list[list[Char]] = []
    for ch in sorted(chars, key=_BY_CY_X0):
        if lines:
            last = lines[-1]
            ref = last[0]
            if abs(ch.cy - ref.cy) <= 0.5 * (ch.h if ch.h < ref.h else ref.h) + 0.01:
                last.append(ch)
                continue
        lines.append([ch])
    return [sorted(ln, key=_BY_X0) if len(ln) > 1 else ln for ln in lines]


def _one_baseline(chars: list[Char]) -> bool:
    """All glyphs on the same centre line (and of a sensible height): ``text_lines`` would
    make them one line, sorted by x."""
    cy = chars[0].cy
    for ch in chars:                        # (a plain loop: called for every cell)
        if ch.cy != cy or ch.h < 0:
            return False
    return True


_BY_CY_X0 = attrgetter("cy", "x0")
_BY_X0 = attrgetter("x0")


def line_text(chars: list[Char]) -> str:
    """Text of one visual line: a visible gap wider than ~half a glyph becomes one space,
    runs of spaces collapse to one (PDFs pad "项    目" with spaces)."""
    out: list[str] = []
    prev: Char | None = None
    for ch in chars:
        if prev is not None and ch.x0 - prev.x1 > 0.5 * (ch.h if ch.h < prev.h else prev.h) \
                and not ch.c.isspace():
            out.append(" ")
        out.append(ch.c)
        prev = ch
    return " ".join("".join(out).split())


def cell_text(chars: list[Char]) -> str:
    return join_wrapped([line_text(ln) for ln in text_lines(chars)])


def cell_text_parts(lines: list[str]) -> str:
    """A cell's text from an engine that already gives its visual lines (tabula)."""
    return join_wrapped([" ".join(t.split()) for t in lines])


def split_free_line(chars: list[Char]) -> list[list[Char]]:
    """Free text on one visual line split at wide gaps (a unit line printed far right of a
    department name is two pieces of text, not one)."""
    parts: list[list[Char]] = []
    part: list[Char] = []
    end = 0.0
    for ch in chars:                        # (a plain loop: every glyph outside the grids)
        if part and ch.x0 - end <= 3 * (ch.h if ch.h > 4.0 else 4.0):
            part.append(ch)
        else:
            part = [ch]
            parts.append(part)
        end = ch.x1
    return parts


# --------------------------------------------------------------------------- fallback


def gap_columns(lines: list[list[Char]], min_gap: float = 8.0) -> list[float]:
    """Column boundaries for a table drawn without rulings: x positions that no text on any
    line covers for at least ``min_gap`` points (a projection profile)."""
    spans = sorted((c.x0, c.x1) for ln in lines for c in ln if not c.c.isspace())
    if not spans:
        return []
    bounds = [spans[0][0] - 1]
    end = spans[0][1]
    for x0, x1 in spans[1:]:
        if x0 - end >= min_gap:
            bounds.append((end + x0) / 2)
        end = max(end, x1)
    bounds.append(end + 1)
    return bounds


# --------------------------------------------------------------------------- furniture


@dataclass(frozen=True)
class FurnitureRule:
    """One group of catalog/page_furniture.yaml: where on the page, and what text."""

    name: str
    band: float
    gap: float
    patterns: tuple[re.Pattern, ...]


@lru_cache(maxsize=1)
def furniture_rules() -> tuple[FurnitureRule, ...]:
    """Running headers, footers and page numbers, as data (catalog/page_furniture.yaml)."""
    from importlib import resources

    from ..catalog import load_yaml

    raw = load_yaml(resources.files("budgetlib.catalog").joinpath("page_furniture.yaml")
                         .read_text(encoding="utf-8"))
    return tuple(FurnitureRule(g["name"], float(g["band"]), float(g.get("gap", 0.6)),
                               tuple(re.compile(p) for p in g["patterns"]))
                 for g in raw["groups"])


def drop_furniture(free: list[Char], chars: list[Char], page_box) -> list[Char]:
    """``free`` (the text outside every grid) without its page furniture: a visual line in
    the top or bottom band of the page whose whole text matches a pattern of
    catalog/page_furniture.yaml and which stands alone, no other glyph of the page (in a
    table or not) within ``gap`` glyph heights above or below it. Only the bands are looked
    at, so a page costs a few comparisons."""
    if page_box is None or not free:
        return free
    top, bottom = page_box[1], page_box[3]
    height = bottom - top
    rules = furniture_rules()
    band = max(r.band for r in rules) * height
    edge = [ch for ch in free if not ch.c.isspace() and (ch.cy < top + band or ch.cy > bottom - band)]
    drop: set[int] = set()
    for line in text_lines(edge) if edge else ():
        y0, y1 = min(ch.y0 for ch in line), max(ch.y1 for ch in line)
        rel = ((y0 + y1) / 2 - top) / height
        text = "".join(ch.c for ch in line)
        h = max(ch.h for ch in line)
        for rule in rules:
            if rule.band < rel < 1 - rule.band or not any(p.fullmatch(text) for p in rule.patterns):
                continue
            ids = {id(ch) for ch in line}
            if _alone(chars, ids, y0 - rule.gap * h, y1 + rule.gap * h):
                drop |= ids
            break
    if not drop:
        return free
    return [ch for ch in free if id(ch) not in drop]


def _alone(chars: list[Char], ids: set[int], lo: float, hi: float) -> bool:
    """No visible glyph of the page but those of ``ids`` reaches into ``lo``..``hi``. (A plain
    loop, the place test first: it scans the whole page for each furniture line.)"""
    for ch in chars:
        if ch.y1 > lo and ch.y0 < hi and not ch.hidden and not ch.c.isspace() and id(ch) not in ids:
            return False
    return True


# --------------------------------------------------------------------------- page
#
# Page breaks inside a merged cell. Excel prints a cell merged over rows that straddle a
# page break on both pages, each time laying its text out over the whole merged range and
# clipping it to that page's part of the grid. So page N shows the start of the text and
# draws more of it below the grid, clipped away (text below the page bottom is not in the
# file at all), and page N+1 draws it again, the start clipped away above the grid. Which
# page holds the complete text varies. Engines mark clipped glyphs ``hidden``; here a cell
# keeps its clipped run-on text, and ``stitch_pages`` joins the two renderings (the start
# from page N, the rest from page N+1, overlap removed) into page N's cell and blanks the
# continuation cell of page N+1. So each project name, goal and amount is read once, on
# the first row of its block, as if there were no page break.


@dataclass
class Edge:
    """A merged region touching the top or bottom of a page's grid: where its text is in
    the Line list, its x-range, and whether clipped text shows it runs across the edge."""

    row: int            # index into PageResult.lines
    col: int
    x0: float
    x1: float
    clipped: bool
    rows: tuple[int, int] = (0, 0)   # first and last grid row of the merged region
    hidden: bool = False             # some of its glyphs are clipped away on this page


@dataclass
class PageResult:
    page: int
    lines: list[Line]
    top: list[Edge] = field(default_factory=list)       # first grid's top-row regions
    bottom: list[Edge] = field(default_factory=list)    # last grid's bottom-row regions
    tops: list[float] = field(default_factory=list)     # y of each line, for re-merging
    grids: list[Grid] = field(default_factory=list)     # the visible table grids
    free: list[bool] = field(default_factory=list)      # line is text outside any grid
    # (row, col) of a cell moved into an earlier page -> the Line and column now holding
    # it, so that the next page's continuation of the same cell follows it there
    moved: dict[tuple[int, int], tuple[Line, int]] = field(default_factory=dict)


@dataclass
class _Row:
    y: float            # top, for reading order
    cells: list[str]
    xs: list[float] | None
    edges: list[tuple] = field(default_factory=list)   # (side, col, x-range, clipped, rows, hidden)
    opens: frozenset[int] | None = None                # columns whose cell begins on this row


def _overlaps_any(boxes: list[tuple[float, float, float, float]], ch: Char) -> bool:
    """Does the glyph overlap any of the grids' boxes? (A plain loop: asked for every glyph
    outside the grids.)"""
    for x0, y0, x1, y1 in boxes:
        if ch.x0 < x1 and ch.x1 > x0 and ch.y0 < y1 - 0.05 and ch.y1 > y0 + 0.05:
            return True
    return False


def _attach_hidden(grids: list[Grid], ch: Char) -> tuple[int, tuple[int, int], bool] | None:
    """(grid, anchor cell, from_below) for a clipped glyph just outside a grid, in the
    column range of a cell touching that grid's bottom (run-on) or top (continuation)."""
    below = [i for i, g in enumerate(grids) if g.ys[-1] <= ch.cy and g.xs[0] <= ch.cx <= g.xs[-1]]
    above = [i for i, g in enumerate(grids) if g.ys[0] >= ch.cy and g.xs[0] <= ch.cx <= g.xs[-1]]
    if below:
        i = max(below, key=lambda k: grids[k].ys[-1])
        g = grids[i]
        r, c = g.cell_of(ch.cx, g.ys[-1] - 0.01)
        return i, g.anchor[r][c], True
    if above:
        i = min(above, key=lambda k: grids[k].ys[0])
        g = grids[i]
        r, c = g.cell_of(ch.cx, g.ys[0] + 0.01)
        return i, g.anchor[r][c], False
    return None


def _touches(grid: Grid, ch: Char) -> bool:
    """A glyph within half a glyph height of a grid's top or bottom edge, inside its
    x-range: clipped overflow whose visible sliver the engine did not mark hidden."""
    x0, y0, x1, y1 = grid.bbox
    if not (x0 <= ch.cx <= x1):
        return False
    return -0.5 * ch.h < ch.y0 - y1 < 0.5 * ch.h or -0.5 * ch.h < y0 - ch.y1 < 0.5 * ch.h


def _reaches(seen: list[Char], edge: float, down: bool, h: float) -> bool:
    """Does a cell's visible text run up to the grid edge, so that clipped lines beyond the
    edge can be its continuation? (Excel also draws, clipped, the text of a cell that only
    starts on the next page; that text sits beyond the edge of a cell that ends earlier.)"""
    if not seen:
        return False
    if down:
        return max(ch.y1 for ch in seen) >= edge - 1.6 * h
    return min(ch.y0 for ch in seen) <= edge + 1.6 * h


def _contiguous(chars: list[Char], edge: float, down: bool) -> list[Char]:
    """The clipped lines that continue a cell across the grid edge: those packed against
    the edge line after line. A clipped title further away (the title of a wide table
    printed over two pages) is not cell text."""
    out: list[Char] = []
    reach = edge
    for ch in sorted(chars, key=lambda k: k.y0 if down else -k.y1):
        gap = ch.y0 - reach if down else reach - ch.y1
        if gap > 0.8 * ch.h:
            break
        out.append(ch)
        reach = max(reach, ch.y1) if down else min(reach, ch.y0)
    return out


def _overflow_lines(grid: Grid, placed: list[tuple[Char, int, int]]) -> dict[int, tuple[int, int]]:
    """Wrapped lines that overflow their row. Excel prints the second line of a cell whose
    row is too short for its wrapped text below the row, inside the next row's box ("2130306-
    水利工程运行与维" / "护"). Position alone would give "护" to the next row; the content
    stream does not: the overflow line is written right after its first line. So a text line
    that directly follows (in stream order) a line in the same column, one line-pitch below
    it, stays in that line's cell. Returns {seq: anchor} for the lines to move."""
    lines = _text_lines_in_grid(placed)
    moves: dict[int, tuple[int, int]] = {}
    home: dict[int, tuple[int, int]] = {}
    for seq in sorted(lines):
        c, r, top, h, _ = lines[seq]
        if c < 0:
            continue                                # spans columns: leave to positions
        anchor = grid.anchor[r][c]
        if (seq - 1) in home:
            pr, pc = home[seq - 1]
            dy = top - lines[seq - 1][2]
            if (pc == c and 0.5 * h < dy <= 1.5 * h and grid.anchor[pr][pc] != anchor
                    and _wraps(grid, grid.anchor[pr][pc], lines[seq - 1][4], lines[seq][4])):
                prev_anchor = moves.get(seq - 1, grid.anchor[pr][pc])
                moves[seq] = prev_anchor
                anchor = prev_anchor
        home[seq] = (r, c)
    return moves


def _wraps(grid: Grid, anchor: tuple[int, int], prev: list[Char], line: list[Char]) -> bool:
    """``line`` can be the wrapped continuation of ``prev`` in the cell at ``anchor``: its
    first glyph (its first word, for Latin text) did not fit after ``prev`` in the cell's
    width. Short labels in consecutive rows of one column, printed one after the other
    because the cells beside them are empty (suzhou p.10: 九、社会保险基金支出 / 十、卫生健康支出
    on the expenditure side, no income line between), are each their row's own text."""
    x0, x1 = _region_span(grid, anchor)
    glyphs = sorted((ch for ch in line if not ch.c.isspace()), key=lambda ch: ch.x0)
    if not glyphs:
        return False
    above = [ch for ch in prev if not ch.c.isspace()]
    if len(glyphs) == 1 and len(above) == 1 and abs(glyphs[0].x0 - above[0].x0) < 1:
        return True                 # a label written one character per line (年 / 度 / 绩 / 效 …)
    word_end = glyphs[0].x1
    if not is_cjk(glyphs[0].c):
        for ch in glyphs[1:]:
            if is_cjk(ch.c) or ch.x0 - word_end > 0.3 * ch.h:
                break
            word_end = ch.x1
    used = max(ch.x1 for ch in prev) - min(ch.x0 for ch in prev)
    # a cell keeps a little padding on each side (Excel ~2 pt)
    return used + (word_end - glyphs[0].x0) > (x1 - x0) - 8


def _text_lines_in_grid(placed: list[tuple[Char, int, int]]) -> dict[int, list]:
    """The engine's text lines (``seq``) among the placed glyphs, spaces left out, each as
    [its column or -1 when it spans several, its first grid row, its top, its smallest
    glyph height, its glyphs]: one pass over the glyphs."""
    lines: dict[int, list] = {}
    for ch, r, c in placed:
        if ch.seq < 0 or ch.c.isspace():
            continue
        ln = lines.get(ch.seq)
        if ln is None:
            lines[ch.seq] = [c, r, ch.y0, ch.h, [ch]]
            continue
        ln[4].append(ch)
        if c != ln[0]:
            ln[0] = -1
        if r < ln[1]:
            ln[1] = r
        if ch.y0 < ln[2]:
            ln[2] = ch.y0
        if ch.h < ln[3]:
            ln[3] = ch.h
    return lines


def _drop_foreign_hidden(grid: Grid, placed: list[tuple[Char, int, int]]) -> list[tuple[Char, int, int]]:
    """Leave out clipped glyphs drawn over a cell they cannot belong to. A cell's text is
    clipped to the cell, so a clipped glyph lying wholly inside a cell is another cell's
    text (the rest of a goal from the previous page drawn over the repeated header:
    healthcare-security p.24, where it garbled 绩效目标 so the header went unseen). It is
    its cell's own when it sticks out of the cell (a full stop cut by the floor), or when it
    continues the cell across the page break: the cell touches the grid's top or bottom and
    is empty on this page or its visible text runs up to that edge."""
    if not any(item[0].hidden for item in placed):
        return placed                               # most pages: nothing clipped
    seen: dict[tuple[int, int], list[Char]] = {}
    for ch, r, c in placed:
        if not ch.hidden and not ch.c.isspace():
            seen.setdefault(grid.anchor[r][c], []).append(ch)
    last = len(grid.ys) - 2
    out = []
    for item in placed:
        ch, r, c = item
        if ch.hidden:
            anchor = grid.anchor[r][c]
            r1 = _region_last_row(grid, anchor)
            x0, x1 = _region_span(grid, anchor)
            y0, y1 = grid.ys[anchor[0]], grid.ys[r1 + 1]
            # (Excel clips a little inside the cell: a full stop 0.3 pt below the top of
            # its cell was clipped, water-authority p.105)
            sticks_out = ch.x0 < x0 + 0.2 or ch.x1 > x1 - 0.2 or (
                ch.y0 < y0 + 0.6 and anchor[0] > 0) or (ch.y1 > y1 - 0.6 and r1 < last)
            vis = seen.get(anchor, [])
            # a cell with text of its own continues across the edge only through glyphs cut
            # by that edge; one wholly inside it is another cell's text drawn over it (the
            # amount of a block running on from the previous page, centred on its whole
            # range, lands in the repeated header: '900.000000项目总额', issue 8)
            top = anchor[0] == 0 and (not vis or (
                ch.y0 < grid.ys[0] + 0.6 and _reaches(vis, grid.ys[0], False, ch.h)))
            bottom = r1 == last and (not vis or (
                ch.y1 > grid.ys[-1] - 0.6 and _reaches(vis, grid.ys[-1], True, ch.h)))
            if not (sticks_out or top or bottom):
                continue
        out.append(item)
    return out


_NUMBER = re.compile(r"[-+]?[0-9][0-9,]*(\.[0-9]+)?%?")


def _wrapped_in_one_column(grid: Grid, placed: list[tuple[Char, int, int]]) -> None:
    """Split a region merged across columns whose text is wrapped within one of them, or is
    a number printed under one of them. Excel wraps a merged cell's text at the merged width,
    so its lines cross the inner column boundary; text wrapped at one column's width belongs
    to that column, and the region only looks merged because its walls were not drawn
    (water-authority p.136: a goal cell with no ruling on its left, which put the goal under
    其他资金). A number is read under the column it is printed in (water-authority p.17: the
    合计 row's total, right-aligned in a cell merged with the empty column on its left).
    The columns from the text's column to the region's right end become a region of their
    own."""
    nc = len(grid.xs) - 1
    # the top-left cells of regions merged across columns: only their text can be split
    wide = {(r, c) for r, row in enumerate(grid.anchor) for c in range(nc - 1) if row[c + 1] == (r, c)}
    if not wide:
        return
    regions: dict[tuple[int, int], list[Char]] = {}
    for ch, r, c in placed:
        if not ch.c.isspace() and not ch.hidden and (a := grid.anchor[r][c]) in wide:
            regions.setdefault(a, []).append(ch)
    for (r0, c0), chars in regions.items():
        c1 = c0
        while c1 + 1 < nc and grid.anchor[r0][c1 + 1] == (r0, c0):
            c1 += 1
        if c1 == c0:
            continue
        if (_NUMBER.fullmatch(cell_text(chars)) and grid.xs[c1 + 1] - max(ch.x1 for ch in chars) < 4
                and max(ch.x0 for ch in chars) > grid.xs[c1]):
            # a number flush right is read under the column its right end is in (a wide one
            # may start left of it); a centred one (civil-affairs T14 资金情况) stays the
            # merged cell's
            cc = c1
        else:
            cols = {grid.cell_of(ch.cx, ch.cy)[1] for ch in chars}
            if len(cols) != 1 or (cc := cols.pop()) == c0 or len(text_lines(chars)) < 2:
                continue
            if min(ch.x0 for ch in chars) < grid.xs[cc] - 1 or max(ch.x1 for ch in chars) > grid.xs[cc + 1] + 1:
                continue
        for k, (ch, r, c) in enumerate(placed):      # the wide number's left end too
            if grid.anchor[r][c] == (r0, c0) and c < cc:
                placed[k] = (ch, r, cc)
        r1 = _region_last_row(grid, (r0, c0))
        for r in range(r0, r1 + 1):
            for c in range(cc, c1 + 1):
                grid.anchor[r][c] = (r0, cc)


def row_opens(grid: Grid, r: int) -> frozenset[int]:
    """The columns of grid row ``r`` whose cell (merged region) begins on that row."""
    return frozenset(c for c in range(len(grid.xs) - 1) if grid.anchor[r][c][0] == r)


def _region_last_row(grid: Grid, anchor: tuple[int, int]) -> int:
    r, c = anchor
    while r + 1 < len(grid.ys) - 1 and grid.anchor[r + 1][c] == anchor:
        r += 1
    return r


def _region_span(grid: Grid, anchor: tuple[int, int]) -> tuple[float, float]:
    """x-range of the merged region whose top-left cell is ``anchor``."""
    r, c = anchor
    c1 = c
    while c1 + 1 < len(grid.xs) - 1 and grid.anchor[r][c1 + 1] == anchor:
        c1 += 1
    return grid.xs[c], grid.xs[c1 + 1]


def _grid_rows(grid: Grid, buckets: dict[tuple[int, int], list[Char]],
               heads: set[tuple[int, int]], tails: set[tuple[int, int]],
               first: bool, last: bool) -> list[_Row]:
    """Rows of one grid from its filled cells; top/bottom regions are recorded as edges
    (of the page's first/last grid) for stitching across the page break."""
    nr, nc = len(grid.ys) - 1, len(grid.xs) - 1
    bottom = {grid.anchor[nr - 1][c] for c in range(nc)} if last else set()
    rows: list[_Row] = []
    xs = grid.centres
    for r in range(nr):
        cells = [cell_text(buckets[(r, c)]) if (r, c) in buckets else "" for c in range(nc)]
        if not any(cells) and not (last and r == nr - 1):
            continue
        row = _Row(grid.ys[r], cells, xs, opens=row_opens(grid, r))
        for c in range(nc):
            if not ((first and r == 0) or (r, c) in bottom):
                continue            # edges are the grid's top and bottom regions only
            if grid.anchor[r][c] != (r, c) or not (cells[c] or (r, c) in bottom):
                continue            # an empty bottom cell may receive text from the next page
            span = (r, _region_last_row(grid, (r, c)))
            hidden = any(ch.hidden for ch in buckets.get((r, c), ()))
            if first and r == 0:
                row.edges.append(("top", c, _region_span(grid, (r, c)), (r, c) in heads, span, hidden))
            if (r, c) in bottom:
                row.edges.append(("bottom", c, _region_span(grid, (r, c)), (r, c) in tails, span, hidden))
        rows.append(row)
    return rows


def _free_rows(chars: list[Char], fallback: bool) -> list[_Row]:
    """Text outside every grid. With ``fallback`` (a page with no ruled table at all) a
    block of several multi-piece lines is gridded by x-gaps so its columns survive."""
    lines = text_lines(chars)
    if fallback:
        multi = [ln for ln in lines if len(split_free_line(ln)) > 1]
        if len(multi) >= 3:
            bounds = gap_columns(lines)
            if len(bounds) > 2:
                xs = [round((a + b) / 2, 2) for a, b in zip(bounds, bounds[1:], strict=False)]
                rows = []
                for ln in lines:
                    groups: dict[int, list[Char]] = {}
                    for ch in ln:
                        c = min(max(bisect_right(bounds, ch.cx) - 1, 0), len(bounds) - 2)
                        groups.setdefault(c, []).append(ch)
                    cells = [line_text(groups.get(c, [])) for c in range(len(bounds) - 1)]
                    if any(cells):
                        rows.append(_Row(min(ch.y0 for ch in ln), cells, xs))
                return rows
    rows = []
    for ln in lines:
        for part in split_free_line(ln):
            text = line_text(part)
            if text:
                rows.append(_Row(min(ch.y0 for ch in part), [text], None))
    return rows


def _place(grids: list[Grid], chars: list[Char]) -> tuple[list[list[tuple[Char, int, int]]], list[Char]]:
    """Each glyph with its grid cell, in the first grid whose box holds its centre, and the
    glyphs outside every grid. (``Grid.contains`` and ``Grid.cell_of`` written out: this
    runs for every glyph of the page.)"""
    placed: list[list[tuple[Char, int, int]]] = [[] for _ in grids]
    outside: list[Char] = []
    boxes = [g.bbox for g in grids]
    bounds = [(g.xs, g.ys, len(g.xs) - 2, len(g.ys) - 2) for g in grids]
    for ch in chars:
        if not ch.c:
            continue
        x, y = ch.cx, ch.cy
        for i, (x0, y0, x1, y1) in enumerate(boxes):
            if x0 <= x <= x1 and y0 <= y <= y1:
                xs, ys, last_c, last_r = bounds[i]
                # inside the box, so bisect gives 1..len: only the far border needs clamping
                c = bisect_right(xs, x) - 1
                r = bisect_right(ys, y) - 1
                placed[i].append((ch, r if r < last_r else last_r, c if c < last_c else last_c))
                break
        else:
            outside.append(ch)
    return placed, outside


def grid_page(segs: Iterable[Seg], chars: Iterable[Char], page: int,
              clip: tuple[float, float, float, float] | None = None) -> PageResult:
    """All Lines of one page in reading order (grid rows and free text merged by y), with
    the page's top and bottom grid regions for ``stitch_pages``. ``clip`` is the page box."""
    grids = [build_grid(g) for g in table_groups(clean_segs(segs, clip))]
    grids.sort(key=lambda g: g.ys[0])
    chars = list(chars)
    buckets: list[dict[tuple[int, int], list[Char]]] = [{} for _ in grids]
    heads: list[set[tuple[int, int]]] = [set() for _ in grids]   # continued from above
    tails: list[set[tuple[int, int]]] = [set() for _ in grids]   # running on below
    free: list[Char] = []
    runon: dict[tuple[int, tuple[int, int], bool], list[Char]] = {}
    placed, outside = _place(grids, chars)          # (char, row, col) per grid; the rest
    for i, g in enumerate(grids):
        placed[i] = _drop_foreign_hidden(g, placed[i])
        _wrapped_in_one_column(g, placed[i])
        moves = _overflow_lines(g, placed[i])
        top, bottom = g.ys[0], g.ys[-1]
        cells, floor, bucket = g.anchor, g.anchor[-1], buckets[i]
        for ch, r, c in placed[i]:                  # (every glyph in the grid)
            anchor = (moves.get(ch.seq) or cells[r][c]) if moves else cells[r][c]
            held = bucket.get(anchor)
            if held is None:
                bucket[anchor] = [ch]
            else:
                held.append(ch)
            # text cut by (or sticking out of) the grid's top/bottom edge: the cell runs
            # across the page break
            if anchor[0] == 0 and (ch.y0 < top - 0.5 or ch.hidden and ch.cy < top + ch.h):
                heads[i].add(anchor)
            elif floor[c] == anchor and (
                    ch.y1 > bottom + 0.5 or ch.hidden and ch.cy > bottom - ch.h):
                tails[i].add(anchor)
    # hidden glyphs on each visual line: a visible sliver on such a line is clipped too
    clipped_ys = [(ch.cy, ch.h) for ch in outside if ch.hidden]
    boxes = [g.bbox for g in grids]
    for ch in outside:
        # a glyph poking into a grid from outside, or sharing a line with clipped glyphs
        # at a grid edge, is clipped overflow of a cell even if the engine called it visible
        clipped = ch.hidden or _overlaps_any(boxes, ch) or (
            clipped_ys and any(_touches(g, ch) for g in grids)
            and any(abs(ch.cy - y) < 0.3 * min(h, ch.h) for y, h in clipped_ys))
        if not clipped:
            free.append(ch)
        elif (hit := _attach_hidden(grids, ch)) is not None:
            runon.setdefault(hit, []).append(ch)
        # any other clipped glyph is invisible and belongs to no cell: dropped
    for (i, anchor, from_below), hidden in runon.items():
        edge = grids[i].ys[-1] if from_below else grids[i].ys[0]
        seen = [ch for ch in buckets[i].get(anchor, ()) if not ch.hidden and not ch.c.isspace()]
        straddle = any((ch.y0 < edge) if from_below else (ch.y1 > edge) for ch in hidden)
        if not straddle and not _reaches(seen, edge, from_below, hidden[0].h):
            continue                # not this cell's text: a cell of the next/previous page
        band = _contiguous(hidden, edge, from_below)
        if band:
            buckets[i].setdefault(anchor, []).extend(band)
            (tails if from_below else heads)[i].add(anchor)
    rows: list[_Row] = []
    for i, g in enumerate(grids):
        rows.extend(_grid_rows(g, buckets[i], heads[i], tails[i], i == 0, i == len(grids) - 1))
    free = drop_furniture(free, chars, clip)
    rows.extend(_free_rows(free, fallback=not grids))
    rows.sort(key=lambda r: r.y)                  # stable: grid rows keep their order
    result = PageResult(page, [], grids=grids)
    for n, row in enumerate(rows):
        result.lines.append(Line(cells=row.cells, page=page, line=n + 1, xs=row.xs, opens=row.opens))
        result.tops.append(row.y)
        result.free.append(row.xs is None or not grids)
        for side, col, (x0, x1), clipped, span, hidden in row.edges:
            (result.top if side == "top" else result.bottom).append(
                Edge(n, col, x0, x1, clipped, span, hidden))
    return result


def merge_overlap(first: str, rest: str, min_overlap: int = 4) -> str:
    """Join two renderings of one text: ``first`` is its start (page N), ``rest`` its end
    (page N+1); the longest end of ``first`` that starts ``rest`` is written once. Overlap
    is found on letters and digits only, because a renderer sometimes drops a glyph ("264
    640000" next to "264.640000" in sasac.pdf); where they overlap ``rest``'s text is kept.
    An overlap shorter than ``min_overlap`` characters is taken as a coincidence."""
    if not first or first == rest:
        return rest or first
    if not rest:
        return first
    ka, kb = _key(first), _key(rest)
    if ka == kb:                                    # same text, one lost a glyph or a space
        return min(first, rest, key=lambda t: t.count(" "))
    if kb.startswith(ka):
        return rest
    if ka.endswith(kb):
        return first
    for k in range(min(len(ka), len(kb)), min_overlap - 1, -1):
        if ka.endswith(kb[:k]):
            # cut ``first`` before its (len(ka) - k)-th letter/digit, then all of ``rest``
            pos = [i for i, ch in enumerate(first) if ch.isalnum()][len(ka) - k]
            return first[:pos] + rest
    return first + rest


def _key(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def _same_text(a: str, b: str) -> bool:
    return bool(a) and _key(a) == _key(b)


def _stitch(prev: PageResult, cur: PageResult) -> None:
    """Move the continuation cells at the top of ``cur`` into ``prev``'s bottom cells.
    A pair of cells (same x-range, bottom of ``prev`` / top of ``cur``) is a continuation
    when clipped or protruding text shows it; the other cells of the same block (same first
    row on ``prev``, same last row on ``cur``: the amounts beside a continued project name)
    follow it, even without clipped text of their own."""
    pairs = []
    for top in cur.top:
        for b in prev.bottom:
            if abs(b.x0 - top.x0) <= SNAP and abs(b.x1 - top.x1) <= SNAP:
                pairs.append((b, top))
                break
    blocks = set()
    for b, top in pairs:
        line_b, col_b = _home(prev, b)
        if (b.rows[0] == b.rows[1] and top.rows[0] == top.rows[1] and not (top.hidden or b.hidden)
                and _same_text(line_b.cells[col_b], cur.lines[top.row].cells[top.col])):
            # one-row cells with the same text shown in full on both pages: two rows that
            # print the same text (a code repeated row after row whose wrapped last line pokes
            # out below the grid: water-authority T03 pp.11-12), not one cell shown twice.
            # (A merged cell over rows is printed on both pages: sasac T12 pp.27-28.)
            continue
        if (top.clipped or b.clipped) and _move(prev, cur, b, top, both=top.clipped and b.clipped):
            blocks.add((b.rows[0], top.rows[1]))
    for b, top in pairs:
        # a real block, not one indicator row (a block may start in the last row of the
        # page: finance-bureau T12 pp.35-36, name and amounts printed on p.36 only)
        if not (top.clipped or b.clipped) and (b.rows[0], top.rows[1]) in blocks \
                and (b.rows[0] != b.rows[1] or top.rows[0] != top.rows[1]):
            _move(prev, cur, b, top, both=False)


def _move(prev: PageResult, cur: PageResult, b: Edge, top: Edge, both: bool) -> bool:
    """Join the two renderings into the bottom cell and blank the top one. Two non-empty
    texts that do not overlap are two different cells meeting at the break, unless both
    sides show clipping: then keep them apart (return False)."""
    line_b, col_b = _home(prev, b)
    cells_b = line_b.cells
    cells_t = cur.lines[top.row].cells
    first, rest = cells_b[col_b], cells_t[top.col]
    merged = merge_overlap(first, rest)
    if first and rest and merged == first + rest and not both:
        return False
    cells_b[col_b] = merged
    cells_t[top.col] = ""
    cur.moved[(top.row, top.col)] = (line_b, col_b)
    return True


def _home(page: PageResult, edge: Edge) -> tuple[Line, int]:
    """Where the text of a bottom cell is now: a cell that fills a whole page (sasac T12
    p.23, a goal running from p.22 to p.24) was moved into the page before, and its rest
    on the next page belongs there too."""
    return page.moved.get((edge.row, edge.col), (page.lines[edge.row], edge.col))


_DECIMALS = re.compile(r"-?[0-9][0-9,]*(?:\.([0-9]+))?")


def _decimals(text: str) -> int | None:
    m = _DECIMALS.fullmatch(text)
    return None if m is None else len(m.group(1) or "")


def _is_grid_row(page: PageResult, k: int) -> bool:
    free = page.free[k] if len(page.free) == len(page.lines) else page.lines[k].xs is None
    return not free and page.lines[k].xs is not None


def _join_split_row(prev: PageResult, cur: PageResult) -> None:
    """A row cut by the page break, its rest printed as the first row of the next page
    (hangzhou 收入预算总表 pp.21-22: "杭州市机动" / "车驾驶员考试服务中心", "12,437.3" / "6").
    It is one row when the table runs on (the page ends on a grid row and the next starts
    with one, same columns) and a number of the first row completes a number of the last one
    to the decimals its column prints ("12,437.3" + "6" in a column of 2-decimal amounts),
    every other cell of the first row being text or empty. The two are joined cell by cell."""
    rows = [k for k, ln in enumerate(prev.lines) if any(ln.cells)]
    firsts = [k for k, ln in enumerate(cur.lines) if any(ln.cells)]
    if not rows or not firsts or not _is_grid_row(prev, rows[-1]) or not _is_grid_row(cur, firsts[0]):
        return
    last, first = prev.lines[rows[-1]], cur.lines[firsts[0]]
    if len(last.cells) != len(first.cells) or any(abs(a - b) > SNAP for a, b in zip(last.xs, first.xs)):
        return
    completes = False
    for c, (a, b) in enumerate(zip(last.cells, first.cells)):
        if not b:
            continue
        if _decimals(b) is None:
            continue                                # text: a wrapped name goes on
        if not re.fullmatch(r"[0-9]{1,3}", b) or (d := _decimals(a)) is None or "." not in a:
            return                                  # a number of its own: a new row
        seen = [_decimals(ln.cells[c]) for ln in prev.lines
                if ln.xs == last.xs and ln is not last and len(ln.cells) > c]
        seen = [x for x in seen if x is not None]
        usual = max(set(seen), key=seen.count) if len(seen) >= 3 else None
        if usual is None or d + len(b) != usual:
            return
        completes = True
    if completes:
        last.cells[:] = [join_wrapped([a, b]) for a, b in zip(last.cells, first.cells)]
        first.cells[:] = [""] * len(first.cells)


def stitch_pages(pages: Iterable[PageResult]) -> Iterator[Line]:
    """Lines of consecutive pages with page-broken merged cells joined (see above).
    Holds one page back (more while a cell runs on over whole pages: ``PageResult.moved``);
    rows emptied by the move are dropped and lines renumbered."""
    pending: list[PageResult] = []
    for cur in pages:
        if pending and cur.page == pending[-1].page + 1:
            _stitch(pending[-1], cur)
            _join_split_row(pending[-1], cur)
        pending.append(cur)
        targets = {id(line) for line, _ in cur.moved.values()}
        keep = next((i for i, pr in enumerate(pending[:-1])
                     if any(id(ln) in targets for ln in pr.lines)), len(pending) - 1)
        for pr in pending[:keep]:
            yield from _renumber(pr.lines)
        pending = pending[keep:]
    for pr in pending:
        yield from _renumber(pr.lines)


def _renumber(lines: list[Line]) -> list[Line]:
    kept = [ln for ln in lines if any(ln.cells)]
    for n, ln in enumerate(kept, start=1):
        ln.line = n
    return kept


def page_lines(segs: Iterable[Seg], chars: Iterable[Char], page: int,
               clip: tuple[float, float, float, float] | None = None) -> list[Line]:
    """Lines of a single page, without page-break context."""
    return grid_page(segs, chars, page, clip).lines
