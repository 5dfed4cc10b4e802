import dataclasses
import json

import pytest

from auditor.cli import main
from auditor.errors import InputError
from auditor.merge import combine, load_result, merge_paths
from auditor.model.access import ActionAccess, PrincipalAccess, Reach, ServiceAccess
from auditor.model.finding import Severity, Status
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.report import write_reports
from test_org_support import make_finding, make_result, ok

A, B, C = "111111111111", "222222222222", "333333333333"


def _write(result, directory):
    write_reports(result, directory, ["json"])
    return directory / "findings.json"


def test_findings_json_round_trips_through_load_result(tmp_path):
    access = PrincipalAccess(A, "user", "alice", f"arn:aws:iam::{A}:user/alice", (
        ServiceAccess("mobiletargeting", (ActionAccess("mobiletargeting:GetApps", "List", Reach.ALL, (), True,
                                                       ("aws:SourceIp IpAddress 10.0.0.0/8",), ("p s1",)),)),),
        "api-readonly", "", ("mobiletargeting:DeleteApp",))
    gap = CoverageEntry("sesv2:ListEmailIdentities", "eu-west-1", CoverageStatus.DENIED, "AccessDenied", A)
    original = make_result((A,), (make_finding(A, "alice"), make_finding(A, "bob", Severity.LOW)),
                           (ok(A), gap), resolved=(make_finding(A, "old"),))
    original = dataclasses.replace(original, principals=(access,), notes=("n",))
    loaded = load_result(_write(original, tmp_path))
    assert dataclasses.replace(loaded, principals=()) == dataclasses.replace(original, principals=())
    # findings.json keeps each service's summary, not the per-action matrix (that is the HTML's).
    (back,) = loaded.principals
    assert back.service("mobiletargeting").summary == access.service("mobiletargeting").summary
    assert back.service("mobiletargeting").top_level == "List"
    assert (back.archetype, back.excess) == (access.archetype, access.excess)


def test_merge_dedupes_by_fingerprint_sorts_and_keeps_every_coverage_entry(tmp_path):
    shared = make_finding(A, "alice", Severity.MEDIUM)
    shard1 = make_result((A,), (shared, make_finding(A, "bob", Severity.LOW)), (ok(A),),
                         started="2026-03-01T00:00:00Z", finished="2026-03-01T00:05:00Z")
    gap = CoverageEntry("sts:AssumeRole", "global", CoverageStatus.DENIED, "AccessDenied", C)
    shard2 = make_result((B, C), (make_finding(B, "carol", Severity.CRITICAL), shared), (ok(B), gap),
                         started="2026-03-01T00:01:00Z", finished="2026-03-01T00:09:00Z", regions=("eu-west-1",))
    _write(shard1, tmp_path / "shard-1")
    _write(shard2, tmp_path / "shard-2" / "nested")
    merged = merge_paths([tmp_path])
    assert [f.principal_name for f in merged.findings] == ["carol", "alice", "bob"]  # severity order, once each
    assert merged.run.account_ids == (A, B, C)
    assert merged.run.regions == ("eu-west-1", "us-east-1")
    assert (merged.run.started, merged.run.finished) == ("2026-03-01T00:00:00Z", "2026-03-01T00:09:00Z")
    assert set(merged.coverage) == {ok(A), ok(B), gap}
    assert merged.incomplete


def test_finding_resolved_in_one_part_but_present_in_another_is_not_resolved():
    f = make_finding(A, "alice")
    merged = combine([make_result((A,), (f,)), make_result((A,), (), resolved=(f,))], source="merge")
    assert merged.findings == (f,) and merged.resolved == ()


def test_merge_command_writes_reports_and_ignores_its_own_previous_output(tmp_path, capsys):
    _write(make_result((A,), (make_finding(A, "alice", Severity.HIGH),)), tmp_path / "in" / "a")
    _write(make_result((B,), (make_finding(B, "bob", Severity.LOW),)), tmp_path / "in" / "b")
    out = tmp_path / "in" / "merged"  # inside the input tree, as a daily job might put it
    # yesterday's merge saw a finding that is fixed now: it must not come back through the output dir
    _write(make_result((A,), (make_finding(A, "fixed-yesterday", Severity.CRITICAL),)), out)
    code = main(["merge", str(tmp_path / "in"), "--output-dir", str(out), "--format", "json,csv", "--fail-on", "high"])
    assert code == 1
    doc = json.loads((out / "findings.json").read_text())
    assert sorted(f["principal_name"] for f in doc["findings"]) == ["alice", "bob"]
    assert doc["run"]["source"] == "merge" and doc["run"]["account_ids"] == [A, B]
    assert (out / "findings.csv").is_file()
    err = capsys.readouterr().err
    assert "2 findings (1 high, 1 low) in 2 accounts" in err
    assert main(["merge", str(tmp_path / "in"), "--output-dir", str(out), "--format", "json", "--fail-on", "critical",
                 "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_merge_command_records_history(tmp_path):
    from auditor.history import list_runs

    _write(make_result((A,), (make_finding(A, "alice"),)), tmp_path / "in")
    db = tmp_path / "h.sqlite"
    main(["merge", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"), "--format", "json",
          "--history", str(db), "-q"])
    (run,) = list_runs(db)
    assert run.source == "merge" and run.count(Severity.HIGH) == 1


def test_merge_errors_are_one_line_exit_2(tmp_path, capsys):
    assert main(["merge", str(tmp_path / "missing")]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["merge", str(tmp_path / "empty"), "--output-dir", str(tmp_path / "o")]) == 2
    assert "no findings.json found" in capsys.readouterr().err
    bad = tmp_path / "bad"
    doc = json.loads(_write(make_result((A,), (make_finding(A, "x"),)), bad).read_text())
    doc["findings"][0]["severity"] = "catastrophic"
    (bad / "findings.json").write_text(json.dumps(doc))
    assert main(["merge", str(bad), "--output-dir", str(tmp_path / "o")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "findings[0]: severity" in line and str(bad / "findings.json") in line
    with pytest.raises(InputError, match="coverage\\[0\\]"):
        doc = json.loads(_write(make_result((A,), (), (ok(A),)), tmp_path / "c").read_text())
        doc["coverage"][0]["status"] = "maybe"
        (tmp_path / "c" / "findings.json").write_text(json.dumps(doc))
        load_result(tmp_path / "c" / "findings.json")


def test_merge_command_exit_codes(tmp_path):
    existing = make_finding(A, "a", Severity.HIGH, status=Status.EXISTING)
    _write(make_result((A,), (existing,)), tmp_path / "in" / "a")
    out = ["--output-dir", str(tmp_path / "out"), "--format", "json", "-q"]
    assert main(["merge", str(tmp_path / "in"), *out]) == 1
    assert main(["merge", str(tmp_path / "in"), *out, "--fail-on-new"]) == 0  # the high one is not new
    gap = CoverageEntry("sts:AssumeRole", "global", CoverageStatus.DENIED, "AccessDenied", B)
    _write(make_result((B,), (), (gap,)), tmp_path / "in" / "b")
    assert main(["merge", str(tmp_path / "in"), *out]) == 3  # incomplete outranks findings
