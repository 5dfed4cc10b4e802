"""The command line itself: help, version, verbosity, one-line errors."""
import subprocess
import sys
from pathlib import Path

from auditor import cli

ROOT = Path(__file__).resolve().parent.parent


def test_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name, _module, _help in cli.COMMANDS:
        assert name in out


def test_version_names_the_iam_data(capsys):
    assert cli.main(["--version"]) == 0
    assert "IAM data 0.1." in capsys.readouterr().out


def test_a_command_line_without_version_does_not_load_the_iam_catalogue():
    # simulate --batch in a pipeline starts once per batch: the catalogue is read only when needed.
    code = ("import sys; from auditor.cli import build_parser; build_parser(['simulate', '--batch', '-']); "
            "print('auditor.iam.knowledge' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_verbosity_is_taken_anywhere_on_the_line():
    assert cli._take_verbosity(["scan", "--demo", "-vv", "--verbose"]) == (["scan", "--demo"], 3)
    assert cli._take_verbosity(["lint", "-", "--kind", "identity"]) == (["lint", "-", "--kind", "identity"], 0)


def test_unknown_command_is_a_usage_error(capsys):
    assert cli.main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err
