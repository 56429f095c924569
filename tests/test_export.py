"""Outputs: CSV with BOM, Parquet, facts, document.json, a datapackage that frictionless accepts,
written atomically."""

import json
import subprocess
import sys
from decimal import Decimal as D

import pandas as pd
import pytest

from budgetlib.export import write_document


def test_parse_writes_everything(tmp_path, sample_path):
    r = subprocess.run([sys.executable, "-m", "budgetlib", "parse", str(sample_path), "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "beijing-2025-citizen-hotline-center"
    raw = (folder / "T05.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens the Chinese
    csv = pd.read_csv(folder / "T05.csv", encoding="utf-8-sig", dtype=str)
    assert csv.loc[0, "personnel_cost"] == "18464.861207"  # exact as printed, no float drift
    pq = pd.read_parquet(folder / "T05.parquet")
    assert sum(pq["personnel_cost"]) == D("19357.945631")
    meta = json.loads((folder / "document.json").read_text(encoding="utf-8"))
    assert meta["department"] == "北京市市民热线服务中心"
    assert (folder / "facts.parquet").exists()


def test_datapackage_validates(tmp_path, sample_doc):
    import frictionless
    folder = write_document(sample_doc, tmp_path)
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:5]
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    t05 = next(r for r in package["resources"] if r["name"] == "t05")
    fields = {f["name"]: f for f in t05["schema"]["fields"]}
    assert fields["personnel_cost"]["type"] == "number" and fields["personnel_cost"]["title"] == "基本支出/人员经费"


def test_atomic_write_keeps_the_old_folder(tmp_path, sample_doc, monkeypatch):
    folder = write_document(sample_doc, tmp_path)
    before = (folder / "T05.csv").read_bytes()
    calls = {"n": 0}
    original = pd.DataFrame.to_parquet

    def failing(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(OSError):
        write_document(sample_doc, tmp_path)
    assert (folder / "T05.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]  # no half-written folder left


def test_cache_round_trip_is_exact(tmp_path, sample_path, sample_doc):
    import budgetlib

    first = budgetlib.load(sample_path, cache=tmp_path)
    folder = tmp_path / sample_path.stem
    stamp = (folder / "document.json").stat().st_mtime_ns
    again = budgetlib.load(sample_path, cache=tmp_path)
    assert (folder / "document.json").stat().st_mtime_ns == stamp  # read back, not parsed again
    for tid, table in sample_doc.tables.items():
        assert again.tables[tid].data.equals(table.data), tid
        assert list(again.tables[tid].data.dtypes) == list(table.data.dtypes), tid
        assert again.tables[tid].headers == table.headers
    assert again.meta == first.meta


def test_cache_is_refreshed_when_the_file_changes(tmp_path, sample_text):
    import budgetlib

    src = tmp_path / "doc.txt"
    src.write_text(sample_text, encoding="utf-8")
    cache = tmp_path / "cache"
    budgetlib.load(src, cache=cache)
    src.write_text(sample_text.replace("26.765421", "26.765422"), encoding="utf-8")
    doc = budgetlib.load(src, cache=cache)
    assert str(doc["T09"].iloc[0]["total"]) == "26.765422"


def test_printed_decimals_survive_the_cache(tmp_path, sample_doc):
    """Table.decimals is written (decimals.parquet) and read back cell for cell."""
    from budgetlib.export import read_document

    t05 = sample_doc.tables["T05"]
    assert set(t05.decimals["data"].stack().dropna().unique()) == {6}  # NA: blank cells
    back = read_document(write_document(sample_doc, tmp_path))
    for tid, t in sample_doc.tables.items():
        for part, dec in t.decimals.items():
            got = back.tables[tid].decimals.get(part)
            if dec.notna().any().any():
                pd.testing.assert_frame_equal(got[dec.columns].reset_index(drop=True), dec.reset_index(drop=True),
                                              check_names=False)
