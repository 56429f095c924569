"""The corpus dataset (issue 11): Parquet per document, DuckDB views, exact round trip,
incremental and resumable ingest, removal, `budgetlib sql`, and the comparison report.

Real components throughout: real documents (the sample and two corpus PDFs), real Parquet
files, a real DuckDB database, a real Jupyter kernel for notebook 05."""

from __future__ import annotations

import ast
import csv
import shutil
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import nbformat
import pandas as pd
import pyarrow.parquet as pq
import pytest

import budgetlib
from budgetlib import corpus, corpus_report
from budgetlib.config import expand_sources

ROOT = Path(__file__).resolve().parents[1]
PDFS = [ROOT / "tests" / "corpus" / "xinfang-office.pdf", ROOT / "tests" / "corpus" / "civil-military-office.pdf"]
CHANGED_LINE = "2010301-行政运行\t50101-工资奖金津补贴\t30101-基本工资\t335.065200\t335.065200"  # the sample's first T03 row (function class 201)


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory, sample_text):
    """The sample as 2025, a copy as 2026 with one T03 amount 10 万元 higher, and two PDFs."""
    d = tmp_path_factory.mktemp("sources")
    (d / "hotline-2025.txt").write_text(sample_text, encoding="utf-8")
    assert sample_text.count(CHANGED_LINE) == 1
    (d / "hotline-2026.txt").write_text(
        sample_text.replace(CHANGED_LINE, CHANGED_LINE.replace("335.0652", "345.0652")), encoding="utf-8")
    # the MANIFEST gives department and year, as in data/raw and tests/corpus
    known = {r["file"]: r for r in csv.DictReader(open(ROOT / "tests" / "corpus" / "MANIFEST.tsv", encoding="utf-8"),
                                                  delimiter="\t")}
    rows = [("hotline-2025.txt", "北京市市民热线服务中心", 2025), ("hotline-2026.txt", "北京市市民热线服务中心", 2026)]
    rows += [(p.name, known[p.name]["department"], known[p.name]["year"]) for p in PDFS]
    (d / "MANIFEST.tsv").write_text("file\tdepartment\tyear\n" + "".join(f"{f}\t{n}\t{y}\n" for f, n, y in rows),
                                    encoding="utf-8")
    for pdf in PDFS:
        shutil.copy(pdf, d / pdf.name)
    return d


@pytest.fixture(scope="module")
def built(tmp_path_factory, docs_dir):
    root = tmp_path_factory.mktemp("corpus") / "c"
    frame = corpus.build(expand_sources([docs_dir]), root, progress=None)
    return root, frame


def test_every_fact_reads_back_exactly_from_duckdb(built, docs_dir):
    root, frame = built
    assert list(frame["status"]) == ["ok"] * 4, frame
    con = corpus.connect(root)
    types = dict(con.sql("SELECT DISTINCT 'amount', typeof(amount) FROM facts UNION ALL "
                         "SELECT DISTINCT 'yuan', typeof(amount_yuan) FROM facts").fetchall())
    assert types == {"amount": "DECIMAL(24,6)", "yuan": "DECIMAL(28,6)"}
    con.close()
    for src in [docs_dir / "hotline-2025.txt", docs_dir / PDFS[0].name]:
        doc = budgetlib.load(src)
        want = doc.facts()
        got = corpus.query("SELECT * FROM facts WHERE sha256 = ? ORDER BY table_id, row_kind, measure, row_no",
                           root, [doc.meta["sha256"]])
        assert len(got) == len(want) > 500
        want = want.assign(row_no=want.groupby(["table", "row_kind", "measure"], sort=False).cumcount())
        want = want.sort_values(["table", "row_kind", "measure", "row_no"]).reset_index(drop=True)
        assert list(got["table_id"]) == list(want["table"])
        assert list(got["key"]) == list(want["key"])
        for a, b in zip(got["amount"], want["amount"]):  # Decimal == Decimal, NA == NA
            assert (pd.isna(a) and pd.isna(b)) or (isinstance(a, D) and a == b), (a, b)
        assert [None if pd.isna(p) else int(p) for p in got["page"]] == \
               [None if pd.isna(p) else int(p) for p in want["page"]]
        assert list(got["line"]) == list(want["line"])
        assert all(y == a * 10000 for a, y in zip(got["amount"], got["amount_yuan"]) if not pd.isna(a))
    schema = pq.read_schema(next((root / "facts").glob("*/*/*.parquet")))
    assert str(schema.field("amount").type) == "decimal128(24, 6)"


