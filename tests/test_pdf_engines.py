"""The PDF engines (positioned cells -> rows of grid cells) on the real corpus.

PyMuPDF is the default engine; tabula (tabula-py + a JVM) is tested when Java and jpype1
are available. The whole file runs in well under a minute on 2 cores: the corpus is read
once with PyMuPDF (~15 s), tabula reads one document in one JVM.
"""

from __future__ import annotations

from collections import Counter

import pytest

from budgetlib.readers import pdf_mupdf
from budgetlib.readers.base import Line, ReadError
from budgetlib.readers.pdf_grid import Char, Seg, join_wrapped, merge_overlap, page_lines

from conftest import CORPUS, CORPUS_PDFS

XINFANG = CORPUS / "xinfang-office.pdf"
SASAC = CORPUS / "sasac.pdf"


def page(lines: list[Line], n: int) -> list[list[str]]:
    return [ln.cells for ln in lines if ln.page == n]


@pytest.fixture(scope="module")
def xinfang() -> list[Line]:
    return list(pdf_mupdf.iter_lines(XINFANG))


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[Line]]:
    return {p.name: list(pdf_mupdf.iter_lines(p)) for p in CORPUS_PDFS}


# --------------------------------------------------------------------------- shape


def test_t01_two_sided_rows(xinfang):
    p1 = page(xinfang, 1)
    assert p1[0] == ["预算01表 收支总表"]
    assert p1[1] == ["金额单位：万元"]
    assert p1[2] == ["收 入", "", "支 出", ""]            # merged header: left-most column
    assert p1[4] == ["一、一般公共预算拨款收入", "9,616.338314", "一、一般公共服务支出", "7,045.905745"]
    assert p1[-1] == ["收入总计", "9,626.777589", "支出总计", "9,626.777589"]


def test_t02_wide_header_merged_and_wrapped(xinfang):
    p2 = page(xinfang, 2)
    top, sub, data = p2[2], p2[3], p2[4]
    assert len(top) == len(sub) == len(data) == 17
    assert top[:2] == ["合计", "本年收入"] and top[11] == "上年结转结余"
    assert not any(top[2:11]) and not any(top[12:])
    # "政府性基金预\n算资金" is one cell, joined without a space
    assert sub[2:4] == ["一般公共预算资金", "政府性基金预算资金"]
    assert data[:3] == ["9,626.777589", "9,616.338314", "9,616.338314"]


def test_t03_amounts_whole(xinfang):
    p3 = page(xinfang, 3)
    row = next(r for r in p3 if r[2:3] == ["30102-津贴补贴"])
    assert row[:5] == ["2014001-行政运行", "50101-工资奖金津补贴", "30102-津贴补贴",
                       "1,145.329360", "1,145.329360"]
    assert page(xinfang, 4)[-1][:6] == ["合 计", "", "", "9,626.777589", "7,485.224572", "2,141.553017"]


def test_t12_merged_rows_go_to_the_top_row(xinfang):
    p13 = page(xinfang, 13)
    first = p13.index(next(r for r in p13 if r[0].startswith("11000021Y000000390843")))
    row = p13[first]
    assert row[:4] == ["11000021Y000000390843-信息系统运维类项目", "689.157460", "689.157460", ""]
    assert row[5:] == ["产出指标", "时效指标", "支出进度指标值", "定性", "优", ""]
    nxt = p13[first + 1]
    assert nxt[:5] == ["", "", "", "", ""] and nxt[7:] == ["故障应急响应时间", "≤", "5", "分钟"]


def test_t12_block_across_a_page_break_is_read_once(xinfang):
    """Page 13 shows the start of the name and goal of project ...849, page 14 the end:
    the whole text goes to the block's first row, the continuation cells are blanked."""
    p13, p14 = page(xinfang, 13), page(xinfang, 14)
    row = next(r for r in p13 if r[0].startswith("11000021Y000000390849"))
    assert row[:3] == ["11000021Y000000390849-办公设备购置类项目", "29.359500", "29.359500"]
    assert row[4] == "通过该项目开展办公设备采购，提高信访工作与服务保障的效率与质量，保障机构自身正常运转。"
    assert p14[0][:5] == ["", "", "", "", ""] and p14[0][7] == "采购数量"
    names = [r[0] for ln in (p13, p14) for r in ln if r[0].startswith("1100002")]
    assert len(names) == len(set(names))
    assert not any(len(r) == 1 for r in p14)            # no stray clipped text lines


