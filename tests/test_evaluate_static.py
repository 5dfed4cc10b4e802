import json

import pytest

from auditor.evaluate.static import Tri, static_access, statement_matches
from auditor.parse.policy import parse_policy
from tests.conftest import seed

ACCT = "111122223333"
MT = f"arn:aws:mobiletargeting:us-east-1:{ACCT}"
PROJECT = f"{MT}:apps/810c7aab86d42fb2b56c8c966example"
NO, COND, YES = Tri.NO, Tri.CONDITIONAL, Tri.YES


def load(name):
    return parse_policy(seed(name))


def policy(*statements, version="2012-10-17"):
    return parse_policy(json.dumps({"Version": version, "Statement": list(statements)}))


def match(p, index, action, resource, known=None):
    return statement_matches(p.statements[index], action, resource, variables_enabled=p.supports_variables,
                             known_context=known)


def test_01_support_statement_is_only_if_source_account():
    p = load("01_console_readonly.json")
    m = match(p, 1, "ses:GetAccount", "*")
    assert m.tri is COND
    assert [(c.operator, c.key, c.values) for c in m.conditions] == [("StringEquals", "aws:SourceAccount", (ACCT,))]
    # a user's own call is known to carry no aws:SourceAccount: the statement grants nothing
    assert match(p, 1, "ses:GetAccount", "*", {"aws:SourceAccount": ()}).tri is NO
    assert match(p, 1, "ses:GetAccount", "*", {"aws:SourceAccount": ()}).conditions == ()
    # keys the caller knows nothing about stay only-if
    assert match(p, 1, "ses:GetAccount", "*", {"aws:SourceIp": ("1.2.3.4",)}).tri is COND
    assert match(p, 1, "ses:GetAccount", "*", {"AWS:SourceAccount": (ACCT,)}).tri is YES
    assert match(p, 1, "ses:SendEmail", "*").tri is NO


def test_01_pinpoint_statement_is_unconditional():
    p = load("01_console_readonly.json")
    assert match(p, 0, "mobiletargeting:GetApp", PROJECT).tri is YES
    assert match(p, 0, "mobiletargeting:getapp", PROJECT).tri is YES
    assert match(p, 0, "mobiletargeting:DeleteApp", PROJECT).tri is NO
    assert match(p, 0, "mobiletargeting:GetApp", PROJECT.replace("us-east-1", "eu-west-1")).tri is NO


