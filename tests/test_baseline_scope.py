"""Only findings a run looked at again can be resolved: not those of checks it did not run, of
another account, or of a region (or, without region, the global data) it could not read."""
import dataclasses
import json

from test_collect_support import run_cli

from auditor.demo import demo_snapshot
from auditor.model.inventory import CoverageStatus
from auditor.collect.snapshot import write_snapshot


def _scan(tmp_path, name, *extra):
    out = tmp_path / name
    code, _out, err = run_cli(["scan", "--output-dir", str(out), "--format", "json", "--fail-on", "never", *extra])
    return code, json.loads((out / "findings.json").read_text()), err


def test_checks_left_out_resolve_nothing(tmp_path):
    _, first, _ = _scan(tmp_path, "a", "--demo")
    checks = {f["check_id"] for f in first["findings"]}
    assert len(checks) > 5 and "IAM002" in checks
    _, second, _ = _scan(tmp_path, "b", "--demo", "--checks", "IAM002", "--baseline", str(tmp_path / "a/findings.json"))
    assert second["resolved"] == []
    assert {(f["check_id"], f["status"]) for f in second["findings"]} == {("IAM002", "existing")}


def test_a_baseline_of_another_account_resolves_nothing(tmp_path):
    _, first, _ = _scan(tmp_path, "a", "--demo")
    path = tmp_path / "other.json"
    other = json.loads((tmp_path / "a/findings.json").read_text())
    for f in other["findings"]:  # as another account's findings: other ids, other fingerprints
        f["account_id"] = "999988887777"
        f["fingerprint"] = f["fingerprint"][::-1]
    path.write_text(json.dumps(other))
    _, second, _ = _scan(tmp_path, "b", "--demo", "--baseline", str(path))
    assert second["resolved"] == []
    assert {f["status"] for f in second["findings"]} == {"new"}


def test_findings_where_the_data_could_not_be_read_are_not_resolved(tmp_path):
    _, first, _ = _scan(tmp_path, "a", "--demo")
    ses_eu = [f for f in first["findings"] if f["check_id"].startswith("SES") and f["region"] == "eu-west-1"]
    assert ses_eu
    snapshot = demo_snapshot()
    denied = tuple(dataclasses.replace(c, status=CoverageStatus.DENIED, error="AccessDenied")
                   if c.family.startswith("sesv2:") and c.region == "eu-west-1" else c for c in snapshot.coverage)
    # The identities of that region could not be read: they are not in the snapshot.
    path = write_snapshot(dataclasses.replace(
        snapshot, coverage=denied,
        ses={r: ids for r, ids in snapshot.ses.items() if r != "eu-west-1"}),
        tmp_path / "snap.json")
    code, second, _ = _scan(tmp_path, "b", "--input", str(path), "--baseline", str(tmp_path / "a/findings.json"))
    assert code == 3
    assert second["resolved"] == []
    assert not any(f["region"] == "eu-west-1" and f["check_id"].startswith("SES") for f in second["findings"])


def test_an_unreadable_baseline_fails_before_any_collection(tmp_path, monkeypatch):
    import auditor.demo

    def never(*_args, **_kwargs):
        raise AssertionError("the account was read before the baseline")

    monkeypatch.setattr(auditor.demo, "demo_snapshot", never)
    code, _out, err = run_cli(["scan", "--demo", "--output-dir", str(tmp_path / "o"),
                               "--baseline", str(tmp_path / "missing.json")])
    assert code == 2 and "missing.json" in err and "cannot read" in err
    assert not (tmp_path / "o").exists()
