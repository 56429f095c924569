"""Run the report notebooks (报告) for budget documents and export them as HTML.

    from budgetlib import report
    report.run_notebook("notebooks/overview.ipynb", {"source": "..."}, "out/x", "overview")
    report.report_document("data/raw/a.pdf", "out", [Path("notebooks/overview.ipynb")], {})
    report.batch(sources, "out", notebooks, jobs=2, summarise=my_summary)   # + out/index.html
    report.screenshot("out/a/overview.html", "out/a/overview.png")

Notebooks run in-process with papermill (one Jupyter kernel per document, reused by its
notebooks) and are exported with nbconvert: code hidden, charts embedded as base64 PNG, no
JavaScript from CDNs, so each HTML file stands alone and works offline.

Heavy imports (papermill, nbconvert, jupyter_client: ~1.2 s) happen on first use, not on
``import budgetlib.report``.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

__all__ = ["Kernel", "NotebookError", "batch", "report_document", "run_notebook",
           "screenshot", "write_index"]

KERNEL_NAME = "python3"
CELL_TIMEOUT = 600  # seconds per cell; a stuck cell fails its notebook, not the batch

# The lab template minus require.js, MathJax and mermaid (all loaded from CDNs): reports
# must render offline and leak nothing. Plus a CJK-first font stack and a readable width.
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style>
:root { --jp-content-font-family: "Noto Sans SC", "Noto Sans CJK SC", "Source Han Sans SC",
  "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; }
body { font-family: var(--jp-content-font-family); }
main { max-width: 1000px; margin: 0 auto; padding: 1em; }
.jp-RenderedHTMLCommon table { font-variant-numeric: tabular-nums; }
</style>
{%- endblock extra_css -%}
"""

_exporter = None


class NotebookError(Exception):
    """A notebook failed; its executed .ipynb and .html (showing the error) were still written."""

    def __init__(self, message: str, ipynb_path: Path, html_path: Path | None):
        super().__init__(message)
        self.ipynb_path, self.html_path = ipynb_path, html_path


def _import_notebook_stack():
    """Import nbformat, papermill and nbconvert, 2.6 s faster where jupyterlab is installed.

    nbformat imports jsonschema, whose optional "iri" format check imports rfc3987_syntax
    (pulled in by jupyterlab through jupyter-events), which compiles a grammar on import for
    ~2.6 s. Notebook validation never uses that check, so it is blocked during this import
    only; a later ``import rfc3987_syntax`` elsewhere still works.
    """
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # makes the import raise ImportError
        try:
            import nbformat  # noqa: F401
        finally:
            if sys.modules.get("rfc3987_syntax", 0) is None:
                del sys.modules["rfc3987_syntax"]
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _get_exporter():
    """One HTMLExporter per process: building it (templates, CSS) costs ~0.1 s."""
    global _exporter
    if _exporter is None:
        _import_notebook_stack()
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(
            template_name="lab", template_file="budget_report.html.j2",
            extra_loaders=[DictLoader({"budget_report.html.j2": _TEMPLATE})],
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
            embed_images=True,  # also inline images that markdown cells link to
        )
    return _exporter


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    # ipykernel only picks its inline backend when MPLBACKEND is unset; an inherited
    # MPLBACKEND=Agg would silently drop every chart from the reports.
    env.pop("MPLBACKEND", None)
    # The kernel imports budgetlib from this checkout even when it is not pip-installed.
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # debugpy's frozen-modules warning
    return env


