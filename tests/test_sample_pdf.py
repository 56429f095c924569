"""A PDF made from the sample text parses to exactly the tables the text reader gives.

The sample (data/raw/beijing-2025-citizen-hotline-center.txt) is drawn into a real PDF the
way the disclosures are printed from Excel: every table starts a page under its title and
金额单位 line, cells are boxes of ruling lines, header cells are merged over the columns and
rows they head, a project's name, amounts and goal are merged over its indicator rows, long
texts wrap onto several lines at the column width (amounts right-aligned), and a table that
the text breaks with a repeated header (T03, T06, T12) continues on a new page with that
header. Indicator rows the text rendering shifted to the left are drawn in their columns,
as a printed page has them. Then ``budgetlib.load`` must give, table by table, the same
``data`` and ``total`` frames as the text reader, ignoring the page/line provenance. One
normalisation: whitespace in the free-text goal column is removed before comparing, because
a wrapped line break drops a space the text had (","/")" next to CJK text).
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLE

import budgetlib
from budgetlib.catalog import match_title
from budgetlib.readers.text import iter_lines as text_lines

pymupdf = pytest.importorskip("pymupdf")


def _font_file() -> Path:
    """A CJK font to embed. A TrueType one first: PyMuPDF embeds a CID-keyed CFF font (the
    pip package's Noto Sans SC .otf) with glyph ids for CIDs, so the page *looks* garbled
    although its text layer (with the ToUnicode map below) is right."""
    wqy = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    if wqy.exists():
        return wqy
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        pytest.skip("no CJK font: apt-get install fonts-wqy-microhei or pip install pylopdf-fonts-zh-cn")
    return Path(pylopdf_fonts_zh_cn.__file__).parent / "NotoSansSC-Regular.otf"


# header rows per table (the text gives no other way to tell a header from a data row)
HEADER_ROWS = {"T01": 2, "T02": 2, "T03": 2, "T04": 2, "T05": 3, "T06": 2, "T07": 2, "T08": 2,
               "T09": 2, "T10": 1, "T11": 2, "T12": 2}
LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
_AMOUNT = re.compile(r"^-?[0-9][0-9,]*\.[0-9]+$")

PAGE_W, PAGE_H = 1190.0, 842.0          # A3 landscape, like the widest corpus documents
MARGIN, SIZE, LEAD, PAD = 36.0, 7.0, 9.0, 2.0


def _blocks(path: Path):
    """The text as (table id, title, unit, [rows]) blocks: a title opens a table, a blank
    line followed by rows again (the repeated header) opens a continuation block."""
    blocks, cur, tid, title, unit = [], None, None, None, None
    lines = list(text_lines(path))
    prev_line = 0
    for ln in lines:
        cells = [c for c in ln.cells]
        nonempty = [c for c in cells if c.strip()]
        gap = ln.line - prev_line > 1
        prev_line = ln.line
        t = match_title(nonempty[0]) if len(nonempty) == 1 else None
        if t is not None:
            tid, title, unit, cur = t[0], nonempty[0], None, None
            continue
        if len(nonempty) == 1 and "单位" in nonempty[0] and cur is None:
            unit = nonempty[0]
            continue
        if cur is None or gap:
            cur = {"tid": tid, "title": title if not blocks or blocks[-1]["tid"] != tid else None,
                   "unit": unit if not blocks or blocks[-1]["tid"] != tid else None, "rows": []}
            blocks.append(cur)
        cur["rows"].append(cells)
    return blocks


def _logical(tid: str, rows: list[list[str]], ncols: int) -> list[list[str]]:
    """Rows padded to the table width; T12 indicator rows the text shifted left are put back
    under 一级指标 (column 5), and a project row missing its empty 其他资金 cell gets it."""
    out = []
    for cells in rows:
        cells = cells + [""] * (ncols - len(cells))
        if tid == "T12":
            k = next((j for j, c in enumerate(cells) if c in LEVEL1), None)
            if k is not None and k < 5:
                if any(c.strip() for c in cells[:k]):         # project row: goal one left
                    cells = cells[:3] + [""] * (5 - k) + cells[3:]
                else:
                    cells = [""] * (5 - k) + cells[k:]
        out.append(cells[:ncols] + [""] * (ncols - len(cells[:ncols])))
    return out


def _regions(tid: str, header: list[list[str]], data: list[list[str]]):
    """Merged regions {(row, col): (rows, cols)} of one page's rows (header then data).
    A header cell spans the empty cells to its right that head something below (本年收入 over
    its sources), else the empty cells below it (合计 over two header rows). A T12 project
    cell spans its block's indicator rows."""
    rows = header + data
    nh, ncols = len(header), len(rows[0])
    span, covered = {}, set()
    for r in range(nh):
        for c in range(ncols):
            if (r, c) in covered or not rows[r][c].strip():
                continue
            w = 1
            while (r + 1 < nh and c + w < ncols and not rows[r][c + w].strip()
                   and (r, c + w) not in covered and any(rows[k][c + w].strip() for k in range(r + 1, nh))):
                w += 1
            h = 1
            if w == 1:
                while r + h < nh and not rows[r + h][c].strip():
                    h += 1
            span[(r, c)] = (h, w)
            covered |= {(r + i, c + j) for i in range(h) for j in range(w)}
    for r in range(nh, len(rows)):
        for c in range(ncols):
            if (r, c) in covered:
                continue
            h = 1
            if tid == "T12" and c < 5 and any(x.strip() for x in rows[r][:5]):
                while r + h < len(rows) and not any(x.strip() for x in rows[r + h][:5]):
                    h += 1
            span[(r, c)] = (h, 1)
            covered |= {(r + i, c) for i in range(h)}
    for r in range(nh):                  # header cells left empty and unclaimed: own box
        for c in range(ncols):
            if (r, c) not in covered:
                span[(r, c)] = (1, 1)
    return span


def _is_cjk(ch: str) -> bool:
    return ord(ch) > 0x2E80


def _wrap(font, text: str, width: float) -> list[str]:
    """Greedy wrap at the column width, breaking between two CJK characters where it can
    (as Excel does not cut an amount or a code in a way a reader could not join)."""
    text = " ".join(text.split())
    out = []
    while text:
        if font.text_length(text, SIZE) <= width:
            out.append(text)
            break
        n = 1
        while n < len(text) and font.text_length(text[:n + 1], SIZE) <= width:
            n += 1
        cut = n
        while cut > 1 and not (_is_cjk(text[cut - 1]) and _is_cjk(text[cut])):
            cut -= 1
        if cut == 1:
            cut = n
        out.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return out


def _widths(font, tid: str, rows: list[list[str]], nh: int) -> list[float]:
    ncols = len(rows[0])
    if tid == "T12":
        weights = [1.3, 0.9, 0.9, 0.9, 2.6, 0.9, 1.2, 2.2, 0.7, 0.8, 0.7]
        return [w * (PAGE_W - 2 * MARGIN) / sum(weights) for w in weights]
    out = []
    for c in range(ncols):
        cells = [r[c] for r in rows[nh:] if r[c].strip()]
        natural = max([font.text_length(x, SIZE) for x in cells] + [40.0]) + 2 * PAD + 1
        amounts = cells and all(_AMOUNT.match(x) for x in cells)
        out.append(natural if amounts else min(natural, 110.0))  # long names wrap
    return out


def _draw_page(doc, font_file, font, block, header, data):
    page = doc.new_page(width=PAGE_W, height=PAGE_H)
    page.insert_font(fontname="noto", fontfile=str(font_file))
    y = MARGIN
    if block["title"]:
        w = font.text_length(block["title"], 12)
        page.insert_text(((PAGE_W - w) / 2, y + 12), block["title"], fontname="noto", fontsize=12)
        y += 24
    rows = header + data
    widths = _widths(font, block["tid"], rows, len(header))
    xs = [MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
    if block["unit"]:
        w = font.text_length(block["unit"], SIZE)
        page.insert_text((xs[-1] - w, y + SIZE), block["unit"], fontname="noto", fontsize=SIZE)
        y += LEAD + 3
    span = _regions(block["tid"], header, data)
    # row heights: enough for the wrapped text of the cells that start and end in the row
    wrapped = {}
    for (r, c), (h, w) in span.items():
        wrapped[(r, c)] = _wrap(font, rows[r][c], xs[c + w] - xs[c] - 2 * PAD) if rows[r][c].strip() else []
    heights = []
    for r in range(len(rows)):
        need = [len(wrapped[(r, c)]) for (rr, c), (h, _) in span.items() if rr == r and h == 1]
        heights.append(max(need + [1]) * LEAD + 2 * PAD)
    for (r, c), (h, _) in span.items():      # a tall merged cell makes its last row taller
        need = len(wrapped[(r, c)]) * LEAD + 2 * PAD
        have = sum(heights[r:r + h])
        if h > 1 and need > have:
            heights[r + h - 1] += need - have
    ys = [y]
    for hgt in heights:
        ys.append(ys[-1] + hgt)
    assert ys[-1] < PAGE_H - MARGIN, "the page is too short for this block"
    for (r, c), (h, w) in span.items():
        rect = pymupdf.Rect(xs[c], ys[r], xs[c + w], ys[r + h])
        page.draw_rect(rect, color=(0, 0, 0), width=0.5)
        lines = wrapped[(r, c)]
        if not lines:
            continue
        top = rect.y0 + (rect.height - len(lines) * LEAD) / 2 if r < len(header) or h > 1 else rect.y0 + PAD
        for i, text in enumerate(lines):
            tw = font.text_length(text, SIZE)
            if _AMOUNT.match(text):
                x = rect.x1 - PAD - tw
            elif r < len(header):
                x = rect.x0 + (rect.width - tw) / 2
            else:
                x = rect.x0 + PAD
            page.insert_text((x, top + i * LEAD + SIZE), text, fontname="noto", fontsize=SIZE)


def _to_unicode(font, chars: set[str]) -> bytes:
    """A ToUnicode CMap naming, for each glyph drawn, the character it was drawn for.
    (PyMuPDF writes one from the font's whole cmap, where a glyph shared by several code
    points may name the odd one, U+F98E for 年; and PDFBox, under tabula, drops characters
    from some of its ranges. An Excel-made PDF names what was typed.)"""
    pairs = sorted({font.has_glyph(ord(c)): c for c in sorted(chars, reverse=True) if c.strip() or c == " "}.items())
    out = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
           "/CIDSystemInfo <</Registry(Adobe)/Ordering(UCS)/Supplement 0>> def",
           "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
           "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    for i in range(0, len(pairs), 100):
        chunk = pairs[i:i + 100]
        out.append(f"{len(chunk)} beginbfchar")
        out += [f"<{gid:04X}> <{ord(c):04X}>" for gid, c in chunk]
        out.append("endbfchar")
    out += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(out).encode()


def render(sample: Path, out: Path) -> Path:
    font_file = _font_file()
    font = pymupdf.Font(fontfile=str(font_file))
    doc = pymupdf.open()
    used: set[str] = set()
    for block in _blocks(sample):
        tid = block["tid"]
        ncols = max(len(r) for r in block["rows"])
        rows = _logical(tid, block["rows"], ncols)
        nh = HEADER_ROWS[tid]
        _draw_page(doc, font_file, font, block, rows[:nh], rows[nh:])
        used |= set("".join(c for r in rows for c in r) + (block["title"] or "") + (block["unit"] or ""))
    for xref in range(1, doc.xref_length()):
        if doc.xref_get_key(xref, "Subtype")[1] == "/Type0":
            kind, ref = doc.xref_get_key(xref, "ToUnicode")
            if kind == "xref":
                doc.update_stream(int(ref.split()[0]), _to_unicode(font, used))
    doc.save(out, garbage=3, deflate=True)
    return out


def _frames_equal(text_table, pdf_table, which, nfkc=False):
    a = getattr(text_table, which).drop(columns=["page", "line"]).reset_index(drop=True)
    b = getattr(pdf_table, which).drop(columns=["page", "line"]).reset_index(drop=True)
    if "goal" in a.columns:             # see the module docstring
        a["goal"] = a["goal"].str.replace(r"\s+", "", regex=True)
        b["goal"] = b["goal"].str.replace(r"\s+", "", regex=True)
    if nfkc:                            # PDFBox (tabula) reads （）：， as ()：,
        for df in (a, b):
            for col in df.columns:
                if len(df) and df[col].map(lambda v: isinstance(v, str)).all():
                    df[col] = df[col].map(lambda v: unicodedata.normalize("NFKC", v))
    pd.testing.assert_frame_equal(a, b, check_dtype=True)


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory):
    return render(SAMPLE, tmp_path_factory.mktemp("sample") / "sample.pdf")


@pytest.fixture(scope="module")
def text_doc():
    return budgetlib.load(SAMPLE)


def test_the_rendering_is_a_real_multi_page_pdf(sample_pdf):
    doc = pymupdf.open(sample_pdf)
    assert doc.page_count >= 15               # one page per table, more where the text breaks
    assert "预算03表 支出总表" in doc[2].get_text()
    assert "2010301-行政运行" in doc[2].get_text()
    # ruling lines, not just text
    assert len(doc[2].get_drawings()) > 100
    # T03 goes on to p.4 under its repeated header; a project name wraps onto two lines
    assert "支出功能分类科目" in doc[3].get_text() and "预算03表" not in doc[3].get_text()
    assert "车购置项目" in doc[13].get_text().splitlines()


@pytest.mark.parametrize("engine", ["mupdf", "tabula"])
def test_pdf_gives_the_text_readers_tables(sample_pdf, text_doc, engine):
    if engine == "tabula" and shutil.which("java") is None:
        pytest.skip("tabula needs Java")
    pdf_doc = budgetlib.load(sample_pdf, engine=engine)
    assert sorted(pdf_doc.tables) == sorted(text_doc.tables)
    assert pdf_doc.warnings == text_doc.warnings == []
    for tid, table in text_doc.tables.items():
        for which in ("data", "total"):
            try:
                _frames_equal(table, pdf_doc.tables[tid], which, nfkc=engine == "tabula")
            except AssertionError as exc:
                raise AssertionError(f"{engine}: {tid}.{which} differs: {exc}") from None


def test_pdf_reconciles_like_the_text(sample_pdf, text_doc):
    a = budgetlib.reconcile(text_doc).frame[["rule_id", "instance", "status", "left", "right"]]
    b = budgetlib.reconcile(budgetlib.load(sample_pdf)).frame[["rule_id", "instance", "status", "left", "right"]]
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