def test_sasac_title_comes_before_the_grid():
    """sasac.pdf draws each title last in the content stream; lines are in reading order."""
    lines = list(pdf_mupdf.iter_page_lines(SASAC, [1, 3]))
    assert page(lines, 1)[0] == ["预算01表 收支总表"]
    assert page(lines, 1)[1] == ["金额单位：万元"]
    assert page(lines, 3)[0] == ["预算02表 收入总表"]     # T01 spans pages 1-2


def test_no_visible_character_lost():
    """Per page (without page-break stitching), every visible glyph is in some cell."""
    import pymupdf

    for path in (XINFANG, SASAC):
        doc = pymupdf.open(path)
        for pg in doc:
            chars = pdf_mupdf.page_chars(pg)
            r = pg.rect
            lines = page_lines(pdf_mupdf.page_segs(pg), chars, pg.number + 1, (r.x0, r.y0, r.x1, r.y1))
            got = Counter(ch for ln in lines for cell in ln.cells for ch in cell if not ch.isspace())
            seen = Counter(c.c for c in chars if not c.hidden and not c.c.isspace())
            assert not seen - got, (path.name, pg.number + 1, "".join((seen - got).elements()))


def test_every_page_of_the_corpus_is_read(corpus):
    import pymupdf

    for name, lines in corpus.items():
        doc = pymupdf.open(CORPUS / name)
        with_text = {p.number + 1 for p in doc if p.get_text("text").strip()}
        assert {ln.page for ln in lines} == with_text, name
        for ln in lines:                                # lines numbered 1.. per page
            assert ln.line >= 1 and ln.cells and any(c.strip() for c in ln.cells)


def test_corpus_titles_are_one_cell_lines(corpus):
    for name, lines in corpus.items():
        titles = [ln for ln in lines if any(c.startswith(("预算01表", "预算03表")) for c in ln.cells)]
        assert titles, name
        assert all(len(ln.cells) == 1 for ln in titles), name


# --------------------------------------------------------------------------- geometry units


def _word(x: float, y: float, text: str, h: float = 8.0) -> list[Char]:
    return [Char(x + i * h, y, x + (i + 1) * h, y + h, ch, h) for i, ch in enumerate(text)]


def test_grid_merged_cells_from_missing_rulings():
    # 3 columns x 2 rows; the top row's first two cells are one (no wall at x=100 up there)
    segs = [Seg(0, y, 300, y) for y in (0, 20, 40)]
    segs += [Seg(0, 0, 0, 40), Seg(100, 20, 100, 40), Seg(200, 0, 200, 40), Seg(300, 0, 300, 40)]
    chars = _word(80, 6, "本年收入") + _word(220, 6, "其他") + _word(10, 26, "小计") \
        + _word(110, 26, "一般") + _word(210, 26, "12.5")
    lines = page_lines(segs, chars, page=1)
    assert [ln.cells for ln in lines] == [["本年收入", "", "其他"], ["小计", "一般", "12.5"]]


def test_page_without_rulings_falls_back_to_text_columns():
    chars = []
    for r, row in enumerate([("科目", "金额", "备注"), ("201", "1.000000", "甲"), ("202", "2.000000", "乙")]):
        for x, text in zip((10, 150, 300), row, strict=True):
            chars += _word(x, 10 + 15 * r, text)
    lines = page_lines([], chars, page=1)
    assert [ln.cells for ln in lines][1] == ["201", "1.000000", "甲"]


def test_join_wrapped():
    assert join_wrapped(["政府性基金预", "算资金"]) == "政府性基金预算资金"
    assert join_wrapped(["11000024T0000", "02780436-12345对外宣传", "经费"]) == \
        "11000024T000002780436-12345对外宣传经费"
    assert join_wrapped(["Beijing", "Municipal"]) == "Beijing Municipal"


