"""Charts for the reports: a CJK font for matplotlib, a house style and two small helpers.

    from budgetlib import plots
    plots.apply_style()                       # once, at the top of a notebook
    fig = plots.bar_chart(s, "支出功能分类", ylabel="万元")
    fig                                       # None when there is nothing to draw

The font is Noto Sans SC (思源黑体 / Noto Sans CJK, Simplified Chinese subset, SIL OFL 1.1),
carried by the PyPI package ``pylopdf-fonts-zh-cn``; Debian's ``fonts-noto-cjk`` or
``fonts-wqy-microhei`` are used when that package is missing.

Helpers build a ``matplotlib.figure.Figure`` without pyplot, so a figure is shown once (as the
cell's value or with ``display(fig)``), never twice by the inline backend, and never kept alive
by pyplot's registry in a long batch.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["PALETTE", "ReportFigure", "apply_style", "bar_chart", "composition_with_gap",
           "pie_or_share_chart", "setup_fonts"]

# Family names that cover simplified Chinese, best first: the pip font, Debian's two packages
# (matplotlib 3.11 registers every face of a .ttc; older releases only the first, which is
# "Noto Sans CJK JP" in Debian's file), then what macOS or Windows may already have.
CJK_FAMILIES = [
    "Noto Sans SC", "Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei",
    "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei",
]
# Debian's packages (apt-get install fonts-noto-cjk / fonts-wqy-microhei). Registered by path
# because matplotlib's font cache may predate the apt install.
_DEBIAN_FONT_FILES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
]
_PROBE = "预算支出万元"  # characters every report draws

# Muted, print-friendly colours (first one for single-series bars).
PALETTE = ["#2f5d8a", "#d9822b", "#5a9e6f", "#b94a48", "#8a6fb3", "#7f7f7f", "#c9a227",
           "#4bacc6"]

_font_family: str | None = None


def _candidate_files() -> list[Path]:
    files = []
    try:  # OFL Noto Sans SC shipped as a data-only wheel (pip install pylopdf-fonts-zh-cn)
        import pylopdf_fonts_zh_cn

        files.append(Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf")
    except ImportError:
        pass
    files += [Path(p) for p in _DEBIAN_FONT_FILES]
    return [f for f in files if f.is_file()]


def _covers(path: str, text: str = _PROBE) -> bool:
    from matplotlib.ft2font import FT2Font

    font = FT2Font(path)
    return all(font.get_char_index(ord(ch)) for ch in text)


def setup_fonts() -> str:
    """Register a font with Chinese glyphs (中文字体) and make it matplotlib's default.

    Returns the family name. Raises RuntimeError naming what to install if no font is found.
    Idempotent: later calls only re-apply the rcParams.
    """
    global _font_family
    import matplotlib
    from matplotlib import font_manager

    if _font_family is None:
        for path in _candidate_files():
            font_manager.fontManager.addfont(str(path))
        for family in CJK_FAMILIES:
            try:
                path = font_manager.findfont(
                    font_manager.FontProperties(family=family), fallback_to_default=False)
            except ValueError:
                continue
            if _covers(path):
                _font_family = family
                break
        else:
            raise RuntimeError(
                "No Chinese font for matplotlib: pip install pylopdf-fonts-zh-cn "
                "(or apt-get install fonts-noto-cjk)")

    rc = matplotlib.rcParams
    rc["font.family"] = "sans-serif"
    # DejaVu Sans after the CJK font: matplotlib falls back glyph by glyph along this list.
    rest = [f for f in rc["font.sans-serif"] if f not in (_font_family, "DejaVu Sans")]
    rc["font.sans-serif"] = [_font_family, "DejaVu Sans", *rest]
    rc["axes.unicode_minus"] = False  # an ASCII hyphen for negatives, present in every font
    return _font_family


def apply_style() -> str:
    """Fonts plus the house style (报告样式). Call once at the top of a report notebook.

    Also applies to figures drawn with pyplot directly (the inline backend keeps rcParams).
    """
    import matplotlib

    family = setup_fonts()
    matplotlib.rcParams.update({
        "figure.figsize": (8.0, 4.5),
        "figure.dpi": 100,          # inline PNGs are rendered at figure.dpi
        "figure.facecolor": "white",
        "savefig.dpi": 150,
        "savefig.bbox": "tight",
        "font.size": 10.5,
        "axes.titlesize": 13,
        "axes.titlelocation": "left",
        "axes.titlepad": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "legend.frameon": False,
    })
    return family


def _as_float_series(data) -> pd.Series:
    """A float Series from a Series, a mapping or pairs; drops missing values.

    Amounts arrive as Arrow decimals (see normalize.AMOUNT_DTYPE) or Decimal objects.
    """
    if isinstance(data, Mapping):
        data = pd.Series(dict(data))
    elif not isinstance(data, pd.Series):
        data = pd.Series(dict(data)) if data is not None else pd.Series(dtype="float64")
    s = pd.to_numeric(data.astype("object"), errors="coerce").astype("float64")
    s.index = [str(i) for i in s.index]
    return s[s.notna() & s.map(math.isfinite)]


class ReportFigure(Figure):
    """A Figure that shows itself as PNG in a notebook (IPython calls ``_repr_png_``).

    Needed because matplotlib loads the inline backend lazily: until some pyplot figure
    exists, IPython has no PNG formatter for figures and would print ``<Figure ...>``.
    """

    def _repr_png_(self):
        # Drawn at twice the figure's dpi and shown at its nominal size: sharp on high-DPI
        # screens, and the same size on the page as a pyplot inline figure.
        buf = io.BytesIO()
        self.savefig(buf, format="png", bbox_inches="tight", dpi=2 * self.dpi)
        from PIL import Image

        width, height = Image.open(io.BytesIO(buf.getvalue())).size
        return buf.getvalue(), {"width": width // 2, "height": height // 2}


def _new_figure(size) -> ReportFigure:
    setup_fonts()
    return ReportFigure(figsize=size, layout="constrained")


def _fmt(fmt: str | Callable[[float], str]) -> Callable[[float], str]:
    return fmt if callable(fmt) else fmt.format


def bar_chart(series, title: str = "", *, xlabel: str | None = None,
              ylabel: str | None = None, horizontal: bool | None = None,
              top_n: int | None = 15, other_label: str = "其他",
              fmt: str | Callable[[float], str] = "{:,.2f}", sort: bool = True,
              color: str | None = None):
    """Bar chart (柱状图) of one series: index = category labels, values = amounts.

    ``xlabel``/``ylabel`` name the category and value axes as drawn (for horizontal bars the
    value axis is x). ``horizontal`` defaults to True when labels are long or many, as Chinese
    category names (功能分类科目) usually are. Beyond ``top_n`` bars the rest are summed into
    ``other_label``. Each bar is labelled with its value via ``fmt``.

    Returns the Figure, or None when there is nothing to draw (no values, or all zero).
    """
    s = _as_float_series(series)
    if s.empty or not (s != 0).any():
        return None
    if sort:
        s = s.reindex(s.abs().sort_values(ascending=False).index)
    if top_n and len(s) > top_n:
        s = pd.concat([s.iloc[:top_n - 1], pd.Series({other_label: s.iloc[top_n - 1:].sum()})])
    if horizontal is None:
        horizontal = len(s) > 6 or max(len(label) for label in s.index) > 6
    labels, values, fmt = list(s.index), s.to_numpy(), _fmt(fmt)

    if horizontal:
        fig = _new_figure((8.0, max(2.2, 0.42 * len(s) + 1.2)))
        ax = fig.add_subplot()
        bars = ax.barh(labels, values, color=color or PALETTE[0])
        ax.invert_yaxis()  # largest on top
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(ylabel or "")
        ax.set_ylabel(xlabel or "")
    else:
        fig = _new_figure((8.0, 4.5))
        ax = fig.add_subplot()
        bars = ax.bar(labels, values, color=color or PALETTE[0])
        ax.grid(axis="x", visible=False)
        ax.set_xlabel(xlabel or "")
        ax.set_ylabel(ylabel or "")
    ax.bar_label(bars, labels=[fmt(v) for v in values], padding=3, fontsize=9)
    _separators(ax.xaxis if horizontal else ax.yaxis, fmt)
    # room for the value labels beyond the longest bar
    if horizontal:
        ax.margins(x=0.15)
    else:
        ax.margins(y=0.12)
    if title:
        ax.set_title(title)
    return fig


def _separators(axis, fmt) -> None:
    """Value-axis ticks with thousands separators (12,000 not 12000), or as percent when the
    bars are percentages."""
    from matplotlib.ticker import FuncFormatter

    percent = fmt(1.0).endswith("%")
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}%" if percent else f"{v:,.0f}"))


def composition_with_gap(series, gap: float, title: str = "", *, gap_label: str = "未列明",
                         other_label: str = "其他", top_n: int = 12):
    """The itemised parts of a total as bars, and the part the document does not itemise
    (未列明) as one hatched grey bar set apart below a line: a gap, not a category.

    Bars are amounts (with separators); each part's share of the whole total is in its label.
    Returns None when there is nothing to draw."""
    s = _as_float_series(series)
    s = s[s != 0].sort_values(ascending=False)
    if s.empty and not gap:
        return None
    if top_n and len(s) > top_n:
        s = pd.concat([s.iloc[:top_n - 1], pd.Series({other_label: s.iloc[top_n - 1:].sum()})])
    whole = s.sum() + (gap or 0.0)
    labels, values = list(s.index), list(s.to_numpy())
    n = len(labels) + (1 if gap else 0)
    fig = _new_figure((8.0, max(2.4, 0.42 * n + 1.4)))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))
    bars = ax.barh(ys, values, color=PALETTE[0])
    ax.bar_label(bars, labels=[f"{v:,.2f}  ({v / whole:.1%})" for v in values], padding=3, fontsize=9)
    ticks, names = ys[:], labels[:]
    if gap:
        y = len(labels) + 0.6  # set apart from the itemised bars
        gbar = ax.barh([y], [gap], color="white", edgecolor="#7f7f7f", hatch="///", linewidth=0.8)
        ax.bar_label(gbar, labels=[f"{gap:,.2f}  ({gap / whole:.1%})"], padding=3, fontsize=9, color="#555555")
        ax.axhline(len(labels) - 0.2, color="#999999", linewidth=0.8, linestyle="--")
        ticks.append(y)
        names.append(gap_label)
    ax.set_yticks(ticks, names)
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    _separators(ax.xaxis, "{:,.2f}".format)
    ax.margins(x=0.25)
    if title:
        ax.set_title(title)
    return fig


def pie_or_share_chart(series, title: str = "", *, max_slices: int = 6,
                       other_label: str = "其他", xlabel: str = "%",
                       fmt: str | Callable[[float], str] = "{:,.2f}"):
    """Composition chart (构成/占比): a donut when there are few parts, else share bars.

    Only positive values make up a whole, so zero, negative and missing values are dropped.
    Up to ``max_slices`` parts give a donut with percentages; more give horizontal bars of each
    part's share in percent (the 15 largest, the rest summed into ``other_label``).
    Returns the Figure, or None when nothing positive is left.
    """
    s = _as_float_series(series)
    s = s[s > 0].sort_values(ascending=False)
    if s.empty:
        return None
    total = s.sum()
    if len(s) > max_slices:
        shares = s / total * 100
        fig = bar_chart(shares, title, ylabel=xlabel, horizontal=True, top_n=15,
                        other_label=other_label, fmt="{:.1f}%")
        return fig

    fmt = _fmt(fmt)
    fig = _new_figure((7.0, 3.8))
    ax = fig.add_subplot()
    wedges, _, _ = ax.pie(
        s.to_numpy(), colors=PALETTE[: len(s)], startangle=90, counterclock=False,
        wedgeprops={"width": 0.42, "edgecolor": "white"},
        autopct=lambda p: f"{p:.1f}%" if p >= 4 else "", pctdistance=0.79,
        textprops={"fontsize": 9, "color": "white"})
    ax.legend(wedges, [f"{k}  {fmt(v)}" for k, v in s.items()], loc="center left",
              bbox_to_anchor=(1.0, 0.5), fontsize=9)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return fig
