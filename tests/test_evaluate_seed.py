"""Every seed policy against requests inside and outside what it means to grant."""
import pytest

from auditor.evaluate.engine import evaluate
from auditor.evaluate.request import Decision, Request
from auditor.parse.policy import parse_policy
from tests.conftest import SEED_DIR, seed

A, I, E = Decision.ALLOWED, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY
ACCT = "111122223333"
USER = f"arn:aws:iam::{ACCT}:user/richard-roe"
MT = f"arn:aws:mobiletargeting:us-east-1:{ACCT}"
PROJECT = f"{MT}:apps/810c7aab86d42fb2b56c8c966example"
OTHER_PROJECT = f"{MT}:apps/0000aaaa0000bbbb0000cccc0000dddd"
WEST = f"arn:aws:mobiletargeting:us-west-2:{ACCT}:apps/810c7aab86d42fb2b56c8c966example"
SOURCE = {"aws:SourceAccount": ACCT}
SMS_SOURCE = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"arn:aws:sms-voice:us-east-1:{ACCT}:configuration-set/c"}
SES_ID = f"arn:aws:ses:us-east-1:{ACCT}:identity/sender@example.com"
GOV_ID = f"arn:aws-us-gov:ses:us-gov-west-1:{ACCT}:identity/sender@example.com"
PINPOINT_CALL = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"{MT}:apps/810c7aab86d42fb2b56c8c966example"}
GOV_CALL = {"aws:SourceAccount": ACCT,
            "aws:SourceArn": f"arn:aws-us-gov:mobiletargeting:us-gov-west-1:{ACCT}:apps/p"}

