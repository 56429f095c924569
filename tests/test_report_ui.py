"""What a reader of the reports gets: navigation, contents, titles, print CSS, the embedded
Chinese web font (checked in headless Chromium with no Chinese system font), the index that
adds up across runs, the Excel workbook and the CSVs.

The notebooks are generated here (fast, independent of the report notebooks' contents); the
workbook and CSVs use the real sample."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from budgetlib import report, webfont


def _notebook(path, title, *questions):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell("source = ''\nlang = 'zh'")
    params.metadata["tags"] = ["parameters"]
    cells = [nbformat.v4.new_markdown_cell(f"# {title}\n\n引言。"), params]
    for q in questions:
        cells += [nbformat.v4.new_markdown_cell(q),
                  nbformat.v4.new_code_cell("print('鑫淼犇 ' + source.split('/')[-1])")]
    nb.cells = cells
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two report runs into one folder: a.txt and b/a.txt (same stem), then a.txt again and c.txt."""
    tmp = tmp_path_factory.mktemp("ui")
    nbs = [_notebook(tmp / "01_first.ipynb", "第一篇 概况", "收入从哪里来？", "支出用在哪里？"),
           _notebook(tmp / "02_second.ipynb", "第二篇 人员经费", "人员经费有多少？")]
    (tmp / "b").mkdir()
    a, b, c = tmp / "a.txt", tmp / "b" / "a.txt", tmp / "c.txt"
    for f in (a, b, c):
        f.write_text("x", encoding="utf-8")
    out = tmp / "out"
    first = report.batch([a, b], out, nbs, jobs=1, progress=None)
    index_after_first = (out / "index.html").read_text(encoding="utf-8")
    second = report.batch([a, c], out, nbs, jobs=1, progress=None)
    return out, first, second, index_after_first


def test_same_stem_gets_distinct_folders_and_the_index_adds_up(two_runs):
    out, first, second, index1 = two_runs
    assert list(first["document"]) == ["a", "a-2"]
    assert list(second["document"]) == ["a", "c"]  # a keeps its folder; c is added
    assert 'href="a/01_first.html"' in index1 and 'href="a-2/01_first.html"' in index1
    index = (out / "index.html").read_text(encoding="utf-8")
    for folder in ("a", "a-2", "c"):
        assert f'href="{folder}/02_second.html"' in index, folder
        assert (out / folder / "01_first.html").is_file()
    rows = json.loads((out / "index.json").read_text(encoding="utf-8"))["documents"]
    assert [r["document"] for r in rows] == ["a", "a-2", "c"]
    assert len({r["source"] for r in rows}) == 3


