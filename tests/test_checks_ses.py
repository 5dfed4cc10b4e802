"""SES001-SES006: SES identity (sending-authorization) policies."""
from __future__ import annotations

import json

from test_checks_support import ACCOUNT, PROJECT, doc, inventory, lint, scan

from auditor.model.finding import PolicyType, Severity
from auditor.model.inventory import CoverageEntry, CoverageStatus, PinpointProject, PolicyRef, SesIdentity
from auditor.parse.policy import parse_policy
from auditor.registry import CheckOptions

IDENTITY = f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/sender@example.com"
SEND = ["ses:SendEmail", "ses:SendRawEmail"]
BOTH = {"StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/*"}}


def grant(principal, action=SEND, condition=None, **extra):
    statement = {"Sid": "Send", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": IDENTITY, **extra}
    if condition:
        statement["Condition"] = condition
    return doc(statement)


def ses(document, check_id, **kw):
    return lint(document, check_id, kind="resource", **kw)


# SES001 ---------------------------------------------------------------------------------------

def test_ses001_public_identity_policy():
    (f,) = ses(grant("*"), "SES001")
    assert f.severity is Severity.CRITICAL and "any AWS account" in f.message
    (f,) = ses(grant({"AWS": "*"}, condition={"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}), "SES001")
    assert f.severity is Severity.HIGH and "aws:SourceIp" in f.message
    assert ses(grant("*", condition={"StringLike": {"aws:PrincipalOrgID": "*"}}), "SES001")  # matches every org
    not_principal = doc({"Effect": "Allow", "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                         "Action": SEND, "Resource": IDENTITY})
    assert ses(not_principal, "SES001")


def test_ses001_near_misses():
    assert not ses(grant("*", condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}), "SES001")
    assert not ses(grant("*", condition=BOTH), "SES001")
    assert not ses(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), "SES001")
    assert not lint(grant("*"), "SES001")  # an identity policy is POL004's business


# SES002 ---------------------------------------------------------------------------------------

def test_ses002_service_principal_without_confused_deputy_keys():
    (f,) = ses(grant({"Service": "pinpoint.amazonaws.com"}), "SES002")
    assert f.severity is Severity.HIGH and "aws:SourceAccount and aws:SourceArn" in f.message
    (f,) = ses(grant({"Service": "pinpoint.amazonaws.com"}, condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}), "SES002")
    assert f.severity is Severity.MEDIUM and dict(f.evidence)["missing"] == "aws:SourceArn"
    # IfExists lets a request without the key through: it is no protection.
    weak = {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}, "ArnLike": BOTH["ArnLike"]}
    (f,) = ses(grant({"Service": "pinpoint.amazonaws.com"}, condition=weak), "SES002")
    assert f.severity is Severity.MEDIUM


def test_ses002_near_misses():
    assert not ses(grant({"Service": "pinpoint.amazonaws.com"}, condition=BOTH), "SES002")
    assert not ses(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), "SES002")


# SES003 ---------------------------------------------------------------------------------------

def test_ses003_more_than_sending():
    (f,) = ses(grant({"Service": "pinpoint.amazonaws.com"}, action="ses:*", condition=BOTH), "SES003")
    assert "ses:DeleteEmailIdentity" in f.actions and "ses:SendEmail" not in f.actions
    assert "ses:SendEmail and ses:SendRawEmail" in f.message


def test_ses003_near_misses():
    assert not ses(grant({"Service": "pinpoint.amazonaws.com"}, condition=BOTH), "SES003")
    assert not ses(grant({"AWS": ACCOUNT}, action=["ses:sendemail", "ses:SendTemplatedEmail"]), "SES003")


# SES004 ---------------------------------------------------------------------------------------

def test_ses004_untrusted_account():
    (f,) = ses(grant({"AWS": "arn:aws:iam::444455556666:role/mailer"}), "SES004")
    assert "444455556666" in f.message and f.severity is Severity.HIGH


def test_ses004_near_misses():
    trusted = CheckOptions(trusted_accounts=frozenset({"444455556666"}))
    assert not ses(grant({"AWS": "444455556666"}), "SES004", options=trusted)
    assert not ses(grant({"AWS": f"arn:aws:iam::{ACCOUNT}:user/app"}), "SES004")
    assert not ses(grant({"AWS": "444455556666"}), "SES004", account="")  # no owner, no trust list: unknown


# SES005 ---------------------------------------------------------------------------------------

def test_ses005_source_conditions_of_another_account_or_region():
    other = {"StringEquals": {"aws:SourceAccount": "444455556666"}}
    (f,) = ses(grant({"Service": "pinpoint.amazonaws.com"}, condition=other), "SES005")
    assert "444455556666" in f.message
    region = {"ArnLike": {"aws:SourceArn": f"arn:aws:mobiletargeting:eu-west-1:{ACCOUNT}:apps/*"}}
    (f,) = ses(grant({"Service": "pinpoint.amazonaws.com"}, condition=region), "SES005")
    assert "eu-west-1" in f.message


def test_ses005_govcloud_policy_on_a_commercial_identity():
    gov = doc({"Effect": "Allow", "Principal": {"Service": "pinpoint.amazonaws.com"}, "Action": "ses:*",
               "Resource": "arn:aws-us-gov:ses:us-gov-west-1:111122223333:identity/sender@example.com",
               "Condition": {"StringLike": {"aws:SourceArn": "arn:aws-us-gov:mobiletargeting:us-gov-west-1:111122223333:apps/*"}}})
    # Linted alone, the document is consistent with the identity it names (POL010 reports the partition).
    assert not ses(gov, "SES005")
    ref = PolicyRef("gov", "", PolicyType.RESOURCE, parse_policy(json.dumps(gov)), IDENTITY)
    inv = inventory(ses_identities=(SesIdentity(ACCOUNT, "us-east-1", "sender@example.com", IDENTITY, "EMAIL_ADDRESS",
                                                True, (ref,)),))
    (f,) = scan(inv, "SES005")
    assert "partition aws-us-gov" in f.message and f.resource_arn == IDENTITY


def test_ses005_near_misses():
    assert not ses(grant({"Service": "pinpoint.amazonaws.com"}, condition=BOTH), "SES005")
    trusted = CheckOptions(trusted_accounts=frozenset({"444455556666"}))
    other = {"StringEquals": {"aws:SourceAccount": "444455556666"}}
    assert not ses(grant({"Service": "pinpoint.amazonaws.com"}, condition=other), "SES005", options=trusted)


# SES006 ---------------------------------------------------------------------------------------

def _account_with(source_arn: str, *, projects=(), coverage=()):
    policy = grant({"Service": "pinpoint.amazonaws.com"},
                   condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": source_arn}})
    ref = PolicyRef("pinpoint", "", PolicyType.RESOURCE, parse_policy(json.dumps(policy)), IDENTITY)
    identity = SesIdentity(ACCOUNT, "us-east-1", "sender@example.com", IDENTITY, "EMAIL_ADDRESS", True, (ref,))
    return inventory(ses_identities=(identity,), pinpoint_projects=tuple(projects), coverage=tuple(coverage))


def test_ses006_source_arn_names_a_missing_project():
    (f,) = scan(_account_with(f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}"), "SES006")
    assert PROJECT in f.message and f.severity is Severity.LOW and f.resource_arn == IDENTITY


def test_ses006_near_misses():
    project = PinpointProject(ACCOUNT, "us-east-1", PROJECT, "demo", f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}")
    assert not scan(_account_with(project.arn, projects=(project,)), "SES006")
    assert not scan(_account_with(f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/*"), "SES006")
    denied = CoverageEntry("pinpoint:GetApps", "us-east-1", CoverageStatus.DENIED, "AccessDenied")
    assert not scan(_account_with(project.arn, coverage=(denied,)), "SES006")  # unknown, not missing
    assert not scan(_account_with(f"arn:aws:mobiletargeting:eu-west-1:{ACCOUNT}:apps/{PROJECT}"), "SES006")  # not scanned