class Kernel:
    """A Jupyter kernel running this interpreter (sys.executable), reusable across notebooks.

    The kernel spec manager is given no kernel directories, so the only spec it knows is
    ipykernel's built-in one, whose argv is sys.executable: a ``python3`` kernel.json in
    ~/.local/share/jupyter or elsewhere can never redirect the reports to another Python.
    """

    def __init__(self, cwd: str | Path | None = None):
        self.cwd = str(cwd) if cwd else None
        self.km = None
        self.dirty = False  # has run a notebook since the last (re)start or reset

    def start(self):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        # Unix sockets, not TCP on localhost: no ports to collide between parallel workers,
        # and ipykernel does not warn about unencrypted TCP on every start. Their path prefix
        # must be unique (the default, "kernel-ipc", lands in the current directory).
        self._sockets = tempfile.TemporaryDirectory(prefix="budget-kernel-")
        self.km = KernelManager(
            kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]),
            transport="ipc", ip=os.path.join(self._sockets.name, "k"),
            # nbclient drives the kernel from an event loop and expects an async client
            client_class="jupyter_client.asynchronous.AsyncKernelClient")
        # In-memory history: parallel kernels would otherwise contend for one sqlite file.
        self.km.start_kernel(cwd=self.cwd, env=_kernel_env(),
                             extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.dirty = False
        return self

    def fresh(self):
        """The kernel manager, with an empty namespace: restarted if dead, else `%reset -f`.

        A reset keeps imported modules (the point of reuse) but drops every variable, so one
        notebook cannot lean on another's. rcParams and other module state do persist.
        """
        if self.km is None or not self.km.is_alive():
            self.shutdown()
            self.start()
        elif self.dirty:
            kc = self.km.blocking_client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=60)
                reply = kc.execute_interactive("get_ipython().run_line_magic('reset', '-f')",
                                               store_history=False, timeout=60,
                                               output_hook=lambda msg: None)
                if reply["content"]["status"] != "ok":
                    raise RuntimeError("reset failed")
            except Exception:  # noqa: BLE001  (any trouble: start over instead)
                kc.stop_channels()
                kc = None
                self.restart()
            finally:
                if kc is not None:
                    kc.stop_channels()
        self.dirty = True
        return self.km

    def restart(self):
        self.shutdown()
        self.start()

    def shutdown(self):
        if self.km is not None:
            # A kernel already dead or gone has nothing left to stop.
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=True)
            self.km = None
            self._sockets.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.shutdown()


def _one_line(exc: BaseException) -> str:
    """``EName: message`` on one line, at most 300 characters."""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    text = str(evalue if evalue is not None else exc).strip()
    text = text.splitlines()[0] if text else ""
    line = f"{ename}: {text}" if text else ename
    return line if len(line) <= 300 else line[:297] + "..."


def _safe_stem(text: str) -> str:
    """A file-name stem: keeps CJK and word characters; no braces (papermill formats paths)."""
    stem = re.sub(r"[^\w.\-]+", "_", text, flags=re.UNICODE).strip("._")
    return stem or "report"


def export_html(nb, html_path: Path, title: str, lang: str = "zh") -> Path:
    """Write an executed notebook node as stand-alone HTML with code hidden."""
    exporter = _get_exporter()
    nb.metadata["title"] = title  # the template escapes it into <title>
    exporter.language_code = "zh-CN" if lang == "zh" else lang  # picks Han glyph forms
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    html_path.write_text(body, encoding="utf-8")
    return html_path


