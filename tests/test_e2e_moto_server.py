"""End to end over real HTTP: `auditor scan` (live mode, nothing stubbed in boto3) against a moto
server this test starts, found through the endpoint setting boto3 already supports."""
from __future__ import annotations

import json

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from test_collect_support import ALLOW_ALL, DUPLICATE_KEY_POLICY, iam_enforced, run_cli

MOTO_ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def server():
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    yield f"http://{host}:{port}"
    srv.stop()


@pytest.fixture
def endpoint(server, monkeypatch):
    requests.post(f"{server}/moto-api/reset", timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server)
    return server


def _account() -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    arn = iam.create_policy(PolicyName="TagView", PolicyDocument=DUPLICATE_KEY_POLICY)["Policy"]["Arn"]
    iam.create_user(UserName="richard-roe")
    iam.attach_user_policy(UserName="richard-roe", PolicyArn=arn)
    iam.create_login_profile(UserName="richard-roe", Password="x-Test-1234")
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="everything", PolicyDocument=ALLOW_ALL)
    public = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "ses:SendEmail",
        "Resource": f"arn:aws:ses:eu-west-1:{MOTO_ACCOUNT}:identity/example.eu"}]})
    ses = boto3.client("sesv2", region_name="eu-west-1")
    ses.create_email_identity(EmailIdentity="example.eu")
    ses.create_email_identity_policy(EmailIdentity="example.eu", PolicyName="public", Policy=public)
    boto3.client("pinpoint", region_name="us-east-1").create_app(
        CreateApplicationRequest={"Name": "campaigns", "tags": {"Owner": "richard-roe"}})


def test_live_scan_over_http(endpoint, tmp_path):
    _account()
    out = tmp_path / "report"
    code, stdout, stderr = run_cli(["scan", "--region", "us-east-1", "--region", "eu-west-1",
                                    "--output-dir", str(out)])

    assert code == 1, stderr
    assert stdout == "" and f"in {MOTO_ACCOUNT}" in stderr and "INCOMPLETE" not in stderr
    report = json.loads((out / "findings.json").read_text())
    assert report["run"]["source"] == "live" and report["run"]["regions"] == ["eu-west-1", "us-east-1"]
    assert {c["status"] for c in report["coverage"]} == {"ok"}
    found = {(f["check_id"], f["policy_name"]) for f in report["findings"]}
    assert ("IAM001", "everything") in found  # Allow * on * for the admin user
    assert ("POL002", "TagView") in found  # the duplicate key survived the HTTP round trip
    assert ("SES001", "public") in found  # the eu-west-1 identity policy
    assert (out / "findings.csv").exists() and (out / "findings.html").exists()


def test_live_scan_over_http_with_one_family_denied_exits_3(endpoint, tmp_path, monkeypatch):
    _account()
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="scanner")
    iam.put_user_policy(UserName="scanner", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "mobiletargeting:GetApps", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="scanner")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    out = tmp_path / "report"
    with iam_enforced(monkeypatch):
        code, _stdout, stderr = run_cli(["scan", "--region", "us-east-1", "--output-dir", str(out), "--format", "json"])

    assert code == 3, stderr
    assert "INCOMPLETE: 1 coverage gap (first: pinpoint:GetApps@us-east-1 denied" in stderr
    report = json.loads((out / "findings.json").read_text())
    assert any(f["check_id"] == "COV001" and "pinpoint:GetApps" in f["message"] for f in report["findings"])
    assert any(f["check_id"] == "IAM001" for f in report["findings"])  # the rest was scanned