def test_pages_have_title_header_and_contents(two_runs):
    out = two_runs[0]
    page = (out / "a-2" / "01_first.html").read_text(encoding="utf-8")
    # no department without a summary: the label is the file's stem
    assert re.search(r"<title>a · 第一篇 概况</title>", page)
    nav = re.search(r'<nav class="budget-nav".*?</nav>', page, re.S).group(0)
    assert 'href="../index.html"' in nav and 'href="02_second.html"' in nav
    assert 'href="01_first.html" aria-current="page"' in nav and "第二篇 人员经费" in nav
    toc = re.search(r'<nav class="budget-toc".*?</nav>', page, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<li[^>]*>(.*?)</li>", toc)] == \
        ["收入从哪里来？", "支出用在哪里？"]
    for t in targets:  # each entry points at an element of the page
        assert f'id="{t}"' in page
    assert page.index('class="budget-toc"') > page.index("<h1")  # after the title


def test_print_css_is_a4_and_keeps_tables_whole(two_runs):
    page = (two_runs[0] / "a" / "01_first.html").read_text(encoding="utf-8")
    assert "@page { size: A4" in page
    printed = page.split("@media print", 1)[1]
    assert "thead { display: table-header-group; }" in printed   # header on every page
    assert "tr, img" in printed and "break-inside: avoid" in printed  # no row cut in two
    assert "overflow: visible" in printed                         # no table cut at the edge
    assert "beforeprint" in page                                  # collapsed tables print open


def _embedded_font(page: str):
    from fontTools.ttLib import TTFont

    m = re.search(r'src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)', page)
    assert m, "no embedded font"
    return TTFont(io.BytesIO(base64.b64decode(m.group(1))))


def test_embedded_font_has_exactly_the_glyphs_used(two_runs):
    out = two_runs[0]
    pages = [p.read_text(encoding="utf-8") for p in (out / "a").glob("*.html")]
    used = {ord(c) for p in pages for c in webfont.page_text(p) if not c.isspace()}
    cmap = set(_embedded_font(pages[0]).getBestCmap())
    assert {ord(c) for c in "鑫淼犇第一篇概况收入"} <= cmap   # printed by the kernel, headings
    assert used - cmap <= {ord("\u00b6")} | {c for c in used if c > 0xFFFF}  # ¶ anchors: not in Noto
    assert len(cmap) < len(used) + 10                         # a subset, not the 30,000-glyph font
    assert len(pages[0]) < 1_000_000


@pytest.mark.skipif(not shutil.which("chromium"), reason="apt-get install chromium")
def test_chinese_renders_through_the_web_font_without_system_fonts(two_runs):
    """Chromium with a fontconfig holding no Chinese font loads the page's own font."""
    page = two_runs[0] / "a" / "01_first.html"
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", (
        '<p id="probe">pending</p><script>document.fonts.ready.then(function(){var s=[];'
        "document.fonts.forEach(function(f){s.push(f.family+'='+f.status)});"
        "document.getElementById('probe').textContent=s.join(';');});</script></body>")),
        encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        conf = report._fontconfig_file(Path(tmp))
        assert "fonts.conf" not in conf.read_text().replace(str(conf), "")  # no system config
        import os

        env = dict(os.environ, FONTCONFIG_FILE=str(conf))
        if shutil.which("fc-list"):  # no font on this fontconfig can draw Chinese
            chinese = subprocess.run(["fc-list", ":lang=zh-cn"], env=env, capture_output=True, text=True)
            assert chinese.stdout.strip() == "", chinese.stdout
        dom = subprocess.run(
            [report._chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", f"--user-data-dir={tmp}/profile",
             "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
            env=env, capture_output=True, text=True, timeout=90).stdout
    status = re.search(r'<p id="probe">([^<]*)</p>', dom).group(1)
    assert f"{webfont.FAMILY}=loaded" in status, status


def test_subset_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = webfont.subset_woff("预算报告 2026")
    cached = list((tmp_path / "budgetlib" / "webfont").glob("*.woff"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    cached[0].write_bytes(b"cached")           # a second call reads the cache, not the font
    assert webfont.subset_woff("预算报告 2026") == b"cached"


def test_workbook_has_every_table_facts_and_reconciliation(sample_doc, tmp_path):
    import openpyxl

    import budgetlib
    from budgetlib.export import write_workbook

    rec = budgetlib.reconcile(sample_doc)
    path = write_workbook(sample_doc, tmp_path / "hotline.xlsx", reconciliation=rec)
    wb = openpyxl.load_workbook(path, read_only=True)
    names = wb.sheetnames
    assert names[0] == "说明"
    for tid in sample_doc.tables:
        assert any(n == tid or n.startswith(tid + " ") for n in names), tid
    assert {"事实", "对账", "合计行"} <= set(names)
    t05 = next(n for n in names if n.startswith("T05 "))
    rows = list(wb[t05].iter_rows(values_only=True))
    assert "预算05表" in rows[0][0] and "万元" in rows[0][0]          # title and unit line
    header = rows[1]
    assert {"科目编码", "科目名称", "合计", "基本支出/人员经费", "页码", "行号"} <= set(header), header
    assert all(h and not h.isascii() for h in header), header  # every header in Chinese
    data = pd.DataFrame(rows[2:], columns=header)
    exact = sample_doc["T05"]
    assert len(data) == len(exact)
    assert [Decimal(str(v)).quantize(Decimal("0.000001")) for v in data["合计"]] == list(exact["total"])
    facts = list(wb["事实"].iter_rows(values_only=True))
    assert len(facts) - 2 == len(sample_doc.facts())
    statuses = {r[2] for r in list(wb["对账"].iter_rows(values_only=True))[2:]}
    assert "不符" in statuses and "mismatch" not in statuses     # Chinese values
