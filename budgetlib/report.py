"""Run the report notebooks (报告) for budget documents and export them as HTML.

    from budgetlib import report
    report.run_notebook("notebooks/overview.ipynb", {"source": "..."}, "out/x", "overview")
    report.report_document("data/raw/a.pdf", "out", [Path("notebooks/overview.ipynb")], {})
    report.batch(sources, "out", notebooks, jobs=2, summarise=my_summary)   # + out/index.html
    report.screenshot("out/a/overview.html", "out/a/overview.png")

Notebooks run in-process with papermill and are exported with nbconvert: code hidden, charts
embedded as base64 PNG, no JavaScript from CDNs, so each HTML file stands alone and works
offline. A batch (or `budgetlib report`) keeps one Jupyter kernel per process (per worker),
reset between notebooks and reused across documents, with one client kept connected: the
kernel boots and runs the notebooks' imports while the document is parsed, and each page is
exported in a background thread while the next notebook runs.

Heavy imports (papermill, nbconvert, jupyter_client: ~1.2 s) happen on first use, not on
``import budgetlib.report``.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from . import handover

__all__ = ["Kernel", "NotebookError", "batch", "report_document", "run_notebook",
           "screenshot", "write_index"]

KERNEL_NAME = "python3"
CELL_TIMEOUT = 600  # seconds per cell; a stuck cell fails its notebook, not the batch

# The page template and its stylesheet: budgetlib/templates/ (see budget_report.html.j2).
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

_exporter = None


class NotebookError(Exception):
    """A notebook failed; its executed .ipynb and .html (showing the error) were still written."""

    def __init__(self, message: str, ipynb_path: Path, html_path: Path | None):
        super().__init__(message)
        self.ipynb_path, self.html_path = ipynb_path, html_path


_stack_lock = threading.RLock()  # the exporter is built in a thread while notebooks run


def _import_notebook_stack(convert: bool = True):
    """Import nbformat, papermill and (``convert``) nbconvert, 2.6 s faster where jupyterlab
    is installed.

    nbformat imports jsonschema, whose optional "iri" format check imports rfc3987_syntax
    (pulled in by jupyterlab through jupyter-events), which compiles a grammar on import for
    ~2.6 s. Notebook validation never uses that check, so it is blocked during this import
    only; a later ``import rfc3987_syntax`` elsewhere still works.
    """
    if "papermill" in sys.modules and (not convert or "nbconvert" in sys.modules):
        return
    with _stack_lock:
        if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
            sys.modules["rfc3987_syntax"] = None  # makes the import raise ImportError
            try:
                import nbformat  # noqa: F401
            finally:
                if sys.modules.get("rfc3987_syntax", 0) is None:
                    del sys.modules["rfc3987_syntax"]
        import papermill  # noqa: F401
        if convert:
            import nbconvert  # noqa: F401


def _get_exporter():
    """One HTMLExporter per process: building it (templates, CSS) costs ~0.1 s."""
    global _exporter
    with _stack_lock:
        if _exporter is None:
            _import_notebook_stack()
            from jinja2 import FileSystemLoader
            from nbconvert import HTMLExporter

            _exporter = HTMLExporter(
                template_name="lab", template_file="budget_report.html.j2",
                extra_loaders=[FileSystemLoader(str(TEMPLATES_DIR))],
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


def notebook_imports(notebooks) -> str:
    """The import statements at the top level of the notebooks' code cells, each once: what
    a kernel runs before their first notebook (``Kernel(warm_up=…)``)."""
    import ast
    import json

    found = []
    for path in notebooks:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", ""))
            try:
                tree = ast.parse(source)
            except SyntaxError:  # IPython magics: nothing to warm up there
                continue
            found += [ast.unparse(node) for node in tree.body
                      if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0)
                      and all(alias.name != "*" for alias in node.names)]  # not allowed in a function
    return "\n".join(dict.fromkeys(found))


def _warm_up_code(imports: str) -> str:
    """Code that runs ``imports`` in a function (no name is left in the namespace), each
    statement on its own: one that fails is the notebook's to report, not the warm-up's."""
    body = "".join(f"    try:\n        {line}\n    except Exception:\n        pass\n"
                   for line in imports.splitlines() if line.strip())
    return (f"def _budgetlib_warm_up():\n{body or '    pass'}\n_budgetlib_warm_up()\ndel _budgetlib_warm_up\n"
            + _FREEZE)


# What survives a reset is modules and their caches: the garbage collector stops scanning
# them (gc.freeze), so the full collection of every reset (IPython's) costs ~10 ms, not ~0.3 s.
_FREEZE = "__import__('gc').freeze()\n"


async def _shell_reply(kc, msg_id: str, timeout: float) -> dict:
    """The shell reply to ``msg_id`` (other replies are skipped); RuntimeError when the
    kernel dies or does not answer within ``timeout`` seconds. (Only the client's async calls
    here: a blocking one, e.g. ``km.is_alive()``, would start a thread of its own for the
    running loop, and a batch worker forked later would wait on that thread forever.)"""
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = await kc.get_shell_msg(timeout=1)
        except Empty:
            if not await kc.is_alive():
                raise RuntimeError("the kernel died") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the kernel did not answer in {timeout:.0f} s") from None
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


_manager_class = None


def _kernel_manager_class():
    """jupyter_client's KernelManager, waiting 5 ms (not 100 ms) between its checks that a
    killed kernel is gone: a report's last step is that kill."""
    global _manager_class
    if _manager_class is None:
        from jupyter_client import KernelManager

        class QuickKillKernelManager(KernelManager):
            async def _async_wait(self, pollinterval: float = 0.005) -> None:
                await super()._async_wait(pollinterval=pollinterval)

        _manager_class = QuickKillKernelManager
    return _manager_class


