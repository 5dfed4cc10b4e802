"""`auditor scan` and `auditor collect` on the command line: options, summary, reports, exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_collect_support import (
    ALLOW_ALL,
    assert_one_line_error,
    aws,  # noqa: F401 - fixture
    iam_enforced,
    run_cli,
)

from auditor.collect.snapshot import Snapshot, write_snapshot
from auditor.commands.scan import summary_line
from auditor.exitcodes import ExitCode
from auditor.model.finding import Finding, Severity, Status
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.model.result import RunInfo, ScanResult
from auditor.pipeline import exit_code

ACCOUNT = "210987654321"
ADMIN_USER = {"UserName": "admin", "UserId": "AIDA", "Path": "/", "Arn": f"arn:aws:iam::{ACCOUNT}:user/admin",
              "UserPolicyList": [{"PolicyName": "everything", "PolicyDocument": ALLOW_ALL}]}


def _snapshot(path: Path, *coverage: CoverageEntry, users=(ADMIN_USER,)) -> Path:
    snap = Snapshot(ACCOUNT, "aws", "live", regions=("us-east-1",), collected_at="2026-01-01T00:00:00Z",
                    iam={"UserDetailList": list(users), "GroupDetailList": [], "RoleDetailList": [], "Policies": []},
                    coverage=coverage or (CoverageEntry("iam:GetAccountAuthorizationDetails", "global", CoverageStatus.OK),))
    return write_snapshot(snap, path)


def _finding(severity: Severity, status: Status = Status.NEW) -> Finding:
    return Finding("fp" + severity.label, "IAM001", "full-admin", severity, "t", "m", status=status)


def _result(*findings: Finding, coverage=()) -> ScanResult:
    run = RunInfo("s", "f", "live", (ACCOUNT,), ("us-east-1",), "0", "0")
    return ScanResult(run, findings, coverage)


def test_exit_code_rules():
    high, low = _finding(Severity.HIGH), _finding(Severity.LOW)
    gap = CoverageEntry("sesv2:ListEmailIdentities", "eu-west-1", CoverageStatus.DENIED)
    assert exit_code(_result(high), "high") is ExitCode.FINDINGS
    assert exit_code(_result(low), "high") is ExitCode.OK
    assert exit_code(_result(low), "low") is ExitCode.FINDINGS
    assert exit_code(_result(high), "never") is ExitCode.OK
    assert exit_code(_result(high, coverage=(gap,)), "high") is ExitCode.INCOMPLETE  # 3 wins over 1
    assert exit_code(_result(coverage=(gap,)), "never") is ExitCode.INCOMPLETE
    accepted = CoverageEntry(gap.family, gap.region, gap.status, accepted=True)
    assert exit_code(_result(coverage=(accepted,)), "high") is ExitCode.OK
    assert exit_code(_result(_finding(Severity.CRITICAL, Status.SUPPRESSED)), "info") is ExitCode.OK
    assert exit_code(_result(_finding(Severity.CRITICAL, Status.EXISTING)), "high", fail_on_new=True) is ExitCode.OK
    assert exit_code(_result(_finding(Severity.CRITICAL, Status.EXISTING)), "high") is ExitCode.FINDINGS


def test_summary_line_counts_by_severity_and_names_gaps():
    gap = CoverageEntry("sesv2:ListEmailIdentities", "eu-west-1", CoverageStatus.DENIED, "AccessDenied: no")
    line = summary_line(_result(_finding(Severity.CRITICAL), _finding(Severity.LOW),
                                _finding(Severity.HIGH, Status.SUPPRESSED), coverage=(gap,)),
                        [Path("auditor-report/findings.csv"), Path("auditor-report/findings.html")])
    assert line == ("auditor: 2 findings (1 critical, 1 low, 1 suppressed) in 210987654321; "
                    "report: auditor-report/findings.html; INCOMPLETE: 1 coverage gap "
                    "(first: sesv2:ListEmailIdentities@eu-west-1 denied: AccessDenied: no)")
    assert summary_line(_result(), []) == "auditor: 0 findings in 210987654321"


def test_scan_input_snapshot_writes_reports_and_exits_1(tmp_path):
    snap = _snapshot(tmp_path / "snap.json")
    code, out, err = run_cli(["scan", "--input", str(snap), "--output-dir", str(tmp_path / "r")])
    assert code == 1 and out == ""
    assert sorted(p.name for p in (tmp_path / "r").iterdir())[:3] == ["findings.csv", "findings.html", "findings.json"]
    assert err.startswith("auditor: ") and "critical" in err and ACCOUNT in err
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert report["run"]["source"] == f"snapshot:{snap}"


def test_incomplete_snapshot_exits_3_unless_the_config_accepts_the_gap(tmp_path):
    gap = CoverageEntry("sesv2:ListEmailIdentities", "eu-west-1", CoverageStatus.DENIED, "AccessDenied: no")
    snap = _snapshot(tmp_path / "snap.json", gap)
    code, _out, err = run_cli(["scan", "--input", str(snap), "--output-dir", str(tmp_path / "r")])
    assert code == 3 and "INCOMPLETE: 1 coverage gap" in err
    config = tmp_path / "auditor.toml"
    config.write_text('[scan]\naccept_gaps = ["sesv2:*@eu-west-1"]\n')
    code, _out, err = run_cli(["scan", "--input", str(snap), "--output-dir", str(tmp_path / "r"), "--config", str(config)])
    assert code == 1 and "INCOMPLETE" not in err  # the admin finding remains


def test_checks_format_quiet_and_output_dir_from_the_environment(tmp_path, monkeypatch):
    snap = _snapshot(tmp_path / "snap.json")
    monkeypatch.setenv("AUDITOR_OUTPUT_DIR", str(tmp_path / "env-dir"))
    code, out, err = run_cli(["scan", "--input", str(snap), "--format", "json", "--checks", "USR003",
                              "--fail-on", "low", "-q"])
    assert (code, out, err) == (1, "", "")
    assert [p.name for p in (tmp_path / "env-dir").iterdir()] == ["findings.json"]
    report = json.loads((tmp_path / "env-dir" / "findings.json").read_text())
    assert {f["check_id"] for f in report["findings"]} == {"USR003"}
    code, _out, _err = run_cli(["scan", "--input", str(snap), "--skip-checks", "IAM*,USR*,POL*", "--format", "json"])
    assert code == 0


def test_baseline_marks_findings_existing_and_fail_on_new(tmp_path):
    snap = _snapshot(tmp_path / "snap.json")
    first = tmp_path / "first"
    assert run_cli(["scan", "--input", str(snap), "--output-dir", str(first), "--format", "json"])[0] == 1
    code, _out, err = run_cli(["scan", "--input", str(snap), "--output-dir", str(tmp_path / "second"), "--format", "json",
                               "--baseline", str(first / "findings.json"), "--fail-on-new"])
    assert code == 0, err
    report = json.loads((tmp_path / "second" / "findings.json").read_text())
    assert report["findings"] and {f["status"] for f in report["findings"]} == {"existing"}


@pytest.mark.parametrize("argv, fragment", [
    (["--input", "x.json", "--profile", "p"], "--profile applies to a live scan, not to --input"),
    (["--demo", "--region", "us-east-1"], "--region applies to a live scan, not to --demo"),
    (["--demo", "--format", "html,pdf"], "unknown report format 'pdf'"),
    (["--demo", "--checks", "NOPE999"], "unknown check 'NOPE999'"),
    (["--external-id", "x", "--region", "us-east-1"], "--external-id needs --role-arn"),
    (["--org", "--role-name", "r", "--jobs", "2"], "--jobs applies to a single-account scan"),
])
def test_usage_errors_are_exit_2_with_one_line(argv, fragment):
    assert_one_line_error(*run_cli(["scan", *argv])[::2], fragment)


def test_input_and_demo_are_exclusive():
    code, _out, err = run_cli(["scan", "--demo", "--input", "x.json"])
    assert code == 2 and "not allowed with argument" in err


def test_live_scan_and_collect_through_the_cli(aws, tmp_path, monkeypatch):
    """The live path in-process: default credential chain (moto's), explicit regions."""
    iam = aws.client("iam")
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="everything", PolicyDocument=ALLOW_ALL)
    code, _out, err = run_cli(["scan", "--region", "us-east-1", "--output-dir", str(tmp_path / "r"), "--format", "json"])
    assert code == 1, err
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert report["run"]["source"] == "live" and report["run"]["regions"] == ["us-east-1"]
    assert any(f["check_id"] == "IAM001" and f["principal_name"] == "admin" for f in report["findings"])

    snap = tmp_path / "snap.json"
    code, _out, err = run_cli(["collect", "--region", "us-east-1", "--out", str(snap)])
    assert code == 0 and "collected 1 users" in err and str(snap) in err
    assert json.loads(snap.read_text())["UserDetailList"][0]["UserName"] == "admin"

    # The same through a key that may not read SES identities: the snapshot is written, exit 3.
    scanner = iam.create_user(UserName="scanner")["User"]["UserName"]
    iam.put_user_policy(UserName=scanner, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ses:ListEmailIdentities", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=scanner)["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    with iam_enforced(monkeypatch):
        code, _out, err = run_cli(["collect", "--region", "us-east-1", "--out", str(snap)])
    assert code == 3 and "INCOMPLETE" in err and "sesv2:ListEmailIdentities@us-east-1 denied" in err
    assert any(c["status"] == "denied" for c in json.loads(snap.read_text())["coverage"])


def test_collection_error_is_exit_2_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    code, _out, err = run_cli(["scan", "--profile", "ghost", "--output-dir", str(tmp_path / "r")])
    assert_one_line_error(code, err, "AWS profile 'ghost' not found")
    code, _out, err = run_cli(["collect", "--region", "us-moon-1", "--out", str(tmp_path / "s.json")])
    assert_one_line_error(code, err, "unknown region 'us-moon-1'")


def test_org_scan_runs_the_single_account_scan_in_each_member(aws, tmp_path):
    from test_org_support import create_organization

    members = create_organization(aws, 2)
    sts = aws.client("sts")
    for account in members:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")["Credentials"]
        iam = aws.client("iam", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="everything", PolicyDocument=ALLOW_ALL)
    out = tmp_path / "org"
    code, _out, err = run_cli(["scan", "--accounts", ",".join(members), "--role-name", "auditor",
                               "--region", "us-east-1", "--output-dir", str(out), "--format", "json", "--checks", "IAM001"])
    assert code == 1, err
    report = json.loads((out / "findings.json").read_text())
    assert sorted(f["account_id"] for f in report["findings"]) == members
    assert all((out / "accounts" / account / "findings.json").exists() for account in members)
    code, _out, err = run_cli(["scan", "--accounts", members[0], "--demo"])
    assert_one_line_error(code, err, "--org and --accounts scan live accounts")


def test_history_records_a_single_account_scan(tmp_path):
    from auditor.history import list_runs

    snap = _snapshot(tmp_path / "snap.json")
    history = tmp_path / "history.sqlite"
    for _ in range(2):
        assert run_cli(["scan", "--input", str(snap), "--output-dir", str(tmp_path / "r"), "--format", "json",
                        "--history", str(history)])[0] == 1
    assert len(list_runs(history)) == 2


def test_summary_names_the_report_as_the_user_would_find_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = summary_line(_result(), [tmp_path / "out" / "findings.html"])
    assert line.endswith("; report: out/findings.html")
    outside = tmp_path.parent / "elsewhere" / "findings.html"
    assert summary_line(_result(), [outside]).endswith(f"; report: {outside}")
