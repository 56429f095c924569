"""A report reconciles its document once per process (issue 12).

The index's figures (``report.document_summary``, the batch's process) and the four report
notebooks (one kernel, each notebook loading the document afresh) all read the
reconciliation: the banner of every page, the overview's section. Here the real functions run
on the sample, the notebooks' own code cells executed one after another in this process as the
kernel executes them, and every reconciliation run is counted where it starts (each builds one
``reconcile.Context``).
"""

from __future__ import annotations

import json
import sys

import budgetlib  # noqa: F401  (imports budgetlib.reconcile)
from budgetlib.config import NOTEBOOKS_DIR
from budgetlib.report import _notebooks, document_summary

reconcile_module = sys.modules["budgetlib.reconcile"]


def _count_runs(monkeypatch) -> list[str]:
    """Every reconciliation run from now on, by document; the memo starts empty (the suite's
    earlier tests reconciled the sample already)."""
    runs: list[str] = []
    real = reconcile_module.Context

    class Counted(real):
        def __init__(self, doc):
            runs.append(doc.meta.get("source_name"))
            super().__init__(doc)

    monkeypatch.setattr(reconcile_module, "Context", Counted)
    monkeypatch.setattr(reconcile_module, "_REPORTS", {})
    return runs


def _run_like_the_kernel(notebook, parameters: dict):
    """The notebook's code cells in a fresh namespace (the kernel's reset between notebooks),
    the parameters set after the parameters cell as papermill injects them."""
    cells = [c for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    ns: dict = {}
    for i, cell in enumerate(cells):
        exec(compile("".join(cell["source"]), f"{notebook.name}[{i}]", "exec"), ns)
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            ns.update(parameters)


def test_a_report_reconciles_its_document_once_per_process(tmp_path, monkeypatch, sample_path):
    notebooks = _notebooks()
    assert [nb.parent for nb in notebooks] == [NOTEBOOKS_DIR] * 4
    name = sample_path.stem  # the document's source_name
    processed = tmp_path / "processed"

    runs = _count_runs(monkeypatch)
    document_summary(sample_path, processed=processed)  # the index row: parse, check
    assert runs == [name]

    runs = _count_runs(monkeypatch)  # the kernel: another process, its own memo
    for nb in notebooks:
        _run_like_the_kernel(nb, {"source": str(sample_path), "out_dir": str(tmp_path / "pages"), "lang": "zh",
                                  "engine": "mupdf", "processed_dir": str(processed)})
    # four banners and the overview's reconciliation section: one run
    assert runs == [name]

    # an edited document is another document: never given the first one's report
    doc = budgetlib.load(sample_path, cache=processed)
    before = reconcile_module.reconciled(doc)
    t05 = doc.tables["T05"]
    t05.data.loc[t05.data.index[0], "total"] += 1
    after = reconcile_module.reconciled(doc)
    assert runs == [name, name] and after is not before
    assert after.summary().get("mismatch", 0) > before.summary().get("mismatch", 0)


def test_a_report_computes_the_facts_once(tmp_path, monkeypatch):
    """The index row of a document with a companion narrative (report.document_summary: parse,
    parse cache, the narrative into the cache, the Excel workbook) computes the long facts
    table once: the cache's facts.csv and the workbook's 事实 sheet share it. An edited value
    gives fresh facts."""
    import shutil

    import openpyxl
    import pandas as pd

    from budgetlib.model import BudgetDocument
    from budgetlib.readers.narrative_text import split_sources
    from conftest import CORPUS

    runs: list[str] = []
    real = BudgetDocument._compute_facts

    def counted(doc):
        runs.append(doc.meta.get("source_name"))
        return real(doc)

    monkeypatch.setattr(BudgetDocument, "_compute_facts", counted)
    tables = shutil.copy(CORPUS / "xinfang-office.pdf", tmp_path / "a.pdf")
    shutil.copy(CORPUS / "narrative" / "xinfang-office-narrative.pdf", tmp_path / "c.pdf")
    _, companions = split_sources([tmp_path / "c.pdf"])
    info = document_summary(tables, tmp_path / "a", processed=tmp_path / "processed", companions=tuple(companions))
    for f in info["_pending"]:
        f.result()
    assert runs == ["a"]
    assert budgetlib.load(tables, cache=tmp_path / "processed").narrative.source.endswith("c.pdf")
    facts = pd.read_csv(tmp_path / "processed" / "a" / "facts.csv")
    book = openpyxl.load_workbook(tmp_path / "a" / "a.xlsx", read_only=True)
    rows = list(book["事实"].iter_rows(values_only=True))
    assert len(rows) - 2 == len(facts) > 0  # a note row and the header above the rows

    doc = budgetlib.load(tables)
    first = doc.facts()
    assert doc.facts().equals(first) and len(runs) == 2
    t05 = doc.tables["T05"]
    t05.data.loc[t05.data.index[0], "total"] += 1
    again = doc.facts()
    assert len(runs) == 3 and not again.equals(first)


def _kernel_state(kernel, folder) -> dict:
    """What the report kernel holds, read by a notebook run in it: how often it loaded the rule
    catalogue (every reconciliation run starts there) and its reconciliations, by document
    digest, as counts by status."""
    import nbformat

    from budgetlib import report

    probe = folder / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json, sys\nreconcile = sys.modules['budgetlib.reconcile']\n"
        "print(json.dumps({'rule_loads': reconcile._default_rules.cache_info().misses,\n"
        "                  'reports': {k[0]: r.summary().to_dict() for k, r in reconcile._REPORTS.items()}}))")]),
        probe)
    ipynb, _ = report.run_notebook(probe, {}, folder, f"probe-{len(list(folder.glob('probe-*')))}", kernel=kernel)
    return json.loads(nbformat.read(ipynb, as_version=4).cells[0].outputs[0]["text"])


