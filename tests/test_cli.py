"""Every CLI command has help text, and does what its help says on real input."""

import subprocess
import sys

import pytest

from budgetlib.cli import build_parser

COMMANDS = ["parse", "tables", "check", "compare", "report", "batch"]


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "budgetlib", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--engine" in text and len(text.splitlines()) > 4


def test_tables_lists_what_was_recognised(sample_path):
    r = run("tables", sample_path)
    assert r.returncode == 0, r.stderr
    t05 = next(l for l in r.stdout.splitlines() if l.strip().startswith("T05 "))
    assert "一般公共预算支出表" in t05 and " 11 " in t05
    assert "北京市市民热线服务中心 2025" in r.stdout


def test_check_reports_and_exits_nonzero_only_when_strict(sample_path, tmp_path):
    r = run("check", sample_path, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "T03.column_total" in r.stdout and "mismatch" in r.stdout
    assert (tmp_path / sample_path.stem / "reconciliation.csv").exists()
    strict = run("check", sample_path, "--out", tmp_path, "--strict")
    assert strict.returncode == 1


def test_tables_on_a_pdf_with_a_bad_engine_name_is_refused(sample_path):
    r = run("tables", sample_path, "--engine", "nonsense")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_compare_engines_on_a_real_pdf(tmp_path):
    from conftest import CORPUS

    r = run("compare", CORPUS / "civil-military-office.pdf", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "agree on" in r.stdout
    rate = float(r.stdout.split("agree on ")[1].split("%")[0])
    assert 90 <= rate <= 100
    assert (tmp_path / "civil-military-office.engine-diff.csv").exists()
