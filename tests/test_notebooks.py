"""The report notebooks: thin, parameterised, and their headline outputs still true.

``pytest --nbval-lax notebooks/`` re-runs each notebook and compares the cells marked
``# NBVAL_CHECK_OUTPUT`` with their saved output; here it runs in a subprocess with matplotlib's
"Glyph … missing from font" warnings turned into errors inside the kernel. Then two notebooks
run through papermill on a document whose T10 is empty and whose T12 is absent: they must say
so in a sentence and draw no chart.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("0*.ipynb") if p.stem != "05_comparison")  # 05: tests/test_corpus_db.py
PARAMETERS = {"source", "out_dir", "lang", "usd_rate_wan_per_wan_usd", "engine", "processed_dir"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0]
    assert "parameters" in first.metadata.get("tags", [])
    tree = ast.parse(first.source)
    names = set()
    for node in tree.body:  # typed assignments of literals only: the cell computes nothing
        assert isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Constant), ast.dump(node)
        names.add(node.target.id)
    assert names == PARAMETERS
    for cell in code[2:]:  # after the set-up cell: short library calls
        lines = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")]
        assert len(lines) <= 3, cell.source
    checked = [c for c in code if "NBVAL_CHECK_OUTPUT" in c.source]
    assert len(checked) >= 2 and all(c.outputs for c in checked)  # saved with their real output


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_lists_and_documents_every_parameter(path, caplog):
    import papermill

    params = papermill.inspect_notebook(str(path))
    assert set(params) == PARAMETERS and all(p["help"] for p in params.values())
    assert params["usd_rate_wan_per_wan_usd"]["inferred_type_name"] == "float"
    assert "CSV" in params["out_dir"]["help"]
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_sentences_are_markdown_and_no_section_is_written_twice():
    """The notebooks' saved outputs: every sentence a Markdown display, none printed as program
    output; no bilingual title."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outs if o.output_type == "stream" and "万元" in o.get("text", "")], path.name
        assert [o for o in outs if "text/markdown" in o.get("data", {})], path.name
        assert not [c for c in nb.cells if c.cell_type == "markdown"], path.name  # all text comes in ``lang``


def test_nbval_lax_on_the_sample():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               PYTHONWARNINGS="error:Glyph:UserWarning")  # reaches the kernel: a missing glyph fails a cell
    env.pop("MPLBACKEND", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         "--nbval-sanitize-with", str(ROOT / "notebooks" / "nbval_sanitize.cfg"),
         *map(str, NOTEBOOKS)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def variant_source(variant_path):
    """The sample with an empty T10 and no T12 (conftest.variant_path)."""
    return variant_path


def _outputs(ipynb):
    nb = nbformat.read(ipynb, as_version=4)
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    text = "".join(o.get("text", "") for o in outs if o.output_type == "stream")
    text += "".join(o.get("data", {}).get("text/markdown", "") for o in outs)  # sentences are Markdown
    images = [o for o in outs if "image/png" in o.get("data", {})]
    return text, images


@pytest.mark.parametrize("notebook, lang, sentence", [
    ("03_procurement", "zh", "本部门本年度无政府采购预算。"),
    ("04_project_cost_indicators", "en", "The document has no project performance targets table (T12)"),
])
def test_empty_or_absent_table_gives_a_sentence_and_no_chart(tmp_path, variant_source, notebook, lang, sentence):
    from budgetlib import report

    ipynb, html = report.run_notebook(ROOT / "notebooks" / f"{notebook}.ipynb",
                                      {"source": str(variant_source), "lang": lang, "out_dir": str(tmp_path)},
                                      tmp_path, notebook)
    text, images = _outputs(ipynb)
    assert sentence in text and not images
    assert "Traceback" not in html.read_text(encoding="utf-8")
