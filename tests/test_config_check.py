import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from auditor.cli import main
from tests.conftest import SEED_DIR
from auditor.config import CheckOptions, Config, OrgSettings, OutputSettings, ScanSettings, Suppression, parse_config

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"
# A commented example line: "# [table]" or "# key = value".
_EXAMPLE_LINE = re.compile(r"^# (\[|[A-Za-z0-9_]+ = )")


def _uncommented() -> str:
    return "\n".join(line[2:] if _EXAMPLE_LINE.match(line) else line for line in EXAMPLE.read_text().splitlines())


def test_example_passes_config_check(capsys):
    assert main(["config", "check", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.startswith(f"{EXAMPLE}: ok")


def test_example_sets_every_setting_to_its_default():
    # The uncommented settings of the example are exactly the defaults of the code.
    assert dataclasses.replace(parse_config(tomllib.loads(EXAMPLE.read_text()), ""), path="") == Config()


def _keys_by_table(data: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, value in data.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            for key, v in item.items():
                if isinstance(v, dict):
                    out.setdefault(f"{table}.{key}", set()).update(v)
                else:
                    out.setdefault(table, set()).add(key)
    return out


def test_example_documents_every_setting_of_the_code():
    keys = _keys_by_table(tomllib.loads(_uncommented()))
    names = lambda cls, drop=(): {f.name for f in dataclasses.fields(cls)} - set(drop)  # noqa: E731
    assert keys["scan"] == names(ScanSettings)
    assert keys["output"] == names(OutputSettings)
    assert keys["org"] == names(OrgSettings)
    assert keys["checks"] == {"select", "skip"}
    assert keys["checks.options"] == names(CheckOptions, ("intended_archetypes", "extra"))
    assert keys["suppress"] == names(Suppression)
    assert keys["archetypes"] == {"principal", "archetype"}
    assert keys["checks.severity"]


def test_example_with_its_examples_enabled_is_valid(tmp_path, capsys):
    enabled = tmp_path / "enabled.toml"
    enabled.write_text(_uncommented())
    assert main(["config", "check", str(enabled)]) == 0
    config = parse_config(tomllib.loads(enabled.read_text()), str(enabled))
    assert len(config.suppressions) == 1 and config.options.intended_archetypes


@pytest.mark.parametrize("text, key, reason", [
    ('[scan]\nrate_limt = 5\n', "scan.rate_limt", "unknown setting"),
    ('[org]\nconcurrency = 0\n', "org.concurrency", "between 1 and 64"),
    ('[scan]\njobs = 4\n', "scan.jobs", "between 0 and 2"),
    ('[org]\naccounts = ["12345"]\n', "org.accounts", "not a 12-digit AWS account id"),
    ('[[suppress]]\ncheck = "IAM011"\nresource = "*"\n', "suppress[0].reason", "is required"),
    ('[[suppress]]\ncheck = "NOPE999"\nresource = "*"\nreason = "r"\n', "suppress[0].check", "unknown check"),
    ('[checks]\nselect = ["NOPE999"]\n', "checks", "unknown check"),
])
def test_bad_config_exits_2_with_file_key_and_reason(tmp_path, capsys, text, key, reason):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert main(["config", "check", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(f"auditor: error: {bad}: {key}: ") and reason in line


def test_invalid_toml_and_missing_file(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text("[scan\n")
    assert main(["config", "check", str(broken)]) == 2
    assert f"{broken}: invalid TOML" in capsys.readouterr().err
    assert main(["config", "check", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read config" in capsys.readouterr().err


@pytest.mark.parametrize("command", [
    ["scan", "--demo", "--output-dir", "{tmp}/out"],
    ["lint", "{seed}"],
])
@pytest.mark.parametrize("text, key", [
    ('[[suppress]]\ncheck = "IAM0001"\nresource = "*"\nreason = "a typo"\n', "suppress[0].check"),
    ('[checks]\nskip = ["NOPE999"]\n', "checks"),
])
def test_scan_and_lint_refuse_an_unknown_check_id_before_any_work(tmp_path, capsys, command, text, key):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    seed = SEED_DIR / "01_console_readonly.json"
    argv = [part.format(tmp=tmp_path, seed=seed) for part in command]
    assert main([*argv, "--config", str(bad)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"auditor: error: {bad}: {key}: ") and "unknown check" in line
    assert not (tmp_path / "out").exists()  # nothing was scanned or written


@pytest.mark.parametrize("expires", ["2026-11-27T10:00:00Z", "2026-11-27T01:00:00+14:00", "2026-11-27T10:00:00"])
def test_a_suppression_expiry_with_a_time_of_day_is_refused_not_cut_to_its_date(tmp_path, capsys, expires):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[suppress]]\ncheck = "IAM001"\nresource = "*"\nreason = "r"\nexpires = {expires}\n')
    assert main(["config", "check", str(bad)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"auditor: error: {bad}: suppress[0].expires: ") and "not a date and time" in line
