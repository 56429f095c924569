"""The report machinery on real components: a Jupyter kernel, papermill, nbconvert, Chromium.

Notebooks are generated here, so these tests do not depend on the report notebooks' contents.
"""

from __future__ import annotations

import re
import shutil
import sys
import warnings

import nbformat
import pandas as pd
import pytest

from budgetlib import plots, report


def _notebook(path, *cells, params="source = ''\nlang = 'zh'\nmarkup = '<p>not markup</p>'"):
    """A notebook with a tagged ``parameters`` cell followed by ``cells`` (str = code,
    ("md", text) = markdown)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python",
                                 "display_name": "Python 3"}
    first = nbformat.v4.new_code_cell(params)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [first] + [nbformat.v4.new_markdown_cell(c[1]) if isinstance(c, tuple)
                          else nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


CHART = """import sys
import pandas as pd
from budgetlib import plots
plots.apply_style()
print(markup)
print(sys.executable)
plots.bar_chart(pd.Series({'一般公共服务支出': 12.5, '教育支出': 30.0}), '部门支出', ylabel='万元')
"""


def test_chinese_chart_has_every_glyph(tmp_path):
    plots.apply_style()
    s = pd.Series({"一般公共服务支出": 1234.5, "社会保障和就业支出": -88.1, "教育支出": 3000})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise here
        for i, fig in enumerate([plots.bar_chart(s, "部门支出（万元）", ylabel="万元"),
                                 plots.pie_or_share_chart(s, "支出构成")]):
            fig.savefig(tmp_path / f"{i}.png")
            png, size = fig._repr_png_()  # what a notebook shows
            assert png.startswith(b"\x89PNG") and size["width"] > 100
    assert plots.bar_chart(pd.Series(dtype=float), "空") is None
    assert plots.bar_chart({"a": 0, "b": None}, "零") is None
    assert plots.pie_or_share_chart(pd.Series({"a": -1.0}), "负") is None


def test_run_notebook_exports_escaped_html_with_embedded_chart(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")  # must not leak into the kernel (no inline PNG)
    nb = _notebook(tmp_path / "demo.ipynb", ("md", "# 预算概览\n正文"), CHART)
    ipynb, html_path = report.run_notebook(nb, {"source": "x.pdf"}, tmp_path / "out", "demo",
                                           title="某单位 · demo")
    page = html_path.read_text(encoding="utf-8")
    assert ipynb.is_file()
    assert "&lt;p&gt;not markup&lt;/p&gt;" in page and "<p>not markup</p>" not in page
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)
    assert "<h1" in page and "预算概览" in page            # markdown cell rendered
    assert "plots.apply_style" not in page                # code input hidden
    assert "<title>某单位 · demo</title>" in page
    assert sys.executable in page                          # kernel = this interpreter
    assert "cdnjs" not in page and "<script src=" not in page  # stands alone, offline


def test_failing_notebook_is_recorded_and_written(tmp_path):
    leaky = _notebook(tmp_path / "leaky.ipynb", "leak = 1")
    clean = _notebook(tmp_path / "clean.ipynb", "assert 'leak' not in globals()")  # reset
    bad = _notebook(tmp_path / "bad.ipynb", "raise ValueError('坏 <b>数据</b>\\nsecond line')")
    after = _notebook(tmp_path / "after.ipynb", "print('好')")
    rows = report.report_document(tmp_path / "doc.pdf", tmp_path / "out",
                                  [leaky, clean, bad, after], {})
    by_name = {r["notebook"]: r for r in rows}
    assert [r["ok"] for r in rows] == [True, True, False, True]  # after: restarted kernel
    assert by_name["bad"]["error"] == "ValueError: 坏 <b>数据</b>"
    assert by_name["bad"]["ipynb"].is_file() and by_name["bad"]["html"].is_file()


def test_batch_goes_past_a_failing_document(tmp_path, capsys):
    nb = _notebook(tmp_path / "overview.ipynb",
                   "from pathlib import Path\n"
                   "if 'broken' in Path(source).name:\n"
                   "    raise RuntimeError('cannot read ' + Path(source).name)\n"
                   "print('ok', lang)")
    sources = [tmp_path / name for name in ("a.txt", "broken.txt", "c.txt")]
    frame = report.batch(sources, tmp_path / "out", [nb], jobs=2, params={"lang": "en"},
                         progress=sys.stderr)
    assert list(frame["status"]) == ["ok", "failed", "ok"]
    assert frame.loc[1, "error"] == "overview: RuntimeError: cannot read broken.txt"
    assert list(frame["file"]) == ["a.txt", "broken.txt", "c.txt"]
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "RuntimeError: cannot read broken.txt" in index
    assert 'href="a/overview.html"' in index
    assert (tmp_path / "out" / "broken" / "overview.html").is_file()
    assert "[3/3]" in capsys.readouterr().err


def test_index_escapes_document_text(tmp_path):
    rows = [{"source": "x", "document": "<script>x</script>", "status": "failed",
             "error": "ValueError: <b>bad</b>", "reports": [],
             "summary": {"单位": "<i>某局</i>", "支出（万元）": 1234.5}}]
    page = report.write_index(rows, tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script>x" not in page and "&lt;script&gt;x" in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page and "&lt;i&gt;某局&lt;/i&gt;" in page
    assert "1,234.50" in page


@pytest.mark.skipif(not shutil.which("chromium"), reason="apt-get install chromium")
def test_screenshot(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html lang='zh-CN'><body><h1>预算报告</h1></body></html>", encoding="utf-8")
    png = report.screenshot(page, tmp_path / "p.png", height=400)
    assert png.read_bytes()[:4] == b"\x89PNG"


def _gc_hooks():
    import gc

    gc.collect()
    return [getattr(cb, "__module__", "") for cb in gc.callbacks]


def test_forked_workers_survive_a_jvm_started_in_the_parent():
    """tabula's JVM (jpype) hooks Python's garbage collector; in a forked batch worker the
    JVM's threads are gone and that hook waits forever at the first collection. The workers
    drop the hook (this hung the suite once, a batch after the tabula tests)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from budgetlib.readers import pdf_tabula
    from budgetlib.report import _worker_init

    import gc

    pdf_tabula.start_jvm()
    assert "_jpype" in [getattr(cb, "__module__", "") for cb in gc.callbacks]  # the parent's hook
    with ProcessPoolExecutor(max_workers=1, initializer=_worker_init,
                             mp_context=multiprocessing.get_context("fork")) as pool:
        assert "_jpype" not in pool.submit(_gc_hooks).result(timeout=120)


