"""Bad input: a one-line error naming the file (and table, place, column), never a traceback."""

import re
import subprocess
import sys

from decimal import Decimal

import pandas as pd
import pytest
from conftest import CORPUS_PDFS, SAMPLE

import budgetlib
from budgetlib import ReadError


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _load_error(path, **kw) -> str:
    with pytest.raises(ReadError) as exc:
        budgetlib.load(path, **kw)
    msg = str(exc.value)
    assert "\n" not in msg and str(path) in msg
    return msg


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    assert "empty" in _load_error(p)


def test_no_table(tmp_path):
    p = _write(tmp_path, "letter.txt", "尊敬的读者：\n这是一封信，不是预算表。\n")
    assert "no budget table" in _load_error(p)


def test_non_numeric_amount_is_na_and_recorded(tmp_path, sample_text):
    bad = sample_text.replace("2050803\t培训支出\t3.860000", "2050803\t培训支出\t3.86O000")
    path = _write(tmp_path, "bad-amount.txt", bad)
    doc = budgetlib.load(path)
    # the rest of the document loads: every table, every row, the bad cell NA (never guessed)
    assert sorted(doc.tables) == sorted(budgetlib.load(SAMPLE).tables)
    t05 = doc.tables["T05"]
    assert t05.incomplete and len(t05.data) == 11
    row = t05.data[t05.data["function_code"] == "2050803"].iloc[0]
    assert pd.isna(row["total"]) and row["public_cost"] == Decimal("3.860000")
    assert not doc.tables["T03"].incomplete
    [p] = doc.problems
    assert (p.file, p.table.split()[0], p.row, p.column, p.raw, p.level) == \
        (str(path), "T05", 145, "合计", "3.86O000", "cell")
    # strict reading refuses it, naming the file, table, line, column and raw text in one line
    msg = _load_error(path, strict=True)
    assert "T05" in msg and "line 145" in msg and "合计" in msg and "'3.86O000'" in msg


def test_unreadable_cell_is_never_a_pass(tmp_path, sample_text):
    bad = sample_text.replace("2050803\t培训支出\t3.860000", "2050803\t培训支出\t3.86O000")
    report = budgetlib.reconcile(budgetlib.load(_write(tmp_path, "bad-amount.txt", bad)))
    good = budgetlib.reconcile(budgetlib.load(SAMPLE))
    f, g = report.frame, good.frame
    assert report.summary()["unreadable"] >= 2
    # the identities that read T05's 合计 column are undecided, not passed or failed
    assert report.status("T05.row_sum") == "unreadable" and good.status("T05.row_sum") == "pass"
    assert report.status("T05.column_total", "total") == "unreadable"
    assert report.status("T05.column_total", "basic_total") == "pass"  # that column was read
    # the problem itself is a row of its own
    own = f[f["rule_id"] == "P.unreadable"]
    assert len(own) == 1 and "3.86O000" in own["explanation"].iloc[0]
    # everything that does not touch the cell is checked as before
    untouched = g[~g["tables"].str.contains("T05")]
    assert (f.set_index(["rule_id", "instance"]).loc[
        list(zip(untouched["rule_id"], untouched["instance"])), "status"].tolist()
        == untouched["status"].tolist())


def test_unknown_unit_loads_the_rest(tmp_path, sample_text):
    bad = sample_text.replace("金额单位：万元", "金额单位：千元", 1)
    doc = budgetlib.load(_write(tmp_path, "bad-unit.txt", bad))
    [p] = doc.problems
    assert p.table.startswith("T01") and p.raw == "千元" and "金额单位" in p.expected
    assert doc.tables["T01"].unit is None and doc.tables["T01"].incomplete
    assert doc.tables["T03"].unit == "万元" and not doc.tables["T03"].incomplete


def test_truncated_table_is_incomplete(tmp_path, sample_text):
    lines = sample_text.splitlines()
    cut = next(i for i, l in enumerate(lines) if l.startswith("2299999-其他支出"))
    doc = budgetlib.load(_write(tmp_path, "truncated.txt", "\n".join(lines[:cut])))
    assert doc.tables["T03"].incomplete and doc.tables["T03"].total.empty
    assert any(p.table.startswith("T03") and "truncated" in p.expected for p in doc.problems)
    assert "T01" in doc.tables  # what came before is intact


def _pdf_with_bad_cell(tmp_path):
    """A real corpus PDF with the 合计 amount of T05's first row overwritten by '1,2O3.45' (a letter O)."""
    import pymupdf

    from conftest import CORPUS

    src = CORPUS / "civil-military-office.pdf"
    first = budgetlib.load(src)["T05"].iloc[0]
    pdf = pymupdf.open(src)
    page = pdf[int(first["page"]) - 1]
    y = page.search_for(first["function_code"])[0].y0
    words = sorted((w for w in page.get_text("words") if abs(w[1] - y) < 2 and "." in w[4]), key=lambda w: w[0])
    amount = words[0]  # the first amount after the code and name: 合计
    assert amount[4] == f"{first['total']:,.2f}".rstrip("0") or amount[4].replace(",", "") == str(first["total"])
    page.add_redact_annot(pymupdf.Rect(amount[:4]), text="1,2O3.45", fontsize=5, align=pymupdf.TEXT_ALIGN_RIGHT)
    page.apply_redactions()
    path = tmp_path / "bad-cell.pdf"
    pdf.save(path)
    return path, page.number + 1, amount[4]


