"""Command line: argument parsing only; every command calls the library.

    budgetlib parse SOURCE... [--out data/processed] [--engine mupdf|tabula] [--narrative FILE]
    budgetlib tables SOURCE [--json]
    budgetlib check SOURCE... [--out DIR] [--strict] [--narrative FILE]
    budgetlib compare PDF... [--out DIR]
    budgetlib report SOURCE... [--out reports]
    budgetlib batch SOURCE... [--out reports] [--jobs N] [--corpus DIR] [--dask N | --scheduler URL]
    budgetlib sql "SELECT …" [--corpus DIR]
    budgetlib corpus add|remove|report …

Every command exits with the same codes (README, "Exit codes"): 0 done; 1 done, and --strict
found something; 2 an error: a bad option or path, no documents, or a document that could not
be read or reported (the others were still done); 130 interrupted. Relative default paths are
relative to the current directory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config
from .loader import DEFAULT_ENGINE, PDF_ENGINES
from .readers.base import ReadError


# The exit codes, one table for every command (README "Exit codes").
EXIT_OK, EXIT_STRICT, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Nothing can be done as asked (a missing path, a folder without documents): one line."""


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _expand(items, one_file: bool = False) -> list[Path]:
    """The documents named on the command line: files as given, a folder's disclosures.

    A path that does not exist is a usage error before anything runs (a typo must not cost a
    long batch); so is a command line that names no document at all. A folder without
    documents among others gets a warning."""
    missing = [str(i) for i in items if not Path(i).exists()]
    if missing:
        raise UsageError("; ".join(f"{m}: no such file or folder; check the path" for m in missing))
    if one_file:
        folders = [str(i) for i in items if Path(i).is_dir()]
        if folders:
            raise UsageError(f"{folders[0]}: is a folder; this command reads one file "
                             f"(.txt, .pdf, .xlsx)")
    out: list[Path] = []
    suffixes = ", ".join(sorted(config.SOURCE_SUFFIXES))
    for item in items:
        found = config.expand_sources([item])
        if not found:
            msg = f"{item}: no documents ({suffixes}) in this folder"
            if len(items) == 1:
                raise UsageError(msg)
            print(f"warning: {msg}", file=sys.stderr)
        out += found
    if not out:
        raise UsageError(f"no documents ({suffixes}) in {' '.join(map(str, items))}")
    return list(dict.fromkeys(out))


