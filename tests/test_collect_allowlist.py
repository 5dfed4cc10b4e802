"""The collector is read-only by construction and costs a bounded number of calls:
- only allowlisted operations can leave the process, and a full collection uses nothing else;
- the scanner's documented IAM policy is exactly what a scan needs (moto enforces it);
- the number of calls grows with pages, regions and SES identities, never with principals."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_collect_support import (
    CallRecorder,
    add_project,
    add_ses_identity,
    aws,  # noqa: F401 - fixture
    bulk_users,
    collect,
    iam_enforced,
    scanner_session,
    two_enabled_regions,  # noqa: F401 - fixture
)

from auditor.collect import allowlist
from auditor.collect.allowlist import ALLOWED_OPERATIONS, ForbiddenOperation, scanner_policy_actions
from auditor.collect.inventory_builder import build_inventory
from auditor.collect.session import ClientFactory
from auditor.config import Config
from auditor.exitcodes import ExitCode
from auditor.iam.knowledge import AccessLevel, knowledge
from auditor.model.inventory import CoverageStatus
from auditor.pipeline import analyse, exit_code

SCANNER_POLICY = Path(__file__).resolve().parents[1] / "docs" / "scanner-policy.json"


def _policy_actions(doc: dict) -> set[str]:
    actions: set[str] = set()
    for statement in doc["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


def _account_with_everything(session) -> None:
    add_ses_identity(session, "us-east-1", "sender@example.com", {"p": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "pinpoint.amazonaws.com"},
                                                "Action": "ses:SendEmail", "Resource": "*"}]})})
    add_ses_identity(session, "eu-west-1", "example.eu")
    add_project(session, "us-east-1", "campaigns", {"Owner": "a"})
    add_project(session, "eu-west-1", "newsletter", {"Owner": "b"})


def test_documented_scanner_policy_is_the_allowlist_and_read_only():
    actions = _policy_actions(json.loads(SCANNER_POLICY.read_text()))
    assert actions == set(scanner_policy_actions())
    kb = knowledge()
    for action in actions:
        info = kb.action(action)
        assert info is not None, action
        assert info.access_level in (AccessLevel.LIST, AccessLevel.READ), action


def test_a_scan_with_exactly_the_scanner_policy_is_complete(aws, monkeypatch, two_enabled_regions):
    _account_with_everything(aws)
    session = scanner_session(aws, SCANNER_POLICY.read_text())
    recorder = CallRecorder()
    with iam_enforced(monkeypatch):
        # No region list: region discovery (ec2:DescribeRegions) is part of what the policy covers.
        snapshot = collect(session, regions=(), recorder=recorder)

    assert {c.status for c in snapshot.coverage} == {CoverageStatus.OK}, [c for c in snapshot.coverage if c.error]
    used = {allowlist.ALLOWED_OPERATIONS[(svc, op)] for svc, op, _ in recorder.calls}
    assert used - allowlist.NOT_IN_SCANNER_POLICY == set(scanner_policy_actions())  # every grant is needed
    assert snapshot.regions == ("eu-west-1", "us-east-1")  # the enabled ones that offer SES and Pinpoint
    assert exit_code(analyse(build_inventory(snapshot), Config()), "never") is ExitCode.OK


@pytest.mark.parametrize("removed", sorted(scanner_policy_actions()))
def test_removing_any_action_from_the_scanner_policy_leaves_a_gap(aws, monkeypatch, two_enabled_regions, removed):
    _account_with_everything(aws)
    policy = json.loads(SCANNER_POLICY.read_text())
    for statement in policy["Statement"]:
        value = statement["Action"]
        statement["Action"] = [a for a in ([value] if isinstance(value, str) else value) if a != removed] or ["sts:GetCallerIdentity"]
    session = scanner_session(aws, policy)
    with iam_enforced(monkeypatch):
        snapshot = collect(session, regions=())

    gaps = [c for c in snapshot.coverage if c.status is not CoverageStatus.OK]
    assert gaps and all(c.status is CoverageStatus.DENIED for c in gaps)
    assert any(removed in c.error for c in gaps), gaps
    assert exit_code(analyse(build_inventory(snapshot), Config()), "never") is ExitCode.INCOMPLETE


def test_a_full_collection_calls_only_allowlisted_operations(aws, monkeypatch, two_enabled_regions):
    _account_with_everything(aws)
    seen: list[tuple[str, str]] = []
    original = allowlist._guard

    def spy(model, **kwargs):
        seen.append((model.service_model.service_name, model.name))
        return original(model, **kwargs)

    monkeypatch.setattr(allowlist, "_guard", spy)
    collect(aws, regions=())
    assert seen and set(seen) <= set(ALLOWED_OPERATIONS)


def test_the_guard_stops_any_other_operation_before_it_is_sent(aws):
    recorder = CallRecorder()
    factory = ClientFactory(aws, rate_limit=100.0, max_attempts=1, instrument=[recorder])
    iam = factory.client("iam", "us-east-1")
    with pytest.raises(ForbiddenOperation, match="iam:CreateUser is not in the collector's read-only allowlist"):
        iam.create_user(UserName="intruder")
    assert recorder.attempts == 0
    assert all(u["UserName"] != "intruder" for u in aws.client("iam").list_users()["Users"])


def test_a_forbidden_call_inside_collection_is_a_bug_not_a_gap(aws, monkeypatch):
    add_ses_identity(aws, "us-east-1", "a@example.com")
    monkeypatch.delitem(ALLOWED_OPERATIONS, ("sesv2", "GetEmailIdentity"))
    with pytest.raises(ForbiddenOperation):
        collect(aws, regions=["us-east-1"])


def _call_profile(session, regions=("us-east-1", "eu-west-1")) -> dict[str, int]:
    recorder = CallRecorder()
    collect(session, regions=regions, recorder=recorder)
    return recorder.by_operation()


def test_calls_grow_with_regions_and_identities_never_with_principals(aws):
    iam = aws.client("iam")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:List*", "Resource": "*"}]})
    arn = iam.create_policy(PolicyName="p0", PolicyDocument=policy)["Policy"]["Arn"]
    bulk_users(5, prefix="small", policy_arn=arn)
    _call_profile(aws)  # the first run starts the credential report; later runs find it ready
    small = _call_profile(aws)

    bulk_users(600, prefix="big", policy_arn=arn)
    for i in range(1, 40):
        iam.create_policy(PolicyName=f"p{i}", PolicyDocument=policy)
    for i in range(30):
        iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
        iam.put_role_policy(RoleName=f"role-{i}", PolicyName="inline", PolicyDocument=policy)
    assert _call_profile(aws) == small  # 600 more users, 30 roles, 39 policies: not one more call

    for i in range(3):
        add_ses_identity(aws, "eu-west-1", f"s{i}@example.eu")
    with_identities = _call_profile(aws)
    assert with_identities["GetEmailIdentity"] == small.get("GetEmailIdentity", 0) + 3
    assert {k: v for k, v in with_identities.items() if k != "GetEmailIdentity"} == {
        k: v for k, v in small.items() if k != "GetEmailIdentity"}

    three_regions = _call_profile(aws, ("us-east-1", "eu-west-1", "ap-northeast-1"))
    for op in ("ListEmailIdentities", "GetApps"):
        assert three_regions[op] == with_identities[op] + 1
    assert three_regions["GetAccountAuthorizationDetails"] == with_identities["GetAccountAuthorizationDetails"] == 1
