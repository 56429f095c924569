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
