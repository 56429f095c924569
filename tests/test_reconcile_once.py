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