def test_pdf_bad_cell_keeps_the_document(tmp_path):
    path, page, printed = _pdf_with_bad_cell(tmp_path)
    doc = budgetlib.load(path)
    [p] = doc.problems
    assert p.page == page and p.raw == "1,2O3.45" and p.table.startswith("T05")
    assert doc.tables["T05"].incomplete
    good = budgetlib.load(CORPUS_PDFS[0].parent / "civil-military-office.pdf")
    assert sorted(doc.tables) == sorted(good.tables)
    for tid in good.tables:
        if tid != "T05":
            pd.testing.assert_frame_equal(doc[tid], good[tid])
    # the CLI: one line for the cell, everything else written, exit 0; --strict refuses
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "budgetlib", "parse", str(path), "--out", str(out)],
                       capture_output=True, text=True)
    lines = [l for l in r.stderr.splitlines() if l.startswith("unreadable:")]
    assert r.returncode == 0 and len(lines) == 1 and "Traceback" not in r.stderr
    assert "bad-cell.pdf" in lines[0] and f"page {page}" in lines[0] and "1,2O3.45" in lines[0]
    assert (out / "bad-cell" / "T05.csv").exists() and (out / "bad-cell" / "T03.csv").exists()
    r = subprocess.run([sys.executable, "-m", "budgetlib", "check", str(path), "--out", str(out),
                        "--processed", str(tmp_path / "cache")], capture_output=True, text=True)
    assert r.returncode == 0 and "Traceback" not in r.stderr
    assert sum(l.startswith("unreadable:") for l in r.stderr.splitlines()) == 1
    # the problem's own row, plus the identities that read the cell
    assert int(re.search(r"unreadable (\d+)", r.stdout).group(1)) >= 2
    assert re.search(r"^  unreadable .*T05", r.stdout, re.M)
    r = subprocess.run([sys.executable, "-m", "budgetlib", "parse", str(path), "--strict", "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "strict" in r.stderr and "Traceback" not in r.stderr


def test_unknown_title_is_kept_raw(tmp_path, sample_text):
    extra = "\n预算99表 某某明细表\n\n金额单位：万元\n\n项目\t金额\n甲\t1.000000\n"
    doc = budgetlib.load(_write(tmp_path, "extra.txt", sample_text + extra))
    assert [r.title for r in doc.raw_tables] == ["预算99表 某某明细表"]
    assert any("not in the catalogue" in w for w in doc.warnings)
    assert len(doc["T05"]) == 11


def test_cli_one_line_error_and_batch_goes_on(tmp_path, sample_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "budgetlib", "parse", str(empty), str(sample_path), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    errors = [l for l in r.stderr.splitlines() if l.startswith("error:")]
    assert len(errors) == 1 and "empty.txt" in errors[0]
    assert (out / "beijing-2025-citizen-hotline-center" / "T05.csv").exists()
    assert not (out / "empty").exists()


def _bad_pdfs(d):
    import pymupdf

    from conftest import CORPUS

    good = CORPUS / "civil-military-office.pdf"
    (d / "zero.pdf").write_bytes(b"")
    raw = good.read_bytes()
    (d / "truncated.pdf").write_bytes(raw[: len(raw) // 2])
    src = pymupdf.open(good)
    src.select([0])
    src.save(d / "encrypted.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    scan = pymupdf.open()
    page = scan.new_page(width=842, height=595)
    page.insert_image(page.rect, pixmap=pymupdf.open(good)[0].get_pixmap(dpi=40))
    scan.save(d / "scanned.pdf")
    letter = pymupdf.open()
    letter.new_page().insert_text((72, 72), "Minutes of the meeting, not a budget table.")
    letter.save(d / "no-tables.pdf")
    return {"zero.pdf": "empty", "truncated.pdf": "truncated or corrupt PDF", "encrypted.pdf": "encrypted",
            "scanned.pdf": "no text layer: OCR needed", "no-tables.pdf": "no budget table"}


def test_cli_bad_pdfs_each_get_one_line_and_a_nonzero_exit(tmp_path):
    cases = _bad_pdfs(tmp_path)
    for name, message in cases.items():
        r = subprocess.run([sys.executable, "-m", "budgetlib", "parse", str(tmp_path / name),
                            "--out", str(tmp_path / "out")], capture_output=True, text=True)
        errors = [l for l in r.stderr.splitlines() if l.startswith("error:")]
        assert r.returncode == 1, name
        assert len(errors) == 1 and name in errors[0] and message in errors[0], (name, r.stderr)
        assert "Traceback" not in r.stderr
    assert not any((tmp_path / "out").glob("*/T01.csv"))  # nothing half-written
