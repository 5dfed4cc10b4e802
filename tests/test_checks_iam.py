"""IAM001-IAM005, IAM010, IAM011: what an identity policy grants."""
from __future__ import annotations

from test_checks_support import ACCOUNT, PROJECT, allow, doc, inventory, lint, managed, role, scan, user

from auditor.model.finding import Severity
from auditor.registry import CheckOptions

PROJECT_ARNS = [f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}",
                f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}/*"]
ADMIN = doc(allow("*"))


# IAM001 ---------------------------------------------------------------------------------------

def test_iam001_full_admin_is_critical():
    (f,) = lint(ADMIN, "IAM001")
    assert f.severity is Severity.CRITICAL and "every action on every resource" in f.message
    (f,) = lint(doc(allow("*:*")), "IAM001")
    assert f.severity is Severity.CRITICAL


def test_iam001_conditional_admin_is_reported_with_its_condition():
    (f,) = lint(doc(allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})), "IAM001")
    assert f.severity is Severity.HIGH
    assert "only if aws:MultiFactorAuthPresent Bool true" in f.message


def test_iam001_near_misses():
    assert not lint(doc(allow("*", PROJECT_ARNS)), "IAM001")  # everything on one project only
    assert not lint(doc(allow("iam:*")), "IAM001")  # one service: IAM002
    assert not lint(doc({"Effect": "Deny", "Action": "*", "Resource": "*"}), "IAM001")
    assert not lint(doc(allow("mobiletargeting:getapps")), "IAM001")


def test_iam001_in_a_scan_reports_principals_and_skips_the_allowlist():
    admin = managed("AdminEverything", ADMIN)
    inv = inventory(users=(user("alice", managed_arns=(admin.arn,)),),
                    roles=(role("break-glass", {"Version": "2012-10-17", "Statement": []}, managed_arns=(admin.arn,)),),
                    managed_policies=(admin, managed("Dormant", ADMIN, attachments=0)))
    options = CheckOptions(admin_allowlist=(f"arn:aws:iam::{ACCOUNT}:role/break-*",))
    found = scan(inv, "IAM001", options)
    subjects = sorted((f.principal_name, f.policy_name) for f in found)
    assert subjects == [("", "Dormant"), ("alice", "AdminEverything")]
    assert "attached to nobody" in next(f.message for f in found if f.policy_name == "Dormant").lower()


def test_iam001_an_admin_shaped_boundary_is_not_a_dormant_admin_policy():
    everything = managed("BoundaryEverything", ADMIN, attachments=0)
    inv = inventory(users=(user("amy", boundary=everything.arn),), managed_policies=(everything,))
    assert not scan(inv, "IAM001")


def test_iam001_in_a_scan_notes_a_limiting_boundary():
    admin = managed("AdminEverything", ADMIN)
    boundary = managed("PinpointOnly", doc(allow("mobiletargeting:*")))
    inv = inventory(users=(user("bob", managed_arns=(admin.arn,), boundary=boundary.arn),),
                    managed_policies=(admin, boundary))
    (f,) = scan(inv, "IAM001")
    assert f.severity is Severity.HIGH and "PinpointOnly" in f.message


# IAM002 ---------------------------------------------------------------------------------------

def test_iam002_service_wildcard_lists_the_sensitive_expansion():
    (f,) = lint(doc(allow("sms-voice:*")), "IAM002")
    assert f.severity is Severity.HIGH
    assert "sms-voice:PutResourcePolicy" in f.actions and "sms-voice:PutResourcePolicy" in f.message
    (f,) = lint(doc(allow("MobileTargeting:*", f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:*")), "IAM002")
    assert "mobiletargeting:DeleteApp" in f.actions


def test_iam002_one_project_is_medium():
    (f,) = lint(doc(allow("mobiletargeting:*", PROJECT_ARNS)), "IAM002")
    assert f.severity is Severity.MEDIUM and PROJECT in dict(f.evidence)["scope"]


def test_iam002_patterns_that_together_cover_a_service():
    from auditor.iam.knowledge import knowledge

    # Service wildcards (action-name part beginning with a wildcard) that together cover it.
    assert lint(doc(allow(["ses:*Identity*", "ses:?*"])), "IAM002")
    # Prefixes (Ass*, Cre*, ...) name kinds of action, not the service: not IAM002 even when
    # together they list every action today; their writes on * are IAM004's (high: PutResourcePolicy).
    prefixes = sorted({a.name[:3] for a in knowledge().actions_for_service("sms-voice")})
    spelled_out = doc(allow([f"sms-voice:{p}*" for p in prefixes]))
    assert not lint(spelled_out, "IAM002")
    assert any(f.severity is Severity.HIGH and "sms-voice:PutResourcePolicy" in f.actions
               for f in lint(spelled_out, "IAM004"))


def test_iam002_near_misses():
    assert not lint(doc(allow(["mobiletargeting:Get*", "mobiletargeting:List*"])), "IAM002")
    assert not lint(doc(allow("mobiletargeting:getapps")), "IAM002")
    assert not lint(doc(allow("*")), "IAM002")  # IAM001's finding
    assert not lint(doc({"Effect": "Deny", "Action": "sms-voice:*", "Resource": "*"}), "IAM002")


# IAM003 ---------------------------------------------------------------------------------------

def test_iam003_not_action_says_what_it_leaves_in():
    (f,) = lint(doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "IAM003")
    assert "sms-voice" in f.message and "sms-voice:PutResourcePolicy" in f.actions


def test_iam003_not_resource():
    (f,) = lint(doc({"Effect": "Allow", "Action": "ses:SendEmail", "NotResource": "arn:aws:ses:*:*:identity/x"}), "IAM003")
    assert "every resource except" in f.message


def test_iam003_near_misses():
    assert not lint(doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}), "IAM003")
    assert not lint(doc(allow("ses:SendEmail")), "IAM003")


# IAM004 ---------------------------------------------------------------------------------------

def test_iam004_write_on_all_resources():
    (f,) = lint(doc(allow(["sms-voice:CreatePool", "sms-voice:DescribePools"])), "IAM004")
    assert f.severity is Severity.MEDIUM and f.actions == ("sms-voice:CreatePool",)


def test_iam004_account_wide_arn_counts_and_permissions_management_is_high():
    found = lint(doc(allow(["mobiletargeting:DeleteApp", "mobiletargeting:GetApp"],
                           f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:*")), "IAM004")
    assert [f.actions for f in found] == [("mobiletargeting:DeleteApp",)]
    (f,) = lint(doc(allow("sms-voice:PutResourcePolicy")), "IAM004")
    assert f.severity is Severity.HIGH


def test_iam004_near_misses():
    assert not lint(doc(allow(["mobiletargeting:Update*", "mobiletargeting:Create*"], PROJECT_ARNS)), "IAM004")
    assert not lint(doc(allow("ses:listemailidentities")), "IAM004")  # List, and cannot be scoped
    assert not lint(doc(allow("sms-voice:*")), "IAM004")  # IAM002's finding


# IAM005 ---------------------------------------------------------------------------------------

def test_iam005_escalation_through_wildcards_and_lower_case():
    (f,) = lint(doc(allow("iam:passrole")), "IAM005")
    assert f.actions == ("iam:PassRole",)
    (f,) = lint(doc(allow("iam:*")), "IAM005")
    assert {"iam:AttachRolePolicy", "iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy"} <= set(f.actions)
    (f,) = lint(doc(allow("iam:CreateAccessKey", "arn:aws:iam::*:user/*")), "IAM005")
    assert "other users" in dict(f.evidence)["iam:CreateAccessKey"]
    assert lint(doc(allow("sts:AssumeRole")), "IAM005")


def test_iam005_near_misses():
    own = "arn:aws:iam::*:user/${aws:username}"
    assert not lint(doc(allow(["iam:CreateAccessKey", "iam:UpdateLoginProfile"], own)), "IAM005")
    # Under 2008-10-17 the variable is literal text: it names no user at all.
    assert not lint(doc(allow("iam:CreateAccessKey", own), version="2008-10-17"), "IAM005")
    assert not lint(doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/pinpoint-events")), "IAM005")
    assert not lint(doc(allow(["iam:Get*", "iam:List*"])), "IAM005")


# IAM010 ---------------------------------------------------------------------------------------

def test_iam010_data_reads_on_everything():
    (f,) = lint(doc(allow(["s3:List*", "ses:Get*"])), "IAM010")
    assert {"s3:ListBucket", "ses:GetArchiveMessageContent", "ses:GetMessageInsights"} <= set(f.actions)
    assert not {"ses:GetAccount", "s3:ListAllMyBuckets"} & set(f.actions)
    (f,) = lint(doc(allow("secretsmanager:GetSecretValue")), "IAM010")
    assert f.actions == ("secretsmanager:GetSecretValue",)


def test_iam010_near_misses():
    assert not lint(doc(allow("s3:GetObject", "arn:aws:s3:::reports-bucket/*")), "IAM010")
    assert not lint(doc(allow(["mobiletargeting:Get*", "mobiletargeting:List*"],
                              f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:*")), "IAM010")
    assert not lint(doc(allow(["ses:GetAccount", "s3:ListAllMyBuckets"])), "IAM010")


# IAM011 ---------------------------------------------------------------------------------------

def test_iam011_retired_engagement_actions():
    (f,) = lint(doc(allow(["mobiletargeting:GetCampaign", "mobiletargeting:CreateSegment", "mobiletargeting:SendMessages"])), "IAM011")
    assert f.severity is Severity.LOW
    assert set(f.actions) == {"mobiletargeting:GetCampaign", "mobiletargeting:CreateSegment"}
    assert "End User Messaging" in f.message


def test_iam011_near_misses():
    assert not lint(doc(allow(["mobiletargeting:SendMessages", "mobiletargeting:PhoneNumberValidate",
                               "mobiletargeting:UpdateSmsChannel"])), "IAM011")
    assert not lint(doc(allow("sms-voice:*")), "IAM011")