class Kernel:
    """A Jupyter kernel running this interpreter (sys.executable), reusable across notebooks
    (and documents), with one client kept connected between them.

    The kernel spec manager is given no kernel directories, so the only spec it knows is
    ipykernel's built-in one, whose argv is sys.executable: a ``python3`` kernel.json in
    ~/.local/share/jupyter or elsewhere can never redirect the reports to another Python.

    ``start`` does not wait for the kernel: it boots, and runs ``warm_up`` (import statements,
    e.g. ``notebook_imports``), while the caller does something else (parses the document).
    ``fresh`` waits once for the kernel, then resets its namespace before each later notebook.
    """

    def __init__(self, cwd: str | Path | None = None, warm_up: str = ""):
        self.cwd = str(cwd) if cwd else None
        self.warm_up = warm_up
        self.km = self.kc = None
        self.ready = False
        self.dirty = False  # has run a notebook since the last (re)start or reset
        self.new_document = False  # the next reset also numbers cells from 1, as a new kernel

    def start(self):
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_core.utils import run_sync

        # Unix sockets, not TCP on localhost: no ports to collide between parallel workers,
        # and ipykernel does not warn about unencrypted TCP on every start. Their path prefix
        # must be unique (the default, "kernel-ipc", lands in the current directory).
        self._sockets = tempfile.TemporaryDirectory(prefix="budget-kernel-")
        self.km = _kernel_manager_class()(
            kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[]),
            transport="ipc", ip=os.path.join(self._sockets.name, "k"),
            # nbclient drives the kernel from an event loop and expects an async client
            client_class="jupyter_client.asynchronous.AsyncKernelClient")
        # Its private folder also carries what this process hands to it (``handover``: the
        # documents' reconciliations, not made again in the kernel).
        handover.register(self._sockets.name)
        # In-memory history: parallel kernels would otherwise contend for one sqlite file.
        self.km.start_kernel(cwd=self.cwd, env={**_kernel_env(), handover.ENV: self._sockets.name},
                             extra_arguments=["--HistoryManager.hist_file=:memory:"])
        self.ready = self.dirty = False

        async def connect():
            self.kc = self.km.client()
            self.kc.start_channels(hb=False)  # is_alive asks the manager: no heartbeat thread
            if self.warm_up:  # queued: the kernel runs it as soon as it is up
                self.kc.execute(_warm_up_code(self.warm_up), silent=True, store_history=False,
                                allow_stdin=False)

        run_sync(connect)()
        return self

    async def _until_ready(self, timeout: float = 120):
        """Until the kernel answers on the shell channel (after the warm-up) and its IOPub
        messages reach us (a subscription joins late; output sent before would be lost)."""
        from queue import Empty

        deadline = time.monotonic() + timeout
        while True:
            msg_id = self.kc.kernel_info()
            await _shell_reply(self.kc, msg_id, max(1.0, deadline - time.monotonic()))
            try:
                while True:
                    msg = await self.kc.get_iopub_msg(timeout=0.5)
                    if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                            and msg["content"].get("execution_state") == "idle"):
                        self.ready = True
                        return
            except Empty:
                if time.monotonic() > deadline:
                    raise RuntimeError("the kernel's output channel did not connect") from None

    async def _reset(self):
        code = "get_ipython().run_line_magic('reset', '-f')\n" + _FREEZE
        if self.new_document:
            code += "get_ipython().execution_count = 1\n"
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        reply = await _shell_reply(self.kc, msg_id, 60)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("reset failed")

    def fresh(self):
        """The kernel manager, with an empty namespace: restarted if dead, else `%reset -f`.

        A reset keeps imported modules (the point of reuse) but drops every variable, so one
        notebook cannot lean on another's. rcParams and other module state do persist.
        """
        from jupyter_core.utils import run_sync

        if self.km is None or not self.km.is_alive():
            self.shutdown()
            self.start()
        try:
            if not self.ready:
                run_sync(self._until_ready)()
            if self.dirty:
                run_sync(self._reset)()
        except Exception:  # noqa: BLE001  (any trouble: start over instead)
            self.restart()
            run_sync(self._until_ready)()
        self.dirty, self.new_document = True, False
        return self.km

    def restart(self):
        self.shutdown()
        self.start()

    def shutdown(self):
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            # A kernel already dead or gone has nothing left to stop.
            with contextlib.suppress(Exception):
                self.km.shutdown_kernel(now=True)
            self.km = None
            handover.unregister(self._sockets.name)
            self._sockets.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.shutdown()


_engine_registered = False


