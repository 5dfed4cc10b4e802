"""IAM006, IAM007, IAM008, IAM012: conditions that do not do what they seem to."""
from __future__ import annotations

from test_checks_support import ACCOUNT, PROJECT, allow, doc, group, inventory, lint, managed, scan, user

from auditor.model.finding import Severity

SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
PROJECT_ARN = f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}"


# IAM006 ---------------------------------------------------------------------------------------

def test_iam006_source_keys_in_identity_policies_are_dead():
    (f,) = lint(doc(allow("ses:Get*", Condition=SOURCE_ACCOUNT)), "IAM006")
    assert f.severity is Severity.MEDIUM and f.condition_keys == ("aws:SourceAccount",)
    assert "never allows anything" in f.message
    (f,) = lint(doc({"Effect": "Deny", "Action": "*", "Resource": "*",
                     "Condition": {"ArnNotLike": {"aws:SourceArn": "x"}, "Null": {"aws:SourceOrgID": "false"}}}), "IAM006")
    assert "protects nothing" in f.message and f.condition_keys == ("aws:SourceOrgID",)


def test_iam006_near_misses():
    assert not lint(doc(allow("ses:Get*", Condition={"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}})), "IAM006")
    assert not lint(doc(allow("ses:Get*", Condition={"StringNotEquals": {"aws:SourceAccount": ACCOUNT}})), "IAM006")
    assert not lint(doc(allow("ses:Get*", Condition={"StringEquals": {"aws:ResourceAccount": ACCOUNT}})), "IAM006")
    resource_policy = doc(allow("ses:SendEmail", "arn:aws:ses:us-east-1:111122223333:identity/a@example.com",
                                Principal={"Service": "pinpoint.amazonaws.com"}, Condition=SOURCE_ACCOUNT))
    assert not lint(resource_policy, "IAM006", kind="resource")


# IAM007 ---------------------------------------------------------------------------------------

TAGGED = allow(["mobiletargeting:Get*"], PROJECT_ARN, Sid="IfOwner",
               Condition={"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}})


def test_iam007_unconditioned_allow_covers_the_conditioned_one():
    (f,) = lint(doc(allow("mobiletargeting:*", Sid="All"), TAGGED), "IAM007")
    assert f.severity is Severity.HIGH and f.statement_sid == "IfOwner"
    assert "restricts nothing" in f.message and "All" in f.message


def test_iam007_partial_cover_names_the_covered_actions():
    (f,) = lint(doc(allow("mobiletargeting:GetApp", PROJECT_ARN), TAGGED), "IAM007")
    assert f.actions == ("mobiletargeting:GetApp",)
    assert "1 of the" in f.message


def test_iam007_near_misses():
    assert not lint(doc(TAGGED), "IAM007")
    assert not lint(doc(allow("mobiletargeting:GetApps", f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:*"), TAGGED), "IAM007")
    # The other Allow is itself conditioned: nothing is granted outright.
    conditioned = allow("mobiletargeting:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    assert not lint(doc(conditioned, TAGGED), "IAM007")
    # A Deny removes what the broad Allow gives; the condition matters again.
    deny = {"Effect": "Deny", "Action": "mobiletargeting:*", "Resource": PROJECT_ARN + "*",
            "Condition": {"StringNotEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}}
    assert not lint(doc(allow("mobiletargeting:Get*"), TAGGED, deny), "IAM007")


def test_iam007_across_policies_of_a_principal_and_within_its_boundary():
    tagged = managed("TagView", doc(TAGGED))
    broad = managed("ReadEverything", doc(allow("mobiletargeting:Get*")))
    inv = inventory(users=(user("carol", groups=("readers",), managed_arns=(tagged.arn,)),
                           user("dave", managed_arns=(tagged.arn,))),
                    groups=(group("readers", managed_arns=(broad.arn,)),),
                    managed_policies=(tagged, broad))
    (f,) = scan(inv, "IAM007")
    assert (f.principal_name, f.policy_name) == ("carol", "TagView")
    assert "ReadEverything" in f.message and "group readers" in f.message
    # Within a boundary that does not allow the broad grant, the condition matters again.
    boundary = managed("OwnProjectOnly", doc(TAGGED))
    inv = inventory(users=(user("carol", groups=("readers",), managed_arns=(tagged.arn,), boundary=boundary.arn),),
                    groups=(group("readers", managed_arns=(broad.arn,)),),
                    managed_policies=(tagged, broad, boundary))
    assert not scan(inv, "IAM007")


def test_iam007_in_a_scan_reports_a_self_shadowing_document_once():
    both = managed("Both", doc(allow("mobiletargeting:*"), TAGGED))
    inv = inventory(users=(user("e", managed_arns=(both.arn,)), user("f", managed_arns=(both.arn,))),
                    managed_policies=(both,))
    (f,) = scan(inv, "IAM007")
    assert f.policy_name == "Both" and f.principal_name == ""


# IAM008 ---------------------------------------------------------------------------------------

def _owner(value, key="aws:ResourceTag/Owner", version="2012-10-17"):
    return doc(allow("mobiletargeting:*", PROJECT_ARN, Condition={"StringEquals": {key: value}}), version=version)


def test_iam008_literal_user_name():
    (f,) = lint(_owner("richard-roe"), "IAM008")
    assert f.severity is Severity.LOW and "${aws:username}" in f.message
    assert lint(_owner("userName"), "IAM008")
    assert lint(_owner("jane.doe@example.com", key="aws:RequestTag/CreatedBy"), "IAM008")
    (f,) = lint(_owner("richard-roe", version="2008-10-17"), "IAM008")
    assert "2012-10-17" in f.message


def test_iam008_near_misses():
    assert not lint(_owner("${aws:username}"), "IAM008")
    assert not lint(_owner("marketing-team"), "IAM008")
    assert not lint(_owner("richard-roe", key="aws:ResourceTag/Project"), "IAM008")
    assert not lint(_owner("richard*"), "IAM008")
    negated = doc(allow("mobiletargeting:*", PROJECT_ARN, Condition={"StringNotEquals": {"aws:ResourceTag/Owner": "richard-roe"}}))
    assert not lint(negated, "IAM008")


def test_iam008_inline_policy_of_that_very_user_is_fine():
    inv = inventory(users=(user("richard-roe", inline_docs={"own": _owner("richard-roe")}),
                           user("mary-major", inline_docs={"copied": _owner("richard-roe")})))
    (f,) = scan(inv, "IAM008")
    assert f.principal_name == "mary-major"


def test_iam008_scan_knows_the_accounts_user_names_and_holders():
    # "ops1" does not look like a person, but it is a user of this account.
    shared = managed("OwnerOps1", _owner("ops1"))
    only_mine = managed("OwnerRichard", _owner("richard-roe"))
    inv = inventory(users=(user("ops1"), user("ann", managed_arns=(shared.arn,)),
                           user("richard-roe", managed_arns=(only_mine.arn,))),
                    managed_policies=(shared, only_mine))
    found = {f.policy_name: f.message for f in scan(inv, "IAM008")}
    assert "IAM user of this account" in found["OwnerOps1"]
    # A managed policy held by that user alone still names one person: the next holder gets it too.
    assert "Today only richard-roe holds it" in found["OwnerRichard"]
    assert not lint(_owner("ops1"), "IAM008")  # a lone document cannot know it


# IAM012 ---------------------------------------------------------------------------------------

IP = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}


def test_iam012_ip_restriction_without_service_path():
    (f,) = lint(doc(allow("mobiletargeting:Get*", Condition=IP)), "IAM012")
    assert f.severity is Severity.LOW and "aws:ViaAWSService" in f.message
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
    assert lint(doc(deny), "IAM012")


def test_iam012_near_misses():
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "Bool": {"aws:ViaAWSService": "false"}}}
    assert not lint(doc(deny), "IAM012")
    assert not lint(doc(allow("mobiletargeting:Get*")), "IAM012")