def run_notebook(notebook_path, parameters: dict, out_dir, stem: str, *,
                 title: str | None = None, kernel: Kernel | None = None,
                 timeout: int = CELL_TIMEOUT) -> tuple[Path, Path]:
    """Execute one parameterized notebook and export it: writes ``out_dir/stem.{ipynb,html}``.

    ``parameters`` are injected after the cell tagged ``parameters``. With ``kernel`` the
    notebook runs in that (reset) kernel, else in a kernel of its own. Raises NotebookError
    (one-line message) when a cell fails; both files are written all the same.
    """
    import logging

    _import_notebook_stack()
    import nbformat
    import papermill as pm

    # papermill warns about parameters a notebook does not declare through logging's
    # last-resort handler; the batch output stays readable without them.
    logging.getLogger("papermill").setLevel(logging.ERROR)

    notebook_path = Path(notebook_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = _safe_stem(stem)
    ipynb_path, html_path = out_dir / f"{stem}.ipynb", out_dir / f"{stem}.html"
    for old in (ipynb_path, html_path):  # a failed run must not leave the last run's files
        old.unlink(missing_ok=True)
    title = title or notebook_path.stem
    lang = str(parameters.get("lang", "zh"))

    own = kernel is None
    kernel = kernel or Kernel(cwd=notebook_path.parent)
    try:
        pm.execute_notebook(
            str(notebook_path), str(ipynb_path), parameters=dict(parameters),
            kernel_name=KERNEL_NAME, language="python", progress_bar=False,
            request_save_on_cell_execute=False,  # one write at the end (or on error)
            execution_timeout=timeout, km=kernel.fresh())
    except Exception as exc:  # any failure: report it, keep the files
        if not own:
            kernel.restart()  # a failed or timed-out cell may leave the kernel busy
        nb = nbformat.read(ipynb_path, as_version=4) if ipynb_path.exists() else None
        html_written = export_html(nb, html_path, title, lang) if nb is not None else None
        raise NotebookError(_one_line(exc), ipynb_path, html_written) from exc
    finally:
        if own:
            kernel.shutdown()
    nb = nbformat.read(ipynb_path, as_version=4)
    return ipynb_path, export_html(nb, html_path, title, lang)


def report_document(source, out_dir, notebooks: list, params: dict | None = None, *,
                    name: str | None = None, reuse_kernel: bool = True) -> list[dict]:
    """Run every notebook for one document into ``out_dir/<name>/`` (name: the file's stem).

    The notebooks share one kernel, reset between them (``reuse_kernel``), which saves the
    kernel start and the imports (~1.5 s) on every notebook after the first.

    Parameters given to each notebook: ``source`` (absolute path), ``out_dir`` (the
    document's folder), ``lang`` ("zh" by default, or "en") and whatever else ``params``
    holds (e.g. ``usd_rate_wan_per_wan_usd``, 万元 per 万美元). Returns one dict per
    notebook: notebook, ok, error (one line or None), ipynb, html, seconds.
    """
    source = Path(source).resolve()
    doc_dir = Path(out_dir).resolve() / _safe_stem(name or source.stem)
    parameters = {"lang": "zh", **(params or {}), "source": str(source),
                  "out_dir": str(doc_dir)}
    notebooks = [Path(nb).resolve() for nb in notebooks]
    kernel = Kernel(cwd=notebooks[0].parent).start() if reuse_kernel and notebooks else None
    results = []
    try:
        for nb in notebooks:
            t0 = time.perf_counter()
            row = {"notebook": nb.stem, "ok": True, "error": None}
            try:
                row["ipynb"], row["html"] = run_notebook(
                    nb, parameters, doc_dir, nb.stem, title=f"{source.stem} · {nb.stem}",
                    kernel=kernel)
            except NotebookError as exc:
                row.update(ok=False, error=str(exc), ipynb=exc.ipynb_path, html=exc.html_path)
            except Exception as exc:  # noqa: BLE001  (e.g. unreadable notebook)
                row.update(ok=False, error=_one_line(exc), ipynb=None, html=None)
            row["seconds"] = round(time.perf_counter() - t0, 2)
            results.append(row)
    finally:
        if kernel is not None:
            kernel.shutdown()
    return results


# ---------------------------------------------------------------------------------- batch

def _default_summary(source) -> dict:
    return {"file": Path(source).name}


def _worker_init():
    """Pay the imports once per worker process, before the first document."""
    _get_exporter()


def _document_job(source, name, out_dir, notebooks, params, summarise) -> dict:
    """One document in a worker: its summary row, then its reports; never an exception.

    ``summarise`` runs first: it parses the document (into the cache the notebooks then read),
    so an unreadable document is listed with its one-line error and its notebooks are skipped."""
    t0 = time.perf_counter()
    row = {"source": str(source), "document": Path(source).stem, "status": "ok",
           "error": None, "reports": [], "summary": {}}
    if params.get("_announce"):  # the current document, so a long batch shows what it is doing
        print(f"        started {Path(source).name}", file=sys.stderr, flush=True)
    try:
        row["summary"] = dict(summarise(source) or {})
    except Exception as exc:  # noqa: BLE001  (a bad document is the row's error, not the batch's)
        row.update(status="failed", error=_one_line(exc), seconds=round(time.perf_counter() - t0, 2))
        return row
    try:
        nb_params = {k: v for k, v in params.items() if not k.startswith("_")}
        results = report_document(source, out_dir, notebooks, nb_params, name=name)
        row["reports"] = [{"notebook": r["notebook"], "ok": r["ok"],
                           "html": str(r["html"]) if r.get("html") else None}
                          for r in results]
        errors = [f"{r['notebook']}: {r['error']}" for r in results if not r["ok"]]
        if errors:
            row.update(status="failed", error="; ".join(errors))
    except Exception as exc:  # noqa: BLE001  (whatever goes wrong is the row's error)
        row.update(status="failed", error=_one_line(exc))
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


def batch(sources, out_dir, notebooks, jobs: int = 2, params: dict | None = None,
          summarise=None, progress=sys.stderr, executor=None, index_links=None, skip=None):
    """Report many documents in parallel and write ``out_dir/index.html``.

    ``jobs`` long-lived worker processes (each pays the imports once) each run whole
    documents; ``jobs=1`` runs them in this process. A failing document is listed, not
    fatal. ``summarise(source) -> dict`` gives the headline figures for the index; it runs in
    the workers, so it must be picklable (a module-level function, not a lambda); the
    default gives the file name. Progress goes to ``progress``, one line per finished
    document (with the rate and time left). ``executor`` (e.g. a Dask cluster's, from
    ``budgetlib.corpus.executor``) runs the documents instead of the local pool. ``index_links``
    ((label, path) pairs) are linked above the index table. ``skip(source, name, out_dir, notebooks,
    params) -> row | None`` gives the row of a document done by an earlier run (its reports are not
    run again), e.g. ``budgetlib.corpus.finished_row``. Returns a DataFrame, one row per document.
    """
    from .corpus import Progress
    import pandas as pd

    sources = list(dict.fromkeys(Path(s) for s in sources))  # each document once
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = [Path(nb).resolve() for nb in notebooks]
    summarise = summarise or _default_summary
    args = (out_dir, notebooks, {**(params or {}), "_announce": progress is not None}, summarise)
    names = _unique_names(sources)
    total, rows = len(sources), []
    counter = Progress(total)

    def done(row, skipped=False):
        rows.append(row)
        if progress:
            mark = "done  " if skipped else "ok    " if row["status"] == "ok" else "FAILED"
            line = f"{counter.line(skipped)}  {mark} {row['document']} ({row['seconds']:.1f} s)"
            if row["error"]:
                line += f"  {row['error']}"
            print(line, file=progress, flush=True)

    if progress:
        print(f"reporting {total} documents x {len(notebooks)} notebooks, "
              + (f"on {type(executor).__name__}" if executor is not None else f"{jobs} jobs"),
              file=progress, flush=True)
    if skip is not None:  # documents finished by an earlier run: listed, not run again
        nb_params = {k: v for k, v in args[2].items() if not k.startswith("_")}
        earlier = {s: skip(s, names[s], out_dir, notebooks, nb_params) for s in sources}
        for s, row in earlier.items():
            if row is not None:
                done(row, skipped=True)
        sources_all, sources = sources, [s for s, row in earlier.items() if row is None]
    if executor is not None:
        _run_on(executor, sources, names, args, done)
    elif jobs <= 1:
        for s in sources:
            done(_document_job(s, names[s], *args))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork, not spawn: spawned workers re-import the caller's __main__, which breaks
        # `python - <script`, scripts without a __main__ guard and functions defined in
        # __main__. Workers start before any thread of the pool; the parent runs no kernel.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            _import_notebook_stack()  # once here, inherited by every worker
        with ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init,
                                 mp_context=multiprocessing.get_context(method)) as pool:
            _run_on(pool, sources, names, args, done)

    if skip is not None:
        sources = sources_all
    order = {str(s): i for i, s in enumerate(sources)}
    rows.sort(key=lambda r: order[r["source"]])
    write_index(rows, out_dir / "index.html", lang=(params or {}).get("lang", "zh"),
                extra_links=index_links)
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "summary"} | r["summary"]
                          for r in rows])
    return frame


