"""`make corpus` (budgetlib.corpus_check) on a small real set: a national and a Beijing PDF
and a broken file; the whole-corpus run itself is not part of `make test`."""

from __future__ import annotations

import shutil

from budgetlib import corpus_check

from conftest import CORPUS


def test_corpus_table_per_family_with_refusals(tmp_path):
    folder = tmp_path / "national"
    folder.mkdir()
    shutil.copy(CORPUS / "national" / "suzhou-2026-budget-1.pdf", folder)
    (folder / "shenzhen-2026-budget-9.pdf").write_bytes(b"%PDF-1.7\nnot really a PDF")
    out = tmp_path / "corpus.md"
    assert corpus_check.main([str(folder), str(CORPUS / "xinfang-office.pdf"), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ") and not line.startswith("| family")}
    # documents, tables recognised, standard kinds, totals reproduced, amounts once, refusals, ...
    assert rows["suzhou"][0] == "1" and rows["suzhou"][2] == "9.0/9" and rows["suzhou"][3:6] == ["1/1", "1/1", "0"]
    assert rows["shenzhen"][0] == "1" and rows["shenzhen"][5] == "1"      # refused, listed, run went on
    assert rows["corpus"][3] == "1/1"                                   # xinfang-office.pdf
    assert "- shenzhen-2026-budget-9.pdf: " in text and "PDF" in text


def test_no_corpus_is_a_clean_skip(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(corpus_check, "SHARED_CORPUS", tmp_path / "nothing")
    assert corpus_check.main(["--out", str(tmp_path / "c.md")]) == 0
    assert "skipped" in capsys.readouterr().out
    assert not (tmp_path / "c.md").exists()
