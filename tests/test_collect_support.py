"""Shared helpers of the collection tests, and tests that the helpers themselves do what they claim.

moto 5.2 gaps are filled here, test-side, each for a stated reason:
- IAM GetAccountAuthorizationDetails never paginates in moto: `paginated_gaad` pages it by MaxItems
  and Marker, as IAM does, so the collector's page loop is exercised.
- SES v2 ListEmailIdentities paginates with a key moto's model lacks: `sesv2_pages` fixes the key.
- moto's signature check fails for REST (GET) requests of SES v2 and Pinpoint when IAM enforcement
  is on: `iam_enforced` skips the signature check only; the authorization decision stays moto's.
"""
from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import enable_iam_authentication
from moto.core.responses import ActionResult
from moto.iam.models import iam_backends

from auditor.collect.collector import CollectOptions, collect_live
from auditor.collect.session import AwsTarget

MOTO_ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")
FAST = CollectOptions(rate_limit=10_000.0, max_attempts=3)
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
DUPLICATE_KEY_POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Sid": "Dup", "Effect": "Allow", "Action": "mobiletargeting:Get*", '
    '"Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "richard-roe"}, '
    '"StringEquals": {"aws:PrincipalTag/team": "ops"}}}]}'
)
_GAAD_KEYS = (("UserDetailList", "users"), ("GroupDetailList", "groups"), ("RoleDetailList", "roles"),
              ("Policies", "managed_policies"))


@pytest.fixture
def aws():
    """An in-process moto account and a plain session to build it with."""
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


def _paginated_gaad(self) -> ActionResult:
    details = self.backend.get_account_authorization_details(self._get_param("Filter", []))
    items = [(key, item) for key, source in _GAAD_KEYS for item in details[source]]
    start = int(self._get_param("Marker") or 0)
    size = int(self._get_param("MaxItems") or 100)
    page = items[start:start + size]
    result: dict[str, Any] = {key: [item for k, item in page if k == key] for key, _ in _GAAD_KEYS}
    result["IsTruncated"] = start + size < len(items)
    if result["IsTruncated"]:
        result["Marker"] = str(start + size)
    return ActionResult(result)


@pytest.fixture
def paginated_gaad(monkeypatch):
    from moto.iam.responses import IamResponse

    monkeypatch.setattr(IamResponse, "get_account_authorization_details", _paginated_gaad)


@pytest.fixture
def sesv2_pages(monkeypatch):
    from moto.sesv2 import models

    monkeypatch.setitem(models.PAGINATION_MODEL["list_email_identities"], "unique_attribute", "email_identity")


@pytest.fixture
def fast_retries(monkeypatch):
    """botocore's retry backoff without the waiting, so retry tests take milliseconds."""
    from botocore.retries import adaptive, standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    monkeypatch.setattr(adaptive.ClientRateLimiter, "on_sending_request", lambda self, request, **kw: None)


@pytest.fixture
def two_enabled_regions(monkeypatch):
    """Region discovery over an account with two regions on and one opt-in region off (moto lists
    every region of the partition, and a discovery test should not read thirty of them)."""
    from moto.ec2.models.availability_zones_and_regions import Region, RegionsAndZonesBackend

    monkeypatch.setattr(RegionsAndZonesBackend, "regions", [
        Region("us-east-1", "ec2.us-east-1.amazonaws.com", "opt-in-not-required"),
        Region("eu-west-1", "ec2.eu-west-1.amazonaws.com", "opt-in-not-required"),
        Region("af-south-1", "ec2.af-south-1.amazonaws.com", "not-opted-in"),
    ])


@contextlib.contextmanager
def iam_enforced(monkeypatch):
    import moto.iam.access_control as access_control

    monkeypatch.setattr(access_control.IAMRequestBase, "check_signature", lambda self: None)
    with enable_iam_authentication():
        yield


def scanner_session(session: boto3.Session, policy: dict | str, name: str = "scanner") -> boto3.Session:
    """A moto user holding only `policy`, and a session signed with its key."""
    iam = session.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="scanner",
                        PolicyDocument=policy if isinstance(policy, str) else json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return boto3.Session(aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                         region_name="us-east-1")


@dataclass
class CallRecorder:
    """An `instrument` hook: records every API call (before-call) and HTTP attempt (before-send)."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (service, operation, region)
    attempts: int = 0

    def __call__(self, client: Any) -> None:
        region = client.meta.region_name

        def before_call(model, **_):
            self.calls.append((model.service_model.service_name, model.name, region))

        def before_send(**_):
            self.attempts += 1

        client.meta.events.register("before-call", before_call)
        client.meta.events.register_first("before-send", before_send)

    def count(self, operation: str) -> int:
        return sum(1 for _, op, _ in self.calls if op == operation)

    def by_operation(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, op, _ in self.calls:
            out[op] = out.get(op, 0) + 1
        return out


def collect(session: boto3.Session, regions=REGIONS, recorder: CallRecorder | None = None, **target):
    return collect_live(AwsTarget(regions=tuple(regions), **target), FAST, session=session,
                        instrument=[recorder] if recorder else [], sleep=lambda _s: None)


def bulk_users(count: int, *, prefix: str = "user", policy_arn: str | None = None) -> None:
    """Many users straight in moto's model: thousands of API calls would only slow the test."""
    backend = iam_backends[MOTO_ACCOUNT]["aws"]
    for i in range(count):
        backend.create_user(region_name="us-east-1", user_name=f"{prefix}-{i:05d}")
        if policy_arn:
            backend.attach_user_policy(policy_arn, f"{prefix}-{i:05d}")


def add_ses_identity(session: boto3.Session, region: str, name: str, policies: dict[str, str] | None = None,
                     tags: dict[str, str] | None = None) -> None:
    ses = session.client("sesv2", region_name=region)
    ses.create_email_identity(EmailIdentity=name, Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])
    for policy_name, text in (policies or {}).items():
        ses.create_email_identity_policy(EmailIdentity=name, PolicyName=policy_name, Policy=text)


def add_project(session: boto3.Session, region: str, name: str, tags: dict[str, str] | None = None) -> str:
    pinpoint = session.client("pinpoint", region_name=region)
    answer = pinpoint.create_app(CreateApplicationRequest={"Name": name, "tags": tags or {}})
    return answer["ApplicationResponse"]["Arn"]


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """`auditor ARGV` in-process: (exit code, stdout, stderr)."""
    from auditor.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_one_line_error(code: int, stderr: str, *fragments: str) -> None:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor: error: "), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


# -- the helpers themselves ------------------------------------------------------------------------


def test_paginated_gaad_pages_like_iam(aws, paginated_gaad):
    bulk_users(5)
    iam = aws.client("iam")
    first = iam.get_account_authorization_details(MaxItems=2)
    assert first["IsTruncated"] and len(first["UserDetailList"]) == 2
    rest = iam.get_account_authorization_details(MaxItems=10, Marker=first["Marker"])
    assert not rest["IsTruncated"] and len(rest["UserDetailList"]) == 3


def test_call_recorder_sees_calls_and_attempts(aws):
    recorder = CallRecorder()
    client = aws.client("sts")
    recorder(client)
    client.get_caller_identity()
    assert recorder.calls == [("sts", "GetCallerIdentity", "us-east-1")] and recorder.attempts == 1


def test_run_cli_reports_usage_errors_as_exit_2():
    code, _out, err = run_cli(["scan", "--fail-on", "severe"])
    assert code == 2 and "invalid choice" in err

