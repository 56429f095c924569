"""Bad input: a one-line error naming the file (and table, place, column), never a traceback."""

import subprocess
import sys

import pytest

import budgetlib
from budgetlib import ReadError


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _load_error(path) -> str:
    with pytest.raises(ReadError) as exc:
        budgetlib.load(path)
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


def test_non_numeric_amount(tmp_path, sample_text):
    bad = sample_text.replace("2050803\t培训支出\t3.860000", "2050803\t培训支出\t3.86O000")
    msg = _load_error(_write(tmp_path, "bad-amount.txt", bad))
    assert "T05" in msg and "line 145" in msg and "合计" in msg and "'3.86O000'" in msg


def test_unknown_unit(tmp_path, sample_text):
    bad = sample_text.replace("金额单位：万元", "金额单位：千元", 1)
    msg = _load_error(_write(tmp_path, "bad-unit.txt", bad))
    assert "金额单位" in msg and "千元" in msg and "T01" in msg


def test_truncated_table(tmp_path, sample_text):
    lines = sample_text.splitlines()
    cut = next(i for i, l in enumerate(lines) if l.startswith("2299999-其他支出"))
    msg = _load_error(_write(tmp_path, "truncated.txt", "\n".join(lines[:cut])))
    assert "T03" in msg and "truncated" in msg


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
    assert r.returncode == 2  # README "Exit codes": a document could not be read
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
        assert r.returncode == 2, name  # README "Exit codes"
        assert len(errors) == 1 and name in errors[0] and message in errors[0], (name, r.stderr)
        assert "Traceback" not in r.stderr
    assert not any((tmp_path / "out").glob("*/T01.csv"))  # nothing half-written