def test_documents_records_hold_headline_figures_and_partitions(built, docs_dir):
    root, _ = built
    docs = corpus.query("SELECT * FROM documents ORDER BY source_file", root)
    assert list(docs["source_file"]) == ["civil-military-office.pdf", "hotline-2025.txt", "hotline-2026.txt",
                                         "xinfang-office.pdf"]
    assert list(docs["year"]) == [2026, 2025, 2026, 2026] and set(docs["kind"]) == {"budget"}
    hot = docs.iloc[1]
    assert hot["issuer"] == "北京市市民热线服务中心" and hot["personnel_cost_yuan"] == D("193579456.310000")
    assert hot["personnel_share_of_basic"] == (D("19357.945631") / D("19600.672975")).quantize(D("1e-12"))
    assert docs.iloc[0]["pages"] == 17 and docs.iloc[1]["reconciliation"] in ("ok", "mismatch")
    assert sorted((root / "documents").glob("year=2025/kind=budget/*.parquet"))[0].stem == hot["sha256"]
    # findings and tables are queryable with their exact types
    mism = corpus.query("SELECT count(*) AS n FROM findings WHERE status = 'mismatch' AND sha256 = ?",
                        root, [hot["sha256"]])["n"][0]
    assert mism == hot["rec_mismatch"]
    cell = corpus.query("SELECT value, amount FROM tables WHERE sha256 = ? AND table_id = 'T05' AND row_no = 0 "
                        "AND column_name = 'personnel_cost'", root, [hot["sha256"]])
    assert cell["value"][0] == "18464.861207" and cell["amount"][0] == D("18464.861207")


def test_unchanged_documents_are_not_parsed_again_and_removal(built, docs_dir, tmp_path):
    root, _ = built
    root2 = tmp_path / "c2"
    shutil.copytree(root, root2)
    stamps = {p: p.stat().st_mtime_ns for p in root2.rglob("*.parquet")}
    again = corpus.build(expand_sources([docs_dir]), root2, progress=None)
    assert set(again["语料库"]) == {"未变"}
    assert {p: p.stat().st_mtime_ns for p in root2.rglob("*.parquet")} == stamps
    # remove by file, then by sha256 prefix
    sha = budgetlib.load(docs_dir / "hotline-2026.txt").meta["sha256"]
    assert corpus.remove(root2, str(docs_dir / "hotline-2026.txt")) == [sha]
    assert corpus.remove(root2, "xinfang-office.pdf")
    left = corpus.query("SELECT source_file FROM documents ORDER BY 1", root2)
    assert list(left["source_file"]) == ["civil-military-office.pdf", "hotline-2025.txt"]
    assert corpus.query("SELECT count(*) AS n FROM facts WHERE sha256 = ?", root2, [sha])["n"][0] == 0
    assert not list(root2.rglob(f"{sha}.parquet"))


def test_a_batch_stopped_midway_resumes_and_keeps_each_document_once(tmp_path, sample_path, monkeypatch):
    """A document whose records were half written (killed before its documents record, the
    commit) is invisible, and the next run writes it again: once."""
    root = tmp_path / "c"
    calls = {"n": 0}
    real = corpus._write_atomically

    def dies_at_commit(table, path):
        if path.parts[-4] == "documents":
            raise KeyboardInterrupt  # as if the process were stopped here
        real(table, path)

    monkeypatch.setattr(corpus, "_write_atomically", dies_at_commit)
    with pytest.raises(KeyboardInterrupt):
        corpus.ingest(sample_path, root)
    assert list((root / "facts").rglob("*.parquet"))  # facts were written...
    assert corpus.query("SELECT count(*) AS n FROM facts", root)["n"][0] == 0  # ...but are not visible
    monkeypatch.setattr(corpus, "_write_atomically", real)
    row = corpus.ingest(sample_path, root)
    assert row["语料库"] == "已加入"
    n = corpus.query("SELECT count(DISTINCT sha256) AS d, count(*) AS n FROM facts", root)
    assert n["d"][0] == 1 and n["n"][0] == len(budgetlib.load(sample_path).facts())
    assert len(list(root.rglob("*.parquet"))) == 4 and not list(root.rglob("*.tmp"))