IDENTITY_CASES = [
    # 01 console read-only: Pinpoint reads in one region; the support statement needs aws:SourceAccount
    ("01_console_readonly.json", "mobiletargeting:GetApp", PROJECT, {}, A),
    ("01_console_readonly.json", "mobiletargeting:ListTemplates", f"{MT}:templates", {}, A),
    ("01_console_readonly.json", "mobiletargeting:GetApp", WEST, {}, I),
    ("01_console_readonly.json", "mobiletargeting:DeleteApp", PROJECT, {}, I),
    ("01_console_readonly.json", "ses:GetAccount", "*", {}, I),  # a user's own call carries no SourceAccount
    ("01_console_readonly.json", "ses:GetAccount", "*", SOURCE, A),
    ("01_console_readonly.json", "s3:ListBucket", "arn:aws:s3:::any-bucket", SOURCE, A),
    ("01_console_readonly.json", "s3:GetObject", "arn:aws:s3:::any-bucket/x", SOURCE, I),
    # 02 single project read-only
    ("02_single_project_readonly.json", "mobiletargeting:GetCampaign", f"{PROJECT}/campaigns/c1", {}, A),
    ("02_single_project_readonly.json", "mobiletargeting:GetCampaign", f"{OTHER_PROJECT}/campaigns/c1", {}, I),
    ("02_single_project_readonly.json", "mobiletargeting:GetApp", PROJECT, {}, A),
    ("02_single_project_readonly.json", "mobiletargeting:GetApp", OTHER_PROJECT, {}, I),
    ("02_single_project_readonly.json", "mobiletargeting:GetApps", f"{MT}:apps", {}, A),
    ("02_single_project_readonly.json", "mobiletargeting:GetApps", f"{MT}:apps/*", {}, A),
    ("02_single_project_readonly.json", "mobiletargeting:GetReports", f"{MT}:reports", {}, A),
    ("02_single_project_readonly.json", "mobiletargeting:UpdateCampaign", f"{PROJECT}/campaigns/c1", {}, I),
    # 03 limited write: create/update/put, never delete
    ("03_project_limited_write.json", "mobiletargeting:CreateSegment", f"{PROJECT}/segments", {}, A),
    ("03_project_limited_write.json", "mobiletargeting:UpdateCampaign", f"{PROJECT}/campaigns/c1", {}, A),
    ("03_project_limited_write.json", "mobiletargeting:PutEvents", f"{PROJECT}/events", {}, A),
    ("03_project_limited_write.json", "mobiletargeting:DeleteSegment", f"{PROJECT}/segments/s1", {}, I),
    ("03_project_limited_write.json", "mobiletargeting:CreateSegment", f"{OTHER_PROJECT}/segments", {}, I),
    # 04 tag-based view: the unconditioned ListResources statement allows Get* to anyone
    ("04_tag_based_view.json", "mobiletargeting:GetApp", PROJECT, {}, A),
    ("04_tag_based_view.json", "mobiletargeting:GetApp", WEST, {"aws:ResourceTag/Owner": "someone-else"}, A),
    ("04_tag_based_view.json", "mobiletargeting:DeleteApp", PROJECT, {"aws:ResourceTag/Owner": "richard-roe"}, I),
    ("04_tag_based_view.corrected.json", "mobiletargeting:GetApp", PROJECT, {}, A),
    ("04_tag_based_view.corrected.json", "mobiletargeting:UpdateApp", PROJECT, {}, I),
    # 05 view own permissions: ${aws:username}
    ("05_view_own_permissions.json", "iam:GetUser", f"arn:aws:iam::{ACCT}:user/richard-roe",
     {"aws:username": "richard-roe"}, A),
    ("05_view_own_permissions.json", "iam:GetUser", f"arn:aws:iam::{ACCT}:user/bob", {"aws:username": "richard-roe"}, I),
    ("05_view_own_permissions.json", "iam:GetUser", f"arn:aws:iam::{ACCT}:user/richard-roe", {}, I),
    ("05_view_own_permissions.json", "iam:ListAttachedUserPolicies", f"arn:aws:iam::{ACCT}:user/richard-roe",
     {"aws:username": "richard-roe"}, A),
    ("05_view_own_permissions.json", "iam:ListUsers", "*", {}, A),
    ("05_view_own_permissions.json", "iam:DeleteUser", f"arn:aws:iam::{ACCT}:user/richard-roe",
     {"aws:username": "richard-roe"}, I),
    # 06 API read-only, 07 API admin
    ("06_api_readonly.json", "mobiletargeting:GetSegments", f"{PROJECT}/segments", {}, A),
    ("06_api_readonly.json", "mobiletargeting:CreateApp", f"{MT}:apps", {}, I),
    ("07_api_admin.json", "mobiletargeting:DeleteApp", PROJECT, {}, A),
    ("07_api_admin.json", "mobiletargeting:DeleteApp", WEST, {}, I),
    ("07_api_admin.json", "ses:SendEmail", SES_ID, {}, I),
    # 08 / 09 SMS and voice: conditions a user's own calls never satisfy
    ("08_sms_voice_readonly.json", "sms-voice:ListConfigurationSets", "*", {}, I),
    ("08_sms_voice_readonly.json", "sms-voice:ListConfigurationSets", "*", SMS_SOURCE, A),
    ("08_sms_voice_readonly.json", "sms-voice:DeleteConfigurationSet", "*", SMS_SOURCE, I),
    ("09_sms_voice_admin.json", "sms-voice:ListConfigurationSets", "*", SMS_SOURCE, I),  # does not parse
    ("09_sms_voice_admin.corrected.json", "sms-voice:DeleteConfigurationSet", "*", SMS_SOURCE, A),
    ("09_sms_voice_admin.corrected.json", "sms-voice:DeleteConfigurationSet", "*", SOURCE, I),
    # 10 IP-restricted project (Principal ignored in an identity policy)
    ("10_ip_restricted_project.json", "mobiletargeting:GetApp", PROJECT, {"aws:SourceIp": "54.240.143.5"}, A),
    ("10_ip_restricted_project.json", "mobiletargeting:DeleteApp", PROJECT, {"aws:SourceIp": "54.240.143.5"}, A),
    ("10_ip_restricted_project.json", "mobiletargeting:GetApp", PROJECT, {"aws:SourceIp": "54.240.143.188"}, I),
    ("10_ip_restricted_project.json", "mobiletargeting:GetApp", PROJECT, {"aws:SourceIp": "54.240.144.5"}, I),
    ("10_ip_restricted_project.json", "mobiletargeting:GetApp", PROJECT, {}, I),
    ("10_ip_restricted_project.json", "mobiletargeting:GetApp", OTHER_PROJECT, {"aws:SourceIp": "54.240.143.5"}, I),
    # 11 tag-based modify: Owner tag must be the literal richard-roe; tag key case does not matter
    ("11_tag_based_project_modify.json", "mobiletargeting:UpdateCampaign", f"{PROJECT}/campaigns/c1",
     {"aws:ResourceTag/Owner": "richard-roe"}, A),
    ("11_tag_based_project_modify.json", "mobiletargeting:UpdateCampaign", f"{PROJECT}/campaigns/c1",
     {"aws:resourcetag/owner": "richard-roe"}, A),
    ("11_tag_based_project_modify.json", "mobiletargeting:UpdateCampaign", f"{PROJECT}/campaigns/c1",
     {"aws:ResourceTag/Owner": "Richard-Roe"}, I),
    ("11_tag_based_project_modify.json", "mobiletargeting:UpdateCampaign", f"{PROJECT}/campaigns/c1", {}, I),
]