def test_the_report_kernel_takes_its_parents_reconciliation_never_a_stale_one(tmp_path, sample_path):
    """A real report (the overview notebook in a real kernel, after ``document_summary`` as a
    batch runs them, cold parse cache): the page's banner and reconciliation section take the
    reconciliation the parent made (handed over: the kernel never even loads the rule
    catalogue). Then the file changes and is parsed again without the parent reconciling it:
    the kernel is not given the old report; it reconciles the changed document itself."""
    from budgetlib import report

    source = tmp_path / "hotline.txt"
    source.write_text(sample_path.read_text(encoding="utf-8"), encoding="utf-8")
    processed, out = tmp_path / "processed", tmp_path / "out"
    overview = [nb for nb in _notebooks() if nb.name.startswith("01_")]
    params = {"lang": "zh", "engine": "mupdf", "processed_dir": str(processed)}
    with report.Kernel(cwd=NOTEBOOKS_DIR, warm_up=report.notebook_imports(overview)) as kernel:
        info = document_summary(source, out / "hotline", processed=processed)
        for job in [info["_summary"], *info["_pending"]]:
            job.result()
        rows = report.report_document(source, out, overview, params, kernel=kernel)
        assert [r["ok"] for r in rows] == [True]
        first = _kernel_state(kernel, tmp_path)
        expected = reconcile_module.reconcile(budgetlib.load(source)).summary().to_dict()
        assert first["rule_loads"] == 0
        assert list(first["reports"].values()) == [expected]

        # one amount of 收支总表 edited (教育支出 3.86 -> 4.86): T01 no longer adds up
        source.write_text(source.read_text(encoding="utf-8").replace("3.860000", "4.860000", 1), encoding="utf-8")
        budgetlib.load(source, cache=processed)  # the cache the kernel reads, re-parsed; not reconciled here
        rows = report.report_document(source, out, overview, params, kernel=kernel)
        assert [r["ok"] for r in rows] == [True]
        second = _kernel_state(kernel, tmp_path)
    assert second["rule_loads"] == 1
    (digest, changed), = [(k, v) for k, v in second["reports"].items() if k not in first["reports"]]
    assert changed["mismatch"] > expected["mismatch"]
    assert changed == reconcile_module.reconcile(budgetlib.load(source)).summary().to_dict()


def test_the_parse_cache_keeps_what_reconcile_reads(tmp_path):
    """xian-2019-budget-2 prints one table the catalogue does not know (财政拨款结转资金支出表,
    kept as ``raw_tables``, which the claims check reads). Read back from the parse cache it
    is the document freshly parsed, in everything reconcile reads: the same digest (so the
    report kernel takes its parent's reconciliation) and the same reconciliation. A cache of
    the previous format (without those tables) is parsed again, never read as it is."""
    from conftest import CORPUS

    from budgetlib.export import FORMAT_VERSION

    source, processed = CORPUS / "national" / "xian-2019-budget-2.pdf", tmp_path / "processed"
    fresh = budgetlib.load(source, cache=processed)
    back = budgetlib.load(source, cache=processed)
    assert [r.title for r in fresh.raw_tables] == ["2019年部门综合预算财政拨款结转资金支出表"]
    assert back.raw_tables == fresh.raw_tables
    assert reconcile_module.document_digest(back) == reconcile_module.document_digest(fresh)
    assert reconcile_module.reconcile(back).frame.equals(reconcile_module.reconcile(fresh).frame)

    # the same folder as the previous format wrote it: no raw tables, format_version one less
    meta_path = processed / source.stem / "document.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    del meta["raw_tables"]
    meta["format_version"] = FORMAT_VERSION - 1
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    again = budgetlib.load(source, cache=processed)
    assert again.raw_tables == fresh.raw_tables
    assert json.loads(meta_path.read_text(encoding="utf-8"))["format_version"] == FORMAT_VERSION