def _run_on(pool, sources, names, args, done):
    """Every document as one task on ``pool`` (any concurrent.futures executor)."""
    from concurrent.futures import as_completed

    futures = {pool.submit(_document_job, s, names[s], *args): s for s in sources}
    for fut in as_completed(futures):
        try:
            done(fut.result())
        except Exception as exc:  # noqa: BLE001  (a worker died: keep the others)
            s = futures[fut]
            done({"source": str(s), "document": s.stem, "status": "failed",
                  "error": _one_line(exc), "reports": [], "summary": {},
                  "seconds": 0.0})


def _unique_names(sources: list[Path]) -> dict[Path, str]:
    """A folder name per document: its stem, with -2, -3... where stems collide."""
    names, seen = {}, {}
    for s in sources:
        stem = _safe_stem(s.stem)
        seen[stem] = seen.get(stem, 0) + 1
        names[s] = stem if seen[stem] == 1 else f"{stem}-{seen[stem]}"
    return names


_INDEX_WORDS = {
    "zh": {"title": "预算公开报告", "document": "文件", "status": "状态", "reports": "报告",
           "error": "错误", "ok": "成功", "failed": "失败"},
    "en": {"title": "Budget disclosure reports", "document": "Document", "status": "Status",
           "reports": "Reports", "error": "Error", "ok": "ok", "failed": "failed"},
}


