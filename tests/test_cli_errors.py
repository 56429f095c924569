"""Every subcommand on the inputs that used to end in a traceback or a silent success: an empty
folder, a path that does not exist, a folder where one file is expected, --jobs 0 and -1. Each
gets one line naming the path and the exit code of the README's table; none a traceback.

The commands run in-process (``cli.main``): an exception would fail the test as a traceback
would, and no interpreter start is paid per case."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from budgetlib import cli, config

ROOT = Path(__file__).resolve().parents[1]


def _commands_with_sources() -> dict[str, str]:
    """Every subcommand that reads documents -> "many" (SOURCE...) or "one" (SOURCE)."""
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    out = {}
    for name, sp in sub.choices.items():
        dests = {a.dest: a for a in sp._actions}
        if "sources" in dests:
            out[name] = "many"
        elif "source" in dests:
            out[name] = "one"
    return out


COMMANDS = _commands_with_sources()


def _run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse: usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_reading_command_is_covered():
    assert {"parse", "tables", "check", "compare", "report", "batch"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_empty_folder(command, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = _run(capsys, command, empty, *_out_args(command, tmp_path))
    assert code == cli.EXIT_ERROR == 2, (command, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(empty) in errors[0], err
    assert ("no documents" if COMMANDS[command] == "many" else "is a folder") in errors[0]
    assert "Traceback" not in err + out and "open" not in out
    assert not (tmp_path / "out" / "index.html").exists()  # nothing done


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_wrong_path_is_named_once(command, tmp_path, capsys):
    missing = tmp_path / "no-such-budget.pdf"
    code, out, err = _run(capsys, command, missing, *_out_args(command, tmp_path))
    assert code == 2, (command, err)
    assert err.count("no-such-budget.pdf") == 1 and err.startswith("error: ")
    assert "no such file or folder" in err and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize("command", [c for c, kind in sorted(COMMANDS.items()) if kind == "many"])
def test_folder_of_documents_and_a_wrong_path_does_nothing(command, tmp_path, capsys, sample_path):
    """A typo among good paths stops before a long run, not after it."""
    code, out, err = _run(capsys, command, sample_path.parent, tmp_path / "typo",
                          *_out_args(command, tmp_path))
    assert code == 2 and "typo: no such file or folder" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["report", "batch"])
@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_must_be_positive(command, jobs, tmp_path, capsys, sample_path):
    code, out, err = _run(capsys, command, sample_path, "--jobs", jobs, "--out", tmp_path / "out")
    assert code == 2
    assert "--jobs" in err and "1 or more" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["parse", "report"])
def test_an_output_folder_that_is_a_file(command, tmp_path, capsys, sample_path):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder", encoding="utf-8")
    code, out, err = _run(capsys, command, sample_path, "--out", blocker,
                          *(["--processed", tmp_path / "p"] if command == "report" else []))
    assert code == 2 and "Traceback" not in err
    assert str(blocker) in err and err.count("\n") <= 3, err


def _out_args(command, tmp_path) -> list:
    sp = {a.dest for a in _subparser(command)._actions}
    args = []
    if "out" in sp:
        args += ["--out", tmp_path / "out"]
    if "processed" in sp:
        args += ["--processed", tmp_path / "processed"]
    return args


def _subparser(command):
    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command]


def test_defaults_are_relative_to_the_current_directory(tmp_path, monkeypatch, sample_path, capsys):
    for command in ("parse", "check", "report", "batch"):
        for action in _subparser(command)._actions:
            if action.dest in ("out", "processed"):
                assert not Path(action.default).is_absolute(), (command, action.dest)
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, "parse", sample_path)
    assert code == 0, err
    assert (tmp_path / "data" / "processed" / sample_path.stem / "T05.csv").is_file()


def test_report_accepts_a_folder_as_the_readme_says():
    """README: SOURCE may be a folder; `report` and `batch` take the same sources."""
    assert COMMANDS["report"] == COMMANDS["batch"] == "many"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "budgetlib report SOURCE..." in readme


def test_readme_has_one_exit_code_table_matching_the_cli():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    codes = {int(m) for m in re.findall(r"^\| `(\d+)` \|", section, flags=re.M)}
    assert codes == {cli.EXIT_OK, cli.EXIT_STRICT, cli.EXIT_ERROR, cli.EXIT_INTERRUPTED}
    assert readme.count("### Exit codes") == 1


def test_help_notebook_lists_every_parameter():
    """papermill --help-notebook infers each parameter of each report notebook (a comment with
    '=' in it once hid usd_rate_wan_per_wan_usd)."""
    import ast

    import nbformat
    import papermill

    for path in sorted(config.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assigned = {t.target.id if isinstance(t, ast.AnnAssign) else t.targets[0].id
                    for t in ast.parse(cell.source).body if isinstance(t, (ast.Assign, ast.AnnAssign))}
        inferred = papermill.inspect_notebook(str(path))  # what --help-notebook prints
        assert set(inferred) == assigned, path.name
        assert all(p["help"] for p in inferred.values()), path.name  # each one documented
        assert "out_dir" in inferred


def test_make_lab_allows_root_and_make_screenshot_exists():
    import shutil

    if not shutil.which("make"):
        pytest.skip("make not installed")
    dry = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True,
                         text=True)
    lab = [line for line in dry.stdout.splitlines() if "jupyter lab" in line]
    assert lab, dry.stdout + dry.stderr
    import os

    assert ("--allow-root" in lab[-1]) == (os.geteuid() == 0)
    shot = subprocess.run(["make", "-n", "screenshot"], cwd=ROOT, capture_output=True, text=True)
    assert shot.returncode == 0 and "budgetlib.report" in shot.stdout, shot.stderr


def test_a_folder_is_every_document_in_it(tmp_path, capsys, sample_path):
    """SOURCE may be a folder, for every command that reads several documents (report and
    batch expand it the same way, before any notebook runs)."""
    import shutil

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(sample_path, docs / "a.txt")
    shutil.copy(sample_path, docs / "b.txt")
    (docs / "notes.md").write_text("not a disclosure", encoding="utf-8")
    code, out, err = _run(capsys, "parse", docs, "--out", tmp_path / "out")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a", "b"]
    assert cli._expand([docs]) == [docs / "a.txt", docs / "b.txt"]


def test_a_reader_that_leaves_early_is_not_an_error():
    """`budgetlib check … | head -0`: the pipe's reader is gone before anything is written. The
    command ends quietly with exit 0, not "error: Broken pipe; check --out" (BrokenPipeError is
    an OSError, so its handler must come first)."""
    proc = subprocess.Popen([sys.executable, "-m", "budgetlib", "check", str(config.SAMPLE)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=config.PROJ_ROOT)
    proc.stdout.close()                  # before the child has imported anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "error" not in err
