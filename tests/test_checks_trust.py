"""TRU001-TRU003: role trust policies."""
from __future__ import annotations

from test_checks_support import ACCOUNT, doc, inventory, lint, role, scan

from auditor.model.finding import Severity
from auditor.registry import CheckOptions


def trust(principal, condition=None, action="sts:AssumeRole"):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def tru(document, check_id, **kw):
    return lint(document, check_id, kind="trust", **kw)


def test_tru001_anyone_can_assume():
    (f,) = tru(trust({"AWS": "*"}), "TRU001")
    assert f.severity is Severity.CRITICAL and f.actions == ("sts:AssumeRole",)
    (f,) = tru(trust("*", condition={"StringEquals": {"sts:ExternalId": "s3cr3t"}}, action="sts:*"), "TRU001")
    assert f.severity is Severity.HIGH and "sts:ExternalId" in f.message


def test_tru001_near_misses():
    assert not tru(trust({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), "TRU001")
    assert not tru(trust({"AWS": "*"}, condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/ci-*"}}), "TRU001")
    assert not tru(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), "TRU001")
    assert not tru(trust({"AWS": "*"}, action="sts:GetCallerIdentity"), "TRU001")


def test_tru002_untrusted_account():
    (f,) = tru(trust({"AWS": "arn:aws:iam::444455556666:root"}, condition={"StringEquals": {"sts:ExternalId": "x"}}), "TRU002")
    assert "444455556666" in f.message and "ExternalId" in f.message


def test_tru002_near_misses():
    assert not tru(trust({"AWS": "arn:aws:iam::444455556666:root"}), "TRU002",
                   options=CheckOptions(trusted_accounts=frozenset({"444455556666"})))
    assert not tru(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}), "TRU002")
    assert not tru(trust({"Service": "pinpoint.amazonaws.com"}), "TRU002")


def test_tru003_service_trust_without_source_keys():
    (f,) = tru(trust({"Service": ["pinpoint.amazonaws.com", "ec2.amazonaws.com"]}), "TRU003")
    assert dict(f.evidence)["service principals"] == "pinpoint.amazonaws.com"


def test_tru003_near_misses():
    assert not tru(trust({"Service": "pinpoint.amazonaws.com"}, condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}), "TRU003")
    assert not tru(trust({"Service": "lambda.amazonaws.com"}), "TRU003")
    assert not tru(trust({"Service": "ec2.amazonaws.com"}), "TRU003")


def test_trust_checks_skip_service_linked_roles_in_a_scan():
    linked = role("AWSServiceRoleForX", trust({"Service": "pinpoint.amazonaws.com"}), path="/aws-service-role/x/")
    mine = role("events", trust({"Service": "pinpoint.amazonaws.com"}))
    (f,) = scan(inventory(roles=(linked, mine)), "TRU003")
    assert f.principal_name == "events" and f.policy_type.value == "trust"