def write_index(rows: list[dict], index_path, lang: str = "zh", extra_links=None) -> Path:
    """``index.html``: one row per document with its summary, report links and error.

    Every piece of text from a document or a summary is HTML-escaped.
    """
    index_path = Path(index_path)
    words = _INDEX_WORDS.get(lang, _INDEX_WORDS["en"])
    e = html.escape
    keys = list(dict.fromkeys(k for r in rows for k in r.get("summary", {})))
    head = "".join(f"<th>{e(str(h))}</th>" for h in
                   [words["document"], words["status"], *keys, words["reports"], words["error"]])
    body = []
    for r in rows:
        links = []
        for rep in r.get("reports", []):
            if rep.get("html"):
                href = quote(os.path.relpath(rep["html"], index_path.parent).replace(os.sep, "/"))
                cls = "" if rep["ok"] else ' class="bad"'
                links.append(f'<a href="{e(href)}"{cls}>{e(rep["notebook"])}</a>')
        cells = [e(r["document"]),
                 f'<span class="{e(r["status"])}">{e(words.get(r["status"], r["status"]))}</span>',
                 *(e(_cell(r.get("summary", {}).get(k))) for k in keys),
                 " · ".join(links), e(r.get("error") or "")]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    html_lang = "zh-CN" if lang == "zh" else e(lang)
    index_path.write_text(f"""<!DOCTYPE html>
<html lang="{html_lang}"><head><meta charset="utf-8"><title>{e(words['title'])}</title>
<style>
body {{ font-family: "Noto Sans SC", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei",
  system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-variant-numeric: tabular-nums; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4em .8em; text-align: left;
  vertical-align: top; }}
th {{ background: #f4f4f4; }}
.ok {{ color: #2e7d32; }} .failed, a.bad {{ color: #b71c1c; }}
td:last-child {{ color: #b71c1c; max-width: 40em; }}
</style></head>
<body><h1>{e(words['title'])}</h1>
{"".join(f'<p><a href="{e(quote(os.path.relpath(p, index_path.parent).replace(os.sep, "/")))}">{e(label)}</a></p>'
         for label, p in (extra_links or []))}
<table><thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></body></html>
""", encoding="utf-8")
    return index_path


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


# ----------------------------------------------------------------------------- screenshot

def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise RuntimeError("Chromium not found: apt-get install chromium")


def _fontconfig_file(tmp: Path) -> Path:
    """A fontconfig file adding the pip-installed Noto Sans SC, so Chromium draws Chinese
    without Debian's CJK font packages."""
    dirs = ""
    try:
        import pylopdf_fonts_zh_cn

        dirs = f"<dir>{html.escape(str(Path(pylopdf_fonts_zh_cn.__file__).parent))}</dir>"
    except ImportError:
        pass
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f'{dirs}<cachedir>{html.escape(str(tmp / "fc-cache"))}</cachedir></fontconfig>')
    return conf