def load(name):
    return parse_policy(seed(name))


@pytest.mark.parametrize("name, action, resource, context, expected", IDENTITY_CASES)
def test_seed_identity_policy(name, action, resource, context, expected):
    result = evaluate(Request.make(USER, action, resource, context), [load(name)])
    assert result.decision is expected, result.detail


RESOURCE_CASES = [
    ("12_ses_identity_for_pinpoint.json", "pinpoint.amazonaws.com", "ses:SendEmail", SES_ID, PINPOINT_CALL, A),
    ("12_ses_identity_for_pinpoint.json", "pinpoint.amazonaws.com", "ses:DeleteEmailIdentity", SES_ID, PINPOINT_CALL, A),
    ("12_ses_identity_for_pinpoint.json", "pinpoint.amazonaws.com", "ses:SendEmail",
     f"arn:aws:ses:us-east-1:{ACCT}:identity/other@example.com", PINPOINT_CALL, I),
    ("12_ses_identity_for_pinpoint.json", "pinpoint.amazonaws.com", "ses:SendEmail", SES_ID,
     {**PINPOINT_CALL, "aws:SourceArn": f"arn:aws:sms-voice:us-east-1:{ACCT}:x"}, I),
    ("12_ses_identity_for_pinpoint.json", USER, "ses:SendEmail", SES_ID, PINPOINT_CALL, I),
    ("13_ses_identity_for_pinpoint_govcloud.json", "pinpoint.amazonaws.com", "ses:SendEmail", GOV_ID, GOV_CALL, A),
    ("13_ses_identity_for_pinpoint_govcloud.json", "pinpoint.amazonaws.com", "ses:SendEmail", SES_ID, GOV_CALL, I),
    ("13_ses_identity_for_pinpoint_govcloud.json", "pinpoint.amazonaws.com", "ses:SendEmail", GOV_ID, PINPOINT_CALL, I),
    # 10 attached as a resource policy: Principal "*" lets anyone in the IP range in, without identity policy
    ("10_ip_restricted_project.json", USER, "mobiletargeting:GetApp", PROJECT, {"aws:SourceIp": "54.240.143.5"}, A),
    ("10_ip_restricted_project.json", USER, "mobiletargeting:GetApp", PROJECT, {"aws:SourceIp": "54.240.143.188"}, I),
]


@pytest.mark.parametrize("name, principal, action, resource, context, expected", RESOURCE_CASES)
def test_seed_resource_policy(name, principal, action, resource, context, expected):
    result = evaluate(Request.make(principal, action, resource, context), [], load(name))
    assert result.decision is expected, result.detail


def test_every_seed_policy_is_exercised():
    names = {p.name for p in SEED_DIR.glob("*.json")}
    tested = {c[0] for c in IDENTITY_CASES} | {c[0] for c in RESOURCE_CASES}
    assert names <= tested


def test_04_duplicate_condition_loses_the_owner_check():
    # The second StringEquals replaced the first: without an Owner tag the conditioned statement
    # still matches in the broken policy, and does not in the corrected twin.
    context = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"{MT}:apps/x", "aws:ResourceTag/Owner": "mallory"}
    request = Request.make(USER, "mobiletargeting:GetApp", PROJECT, context)
    broken = evaluate(request, [load("04_tag_based_view.json")])
    fixed = evaluate(request, [load("04_tag_based_view.corrected.json")])
    assert [m.statement.sid for m in broken.matched] == ["ListResources", "ViewResourceIfOwner"]
    assert [m.statement.sid for m in fixed.matched] == ["ListResources"]