def test_merge_overlap():
    assert merge_overlap("通过该项目开展办公设备采购", "办公设备采购，提高效率") == \
        "通过该项目开展办公设备采购，提高效率"
    assert merge_overlap("264 640000", "264.640000") == "264.640000"    # glyph dropped
    assert merge_overlap("", "29.359500") == "29.359500"
    assert merge_overlap("完整的文字。", "完整的文字。") == "完整的文字。"


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_pdfs(tmp_path_factory):
    import pymupdf

    d = tmp_path_factory.mktemp("bad")
    (d / "empty.pdf").write_bytes(b"")
    raw = XINFANG.read_bytes()
    (d / "truncated.pdf").write_bytes(raw[: len(raw) // 2])
    (d / "notpdf.pdf").write_bytes(b"<html>saved web page</html>")
    doc = pymupdf.open(XINFANG)
    doc.select([0])
    doc.save(d / "encrypted.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    pix = pymupdf.open(XINFANG)[0].get_pixmap(dpi=40)
    scan = pymupdf.open()
    pg = scan.new_page(width=842, height=595)
    pg.insert_image(pg.rect, pixmap=pix)
    scan.save(d / "scanned.pdf")
    return d


@pytest.mark.parametrize("name, message", [
    ("empty.pdf", "empty file (0 bytes)"),
    ("truncated.pdf", "truncated or corrupt PDF"),
    ("notpdf.pdf", "not a PDF file"),
    ("encrypted.pdf", "encrypted PDF"),
    ("scanned.pdf", "no text layer: OCR needed"),
    ("missing.pdf", "file not found"),
])
def test_bad_input_is_a_one_line_read_error(bad_pdfs, name, message):
    with pytest.raises(ReadError) as err:
        list(pdf_mupdf.iter_lines(bad_pdfs / name))
    text = str(err.value)
    assert message in text and name in text and "\n" not in text


# --------------------------------------------------------------------------- tabula


def _tabula():
    pytest.importorskip("tabula")
    pytest.importorskip("jpype")
    from budgetlib.readers import pdf_tabula

    if not pdf_tabula.java_available():
        pytest.skip("no Java runtime")
    return pdf_tabula


def test_tabula_no_java_is_a_clear_error(monkeypatch):
    pytest.importorskip("tabula")
    from budgetlib.readers import pdf_tabula

    monkeypatch.setattr(pdf_tabula, "_J", {})
    monkeypatch.setattr(pdf_tabula, "java_available", lambda: False)
    with pytest.raises(ReadError, match="Java runtime not found: install one"):
        pdf_tabula.start_jvm()


def test_tabula_one_jvm_orthogonal_pages_fall_back(xinfang):
    pdf_tabula = _tabula()
    import tabula.io

    pdf_tabula.start_jvm()
    assert pdf_tabula.start_jvm() == 0.0                # already running: not started again
    assert pdf_tabula.JVM_START_SECONDS is not None
    vm = tabula.io._tabula_vm
    reader = pdf_tabula.TabulaReader(XINFANG)
    lines = list(reader)
    assert tabula.io._tabula_vm is vm and vm.tabula is not None   # jpype, in process
    # tabula-java's lattice throws "lines must be orthogonal" on these pages; none is lost
    assert set(reader.fallbacks) == {4, 5, 6, 7, 8, 9, 10, 11, 16, 17}
    assert set(reader.fallbacks.values()) == {"lattice-clean"}
    assert {ln.page for ln in lines} == set(range(1, 18))
    assert page(lines, 1)[4] == ["一、一般公共预算拨款收入", "9,616.338314",
                                 "一、一般公共服务支出", "7,045.905745"]
    assert page(lines, 4)[-1][:6] == ["合 计", "", "", "9,626.777589", "7,485.224572", "2,141.553017"]
    # same Line shape as PyMuPDF: the cross-check agrees on every cell (after NFKC:
    # PDFBox maps some full-width glyphs to ASCII)
    from budgetlib.readers.pdf_compare import compare_lines

    diff = compare_lines(xinfang, lines, fold_width=True)
    assert diff.attrs["agreement"] == 1.0, diff.head().to_string()
    raw = compare_lines(xinfang, lines)
    assert set(raw["text_b"].str.cat()) & set(":,=")  # the width differences are real