def _shared_client_engine() -> str:
    """papermill's nbclient engine on a Kernel's connected client: the name it is registered
    under. papermill still parameterises, records each cell and writes the .ipynb; only the
    client (and its wait for the kernel, ~0.5 s per notebook) is not made afresh."""
    global _engine_registered
    name = "budgetlib-shared-client"
    if _engine_registered:
        return name
    from nbclient.util import run_hook, run_sync
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class SharedClient(PapermillNotebookClient):
        def __init__(self, nb_man, kernel=None, **kw):
            super().__init__(nb_man, km=kernel.km, **kw)
            self._kernel = kernel

        async def async_start_new_kernel_client(self):
            self.kc = self._kernel.kc
            self.kc.allow_stdin = False
            await run_hook(self.on_notebook_start, notebook=self.nb)
            return self.kc

        start_new_kernel_client = run_sync(async_start_new_kernel_client)

    class SharedClientEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     kernel=None, **kwargs):
            # as NBClientEngine.execute_managed_notebook, with the shared client
            kwargs = remove_args(["input_path", "timeout", "startup_timeout", "km"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log=logging.getLogger("papermill"),
                                 log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            return SharedClient(nb_man, kernel=kernel, **final).execute()

    papermill_engines.register(name, SharedClientEngine)
    _engine_registered = True
    return name


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


def _execute(notebook_path, parameters: dict, out_dir, stem: str, *, kernel: Kernel | None = None,
             timeout: int = CELL_TIMEOUT):
    """Execute one parameterized notebook into ``out_dir/stem.ipynb``: (the executed
    notebook, ipynb path, html path to write, error or None). On error the notebook is the
    one written (showing the error), or None when none was."""
    _import_notebook_stack(convert=False)  # nbconvert: where the pages are exported
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

    own = kernel is None
    kernel = kernel or Kernel(cwd=notebook_path.parent).start()
    try:
        kernel.fresh()
        nb = pm.execute_notebook(
            str(notebook_path), str(ipynb_path), parameters=dict(parameters),
            engine_name=_shared_client_engine(), kernel=kernel,
            kernel_name=KERNEL_NAME, language="python", progress_bar=False,
            request_save_on_cell_execute=False,  # one write at the end (or on error)
            execution_timeout=timeout)
    except Exception as exc:  # any failure: report it, keep the files
        if not own:
            kernel.restart()  # a failed or timed-out cell may leave the kernel busy
        nb = nbformat.read(ipynb_path, as_version=4) if ipynb_path.exists() else None
        return nb, ipynb_path, html_path, exc
    finally:
        if own:
            kernel.shutdown()
    return nb, ipynb_path, html_path, None


def run_notebook(notebook_path, parameters: dict, out_dir, stem: str, *,
                 title: str | None = None, kernel: Kernel | None = None,
                 timeout: int = CELL_TIMEOUT) -> tuple[Path, Path]:
    """Execute one parameterized notebook and export it: writes ``out_dir/stem.{ipynb,html}``.

    ``parameters`` are injected after the cell tagged ``parameters``. With ``kernel`` the
    notebook runs in that (reset) kernel, else in a kernel of its own. Raises NotebookError
    (one-line message) when a cell fails; both files are written all the same.
    """
    nb, ipynb_path, html_path, error = _execute(notebook_path, parameters, out_dir, stem,
                                                kernel=kernel, timeout=timeout)
    title = title or Path(notebook_path).stem
    lang = str(parameters.get("lang", "zh"))
    html_written = export_html(nb, html_path, title, lang) if nb is not None else None
    if error is not None:
        raise NotebookError(_one_line(error), ipynb_path, html_written) from error
    return ipynb_path, html_written


def _yield_cpu():
    """In the background thread (the workbook, written while the notebooks run): a lower
    scheduling priority for this thread alone (Linux, nice +5), so that on a busy machine the
    kernel running the notebooks, which the document waits for, comes first. (Not the pages'
    export: the last page's is what a document's end waits for.)"""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 5)  # Linux: a thread id


_kernels: dict = {}


def process_kernel(notebooks) -> Kernel:
    """This process's (and thread's) kernel for ``notebooks``, started on first use and kept
    for the next document: a batch worker pays the kernel's start and the notebooks' imports
    once, not once per document. It stops when the process exits (``shutdown_process_kernels``
    for an earlier stop)."""
    import threading

    notebooks = [Path(nb).resolve() for nb in notebooks]
    key = (os.getpid(), threading.get_ident(), str(notebooks[0].parent) if notebooks else None)
    kernel = _kernels.get(key)
    if kernel is None:
        if not _kernels.get("exit hook", 0) == os.getpid():
            import atexit
            from multiprocessing import util

            atexit.register(shutdown_process_kernels)
            # a pool worker leaves through os._exit: atexit does not run there, this does
            util.Finalize(None, shutdown_process_kernels, exitpriority=10)
            _kernels["exit hook"] = os.getpid()
        kernel = Kernel(cwd=notebooks[0].parent if notebooks else None,
                        warm_up=notebook_imports(notebooks)).start()
        _kernels[key] = kernel
    return kernel


def shutdown_process_kernels():
    """Stop the kernels ``process_kernel`` started in this process."""
    for key in [k for k in _kernels if isinstance(k, tuple) and k[0] == os.getpid()]:
        _kernels.pop(key).shutdown()


def report_document(source, out_dir, notebooks: list, params: dict | None = None, *,
                    name: str | None = None, reuse_kernel: bool = True, label: str | None = None,
                    index_html=None, extra_links=(), kernel: Kernel | None = None) -> list[dict]:
    """Run every notebook for one document into ``out_dir/<name>/`` (name: the file's stem).

    Then the pages are finished (``finish_pages``): ``label`` (department and year; default
    the file's stem) in each <title> and header, links to ``index_html`` (when given), to each
    other and to ``extra_links`` ((text, path) pairs, e.g. the workbook), a table of contents
    and the embedded font.

    The notebooks share one kernel, reset between them (``reuse_kernel``), which saves the
    kernel start and the imports (~1.5 s) on every notebook after the first; ``kernel``: that
    kernel (e.g. ``process_kernel``), left running, else one for this document. Each executed
    notebook is exported to HTML in a background thread while the next one runs.

    Parameters given to each notebook: ``source`` (absolute path), ``out_dir`` (the
    document's folder), ``lang`` ("zh" by default, or "en") and whatever else ``params``
    holds (e.g. ``usd_rate_wan_per_wan_usd``, 万元 per 万美元). Returns one dict per
    notebook: notebook, ok, error (one line or None), ipynb, html, seconds.
    """
    from concurrent.futures import ThreadPoolExecutor

    source = Path(source).resolve()
    doc_dir = Path(out_dir).resolve() / _safe_stem(name or source.stem)
    parameters = {"lang": "zh", **(params or {}), "source": str(source),
                  "out_dir": str(doc_dir)}
    lang = str(parameters["lang"])
    notebooks = [Path(nb).resolve() for nb in notebooks]
    own = kernel is None and reuse_kernel and bool(notebooks)
    if own:
        kernel = Kernel(cwd=notebooks[0].parent, warm_up=notebook_imports(notebooks)).start()
    if kernel is not None:
        kernel.new_document = True
    results = []
    # one thread: the exporter is not shared between threads, and pages come out in order
    exports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="budgetlib-html")
    _import_notebook_stack(convert=False)
    exports.submit(_get_exporter)  # imports nbconvert while the first notebook runs
    try:
        for nb in notebooks:
            t0 = time.perf_counter()
            row = {"notebook": nb.stem, "ok": True, "error": None, "ipynb": None, "html": None}
            try:
                node, row["ipynb"], html_path, error = _execute(nb, parameters, doc_dir, nb.stem,
                                                                 kernel=kernel if reuse_kernel else None)
                if error is not None:
                    row.update(ok=False, error=_one_line(error))
                if node is not None:
                    row["html"] = exports.submit(export_html, node, html_path,
                                                 f"{source.stem} · {nb.stem}", lang)
            except Exception as exc:  # noqa: BLE001  (e.g. unreadable notebook)
                row.update(ok=False, error=_one_line(exc), ipynb=None, html=None)
            row["seconds"] = round(time.perf_counter() - t0, 2)
            results.append(row)
    finally:
        if own:
            kernel.shutdown()
        exports.shutdown(wait=True)
    for row in results:
        if row["html"] is not None:
            try:
                row["html"] = row["html"].result()
            except Exception as exc:  # noqa: BLE001  (the page could not be written)
                row.update(ok=False, html=None, error=row["error"] or f"html: {_one_line(exc)}")
    labels = finish_pages([(r["notebook"], Path(r["html"])) for r in results if r.get("html")],
                          doc_label=label or source.stem, lang=lang,
                          index_html=Path(index_html) if index_html else None, extra_links=extra_links)
    for r in results:
        r["label"] = labels.get(Path(r["html"])) if r.get("html") else None
    return results