def test_05_resource_variable_depends_on_who_asks():
    p = load("05_view_own_permissions.json")
    own = f"arn:aws:iam::{ACCT}:user/richard-roe"
    assert match(p, 0, "iam:GetUser", own) == match(p, 0, "iam:GetUser", own)
    assert match(p, 0, "iam:GetUser", own).tri is COND
    assert match(p, 0, "iam:GetUser", "arn:aws:s3:::bucket").tri is NO  # could never match
    assert match(p, 0, "iam:GetUser", own, {"aws:username": ("richard-roe",)}).tri is YES
    assert match(p, 0, "iam:GetUser", own, {"aws:username": ("bob",)}).tri is NO
    legacy = policy(*[{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"}],
                    version="2008-10-17")
    assert match(legacy, 0, "iam:GetUser", own).tri is NO
    assert match(legacy, 0, "iam:GetUser", f"arn:aws:iam::{ACCT}:user/${{aws:username}}").tri is YES


def test_not_resource_with_variable():
    p = policy({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::home/${aws:username}/*"})
    assert match(p, 0, "s3:GetObject", "arn:aws:s3:::home/alice/x").tri is COND
    # only if aws:username has a value: without one the statement applies to nothing
    assert match(p, 0, "s3:GetObject", "arn:aws:s3:::elsewhere/x").tri is COND
    assert match(p, 0, "s3:GetObject", "arn:aws:s3:::elsewhere/x", {"aws:username": ("alice",)}).tri is YES
    assert match(p, 0, "s3:GetObject", "arn:aws:s3:::elsewhere/x", {"aws:username": ()}).tri is NO
    assert match(p, 0, "s3:GetObject", "arn:aws:s3:::home/alice/x", {"aws:username": ("alice",)}).tri is NO


def test_statement_without_resource_matches_nothing():
    p = policy({"Effect": "Allow", "Action": "*"})
    assert match(p, 0, "s3:GetObject", "*").tri is NO


def test_condition_variable_unknown_is_only_if():
    p = policy({"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}})
    known = {"aws:ResourceTag/Owner": ("alice",)}
    assert match(p, 0, "s3:GetObject", "*", known).tri is COND
    assert match(p, 0, "s3:GetObject", "*", {**known, "aws:username": ("alice",)}).tri is YES
    assert match(p, 0, "s3:GetObject", "*", {**known, "aws:username": ("bob",)}).tri is NO


def test_static_access_ip_restricted_project():
    p = load("10_ip_restricted_project.json")
    access = static_access([p], "mobiletargeting:GetApp", PROJECT)
    assert access.tri is COND
    assert {c.operator for c in access.conditions} == {"IpAddress", "NotIpAddress"}
    assert [(i, s.sid) for i, s in access.allows] == [(0, "IPAllow")]
    assert static_access([p], "mobiletargeting:GetApp", PROJECT, known_context={"aws:SourceIp": ("54.240.143.5",)}).tri is YES
    denied = static_access([p], "mobiletargeting:GetApp", PROJECT, known_context={"aws:sourceip": ("54.240.143.188",)})
    assert denied.tri is NO and denied.conditions == ()


def test_static_access_04_unconditioned_statement_makes_it_yes():
    access = static_access([load("04_tag_based_view.json")], "mobiletargeting:GetApp", PROJECT)
    assert access.tri is YES
    assert [s.sid for _, s in access.allows] == ["ListResources", "ViewResourceIfOwner"]
    assert access.conditions == ()


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
MFA_DENY = {"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
ONLY_IF_IP = {**ALLOW_ALL, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}


@pytest.mark.parametrize("policies, boundaries, known, expected", [
    ([[ALLOW_ALL]], [], None, YES),
    ([[ALLOW_ALL], [{**ALLOW_ALL, "Effect": "Deny"}]], [], None, NO),
    ([[ALLOW_ALL, MFA_DENY]], [], None, COND),  # allowed unless the deny condition holds
    ([[ALLOW_ALL, MFA_DENY]], [], {"aws:MultiFactorAuthPresent": ("true",)}, YES),
    ([[ALLOW_ALL, MFA_DENY]], [], {"aws:MultiFactorAuthPresent": ()}, NO),
    ([[ONLY_IF_IP]], [], None, COND),
    ([[ONLY_IF_IP], [ALLOW_ALL]], [], None, YES),
    ([], [], None, NO),
    ([[ALLOW_ALL]], [[ALLOW_ALL]], None, YES),
    ([[ALLOW_ALL]], [[ONLY_IF_IP]], None, COND),  # the boundary is only-if
    ([[ALLOW_ALL]], [[{**ALLOW_ALL, "Action": "ses:*"}]], None, NO),
    ([[ALLOW_ALL]], [[ALLOW_ALL, {**ALLOW_ALL, "Effect": "Deny"}]], None, NO),
    ([[{**ALLOW_ALL, "Action": "ses:*"}]], [[ALLOW_ALL]], None, NO),
])
def test_static_access_combinations(policies, boundaries, known, expected):
    access = static_access([policy(*p) for p in policies], "s3:GetObject", "arn:aws:s3:::b/k",
                           boundaries=[policy(*b) for b in boundaries], known_context=known)
    assert access.tri is expected
    assert bool(access.conditions) == (expected is COND)


def test_static_access_reports_denies_and_boundary_indices():
    access = static_access([policy(ALLOW_ALL, MFA_DENY)], "s3:GetObject", "*",
                           boundaries=[policy(ONLY_IF_IP)])
    assert access.tri is COND
    assert [(i, s.index) for i, s in access.denies] == [(0, 1)]
    assert [(i, s.index) for i, s in access.allows] == [(0, 0), (1, 0)]
    assert {c.key for c in access.conditions} == {"aws:MultiFactorAuthPresent", "aws:SourceIp"}


def test_resource_variables_known_absent_or_defaulted():
    p = policy({"Effect": "Allow", "Action": "s3:*",
                "Resource": "arn:aws:s3:::${aws:PrincipalTag/team}/${aws:username}/*"})
    key = "arn:aws:s3:::ops/alice/k"
    assert match(p, 0, "s3:GetObject", key).tri is COND
    assert match(p, 0, "s3:GetObject", key, {"aws:PrincipalTag/team": ()}).tri is NO  # known to have no value
    assert match(p, 0, "s3:GetObject", key, {"aws:PrincipalTag/team": ("ops",)}).tri is COND
    assert match(p, 0, "s3:GetObject", key, {"aws:PrincipalTag/team": ("dev",)}).tri is NO
    defaulted = policy({"Effect": "Allow", "Action": "s3:*",
                        "Resource": "arn:aws:s3:::${aws:PrincipalTag/team, 'ops'}/${aws:username}/*"})
    assert match(defaulted, 0, "s3:GetObject", key, {"aws:PrincipalTag/team": ()}).tri is COND


# ARNs a statement is asked about: projects and identities of the account, placeholders, "*".
NAMED_ARNS = (PROJECT, f"{PROJECT}/campaigns/c1", f"{MT}:apps/other", f"{MT}:*", f"{MT}:apps/*", "*",
              f"arn:aws:ses:us-east-1:{ACCT}:identity/example.com", f"arn:aws:sms-voice:us-east-1:{ACCT}:pool/p1",
              f"arn:aws:mobiletargeting:us-west-2:{ACCT}:apps/810c7aab86d42fb2b56c8c966example")
CONTEXTS = (None, {"aws:username": ("alice",)}, {"aws:username": ()}, {"aws:sourceip": ("10.0.0.1",)},
            {"aws:resourcetag/owner": ("alice",), "aws:username": ("alice",)})


@pytest.mark.parametrize("name", ["01_console_readonly.json", "02_single_project_readonly.json",
                                  "03_project_limited_write.json", "04_tag_based_view.json",
                                  "05_view_own_permissions.json", "10_ip_restricted_project.json"])
def test_an_arn_the_resource_element_cannot_name_is_never_matched(name):
    from auditor.evaluate.static import resource_named_by

    p = load(name)
    for statement in p.statements:
        named = resource_named_by(statement, p.supports_variables)
        for arn in NAMED_ARNS:
            if named is None or named(arn):
                continue
            for action in (*statement.actions, "mobiletargeting:GetApp", "ses:SendEmail"):
                for known in CONTEXTS:
                    assert statement_matches(statement, action, arn, variables_enabled=p.supports_variables,
                                             known_context=known).tri is NO, (name, statement.index, arn, known)


def test_which_statements_the_arn_test_can_judge_alone():
    from auditor.evaluate.static import resource_named_by

    plain = policy({"Effect": "Allow", "Action": "mobiletargeting:GetApp", "Resource": [PROJECT, f"{MT}:apps/a*"]})
    named = resource_named_by(plain.statements[0], True)
    assert named(PROJECT) and named(f"{MT}:apps/abc") and not named(f"{MT}:apps/other") and not named("*")
    no_resource = policy({"Effect": "Allow", "Action": "ses:SendEmail", "NotPrincipal": {"AWS": "*"}})
    assert resource_named_by(no_resource.statements[0], True)("*") is False  # grants an identity nothing
    # What a variable or NotResource matches depends on the request: left to statement_matches.
    variable = policy({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"})
    assert resource_named_by(variable.statements[0], True) is None
    assert resource_named_by(variable.statements[0], False)("arn:aws:iam::1:user/${aws:username}")
    excluded = policy({"Effect": "Allow", "Action": "ses:*", "NotResource": PROJECT})
    assert resource_named_by(excluded.statements[0], True) is None