def _positive(text: str) -> int:
    """--jobs: a whole number, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more (got {text!r})")
    return value


def print_problems(doc) -> None:
    """One line per cell, row or table that could not be read (the rest was loaded)."""
    for p in doc.problems:
        print(f"unreadable: {p.line()}", file=sys.stderr)


def cmd_parse(args) -> int:
    from .export import write_document
    from .loader import load

    from .readers.narrative_text import match_companion, read_narrative, split_sources

    failed = []
    sources, companions = split_sources(config.expand_sources(args.sources), args.narrative)
    for src in sources:
        try:
            doc = load(src, engine=args.engine, strict=args.strict)
            companion = match_companion(doc, companions, only_pair=len(sources) == 1)
            if companion is not None:
                doc.narrative = read_narrative(companion)
            folder = write_document(doc, Path(args.out))
            if args.corpus:
                from . import corpus

                corpus.add_document(doc, args.corpus)
        except ReadError as exc:
            _err(str(exc))
            failed.append((src, str(exc)))
            continue
        rows = sum(len(t.data) for t in doc.tables.values())
        unread = f", {len(doc.problems)} unreadable" if doc.problems else ""
        said = f", narrative {len(doc.narrative.pages)} pages" if doc.narrative is not None else ""
        print(f"{src}: {len(doc.tables)} tables, {rows} rows{unread}{said} -> {folder}")
        for w in doc.warnings:
            print(f"  warning: {w}", file=sys.stderr)
        print_problems(doc)
    if args.corpus:
        from . import corpus

        corpus.refresh(args.corpus)
    if failed:
        print(f"{len(failed)} of {len(config.expand_sources(args.sources))} documents failed:", file=sys.stderr)
        for src, msg in failed:
            print(f"  {src}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def table_list(doc) -> list[dict]:
    """What ``budgetlib tables`` shows, one dict per table: id, standard kind (收支总表, …),
    printed label, title, unit, pages, detail rows, empty, incomplete, recognised. A table whose
    title was not recognised (kept as text) has id None and recognised False."""
    out = [{"id": t.id, "kind": getattr(t, "kind", None) or None, "label": getattr(t, "label", None) or None,
            "title": t.title, "unit": t.unit, "pages": t.pages, "rows": len(t.data),
            "total_row": not t.total.empty, "empty": bool(t.empty),
            "incomplete": bool(getattr(t, "incomplete", False)), "recognised": True}
           for t in doc.tables.values()]
    out += [{"id": None, "kind": getattr(r, "kind", None) or None, "label": None, "title": r.title,
             "unit": None, "pages": [r.page] if r.page else [], "rows": len(r.rows), "total_row": False,
             "empty": False, "incomplete": False, "recognised": False} for r in doc.raw_tables]
    return out


def cmd_tables(args) -> int:
    import json

    import pandas as pd

    from .loader import load

    try:
        doc = load(args.source, engine=args.engine, strict=args.strict)
    except ReadError as exc:
        _err(str(exc))
        return EXIT_ERROR
    listing = table_list(doc)
    if args.json:
        print(json.dumps(listing, ensure_ascii=False, indent=1))
    else:
        meta = doc.meta
        print(f"{meta['source']}  {meta.get('department') or ''} {meta.get('year') or ''} "
              f"({meta['kind']}, {meta['unit']}, {meta['engine']})")
        frame = pd.DataFrame(listing, columns=["id", "kind", "title", "unit", "pages", "rows", "total_row",
                                               "empty", "incomplete"])
        frame["id"] = frame["id"].fillna("?")
        frame["kind"] = frame["kind"].fillna("")
        frame["pages"] = [_page_range(p) for p in frame["pages"]]
        print(frame.rename(columns={"id": "table"}).to_string(index=False))
    for w in doc.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print_problems(doc)
    return EXIT_OK


def _page_range(pages: list[int]) -> str:
    if not pages:
        return ""
    return str(pages[0]) if pages[0] == pages[-1] else f"{pages[0]}-{pages[-1]}"


def cmd_compare(args) -> int:
    from .readers.pdf_compare import compare_engines

    failed = 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for src in config.expand_sources(args.sources):
        try:
            diff = compare_engines(src, fold_width=True)
        except ReadError as exc:
            _err(str(exc))
            failed += 1
            continue
        path = out / f"{Path(src).stem}.engine-diff.csv"
        diff.to_csv(path, index=False, encoding="utf-8-sig")
        print(f"{src}: mupdf and tabula agree on {diff.attrs['agreement']:.2%} of cells; "
              f"{len(diff)} disagreements -> {path}")
    return EXIT_ERROR if failed else EXIT_OK


def cmd_check(args) -> int:
    from .reconcile import check_paths

    return check_paths(config.expand_sources(args.sources), Path(args.out), strict=args.strict,
                       lang=args.lang, engine=args.engine, cache=Path(args.processed),
                       narratives=args.narrative)


def cmd_report(args) -> int:
    """`report` and `batch`: the same run; they differ only in the default of --jobs."""
    from .report import report_cli

    return report_cli(config.expand_sources(args.sources), Path(args.out), jobs=args.jobs, lang=args.lang,
                      engine=args.engine, processed=Path(args.processed), usd_rate=args.usd_rate,
                      strict=args.strict, corpus=Path(args.corpus) if getattr(args, "corpus", None) else None,
                      scheduler=getattr(args, "scheduler", None), dask_workers=getattr(args, "dask", None),
                      narratives=args.narrative)


cmd_batch = cmd_report


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="budgetlib", description="Chinese departmental budget disclosures "
                                "(部门预算公开) into tidy, checked data and narrative reports.")
    sub = p.add_subparsers(dest="command", required=True)

    def add(name, func, help_text, many=True):
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if many:
            sp.add_argument("sources", nargs="+", metavar="SOURCE", help="files (.txt, .pdf, .xlsx) or folders")
        else:
            sp.add_argument("source", metavar="SOURCE", help="one file (.txt, .pdf, .xlsx)")
        sp.add_argument("--engine", choices=PDF_ENGINES, default=DEFAULT_ENGINE,
                        help=f"PDF engine (default {DEFAULT_ENGINE})")
        if name != "compare":
            sp.add_argument("--strict", action="store_true",
                            help="refuse a document with any unreadable cell, row or table (default: load the "
                                 "rest, list each problem, and mark what it affects)"
                            + ("; and exit 1 when any identity is a mismatch" if name == "check" else "")
                            + " (README: Exit codes)")
        sp.set_defaults(func=func)
        return sp

    narrative_help = ("the companion narrative PDF (情况说明, e.g. Beijing's 附件1); repeat for several. "
                      "Narrative PDFs given as sources are recognised and paired by issuer and year")
    sp = add("parse", cmd_parse, "parse documents into data/processed/<name>/ (CSV, Parquet, datapackage.json)")
    sp.add_argument("--out", default=str(config.PROCESSED_DIR), help="output root (default data/processed)")
    sp.add_argument("--narrative", action="append", default=[], metavar="FILE", help=narrative_help)
    sp.add_argument("--corpus", default=None, metavar="DIR", help="also add the documents to this corpus folder")
    sp = add("tables", cmd_tables, "list the tables recognised in one document: id, standard kind, title, "
             "unit, pages, rows", many=False)
    sp.add_argument("--json", action="store_true",
                    help="print the list as JSON (id, kind, label, title, unit, pages, rows, empty, incomplete)")
    sp = add("check", cmd_check, "reconcile documents: which identities hold, which break, by how much")
    sp.add_argument("--out", default=str(config.PROCESSED_DIR), help="where reconciliation reports go")
    sp.add_argument("--narrative", action="append", default=[], metavar="FILE", help=narrative_help)
    sp.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the explanations")
    sp.add_argument("--processed", default=str(config.PROCESSED_DIR),
                    help="parsed-data cache, reused when the file's sha256 is unchanged")
    sp = add("compare", cmd_compare, "cross-check the two PDF engines cell by cell: agreement rate, and "
             "every disagreement with its page, as CSV")
    sp.add_argument("--out", default=str(config.PROCESSED_DIR), help="where the disagreement CSVs go")
    for name, func, help_text, jobs in (
            ("report", cmd_report, "run the analysis notebooks for documents into HTML reports, an Excel "
             "workbook and CSVs, one folder per document, listed in OUT/index.html", 1),
            ("batch", cmd_batch, "the same as report, several documents in parallel (--jobs 2)", 2)):
        sp = add(name, func, help_text)
        sp.add_argument("--out", default=str(config.REPORTS_DIR),
                        help="output folder; an index.html already there is added to (default ./reports)")
        sp.add_argument("--processed", default=str(config.PROCESSED_DIR),
                        help="parsed-data cache, reused when the file's sha256 is unchanged "
                             "(default ./data/processed)")
        sp.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language")
        sp.add_argument("--usd-rate", type=float, default=7.1, help="万元 per 万美元 for USD cost indicators")
        sp.add_argument("--jobs", type=_positive, default=jobs, help=f"documents in parallel (default {jobs})")
        sp.add_argument("--narrative", action="append", default=[], metavar="FILE", help=narrative_help)
        if name == "batch":
            from . import corpus

            sp.add_argument("--corpus", default=None, metavar="DIR",
                            help="also fill this corpus folder (Parquet + DuckDB) and run the comparison report")
            corpus.add_scale_options(sp)
    from . import corpus

    corpus.add_commands(sub)  # budgetlib sql, budgetlib corpus …
    return p


# Commands after which `python -m budgetlib` leaves without the interpreter's teardown
# (``quick_exit``); the command the last ``main`` ran.
QUICK_EXIT = {"report", "batch"}
last_command: str | None = None


def quick_exit(code: int):
    """Leave now, as ``sys.exit(code)`` would, without tearing down every module: after a
    report some 1,400 are loaded and that teardown alone took 0.2 s. Only once the command has
    finished: its files are written and closed, its threads and kernels stopped; the exit
    handlers (atexit) still run here."""
    import atexit
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing left to say
            pass
    atexit._run_exitfuncs()
    os._exit(code if isinstance(code, int) else 0)


def run():
    """The ``budgetlib`` command and ``python -m budgetlib``: ``main`` on the command line, then
    exit with its code (after ``report`` and ``batch`` without the interpreter's teardown)."""
    code = main()
    if last_command in QUICK_EXIT:  # every file written: skip the interpreter's teardown
        quick_exit(code)
    sys.exit(code)


def main(argv=None) -> int:
    global last_command
    args = build_parser().parse_args(argv)  # a bad option: argparse's usage line, exit 2
    last_command = args.command
    try:
        if hasattr(args, "sources"):
            args.sources = _expand(args.sources)
        elif hasattr(args, "source"):
            _expand([args.source], one_file=True)
        return args.func(args)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except ReadError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except BrokenPipeError:  # `budgetlib check … | head`: the reader left, not an error
        import os                # (before OSError, of which it is one)

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:  # an output folder that cannot be written: a file there, no permission, disk full
        where = f"{exc.filename}: " if exc.filename else ""
        _err(f"{where}{exc.strerror or exc}; check --out and that the folder can be written")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
