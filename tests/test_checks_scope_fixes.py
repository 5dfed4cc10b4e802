"""Checks that must judge a statement by the resources its actions really reach: IAM007 with an
unconditioned NotResource, IAM011 on other services' ARNs, SES003 with NotAction, USR001 with
CreateApp's `apps/*` resource, SES001 with conditions that restrict nothing."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_checks_support import ACCOUNT, PROJECT, allow, doc, inventory, lint, managed, scan, user

from auditor.analysis.resources import may_name, reaches, request_arns
from auditor.iam.knowledge import knowledge
from auditor.model.finding import Severity
from auditor.model.inventory import CredentialRow
from auditor.parse.policy import parse_policy

MT = f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}"
APP = f"{MT}:apps/{PROJECT}"
FROM_OFFICE = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}


def _action(name: str):
    return knowledge().action(name)


# request_arns / reaches: what a Resource pattern stands for ---------------------------------------

def test_star_stands_for_the_action_resource_formats_not_a_literal_star():
    (get_app,) = request_arns(_action("mobiletargeting:GetApp"), "*")
    assert get_app == "arn:aws:mobiletargeting:${Region}:${Account}:apps/${AppId}"
    assert request_arns(_action("mobiletargeting:GetApp"), "*", "aws-us-gov")[0].startswith("arn:aws-us-gov:")
    # CreateApp's one resource is the literal `apps/*` (design §2); a project never stands for it.
    assert request_arns(_action("mobiletargeting:CreateApp"), "*") == ("arn:aws:mobiletargeting:${Region}:${Account}:apps/*",)
    assert request_arns(_action("mobiletargeting:CreateApp"), f"{APP}/*") == ()
    assert request_arns(_action("mobiletargeting:CreateApp"), f"{MT}:*") == (f"{MT}:apps/*",)
    # An action without resource types is authorised against `*` only.
    assert request_arns(_action("mobiletargeting:PhoneNumberValidate"), "*") == (
        "arn:aws:mobiletargeting:${Region}:${Account}:phone/number/validate",)
    assert request_arns(_action("sms-voice:DescribeAccountAttributes"), "*") == ("*",)
    assert request_arns(_action("sms-voice:DescribeAccountAttributes"), f"{MT}:*") == ()


def test_a_notresource_that_overlaps_a_request_names_some_of_it():
    (app,) = request_arns(_action("mobiletargeting:GetApp"), "*")
    assert may_name("arn:aws:mobiletargeting:*:*:apps/*", app)
    assert may_name(f"{MT}:apps/abc", app)  # one project, one region: some of the apps
    assert not may_name("arn:aws:mobiletargeting:*:*:recommenders/*", app)
    # The literal `*` of CreateApp's resource is text: `apps/abc*` does not name it.
    (create,) = request_arns(_action("mobiletargeting:CreateApp"), "*")
    assert not may_name(f"{MT}:apps/abc*", create) and may_name(f"{MT}:apps/*", create)


@pytest.mark.parametrize("resource, not_resource, reached", [
    ("arn:aws:ses:*:*:*", False, False),
    ("arn:aws:s3:::*", False, False),
    ("arn:aws:mobiletargeting:*:*:*", False, True),
    ("*", False, True),
    ("arn:aws:mobiletargeting:*:*:apps/*", True, False),  # every segment is inside some project
    (f"{MT}:apps/abc/*", True, True),  # only one project's segments are left out
])
def test_reaches_reads_resource_and_notresource(resource, not_resource, reached):
    key = "NotResource" if not_resource else "Resource"
    statement = parse_policy(json.dumps(doc({"Effect": "Allow", "Action": "*", key: resource}))).statements[0]
    assert reaches(statement, _action("mobiletargeting:GetSegment")) is reached


# D2: IAM007 and an unconditioned NotResource -------------------------------------------------------

ALL_EXCEPT_PROJECTS = {"Sid": "AllExceptProjects", "Effect": "Allow", "Action": "mobiletargeting:*",
                       "NotResource": "arn:aws:mobiletargeting:*:*:apps/*"}
PROJECTS_FROM_OFFICE = allow("mobiletargeting:GetApp", Sid="ProjectsFromOffice", Condition=FROM_OFFICE)


def test_iam007_not_reported_when_the_notresource_excludes_what_the_condition_guards():
    assert not lint(doc(ALL_EXCEPT_PROJECTS, PROJECTS_FROM_OFFICE), "IAM007")


def test_iam007_not_reported_when_the_notresource_excludes_only_some_of_it():
    one_region = {**ALL_EXCEPT_PROJECTS, "NotResource": "arn:aws:mobiletargeting:us-east-1:*:apps/*"}
    assert not lint(doc(one_region, PROJECTS_FROM_OFFICE), "IAM007")
    one_project = {**ALL_EXCEPT_PROJECTS, "NotResource": APP}
    guarded = allow("mobiletargeting:GetApp", f"{MT}:apps/*", Condition=FROM_OFFICE)
    assert not lint(doc(one_project, guarded), "IAM007")


def test_iam007_still_reported_when_the_unconditioned_grant_covers_every_resource():
    every_region = allow("mobiletargeting:GetApp", "arn:aws:mobiletargeting:*:*:*")
    (f,) = lint(doc(every_region, PROJECTS_FROM_OFFICE), "IAM007")
    assert f.severity is Severity.HIGH
    # One account's resources are not every resource of the action.
    assert not lint(doc(allow("mobiletargeting:GetApp", f"{MT}:*"), PROJECTS_FROM_OFFICE), "IAM007")
    # A NotResource on other resources leaves every project in.
    not_s3 = {**ALL_EXCEPT_PROJECTS, "NotResource": "arn:aws:s3:::*"}
    assert lint(doc(not_s3, PROJECTS_FROM_OFFICE), "IAM007")


def test_iam007_reports_only_the_actions_a_notresource_leaves_in():
    # AWS managed DataScientist #5 and #7: flow definitions are excluded, but ListFlowDefinitions
    # has no resource type (authorised against `*`, which the NotResource does not name).
    sagemaker = {"Effect": "Allow", "Action": "sagemaker:*", "NotResource": [
        "arn:aws:sagemaker:*:*:domain/*", "arn:aws:sagemaker:*:*:flow-definition/*"]}
    flows = allow(["sagemaker:*FlowDefinition", "sagemaker:*FlowDefinitions"],
                  Condition={"StringEqualsIfExists": {"sagemaker:WorkteamType": ["private-crowd"]}})
    (f,) = lint(doc(sagemaker, flows), "IAM007")
    assert f.severity is Severity.MEDIUM and f.actions == ("sagemaker:ListFlowDefinitions",)


def test_iam007_every_action_candidate_and_a_notresource():
    everything_but = {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret/*"}
    with_mfa = allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})
    assert not lint(doc(everything_but, with_mfa), "IAM007")
    assert lint(doc(allow("*"), with_mfa), "IAM007")


def test_iam007_requests_of_star_are_in_the_account_partition():
    gov = allow("mobiletargeting:GetApp", "arn:aws-us-gov:mobiletargeting:*:*:*")
    assert lint(doc(gov, PROJECTS_FROM_OFFICE), "IAM007", partition="aws-us-gov")
    assert not lint(doc(gov, PROJECTS_FROM_OFFICE), "IAM007", partition="aws")


def test_iam007_in_a_scan_across_policies_with_a_notresource():
    broad = managed("AllExceptProjects", doc(ALL_EXCEPT_PROJECTS))
    office = managed("ProjectsFromOffice", doc(PROJECTS_FROM_OFFICE))
    inv = inventory(users=(user("ann", managed_arns=(broad.arn, office.arn)),), managed_policies=(broad, office))
    assert not scan(inv, "IAM007")


# D5: IAM011 only on resources that Pinpoint actions reach -----------------------------------------

@pytest.mark.parametrize("resource", ["arn:aws:ses:*:*:*", ["arn:aws:s3:::*", "arn:aws:s3:::*/*"]])
def test_iam011_not_reported_for_other_services_resources(resource):
    assert not lint(doc(allow("*", resource)), "IAM011")


def test_iam011_counts_only_engagement_actions_on_reachable_resources():
    (f,) = lint(doc(allow("*", "arn:aws:mobiletargeting:*:*:*")), "IAM011")
    # TagResource, UntagResource and ListTagsForResource also act on projects and templates.
    assert not {"mobiletargeting:TagResource", "mobiletargeting:UntagResource",
                "mobiletargeting:ListTagsForResource"} & set(f.actions)
    assert "mobiletargeting:CreateCampaign" in f.actions and "mobiletargeting:CreateInAppTemplate" in f.actions
    # A project's ARNs reach no recommender and no in-app template.
    (f,) = lint(doc(allow("mobiletargeting:*", [APP, f"{APP}/*"])), "IAM011")
    assert "mobiletargeting:CreateCampaign" in f.actions
    assert not [a for a in f.actions if "Recommender" in a or "InAppTemplate" in a]
    # Everything but the projects: recommenders, reports and in-app templates are still reachable.
    (f,) = lint(doc(ALL_EXCEPT_PROJECTS), "IAM011")
    assert "mobiletargeting:GetReports" in f.actions and "mobiletargeting:CreateCampaign" not in f.actions


# D7b: SES003 with NotAction ----------------------------------------------------------------------

IDENTITY = f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/example.com"


def test_ses003_spells_out_a_notaction_grant():
    statement = {"Effect": "Allow", "Principal": {"Service": "pinpoint.amazonaws.com"}, "NotAction": "ses:SendEmail",
                 "Resource": IDENTITY}
    (f,) = lint(doc(statement), "SES003", kind="resource")
    assert "every action except ses:SendEmail" in f.message
    assert "grants pinpoint.amazonaws.com ses:SendEmail" not in f.message
    assert "ses:DeleteEmailIdentity" in f.actions and "ses:SendEmail" not in f.actions
    (f,) = lint(doc(statement), "SES002", kind="resource")
    assert "every action except ses:SendEmail" in f.message


def test_ses003_reads_notresource():
    statement = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "ses:*",
                 "NotResource": "arn:aws:ses:*:*:identity/*"}
    (f,) = lint(doc(statement), "SES003", kind="resource")
    assert "ses:* on every resource except arn:aws:ses:*:*:identity/*" in f.message
    # Identity actions are left out; v1 actions without a resource type (authorised on `*`) are not.
    assert "ses:DeleteEmailIdentity" not in f.actions and "ses:DeleteIdentityPolicy" in f.actions


# D9: SES001 and conditions that restrict nothing ---------------------------------------------------

def _public(condition):
    return doc({"Effect": "Allow", "Principal": "*", "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": IDENTITY, "Condition": condition})


@pytest.mark.parametrize("condition", [
    {"StringLike": {"aws:PrincipalAccount": "*"}},
    {"StringNotEquals": {"aws:PrincipalAccount": "111111111111"}},
    {"StringNotEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    {"IpAddress": {"aws:SourceIp": ["::/0", "10.0.0.0/8"]}},
    {"NotIpAddress": {"aws:SourceIp": "198.51.100.7/32"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:*:*:*:*:*"}},
])
def test_ses001_critical_when_the_conditions_restrict_nothing(condition):
    (f,) = lint(_public(condition), "SES001", kind="resource")
    assert f.severity is Severity.CRITICAL and "every caller meets" in f.message


@pytest.mark.parametrize("condition", [
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}, "StringNotEquals": {"aws:PrincipalAccount": "111111111111"}},
    {"Bool": {"aws:SecureTransport": "true"}},
])
def test_ses001_high_when_a_condition_narrows_the_callers(condition):
    (f,) = lint(_public(condition), "SES001", kind="resource")
    assert f.severity is Severity.HIGH


def test_ses001_not_reported_when_a_condition_names_the_callers():
    assert not lint(_public({"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}), "SES001", kind="resource")
    # A Like pattern that is not all `*` narrows the callers without naming them: still public, high.
    (f,) = lint(_public({"StringLike": {"aws:PrincipalAccount": "1111*"}}), "SES001", kind="resource")
    assert f.severity is Severity.HIGH


# D8: USR001 and CreateApp's `apps/*` resource -------------------------------------------------------

def _console_user(document):
    policy = managed("Policy", document)
    row = CredentialRow("ann", f"arn:aws:iam::{ACCOUNT}:user/ann", True, "", False, ())
    return inventory(users=(user("ann", managed_arns=(policy.arn,)),), managed_policies=(policy,), credentials=(row,))


TAG_MODIFY = allow("mobiletargeting:*", [APP, f"{APP}/*"],
                   Condition={"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}})


def test_usr001_does_not_list_createapp_for_a_project_policy():
    (f,) = scan(_console_user(doc(TAG_MODIFY)), "USR001")
    assert "mobiletargeting:CreateApp" not in f.actions and "CreateApp" not in f.message
    assert "mobiletargeting:CreateCampaign" in f.actions
    # CreateApp alone on a project's ARNs grants nothing (simulate: ImplicitlyDenied).
    assert not scan(_console_user(doc(allow("mobiletargeting:CreateApp", [APP, f"{APP}/*"]))), "USR001")


def test_usr001_lists_createapp_on_the_apps_resource():
    (f,) = scan(_console_user(doc(allow("mobiletargeting:CreateApp", f"{MT}:apps/*"))), "USR001")
    assert f.actions == ("mobiletargeting:CreateApp",)


def test_usr001_sees_write_access_through_notresource():
    everything_but = {"Effect": "Allow", "Action": "iam:*", "NotResource": f"arn:aws:iam::{ACCOUNT}:role/admin"}
    (f,) = scan(_console_user(doc(everything_but)), "USR001")
    assert any(a.startswith("iam:") for a in f.actions)


def test_usr001_createapp_agrees_with_simulate(tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(doc(TAG_MODIFY)))
    for resource in (f"{MT}:apps", f"{MT}:apps/*"):
        out = subprocess.run([sys.executable, "-m", "auditor", "simulate", "--policy", str(policy), "--action",
                              "mobiletargeting:CreateApp", "--resource", resource, "--principal",
                              f"arn:aws:iam::{ACCOUNT}:user/ann", "--context", "aws:username=ann"],
                             capture_output=True, text=True, check=False)
        assert json.loads(out.stdout)["decision"] == "ImplicitlyDenied"