def screenshot(html_path, png_path, width: int = 1280, height: int = 2000,
               timeout: int = 60) -> Path:
    """PNG of a page as headless Chromium renders it (the top ``width``x``height`` pixels)."""
    exe = _chromium()
    html_path, png_path = Path(html_path).resolve(), Path(png_path).resolve()
    if not html_path.is_file():
        raise FileNotFoundError(html_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="budget-shot-") as tmp:
        env = dict(os.environ, FONTCONFIG_FILE=str(_fontconfig_file(Path(tmp))))
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--hide-scrollbars",
               f"--user-data-dir={tmp}/profile", f"--screenshot={png_path}",
               f"--window-size={width},{height}", html_path.as_uri()]
        proc = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not png_path.is_file():
        raise RuntimeError(f"chromium screenshot failed ({proc.returncode}): "
                           f"{proc.stderr.strip().splitlines()[-1:] or ''}")
    return png_path


# ------------------------------------------------------------------------------- the CLI's job

def _notebooks() -> list[Path]:
    from .config import NOTEBOOKS_DIR

    from .corpus_report import NOTEBOOK  # the corpus's report, run once per batch, not per document

    return sorted(p for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb") if p.name != NOTEBOOK.name)


def document_summary(source, engine: str = "mupdf", processed=None, strict: bool = False) -> dict:
    """Parse (or read back from ``processed``) and give the index's headline figures:
    department, year, total expenditure (支出总计), personnel share, reconciliation status.
    Each cell, row or table that could not be read is one line on stderr."""
    import budgetlib
    from .analysis.overview import headline

    doc = budgetlib.load(source, engine=engine, cache=processed, strict=strict)
    for p in doc.problems:
        print(f"unreadable: {p.line()}", file=sys.stderr, flush=True)
    rec = budgetlib.reconcile(doc)
    if processed is not None:
        rec.write(Path(processed) / doc.meta["source_name"])
    counts = rec.summary()
    return {**headline(doc),
            "对账 reconciliation": f"{counts.get('pass', 0)} pass / {counts.get('mismatch', 0)} mismatch"
                                   + (f" / {counts.get('rounding', 0)} rounding" if counts.get("rounding") else "")
                                   + (f" / {len(doc.problems)} unreadable" if doc.problems else "")}


def report_cli(sources, out_dir: Path, jobs: int = 2, lang: str = "zh", engine: str = "mupdf",
               processed: Path | None = None, usd_rate: float = 7.1, strict: bool = False,
               corpus: Path | None = None, scheduler: str | None = None, dask_workers: int | None = None) -> int:
    """`budgetlib report` / `budgetlib batch`: every notebook for every document, an index.html,
    one line per failed document; exit code 1 if any failed."""
    import functools

    notebooks = _notebooks()
    if not notebooks:
        print("error: no notebooks found in notebooks/", file=sys.stderr)
        return 1
    processed = Path(processed).resolve() if processed else None
    params = {"lang": lang, "engine": engine, "processed_dir": str(processed) if processed else "",
              "usd_rate_wan_per_wan_usd": usd_rate}
    summarise = functools.partial(document_summary, engine=engine, processed=processed, strict=strict)
    from . import corpus as corpus_db  # issue 11: the corpus dataset, its report, Dask

    links = skip = None
    if corpus is not None:
        summarise = functools.partial(corpus_db.ingest, corpus_dir=corpus, engine=engine, processed=processed,
                                      strict=strict)
        links = corpus_db.index_links(out_dir, lang)
        skip = functools.partial(corpus_db.finished_row, corpus_dir=corpus, engine=engine)
    with corpus_db.executor(0, scheduler, dask_workers) as pool:
        frame = batch(sources, out_dir, notebooks, jobs=jobs, params=params, summarise=summarise,
                      executor=pool, index_links=links, skip=skip)
    corpus_ok = corpus is None or corpus_db.after_batch(corpus, out_dir, lang)
    failed = frame[frame["status"] != "ok"]
    index = Path(out_dir).resolve() / "index.html"
    print(f"{len(frame) - len(failed)} of {len(frame)} documents reported; open {index}")
    for row in failed.itertuples():
        print(f"  failed: {row.source}: {row.error}", file=sys.stderr)
    return 1 if len(failed) or not corpus_ok else 0