def test_sql_command_prints_a_table_and_one_line_errors(built):
    root, _ = built
    cmd = [sys.executable, "-m", "budgetlib", "sql", "--corpus", str(root)]
    r = subprocess.run(cmd + ["SELECT issuer, personnel_cost_yuan FROM documents WHERE year = 2025"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "北京市市民热线服务中心" in r.stdout and "193579456.310000" in r.stdout
    r = subprocess.run(cmd + ["SELECT nope FROM documents"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1


def test_comparison_measures_ranks_and_undisclosed(built):
    root, _ = built
    c = corpus_report.compare(root, year=2026)
    assert sorted(c.measures["department"]) == sorted(["北京市信访办公室", "中共北京市委军民融合发展委员会办公室",
                                                        "北京市市民热线服务中心"])
    # civil-military prints an empty T12: listed as undisclosed, never as zero
    u = c.undisclosed()
    assert list(u.itertuples(index=False, name=None)) == [
        ("中共北京市委军民融合发展委员会办公室", "项目成本指标金额覆盖率", "表为空")]
    r = c.ranking("project_cost_coverage")
    assert r.iloc[-1]["部门"] == "中共北京市委军民融合发展委员会办公室" and pd.isna(r.iloc[-1]["排名"])
    text = c.sentences()
    top = c.values("personnel_share_of_basic")
    assert f"人员经费占基本支出比例最高的是{top.index[0]}" in text
    assert corpus_report.quantile([D(1), D(2), D(3), D(4)], "0.25") == D("1.75")


def test_year_over_year_change_per_class(built):
    root, _ = built
    ch = corpus_report.changes(root, issuer="热线")
    assert list(ch.pairs["comparison"]) == ["year_over_year"]
    table = ch.by_class("function_class", 0)
    row = table[table["类"] == "201"].iloc[0]
    assert row["变化（万元）"] == "10.00"
    econ = ch.by_class("economic_class", 0)
    assert econ[econ["类"] == "301"].iloc[0]["变化（万元）"] == "10.00"
    assert ch.execution().iloc[0]["变化（万元）"] == "0.00"  # T01 was not changed


def test_comparison_notebook_is_thin_and_runs_into_html(built, tmp_path):
    nb = nbformat.read(corpus_report.NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    names = {n.target.id for n in ast.parse(code[0].source).body
             if isinstance(n, ast.AnnAssign) and isinstance(n.value, ast.Constant)}
    assert names == {"corpus", "region", "year", "kind", "issuer", "lang", "out_dir"}
    for cell in code[2:]:
        assert len([ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")]) <= 3
    root, _ = built
    ok, html, err = corpus_report.run_report(root, tmp_path / "out", year=2026)
    assert ok, err
    page = html.read_text(encoding="utf-8")
    assert "人员经费占基本支出比例最高的是" in page and "表为空" in page
    assert page.count("data:image/png;base64") >= 6  # sorted bars + scatter
    assert (tmp_path / "out" / "comparison.csv").is_file()


def test_batch_index_links_the_comparison_report(tmp_path):
    from budgetlib import report

    links = corpus.index_links(tmp_path, "zh")
    page = report.write_index([], tmp_path / "index.html", extra_links=links).read_text(encoding="utf-8")
    assert 'href="corpus/05_comparison.html"' in page and "部门比较报告" in page
    assert corpus_report.NOTEBOOK not in report._notebooks()  # run once per corpus, not per document


def test_parse_with_corpus_then_remove_on_the_command_line(tmp_path, sample_path):
    root = tmp_path / "c"
    run = [sys.executable, "-m", "budgetlib"]
    r = subprocess.run(run + ["parse", str(sample_path), "--out", str(tmp_path / "p"), "--corpus", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    docs = corpus.query("SELECT sha256, issuer, n_facts FROM documents", root)
    assert list(docs["issuer"]) == ["北京市市民热线服务中心"] and docs["n_facts"][0] == 640
    header = corpus.query("SELECT DISTINCT header FROM tables WHERE table_id = 'T03' AND column_name = 'function_code'",
                          root)["header"][0]
    headers = budgetlib.load(sample_path).tables["T03"].headers  # the model's Chinese header, kept
    assert header and header == (headers.get("function_code") or headers.get("function"))
    r = subprocess.run(run + ["corpus", "remove", docs["sha256"][0][:12], "--corpus", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "removed" in r.stdout, r.stderr
    assert corpus.query("SELECT count(*) AS n FROM documents", root)["n"][0] == 0
    r = subprocess.run(run + ["corpus", "remove", "nothing-like-this", "--corpus", str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "not in the corpus" in r.stderr


def test_budget_against_final_accounts_gives_the_execution_rate(tmp_path, sample_text):
    """The sample as budget, and as 'final accounts' of the same year (titles 决算NN表) with the
    first T03 row 10% lower: one execution pair, class 201 down by exactly 33.506520 万元."""
    import re

    d = tmp_path / "in"
    d.mkdir()
    (d / "budget.txt").write_text(sample_text, encoding="utf-8")
    final = re.sub(r"(?m)^预算(\d+表|表\d+)", r"决算\1", sample_text)
    final = final.replace(CHANGED_LINE, CHANGED_LINE.replace("335.065200", "301.558680"))
    (d / "final.txt").write_text(final, encoding="utf-8")
    (d / "MANIFEST.tsv").write_text("file\tdepartment\tyear\nbudget.txt\t北京市市民热线服务中心\t2025\n"
                                    "final.txt\t北京市市民热线服务中心\t2025\n", encoding="utf-8")
    root = tmp_path / "c"
    corpus.build(expand_sources([d]), root, progress=None)
    kinds = corpus.query("SELECT source_file, kind FROM documents ORDER BY 1", root)
    assert list(kinds["kind"]) == ["budget", "final_accounts"]
    assert sorted(p.parent.name for p in (root / "documents").rglob("*.parquet")) == \
           ["kind=budget", "kind=final_accounts"]
    ch = corpus_report.changes(root)
    assert list(ch.pairs["comparison"]) == ["execution"]
    by = ch.by_class("function_class", 0)
    row = by[by["类"] == "201"].iloc[0]
    assert row["变化（万元）"] == "-33.51" and row.iloc[-1] != "—"
    assert "执行率" in by.columns[-1]


def test_batch_with_corpus_picks_up_where_it_stopped(tmp_path, sample_path):
    """A document already in the corpus whose reports ran without error, with the same
    parameters, is listed but not run again; a change of parameters runs it again."""
    import functools

    from budgetlib import report

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    params = nbformat.v4.new_code_cell("source = ''\nlang = 'zh'\nout_dir = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print(lang)")]
    nbformat.write(nb, tmp_path / "one.ipynb")
    root, out = tmp_path / "c", tmp_path / "out"

    def run(lang):
        return report.batch([sample_path], out, [tmp_path / "one.ipynb"], jobs=1, params={"lang": lang},
                            summarise=functools.partial(corpus.ingest, corpus_dir=root), progress=None,
                            skip=functools.partial(corpus.finished_row, corpus_dir=root))

    first = run("zh")
    html = out / sample_path.stem / "one.html"
    stamp = html.stat().st_mtime_ns
    second = run("zh")
    assert list(second["status"]) == ["ok"] and second["语料库"][0] == "未变"
    assert html.stat().st_mtime_ns == stamp  # not run again
    assert first["部门"][0] == second["部门"][0] == "北京市市民热线服务中心"
    run("en")
    assert html.stat().st_mtime_ns != stamp  # other parameters: run again