# ------------------------------------------------------------------ finishing a document's pages

_PAGE_WORDS = {
    "zh": {"index": "全部文件", "contents": "目录", "workbook": "Excel 工作簿", "nav": "报告导航"},
    "en": {"index": "All documents", "contents": "Contents", "workbook": "Excel workbook",
           "nav": "Reports"},
}
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S | re.I)
_HEADING = re.compile(r"<(h[23])\b([^>]*)>(.*?)</\1>", re.S | re.I)
_CELL = re.compile(r'<div class="jp-Cell ([^"]*)"[^>]*\bid="([^"]+)"[^>]*>')
# Before printing, open every <details> (long tables shown in part on screen).
_PRINT_JS = ("<script>window.addEventListener('beforeprint',function(){"
             "document.querySelectorAll('details').forEach(function(d){d.open=true;});});</script>")


def _plain(fragment: str) -> str:
    """The visible text of an HTML fragment, one line, without heading anchors (¶)."""
    from .webfont import page_text

    fragment = re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", fragment, flags=re.S)
    return " ".join(page_text(fragment).replace("\u00b6", " ").split())


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _contents(page: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The page (with an id on every h2/h3) and its table of contents: (level, id, text).

    The sections are the h2/h3 headings; a page without them has one section per markdown
    cell after its title cell (each cell asks one question)."""
    entries, counter = [], iter(range(1, 10_000))

    def add_id(m):
        tag, attrs, inner = m.group(1), m.group(2), m.group(3)
        found = re.search(r'\bid="([^"]+)"', attrs)
        ident = found.group(1) if found else f"section-{next(counter)}"
        if not found:
            attrs += f' id="{ident}"'
        text = _plain(inner)
        if text:
            entries.append((2 if tag.lower() == "h2" else 3, ident, _short(text)))
        return f"<{tag}{attrs}>{inner}</{tag}>"

    page = _HEADING.sub(add_id, page)
    if len(entries) >= 2:
        return page, entries
    entries = []
    cells = list(_CELL.finditer(page))
    markdown = [(i, m) for i, m in enumerate(cells) if "jp-MarkdownCell" in m.group(1)]
    for i, m in markdown[1:]:
        end = cells[i + 1].start() if i + 1 < len(cells) else len(page)
        text = _plain(page[m.end():end])
        if text:
            entries.append((2, m.group(2), _short(text)))
    return page, entries


def _finish_page(page: str, *, title: str, lang: str, links: list[tuple[str, str, bool]],
                 doc_label: str) -> str:
    """One report page with its <title>, header (links) and table of contents."""
    e = html.escape
    words = _PAGE_WORDS.get(lang, _PAGE_WORDS["en"])
    page = re.sub(r"<title>.*?</title>", f"<title>{e(title)}</title>", page, count=1, flags=re.S)
    page, toc = _contents(page)
    current_attr = ' aria-current="page"'
    nav = "".join(f'<a href="{e(href)}"{current_attr if current else ""}>{e(text)}</a>'
                  for text, href, current in links)
    header = (f'<nav class="budget-nav" aria-label="{e(words["nav"])}">'
              + (f'<span class="doc">{e(doc_label)}</span>' if doc_label else "") + f"{nav}</nav>")
    if toc:
        sub = ' class="sub"'
        items = "".join(f'<li{sub if level == 3 else ""}><a href="#{e(ident)}">{e(text)}</a></li>'
                        for level, ident, text in toc)
        contents = (f'<nav class="budget-toc" aria-label="{e(words["contents"])}">'
                    f'<h2>{e(words["contents"])}</h2><ol>{items}</ol></nav>')
    else:
        contents = ""
    # header first in <main> (else in <body>); contents just before the cell of the first
    # section, so after the title, the subtitle and the data-quality banner
    page = re.sub(r"<main>" if "<main>" in page else r"<body\b[^>]*>", lambda m: m.group(0) + header,
                  page, count=1)
    if contents:
        first = page.find(f'id="{toc[0][1]}"')
        cell_starts = [m.start() for m in _CELL.finditer(page[:first])] if first >= 0 else []
        at = cell_starts[-1] if cell_starts else page.index(header) + len(header)
        page = page[:at] + contents + page[at:]
    return page.replace("</body>", _PRINT_JS + "</body>", 1)


def _add_font(page: str, css: str) -> str:
    return page.replace("</head>", f"<style>{css}</style></head>", 1) if css else page


def finish_pages(pages: list[tuple[str, Path]], *, doc_label: str, lang: str = "zh",
                 index_html: Path | None = None, extra_links: list[tuple[str, Path]] = ()) -> dict:
    """Give a document's report pages (name, html path) their navigation and embedded font.

    Each page gets a ``<title>`` of department and report, a header linking the index, every
    report of the document and ``extra_links`` (e.g. the Excel workbook), and a table of
    contents; then all of them one web-font subset of every character they show
    (``webfont``), so Chinese renders on a machine without Chinese fonts. Returns each
    page's label (its first heading)."""
    from .webfont import font_face_css

    words = _PAGE_WORDS.get(lang, _PAGE_WORDS["en"])
    texts = {path: path.read_text(encoding="utf-8") for _, path in pages
             if path is not None and path.is_file()}
    if not texts:
        return {}
    labels = {}
    for name, path in pages:
        m = _H1.search(texts.get(path, "")) if path in texts else None
        labels[path] = _plain(m.group(1)) if m and _plain(m.group(1)) else name
    finished = {}
    for _, path in pages:
        if path not in texts:
            continue
        rel = lambda target: quote(os.path.relpath(target, path.parent).replace(os.sep, "/"))  # noqa: E731
        links = []
        if index_html is not None:
            links.append((words["index"], rel(index_html), False))
        links += [(labels[other], rel(other), other == path) for _, other in pages if other in texts]
        links += [(text, rel(target), False) for text, target in extra_links]
        title = f"{doc_label} · {labels[path]}" if doc_label else labels[path]
        finished[path] = _finish_page(texts[path], title=title, lang=lang, links=links,
                                      doc_label=doc_label)
    from .webfont import page_text

    css = font_face_css("".join(page_text(t) for t in finished.values()))
    for path, text in finished.items():
        path.write_text(_add_font(text, css), encoding="utf-8")
    return labels


# ---------------------------------------------------------------------------------- batch

def _default_summary(source, doc_dir=None) -> dict:
    return {"file": Path(source).name}


def forget_parent_jvm() -> None:
    """In a forked worker: drop the garbage-collector hook of a JVM the parent started (tabula
    via jpype). The JVM's threads do not survive fork, so the hook, run at the worker's next
    garbage collection, would wait for them forever."""
    import gc

    gc.callbacks[:] = [cb for cb in gc.callbacks if getattr(cb, "__module__", "") != "_jpype"]


def _worker_init():
    """Pay the imports once per worker process, before the first document."""
    forget_parent_jvm()
    _get_exporter()


def _takes_doc_dir(func) -> bool:
    """Whether a summarise callable takes ``doc_dir`` (older ones take the source only)."""
    import inspect

    try:
        return "doc_dir" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _document_job(source, name, out_dir, notebooks, params, summarise) -> dict:
    """One document in a worker: its summary row, then its reports; never an exception.

    ``summarise(source[, doc_dir=…])`` runs first: it parses the document (into the cache the
    notebooks then read), so an unreadable document is listed with its one-line error and its
    notebooks are skipped. Its keys are the index's columns, except ``_title`` (the
    document's label in the pages), ``_links`` ((text, path) pairs for the pages' header),
    ``_pending`` (futures to wait for, e.g. the workbook) and ``_summary`` (a future of more
    index columns, worked out while the notebooks run)."""
    t0 = time.perf_counter()
    doc_dir = Path(out_dir).resolve() / name
    row = {"source": str(Path(source).resolve()), "document": name, "status": "ok",
           "error": None, "reports": [], "summary": {}, "title": None}
    if params.get("_announce"):  # the current document, so a long batch shows what it is doing
        print(f"        started {Path(source).name}", file=sys.stderr, flush=True)
    # the kernel boots and imports what the notebooks import while the document is parsed
    kernel = process_kernel(notebooks) if notebooks else None
    try:
        info = dict((summarise(source, doc_dir=doc_dir) if _takes_doc_dir(summarise)
                     else summarise(source)) or {})
    except Exception as exc:  # noqa: BLE001  (a bad document is the row's error, not the batch's)
        row.update(status="failed", error=_one_line(exc), seconds=round(time.perf_counter() - t0, 2))
        return row
    row["title"] = info.pop("_title", None)
    links = info.pop("_links", ())
    pending = info.pop("_pending", ())
    later = info.pop("_summary", None)
    row["summary"] = {k: v for k, v in info.items() if not str(k).startswith("_")}
    try:
        nb_params = {k: v for k, v in params.items() if not k.startswith("_")}
        results = report_document(source, out_dir, notebooks, nb_params, name=name,
                                  label=row["title"], index_html=Path(out_dir).resolve() / "index.html",
                                  extra_links=links, kernel=kernel)
        row["reports"] = [{"notebook": r["notebook"], "ok": r["ok"], "label": r.get("label"),
                           "html": str(r["html"]) if r.get("html") else None}
                          for r in results]
        row["links"] = [(text, str(path)) for text, path in links]
        errors = [f"{r['notebook']}: {r['error']}" for r in results if not r["ok"]]
        if later is not None:  # the headline figures, worked out meanwhile
            try:
                row["summary"].update(later.result())
            except Exception as exc:  # noqa: BLE001
                errors.append(f"summary: {_one_line(exc)}")
        for fut in pending:  # the workbook, written meanwhile
            try:
                fut.result()
            except Exception as exc:  # noqa: BLE001
                errors.append(f"workbook: {_one_line(exc)}")
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
    fatal. ``summarise(source[, doc_dir=…]) -> dict`` gives the headline figures for the index
    (see ``_document_job``); it runs in the workers, so it must be picklable (a module-level
    function or a functools.partial of one, not a lambda); the default gives the file name.
    Progress goes to ``progress``, one line per finished document (with the rate and time
    left). ``executor`` (e.g. a Dask cluster's, from ``budgetlib.corpus.executor``) runs the
    documents instead of the local pool. ``index_links`` ((label, path) pairs) are linked above
    the index table. ``skip(source, name, out_dir, notebooks, params) -> row | None`` gives the
    row of a document done by an earlier run (its reports are not run again), e.g.
    ``budgetlib.corpus.finished_row``.

    The index adds to what an earlier run into ``out_dir`` listed (``index.json`` keeps its
    rows): a document reported again replaces its row and keeps its folder; a new document
    whose file stem is taken by another document gets ``stem-2``, ``stem-3``... Returns a
    DataFrame, one row per document of this run.
    """
    import pandas as pd

    from .corpus import Progress

    sources = list(dict.fromkeys(Path(s).resolve() for s in sources))  # each document once
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = [Path(nb).resolve() for nb in notebooks]
    summarise = summarise or _default_summary
    args = (out_dir, notebooks, {**(params or {}), "_announce": progress is not None}, summarise)
    earlier = read_index_rows(out_dir)
    names = _unique_names(sources, earlier)
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
    sources_all = sources
    if skip is not None:  # documents finished by an earlier run: listed, not run again
        nb_params = {k: v for k, v in args[2].items() if not k.startswith("_")}
        finished = {s: skip(s, names[s], out_dir, notebooks, nb_params) for s in sources}
        for s, row in finished.items():
            if row is not None:
                book = out_dir / names[s] / f"{names[s]}.xlsx"
                row.update(source=str(s), document=names[s])
                row.setdefault("links", [(_PAGE_WORDS.get((params or {}).get("lang", "zh"), _PAGE_WORDS["en"])
                                          ["workbook"], str(book))] if book.is_file() else [])
                done(row, skipped=True)
        sources = [s for s, row in finished.items() if row is None]
    if executor is not None:
        _run_on(executor, sources, names, args, done)
    elif jobs <= 1 or len(sources) <= 1:
        try:
            for s in sources:
                done(_document_job(s, names[s], *args))
        finally:
            shutdown_process_kernels()
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork, not spawn: spawned workers re-import the caller's __main__, which breaks
        # `python - <script`, scripts without a __main__ guard and functions defined in
        # __main__. Workers start before any thread of the pool; the parent runs no kernel.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            _import_notebook_stack()  # once here, inherited by every worker
        with ProcessPoolExecutor(max_workers=min(jobs, len(sources)), initializer=_worker_init,
                                 mp_context=multiprocessing.get_context(method)) as pool:
            _run_on(pool, sources, names, args, done)

    order = {str(s): i for i, s in enumerate(sources_all)}
    rows.sort(key=lambda r: order[r["source"]])
    write_index(_merge_rows(earlier, rows, out_dir), out_dir / "index.html",
                lang=(params or {}).get("lang", "zh"), extra_links=index_links)
    columns = ["source", "document", "status", "error", "reports", "seconds"]
    frame = pd.DataFrame([{k: r.get(k) for k in columns} | r["summary"] for r in rows],
                         columns=None if rows else columns)
    return frame


def _largest_first(sources: list[Path]) -> list[Path]:
    """The documents in the order the workers take them: largest file first (a file's size
    stands for its reading and report time). Taken in the given order, the ten corpus PDFs
    left the largest (155 pages) to run alone at the end while the other worker sat idle;
    longest first, the workers finish within a short document of each other."""
    def size(path: Path) -> int:
        try:
            return path.stat().st_size
        except OSError:
            return 0

    return sorted(sources, key=size, reverse=True)  # stable: equal sizes keep their order


def _run_on(pool, sources, names, args, done):
    """Every document as one task on ``pool`` (any concurrent.futures executor), the largest
    files first (``_largest_first``)."""
    from concurrent.futures import as_completed

    futures = {pool.submit(_document_job, s, names[s], *args): s for s in _largest_first(sources)}
    for fut in as_completed(futures):
        try:
            done(fut.result())
        except Exception as exc:  # noqa: BLE001  (a worker died: keep the others)
            s = futures[fut]
            done({"source": str(s), "document": names[s], "status": "failed",
                  "error": _one_line(exc), "reports": [], "summary": {},
                  "title": None, "seconds": 0.0})


INDEX_DATA = "index.json"  # beside index.html: its rows, so a later run adds to the index


def read_index_rows(out_dir) -> list[dict]:
    """The rows an earlier batch listed in ``out_dir/index.html`` (paths made absolute), or []."""
    import json

    out_dir = Path(out_dir).resolve()
    try:
        rows = json.loads((out_dir / INDEX_DATA).read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    for r in rows:
        for rep in r.get("reports", []):
            if rep.get("html"):
                rep["html"] = str(out_dir / rep["html"])
        r["links"] = [(text, str(out_dir / path)) for text, path in r.get("links", [])]
    return [r for r in rows if (out_dir / r["document"]).is_dir()]  # a deleted folder leaves


def _merge_rows(earlier: list[dict], rows: list[dict], out_dir: Path) -> list[dict]:
    """Earlier rows in their order, each replaced by this run's row for its source; then the
    new documents. Written to index.json with paths relative to ``out_dir``."""
    import json

    fresh = {r["source"]: r for r in rows}
    merged = [fresh.pop(r["source"], r) for r in earlier] + [r for r in rows if r["source"] in fresh]

    def rel(path):
        return os.path.relpath(path, out_dir).replace(os.sep, "/")

    stored = []
    for r in merged:
        stored.append({**{k: r.get(k) for k in ("source", "document", "status", "error", "title",
                                                 "summary", "seconds")},
                       "reports": [{**rep, "html": rel(rep["html"]) if rep.get("html") else None}
                                   for rep in r.get("reports", [])],
                       "links": [(text, rel(path)) for text, path in r.get("links", [])]})
    (out_dir / INDEX_DATA).write_text(json.dumps({"documents": stored}, ensure_ascii=False, indent=1,
                                                 default=str), encoding="utf-8")
    return merged


def _unique_names(sources: list[Path], earlier: list[dict] = ()) -> dict[Path, str]:
    """A folder name per document: its stem, with -2, -3... where the stem is taken by another
    document, in this run or listed by an earlier one; a document listed before keeps its own."""
    before = {r["source"]: r["document"] for r in earlier}
    taken = set(before.values())
    names = {}
    for s in sources:
        if str(s) in before:
            names[s] = before[str(s)]
            continue
        stem, n = _safe_stem(s.stem), 1
        name = stem
        while name in taken:
            n += 1
            name = f"{stem}-{n}"
        taken.add(name)
        names[s] = name
    return names


_INDEX_WORDS = {
    "zh": {"title": "预算公开报告", "document": "文件", "status": "状态", "reports": "报告",
           "error": "错误", "ok": "成功", "failed": "失败", "files": "数据"},
    "en": {"title": "Budget disclosure reports", "document": "Document", "status": "Status",
           "reports": "Reports", "error": "Error", "ok": "ok", "failed": "failed", "files": "Data"},
}


def _stylesheet() -> str:
    return (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")


def write_index(rows: list[dict], index_path, lang: str = "zh", extra_links=None) -> Path:
    """``index.html``: one row per document with its summary, report links and error, and
    ``extra_links`` ((label, path) pairs, e.g. the corpus comparison) above the table.

    Every piece of text from a document or a summary is HTML-escaped. The page carries the
    reports' stylesheet and a web-font subset of its own characters."""
    from .webfont import font_face_css, page_text

    index_path = Path(index_path)
    words = _INDEX_WORDS.get(lang, _INDEX_WORDS["en"])
    e = html.escape
    keys = list(dict.fromkeys(k for r in rows for k in r.get("summary", {})))
    any_error = any(r.get("error") for r in rows)
    head = "".join(f"<th>{e(str(h))}</th>" for h in
                   [words["document"], words["status"], *keys, words["reports"],
                    *([words["error"]] if any_error else [])])
    body = []

    def href(path):
        return e(quote(os.path.relpath(path, index_path.parent).replace(os.sep, "/")))

    for r in rows:
        links = []
        for rep in r.get("reports", []):
            if rep.get("html"):
                cls = "" if rep["ok"] else ' class="bad"'
                label = rep.get("label") or rep["notebook"]
                links.append(f'<a href="{href(rep["html"])}"{cls}>{e(label)}</a>')
        links += [f'<a href="{href(path)}">{e(text)}</a>' for text, path in r.get("links", [])
                  if Path(path).is_file()]
        summary = r.get("summary", {})
        cells = [(f'<td title="{e(r["source"])}">{e(r["document"])}</td>'),
                 f'<td class="status"><span class="{e(r["status"])}">{e(words.get(r["status"], r["status"]))}</span></td>',
                 *(f'<td class="num">{e(_cell(summary.get(k)))}</td>'
                   if _numeric(summary.get(k)) else f"<td>{e(_cell(summary.get(k)))}</td>" for k in keys),
                 f'<td class="links">{"<br>".join(links)}</td>',
                 *([f'<td class="error">{e(r.get("error") or "")}</td>'] if any_error else [])]
        body.append("<tr>" + "".join(cells) + "</tr>")
    html_lang = "zh-CN" if lang == "zh" else e(lang)
    page = f"""<!DOCTYPE html>
<html lang="{html_lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(words['title'])}</title>
<style>
{_stylesheet()}
</style></head>
<body class="budget-index"><h1>{e(words['title'])}</h1>
{"".join(f'<p><a href="{href(p)}">{e(label)}</a></p>' for label, p in (extra_links or []))}
<table><thead><tr>{head}</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody></table></body></html>
"""
    css = font_face_css(page_text(page))
    if css:
        page = page.replace("</head>", f"<style>{css}</style></head>", 1)
    index_path.write_text(page, encoding="utf-8")
    return index_path


def _numeric(value) -> bool:
    """A figure (right-aligned in the index): a number, or text such as '27,921.89' or '98.8%'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and bool(re.fullmatch(r"[-+]?[\d,]+(\.\d+)?%?", value.strip()))


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


def _fontconfig_file(tmp: Path, cjk_fonts: bool = False) -> Path:
    """A fontconfig file for Chromium. By default it holds only DejaVu (no Chinese font at
    all), as on a machine without Chinese fonts, so a screenshot shows the pages' own embedded
    font at work; ``cjk_fonts=True`` adds the system fonts and the pip-installed Noto Sans SC."""
    dirs = [d for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
                        "/usr/share/fonts/TTF") if Path(d).is_dir()]
    include = ""
    if cjk_fonts:
        include = '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        try:
            import pylopdf_fonts_zh_cn

            dirs.append(str(Path(pylopdf_fonts_zh_cn.__file__).parent))
        except ImportError:
            pass
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>' + include
        + "".join(f"<dir>{html.escape(d)}</dir>" for d in dirs)
        + f'<cachedir>{html.escape(str(tmp / "fc-cache"))}</cachedir></fontconfig>')
    return conf


def screenshot(html_path, png_path, width: int = 1280, height: int = 2000,
               timeout: int = 60, cjk_fonts: bool = False) -> Path:
    """PNG of a page as headless Chromium renders it (the top ``width``x``height`` pixels),
    by default with no Chinese font on the system (see ``_fontconfig_file``)."""
    exe = _chromium()
    html_path, png_path = Path(html_path).resolve(), Path(png_path).resolve()
    if not html_path.is_file():
        raise FileNotFoundError(html_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="budget-shot-") as tmp:
        env = dict(os.environ, FONTCONFIG_FILE=str(_fontconfig_file(Path(tmp), cjk_fonts)))
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


def screenshot_all(reports_dir, out_dir=None) -> list[Path]:
    """`make screenshot`: a PNG of the index and of every report page under ``reports_dir``,
    into ``out_dir`` (default ``reports_dir/screenshots/<document>/<page>.png``)."""
    reports_dir = Path(reports_dir)
    out_dir = Path(out_dir) if out_dir else reports_dir / "screenshots"
    pages = ([reports_dir / "index.html"] if (reports_dir / "index.html").is_file() else []) + \
        sorted(p for p in reports_dir.glob("*/[0-9][0-9]_*.html"))
    shots = []
    for page in pages:
        target = out_dir / page.relative_to(reports_dir).with_suffix(".png")
        shots.append(screenshot(page, target))
        print(target)
    return shots


def main(argv=None) -> int:
    """``python -m budgetlib.report screenshot [REPORTS_DIR]`` (what `make screenshot` runs)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "screenshot" or len(argv) > 2:
        print("usage: python -m budgetlib.report screenshot [REPORTS_DIR]", file=sys.stderr)
        return 2
    folder = Path(argv[1] if len(argv) > 1 else "reports")
    if not (folder / "index.html").is_file():
        print(f"error: {folder}/index.html: no reports there; run `make report` (or budgetlib "
              f"report) first", file=sys.stderr)
        return 2
    try:
        shots = screenshot_all(folder)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    print(f"{len(shots)} screenshots in {folder / 'screenshots'}")
    return 0


# ------------------------------------------------------------------------------- the CLI's job

def _notebooks() -> list[Path]:
    from .config import NOTEBOOKS_DIR

    from .corpus_report import NOTEBOOK  # the corpus's report, run once per batch, not per document

    return sorted(p for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb") if p.name != NOTEBOOK.name)


_pool, _pool_pid = None, None


def _background():
    """One thread per process for work that overlaps the notebooks (the workbook). A forked
    batch worker gets its own: the parent's thread does not exist in the child."""
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="budgetlib-bg", initializer=_yield_cpu)
        _pool_pid = os.getpid()
    return _pool


def _background_done():
    """Wait for this process's background work (the workbooks) and stop its thread."""
    global _pool
    if _pool is not None and _pool_pid == os.getpid():
        _pool.shutdown(wait=True)
        _pool = None


def _read_for_pages(source, engine: str, processed, strict: bool, companions) -> tuple:
    """The document for its pages, parsed (or read back from ``processed``), with its
    companion narrative read in, and its title; each cell, row or table that could not be
    read is one line on stderr."""
    import budgetlib
    from .loader import with_narrative
    from .readers.narrative_text import match_companion

    doc = budgetlib.load(source, engine=engine, cache=processed, strict=strict)
    companion = match_companion(doc, list(companions)) if companions else None
    if companion is not None:
        # into the document loaded: its facts (computed once per document, model.facts) serve
        # the cache rewrite and the workbook alike
        with_narrative(doc, companion, processed)
    for p in doc.problems:
        print(f"unreadable: {p.line()}", file=sys.stderr, flush=True)
    title = " ".join(str(x) for x in (doc.meta.get("department"), doc.meta.get("year")) if x) \
        or Path(source).stem
    return doc, title


def _with_workbook(doc, title: str, doc_dir, lang: str) -> dict:
    """The pages' title, and the document's workbook: written in the background thread
    (``_pending``), linked from the pages' header (``_links``)."""
    from .export import write_workbook
    from .reconcile import reconciled

    book = Path(doc_dir) / f"{Path(doc_dir).name}.xlsx"
    job = _background().submit(lambda: write_workbook(doc, book, reconciliation=reconciled(doc, lang=lang)))
    return {"_title": title, "_pending": [job],
            "_links": [(_PAGE_WORDS.get(lang, _PAGE_WORDS["en"])["workbook"], book)]}


def document_summary(source, doc_dir=None, engine: str = "mupdf", processed=None,
                     lang: str = "zh", strict: bool = False, companions=()) -> dict:
    """Parse (or read back from ``processed``) and give the index's headline figures:
    department, year, total expenditure (支出总计), personnel share, reconciliation status.

    With ``doc_dir``, also writes the document's Excel workbook there (every table, the facts,
    the reconciliation: ``export.write_workbook``) and names it for the pages' header. Then
    only the parse (and the title) and the reconciliation happen here, the latter handed to
    the notebooks' kernel (``handover``: the pages do not reconcile the document again); the
    headline figures (``_summary``: their future) and the workbook (``_pending``) are worked
    out in a background thread while the notebooks run in their kernel process (the workbook
    costs 1-3 s on a large document).
    Each cell, row or table that could not be read is one line on stderr. ``companions``:
    the batch's narrative PDFs (情况说明); the one printing this document's issuer and year is
    read into it (and its parse cache, which the notebooks read), so its claims are checked."""
    from .analysis.overview import headline, headline_keys, reconciliation_cell
    from .reconcile import reconciled

    doc, title = _read_for_pages(source, engine, processed, strict, companions)

    def figures() -> dict:
        rec = reconciled(doc, lang=lang)
        if processed is not None:
            rec.write(Path(processed) / doc.meta["source_name"])
        return {**headline(doc, lang),
                headline_keys(lang)["reconciliation"]:
                    reconciliation_cell(rec.summary().to_dict(), len(rec.defects), len(doc.problems), lang)}

    if doc_dir is None:
        return {**figures(), "_title": title}
    # Now, not in the background: made there, it was handed over too late for the kernel's
    # first page (which then reconciled the document itself) on most documents of a batch.
    reconciled(doc, lang=lang)
    summary = _background().submit(figures)  # one thread: the headline figures, then the workbook
    return {"_summary": summary, **_with_workbook(doc, title, doc_dir, lang)}


def corpus_summary(source, doc_dir=None, *, corpus_dir, engine: str = "mupdf", processed=None,
                   lang: str = "zh", strict: bool = False, companions=()) -> dict:
    """`batch --corpus`: the document into the corpus (its index row: ``corpus.ingest``), and
    the pages' title and workbook. The corpus takes the document read for the pages, not a
    second load: its reconciliation (made here, handed to the notebooks' kernel) and its facts
    (computed once, shared with the parse cache and the workbook) serve the corpus records too."""
    from . import corpus as corpus_db

    started = time.perf_counter()
    doc, title = _read_for_pages(source, engine, processed, strict, companions)
    row = corpus_db.ingest(source, corpus_dir=corpus_dir, engine=engine, processed=processed, lang=lang,
                           strict=strict, doc=doc, started=started)
    # after the corpus records: the workbook's thread and this one never hold the document at once
    return row | (_with_workbook(doc, title, doc_dir, lang) if doc_dir is not None else {"_title": title})


def report_cli(sources, out_dir: Path, jobs: int = 2, lang: str = "zh", engine: str = "mupdf",
               processed: Path | None = None, usd_rate: float = 7.1, strict: bool = False,
               corpus: Path | None = None, scheduler: str | None = None, dask_workers: int | None = None,
               narratives=()) -> int:
    """`budgetlib report` / `budgetlib batch`: every notebook for every document, an index.html
    (added to when ``out_dir`` has one), one line per failed document. Returns the CLI's exit
    code: 0, or 2 if any document failed (README "Exit codes")."""
    import functools

    notebooks = _notebooks()
    if not notebooks:
        from .config import NOTEBOOKS_DIR

        print(f"error: no report notebooks (NN_*.ipynb) in {NOTEBOOKS_DIR}; budgetlib reports run "
              f"from a checkout of the project (pip install -e .)", file=sys.stderr)
        return 2
    processed = Path(processed).resolve() if processed else None
    params = {"lang": lang, "engine": engine, "processed_dir": str(processed) if processed else "",
              "usd_rate_wan_per_wan_usd": usd_rate}
    from .readers.narrative_text import split_sources

    # narrative PDFs among the sources (or --narrative) are paired with their tables, not reported
    sources, companions = split_sources(sources, narratives)
    companions = tuple(companions)
    if corpus is None and scheduler is None and not dask_workers and (jobs <= 1 or len(sources) <= 1):
        process_kernel(notebooks)  # documents run here: the kernel boots during the imports below
        # papermill now, while the kernel boots (~1 s) and before the parse: imported after it,
        # it shared the GIL with the workbook's thread and took 0.7 s, not 0.25 s
        _import_notebook_stack(convert=False)
    summarise = functools.partial(document_summary, engine=engine, processed=processed, lang=lang,
                                  strict=strict, companions=companions)
    from . import corpus as corpus_db  # issue 11: the corpus dataset, its report, Dask

    links = skip = None
    if corpus is not None:
        summarise = functools.partial(corpus_summary, corpus_dir=corpus, engine=engine, processed=processed,
                                      lang=lang, strict=strict, companions=companions)
        links = corpus_db.index_links(out_dir, lang)
        skip = functools.partial(corpus_db.finished_row, corpus_dir=corpus, engine=engine)
    try:
        with corpus_db.executor(0, scheduler, dask_workers) as pool:
            frame = batch(sources, out_dir, notebooks, jobs=jobs, params=params, summarise=summarise,
                          executor=pool, index_links=links, skip=skip)
    finally:
        shutdown_process_kernels()
        _background_done()
    corpus_ok = corpus is None or corpus_db.after_batch(corpus, out_dir, lang)
    failed = frame[frame["status"] != "ok"]
    index = Path(out_dir).resolve() / "index.html"
    print(f"{len(frame) - len(failed)} of {len(frame)} documents reported; open {index}")
    for row in failed.itertuples():
        print(f"  failed: {row.source}: {row.error}", file=sys.stderr)
    return 2 if len(failed) or not corpus_ok else 0


if __name__ == "__main__":
    sys.exit(main())