def test_one_kernel_serves_every_document_of_a_batch_each_from_a_clean_slate(tmp_path):
    """`budgetlib report` keeps one kernel for all its documents (it boots while the first
    is parsed, with the notebooks' imports): each notebook still starts from an empty
    namespace, and each document's cells are numbered from 1, as in a kernel of its own."""
    import json

    first = _notebook(tmp_path / "first.ipynb", "import os, json\nleak = 1\nprint(os.getpid())")
    second = _notebook(tmp_path / "second.ipynb", "print('leak' in globals(), 'json' in globals())")
    assert report.notebook_imports([first, second]) == "import os, json"
    frame = report.batch([tmp_path / "a.txt", tmp_path / "b.txt"], tmp_path / "out", [first, second],
                         jobs=1, progress=None)
    assert list(frame["status"]) == ["ok", "ok"]
    pids, counts = set(), []
    for doc in ("a", "b"):
        nb = json.loads((tmp_path / "out" / doc / "first.ipynb").read_text(encoding="utf-8"))
        pids.add("".join(nb["cells"][-1]["outputs"][0]["text"]).strip())
        counts.append([c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"][0])
        nb2 = json.loads((tmp_path / "out" / doc / "second.ipynb").read_text(encoding="utf-8"))
        assert "".join(nb2["cells"][-1]["outputs"][0]["text"]).strip() == "False False"  # reset between notebooks
    assert len(pids) == 1 and counts == [1, 1]
    assert not report._kernels or not any(isinstance(k, tuple) for k in report._kernels)  # stopped


def test_a_cache_folder_read_again_is_an_equal_copy_until_it_changes(tmp_path, sample_path):
    import budgetlib
    from budgetlib.export import read_document, write_document

    doc = budgetlib.load(sample_path)
    folder = write_document(doc, tmp_path)
    a, b = read_document(folder), read_document(folder)
    assert a is not b and a.tables["T01"].data is not b.tables["T01"].data
    pd.testing.assert_frame_equal(a.tables["T01"].data, b.tables["T01"].data)
    a.tables["T01"].data["page"] = -1  # a copy: unseen by the next read
    a.meta["department"] = "改过"
    again = read_document(folder)
    pd.testing.assert_frame_equal(again.tables["T01"].data, b.tables["T01"].data)
    assert not a.tables["T01"].data.equals(b.tables["T01"].data) and again.meta["department"] != "改过"
    doc.meta["department"] = "另一个单位"
    write_document(doc, tmp_path)  # a new parse swapped in: read afresh
    assert read_document(folder).meta["department"] == "另一个单位"
