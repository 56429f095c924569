"""End to end: `budgetlib report` and `budgetlib batch` on real documents, real kernels, real
HTML, and one report rendered in headless Chromium."""

import html as htmllib
import re
import shutil
from html.parser import HTMLParser
import struct
import subprocess
import sys

import pytest

from conftest import CORPUS

PDF = CORPUS / "xinfang-office.pdf"


def run(*args):
    return subprocess.run([sys.executable, "-m", "budgetlib", *map(str, args)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def sample_reports(tmp_path_factory, sample_text):
    """The sample, with a project name that carries a literal '<' (markup must not leak)."""
    tmp = tmp_path_factory.mktemp("e2e")
    src = tmp / "hotline.txt"
    src.write_text(sample_text.replace("-接诉即办蓝皮书", "-接诉即办<蓝皮书"), encoding="utf-8")
    r = run("report", src, "--out", tmp / "reports", "--processed", tmp / "processed")
    assert r.returncode == 0, r.stderr
    return tmp / "reports" / "hotline"


def test_report_writes_four_notebooks_and_html(sample_reports):
    html = sorted(p.name for p in sample_reports.glob("*.html"))
    assert html == ["01_overview.html", "02_personnel_vs_public.html", "03_procurement.html",
                    "04_project_cost_indicators.html"]
    assert len(list(sample_reports.glob("*.ipynb"))) == 4


def test_report_headline_figures(sample_reports):
    personnel = htmllib.unescape((sample_reports / "02_personnel_vs_public.html").read_text(encoding="utf-8"))
    assert "人员经费 19,357.95\u00a0万\u2060元" in personnel and "98.8%" in personnel  # a number keeps its unit
    procurement = (sample_reports / "03_procurement.html").read_text(encoding="utf-8")
    assert "7,666.86" in procurement
    overview = (sample_reports / "01_overview.html").read_text(encoding="utf-8")
    assert "27,921.89" in overview and "22,105.82" in overview  # the T03 gap is reported
    projects = (sample_reports / "04_project_cost_indicators.html").read_text(encoding="utf-8")
    assert "405.48" in projects


def test_report_html_is_self_contained_without_code(sample_reports):
    page = (sample_reports / "02_personnel_vs_public.html").read_text(encoding="utf-8")
    assert "data:image/png;base64" in page
    assert "personnel.personnel_vs_public(doc)" not in page  # code cells hidden
    assert not re.search(r"<script[^>]+src=\"https?://", page)  # nothing from a CDN


def test_document_text_is_escaped(sample_reports):
    for page in sample_reports.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "接诉即办<蓝皮书" not in text, page.name
    projects = (sample_reports / "04_project_cost_indicators.html").read_text(encoding="utf-8")
    assert "接诉即办&lt;蓝皮书" in projects


def test_batch_of_a_pdf_a_text_and_a_bad_file(tmp_path, sample_path):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(PDF.read_bytes()[:5000])
    r = run("batch", sample_path, PDF, bad, "--out", tmp_path / "reports", "--processed", tmp_path / "p",
            "--jobs", "2")
    assert r.returncode == 1  # one document failed, the others completed
    assert "[3/3]" in r.stderr and "broken.pdf" in r.stderr and "Traceback" not in r.stderr
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "北京市信访办公室" in index and "北京市市民热线服务中心" in index
    assert "broken.pdf: truncated or corrupt PDF" in index
    assert (tmp_path / "reports" / "xinfang-office" / "04_project_cost_indicators.html").exists()
    # parse once: the documents are in the cache, and a second batch reuses them
    cached = tmp_path / "p" / "xinfang-office" / "document.json"
    stamp = cached.stat().st_mtime_ns
    run("batch", PDF, "--out", tmp_path / "reports2", "--processed", tmp_path / "p", "--jobs", "1")
    assert cached.stat().st_mtime_ns == stamp


class _Visible(HTMLParser):
    """The text a reader sees, by element: everything outside <head>, <style> and <script>."""

    def __init__(self):
        super().__init__()
        self.stack, self.parts = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        if data.strip() and not {"head", "style", "script", "title"} & set(tags):
            self.parts.append((tags, data))


def visible(page):
    p = _Visible()
    p.feed(page.read_text(encoding="utf-8"))
    return p.parts


ENGLISH_WORDS = re.compile(r"\b(mismatch|not_applicable|not applicable|non_monetary|unit_cost|rounding|True|False|"
                           r"side|left|right|pass)\b")
RULE_ID = re.compile(r"\b(?:T\d\d|X)\.[A-Za-z_]\w*")
CJK = re.compile(r"[\u3400-\u9fff]")


def test_chinese_reports_have_no_english_statuses_or_rule_ids(sample_reports):
    for page in sample_reports.glob("*.html"):
        text = " ".join(d for _, d in visible(page))
        assert not ENGLISH_WORDS.findall(text), (page.name, ENGLISH_WORDS.findall(text)[:5])
        assert not RULE_ID.findall(text), (page.name, RULE_ID.findall(text)[:5])


@pytest.fixture(scope="module")
def english_reports(tmp_path_factory, sample_path):
    tmp = tmp_path_factory.mktemp("e2e-en")
    r = run("report", sample_path, "--out", tmp / "reports", "--processed", tmp / "processed", "--lang", "en")
    assert r.returncode == 0, r.stderr
    return tmp / "reports" / sample_path.stem


def test_english_reports_have_no_chinese_in_headings_headers_or_statuses(english_reports):
    department = "北京市市民热线服务中心"
    for page in english_reports.glob("*.html"):
        parts = visible(page)
        for tags, data in parts:
            if {"h1", "h2", "h3", "th", "summary", "strong"} & set(tags):
                assert not CJK.search(data), (page.name, data)
        sentences = [d for tags, d in parts if "p" in tags and department not in d]
        assert sentences, page.name
        text = " ".join(d for _, d in parts)
        assert not RULE_ID.findall(text), (page.name, RULE_ID.findall(text)[:5])
        for word in ("不符", "相符", "不适用", "金额", "非金额", "是", "否"):  # statuses and values in words
            cells = [d.strip() for tags, d in parts if "td" in tags]
            assert word not in cells, (page.name, word)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_chromium(sample_reports, tmp_path):
    from budgetlib.report import screenshot

    png = screenshot(sample_reports / "02_personnel_vs_public.html", tmp_path / "report.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1000 and height >= 1000 and len(data) > 50_000  # a page with text and charts
