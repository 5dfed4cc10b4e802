"""`auditor scan --demo`: the embedded moto account, collected by the live code path, offline."""
from __future__ import annotations

import csv
import json
import os
import socket

import pytest
from test_collect_support import run_cli

from auditor.demo import ACCOUNT_ID, demo_snapshot
from auditor.demo.account import IDENTITIES, MANAGED, PROJECTS, USERS
from auditor.model.inventory import CoverageStatus


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "report"
    code, stdout, stderr = run_cli(["scan", "--demo", "--output-dir", str(out)])
    return code, stdout, stderr, out


def test_demo_scan_exits_1_and_writes_the_reports(demo_run):
    code, stdout, stderr, out = demo_run
    assert code == 1, stderr
    assert stdout == ""  # reports go to files, the summary to stderr
    for name in ("findings.json", "findings.csv", "findings.html"):
        assert (out / name).stat().st_size > 0, name
    [summary] = [line for line in stderr.splitlines() if line.startswith("auditor: ") and "findings" in line]
    assert f"in {ACCOUNT_ID}" in summary and "findings.html" in summary and "INCOMPLETE" not in summary


def test_demo_findings_include_the_seed_examples_problems(demo_run):
    out = demo_run[3]
    report = json.loads((out / "findings.json").read_text())
    assert report["run"]["source"] == "demo" and report["run"]["account_ids"] == [ACCOUNT_ID]
    assert all(c["status"] == "ok" for c in report["coverage"])
    found = {(f["check_id"], f["policy_name"] or f["principal_name"]) for f in report["findings"]}
    expected = {
        ("POL002", "PinpointTagBasedView"),  # 04 kept with its duplicate StringEquals
        ("IAM007", "PinpointTagBasedView"),
        ("IAM002", "PinpointApiAdmin"),  # the admin role's mobiletargeting:*
        ("IAM002", "SmsVoiceFullAccess"),  # the over-broad user's sms-voice:*
        ("IAM006", "PinpointConsoleReadOnly"),  # aws:SourceAccount on a user's own calls
        ("IAM010", "PinpointConsoleReadOnly"),
        ("POL007", "PinpointProjectLimitedWrite"),  # the ...example project id
        ("IAM008", "PinpointTagBasedModify"),
        ("SES003", "PinpointEmail"),  # 12: ses:* where sending suffices
        ("SES001", "AnyoneMaySend"),
        ("SES002", "PinpointSendsForUs"),
        ("SES004", "PartnerAgencySends"),
        ("USR001", "richard-roe"),  # console password, no MFA
        ("USR002", "sms-operator"),  # the old access key
        ("USR003", "sms-operator"),
        ("TRU002", "AssumeRolePolicyDocument"),
    }
    assert expected <= found, expected - found
    assert not any(f["check_id"] == "SES002" and f["policy_name"] == "PinpointEmail" for f in report["findings"])
    assert not any(f["check_id"] == "USR001" and f["principal_name"] in ("maria-garcia", "li-juan")
                   for f in report["findings"])


def test_demo_csv_and_html_are_consistent_and_escaped(demo_run):
    out = demo_run[3]
    report = json.loads((out / "findings.json").read_text())
    with (out / "findings.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["fingerprint"] for r in rows) == sorted(f["fingerprint"] for f in report["findings"])
    html = (out / "findings.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "<img src=x onerror" not in html


def test_demo_account_contents_come_back_through_the_collector():
    snapshot = demo_snapshot()
    assert snapshot.account_id == ACCOUNT_ID and snapshot.source == "demo"
    assert {c.status for c in snapshot.coverage} == {CoverageStatus.OK}
    assert len(snapshot.iam["UserDetailList"]) == len(USERS)
    assert len(snapshot.iam["Policies"]) == len(MANAGED)
    assert sorted(i["IdentityName"] for items in snapshot.ses.values() for i in items) == sorted(
        i.name for i in IDENTITIES)
    tags = {p["Name"]: p["tags"]["Owner"] for items in snapshot.pinpoint.values() for p in items}
    assert tags == {p.name: p.owner for p in PROJECTS}
    rows = {r["user"]: r for r in snapshot.credential_report}
    assert rows["li-juan"]["mfa_active"] == "true" and rows["richard-roe"]["mfa_active"] == "false"
    assert rows["sms-operator"]["access_key_1_last_rotated"].startswith("2023-03-01")
    roles = {r["RoleName"]: r for r in snapshot.iam["RoleDetailList"]}
    assert roles["CampaignAutomation"]["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(
        "policy/CampaignAutomationBoundary")


def test_demo_needs_no_network_ignores_the_users_aws_setup_and_restores_it(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-elses-profile")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("MOTO_ACCOUNT_ID", raising=False)

    def no_network(*_args, **_kwargs):
        raise AssertionError("the demo tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    snapshot = demo_snapshot()
    assert snapshot.account_id == ACCOUNT_ID
    assert os.environ["AWS_PROFILE"] == "someone-elses-profile"
    assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert "MOTO_ACCOUNT_ID" not in os.environ
