import json

import pytest

from auditor.evaluate.engine import evaluate
from auditor.evaluate.request import Decision, Request
from auditor.parse.policy import parse_policy
from tests.conftest import seed

ALLOWED, IMPLICIT, EXPLICIT = Decision.ALLOWED, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY
ACCT, OTHER = "111122223333", "444455556666"
USER = f"arn:aws:iam::{ACCT}:user/alice"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/app/session-1"
APP = f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/p1"
IDENTITY = f"arn:aws:ses:us-east-1:{ACCT}:identity/sender@example.com"


def policy(*statements, version="2012-10-17"):
    doc = {"Statement": list(statements)}
    if version:
        doc["Version"] = version
    return parse_policy(json.dumps(doc))


def allow(action="*", resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action="*", resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def req(action="mobiletargeting:GetApp", resource=APP, principal=USER, context=None, owner=None):
    return Request.make(principal, action, resource, context, owner)


def decide(request, identities=(), resource_policy=None, boundaries=()):
    return evaluate(request, list(identities), resource_policy, list(boundaries)).decision


def test_no_policy_is_implicit_deny():
    result = evaluate(req(), [])
    assert result.decision is IMPLICIT
    assert "no statement allows mobiletargeting:GetApp" in result.detail
    assert result.matched == ()


@pytest.mark.parametrize("statements, expected", [
    ([allow()], ALLOWED),
    ([allow(), deny()], EXPLICIT),
    ([deny("mobiletargeting:Get*"), allow()], EXPLICIT),
    ([allow(), deny("mobiletargeting:Delete*")], ALLOWED),
    ([allow(), deny(resource=f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/other")], ALLOWED),
    ([allow("ses:*")], IMPLICIT),
    ([allow(resource=f"arn:aws:mobiletargeting:us-west-2:{ACCT}:*")], IMPLICIT),
])
def test_explicit_deny_wins(statements, expected):
    assert decide(req(), [policy(*statements)]) is expected


def test_deny_in_another_policy_wins_and_detail_names_it():
    result = evaluate(req(), [policy(allow()), policy({**deny(), "Sid": "NoPinpoint"})], labels=["admin", "guard"])
    assert result.decision is EXPLICIT
    assert result.detail == "explicitly denied by guard statement #0 (NoPinpoint)"
    assert [m.policy_label for m in result.matched] == ["admin", "guard"]


def test_allow_detail_names_policy_and_statement():
    result = evaluate(req(), [policy(allow("ses:*"), {**allow(), "Sid": "All"})], labels=["p.json"])
    assert result.detail == "allowed by p.json statement #1 (All)"


def test_labels_must_fit():
    with pytest.raises(ValueError):
        evaluate(req(), [policy(allow())], labels=["a", "b"])


@pytest.mark.parametrize("statement, action, resource, expected", [
    ({"Effect": "Allow", "NotAction": "mobiletargeting:Delete*", "Resource": "*"}, "mobiletargeting:GetApp", APP, ALLOWED),
    ({"Effect": "Allow", "NotAction": "mobiletargeting:Delete*", "Resource": "*"}, "mobiletargeting:DeleteApp", APP,
     IMPLICIT),
    ({"Effect": "Allow", "Action": "*", "NotResource": f"arn:aws:mobiletargeting:*:{ACCT}:apps/secret*"},
     "mobiletargeting:GetApp", APP, ALLOWED),
    ({"Effect": "Allow", "Action": "*", "NotResource": f"arn:aws:mobiletargeting:*:{ACCT}:apps/p*"},
     "mobiletargeting:GetApp", APP, IMPLICIT),
    ({"Effect": "Allow", "Action": "mobiletargeting:GetApp"}, "mobiletargeting:GetApp", APP, IMPLICIT),  # no Resource
])
def test_not_action_not_resource_and_missing_resource(statement, action, resource, expected):
    assert decide(req(action, resource), [policy(statement)]) is expected


def test_deny_with_not_action_denies_everything_else():
    p = policy(allow(), {"Effect": "Deny", "NotAction": "mobiletargeting:Get*", "Resource": "*"})
    assert decide(req("mobiletargeting:GetApp"), [p]) is ALLOWED
    assert decide(req("mobiletargeting:DeleteApp"), [p]) is EXPLICIT


def test_action_case_insensitive_resource_case_sensitive():
    p = policy(allow("MobileTargeting:getapp", APP))
    assert decide(req("mobiletargeting:GETAPP"), [p]) is ALLOWED
    assert decide(req(resource=APP.upper()), [p]) is IMPLICIT


def test_request_resource_with_wildcard_is_literal():
    p = policy(allow("mobiletargeting:GetApps", f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/p1"))
    assert decide(req("mobiletargeting:GetApps", f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/*"), [p]) is IMPLICIT
    p = policy(allow("mobiletargeting:GetApps", f"arn:aws:mobiletargeting:us-east-1:{ACCT}:*"))
    assert decide(req("mobiletargeting:GetApps", f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/*"), [p]) is ALLOWED


def test_conditions_all_must_hold():
    p = policy(allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:SecureTransport": "true"}}))
    assert decide(req(context={"aws:SourceIp": "10.1.2.3", "aws:SecureTransport": "true"}), [p]) is ALLOWED
    assert decide(req(context={"aws:SourceIp": "10.1.2.3", "aws:SecureTransport": "false"}), [p]) is IMPLICIT
    assert decide(req(context={"aws:SourceIp": "10.1.2.3"}), [p]) is IMPLICIT


def test_conditional_deny_applies_only_when_it_holds():
    p = policy(allow(), deny(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}))
    assert decide(req(), [p]) is EXPLICIT  # key missing: IfExists makes the deny apply
    assert decide(req(context={"aws:MultiFactorAuthPresent": "false"}), [p]) is EXPLICIT
    assert decide(req(context={"aws:MultiFactorAuthPresent": "true"}), [p]) is ALLOWED


# --- policy variables in Resource -------------------------------------------------------------

OWN_USER = {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"}


@pytest.mark.parametrize("username, resource, expected", [
    ("alice", f"arn:aws:iam::{ACCT}:user/alice", ALLOWED),
    ("alice", f"arn:aws:iam::{ACCT}:user/bob", IMPLICIT),
    (None, f"arn:aws:iam::{ACCT}:user/alice", IMPLICIT),  # nothing derived from the principal
    ("*", f"arn:aws:iam::{ACCT}:user/bob", IMPLICIT),  # a value is never a wildcard
])
def test_username_variable_in_resource(username, resource, expected):
    context = {"aws:username": username} if username else {}
    assert decide(req("iam:GetUser", resource, context=context), [policy(OWN_USER)]) is expected


def test_variables_are_literals_in_2008_and_unversioned_policies():
    literal = f"arn:aws:iam::{ACCT}:user/${{aws:username}}"
    for version in ("2008-10-17", None):
        p = policy(OWN_USER, version=version)
        assert decide(req("iam:GetUser", f"arn:aws:iam::{ACCT}:user/alice", context={"aws:username": "alice"}),
                      [p]) is IMPLICIT
        assert decide(req("iam:GetUser", literal), [p]) is ALLOWED


def test_variable_default_and_escape_in_resource():
    p = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/${*}"))
    assert decide(req("s3:GetObject", "arn:aws:s3:::bucket/shared/*"), [p]) is ALLOWED
    assert decide(req("s3:GetObject", "arn:aws:s3:::bucket/shared/x"), [p]) is IMPLICIT  # ${*} is a literal *
    tagged = req("s3:GetObject", "arn:aws:s3:::bucket/ops/*", context={"aws:PrincipalTag/team": "ops"})
    assert decide(tagged, [p]) is ALLOWED


def test_missing_variable_in_not_resource_makes_the_deny_not_apply():
    """Without aws:username the Deny is invalid to AWS: it applies to no request (it does not
    read as "the resource is in none of the patterns")."""
    p = policy({"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::home/${aws:username}/*"}, allow())
    assert decide(req("s3:GetObject", "arn:aws:s3:::home/alice/x", context={"aws:username": "alice"}), [p]) is ALLOWED
    assert decide(req("s3:GetObject", "arn:aws:s3:::elsewhere/x", context={"aws:username": "alice"}), [p]) is EXPLICIT
    assert decide(req("s3:GetObject", "arn:aws:s3:::home/alice/x"), [p]) is ALLOWED
    assert decide(req("s3:GetObject", "arn:aws:s3:::elsewhere/x"), [p]) is ALLOWED


# --- permissions boundaries -------------------------------------------------------------------

def test_boundary_limits_identity_allow():
    identity = [policy(allow())]
    assert decide(req(), identity, boundaries=[policy(allow("mobiletargeting:Get*"))]) is ALLOWED
    assert decide(req(), identity, boundaries=[policy(allow("ses:*"))]) is IMPLICIT
    assert decide(req(), [], boundaries=[policy(allow())]) is IMPLICIT  # a boundary grants nothing
    assert decide(req(), identity, boundaries=[policy(allow(), deny("mobiletargeting:GetApp"))]) is EXPLICIT


def test_boundary_detail():
    result = evaluate(req(), [policy(allow())], None, [policy(allow("ses:*"))])
    assert "permissions boundary permission_boundaries[0] does not" in result.detail


# --- resource policies, same account ----------------------------------------------------------

def rp(principal, effect="Allow", action="ses:SendEmail", **extra):
    key = "NotPrincipal" if extra.pop("not_principal", False) else "Principal"
    return policy({"Effect": effect, key: principal, "Action": action, "Resource": IDENTITY, **extra})


def send(principal=USER, context=None, owner=None):
    return req("ses:SendEmail", IDENTITY, principal, context, owner)


@pytest.mark.parametrize("principal, named, identity, boundary, expected", [
    # a user ARN named by the resource policy: allowed on its own, boundary or not
    (USER, {"AWS": USER}, False, None, ALLOWED),
    (USER, {"AWS": USER}, False, "ses:Get*", ALLOWED),
    (USER, {"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, False, None, IMPLICIT),
    # a role ARN: allowed on its own, but its boundary applies
    (ROLE, {"AWS": ROLE}, False, None, ALLOWED),
    (ROLE, {"AWS": ROLE}, False, "ses:Get*", IMPLICIT),
    (ROLE, {"AWS": ROLE}, False, "ses:Send*", ALLOWED),
    (SESSION, {"AWS": ROLE}, False, None, ALLOWED),  # sessions of a named role
    (SESSION, {"AWS": ROLE}, False, "ses:Get*", IMPLICIT),
    (SESSION, {"AWS": f"arn:aws:iam::{ACCT}:role/path/app"}, False, None, ALLOWED),  # role path not in session ARN
    # the session ARN itself: not limited by the boundary
    (SESSION, {"AWS": SESSION}, False, "ses:Get*", ALLOWED),
    # the account (id or root) delegates to identity policies
    (USER, {"AWS": ACCT}, False, None, IMPLICIT),
    (USER, {"AWS": f"arn:aws:iam::{ACCT}:root"}, False, None, IMPLICIT),
    (USER, {"AWS": f"arn:aws:iam::{ACCT}:root"}, True, None, ALLOWED),
    (USER, {"AWS": f"arn:aws:iam::{ACCT}:root"}, True, "ses:Get*", IMPLICIT),
    # everyone
    (USER, "*", False, None, ALLOWED),
    (USER, {"AWS": "*"}, False, None, ALLOWED),
    # identity allow alone is enough in the same account
    (USER, {"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, True, None, ALLOWED),
])
def test_same_account_resource_policy(principal, named, identity, boundary, expected):
    identities = [policy(allow("ses:*"))] if identity else []
    boundaries = [policy(allow(boundary))] if boundary else []
    assert decide(send(principal), identities, rp(named), boundaries) is expected


def test_resource_policy_deny_naming_principal_wins():
    resource_policy = policy(
        {"Effect": "Deny", "Principal": {"AWS": USER}, "Action": "ses:*", "Resource": IDENTITY},
    )
    assert decide(send(), [policy(allow())], resource_policy) is EXPLICIT
    assert decide(send(f"arn:aws:iam::{ACCT}:user/bob"), [policy(allow())], resource_policy) is ALLOWED


def test_resource_policy_without_resource_means_its_resource():
    p = policy({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "ses:SendEmail"})
    assert decide(send(), [], p) is ALLOWED


def test_not_principal():
    allow_others = rp({"AWS": f"arn:aws:iam::{ACCT}:user/bob"}, not_principal=True)
    assert decide(send(), [], allow_others) is ALLOWED
    assert decide(send(f"arn:aws:iam::{ACCT}:user/bob"), [], allow_others) is IMPLICIT
    deny_others = policy(
        {"Effect": "Deny", "NotPrincipal": {"AWS": USER}, "Action": "ses:*", "Resource": IDENTITY},
    )
    identity = [policy(allow("ses:*"))]
    assert decide(send(), identity, deny_others) is ALLOWED
    assert decide(send(f"arn:aws:iam::{ACCT}:user/bob"), identity, deny_others) is EXPLICIT
    # AWS: a Deny with NotPrincipal always applies to a principal with a permissions boundary
    assert decide(send(), identity, deny_others, [policy(allow())]) is EXPLICIT


def test_service_principal():
    resource_policy = parse_policy(seed("12_ses_identity_for_pinpoint.json"))
    good = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/p1"}
    assert decide(send("pinpoint.amazonaws.com", good), [], resource_policy) is ALLOWED
    assert decide(send("Pinpoint.AmazonAWS.com", good), [], resource_policy) is ALLOWED
    assert decide(send("pinpoint.amazonaws.com", {**good, "aws:SourceAccount": OTHER}), [], resource_policy) is IMPLICIT
    assert decide(send("pinpoint.amazonaws.com", {"aws:SourceAccount": ACCT}), [], resource_policy) is IMPLICIT
    assert decide(send("ses.amazonaws.com", good), [], resource_policy) is IMPLICIT
    assert decide(send(USER, good), [], resource_policy) is IMPLICIT


# --- cross account ----------------------------------------------------------------------------

FOREIGN_USER = f"arn:aws:iam::{OTHER}:user/eve"


@pytest.mark.parametrize("named, identity, boundary, expected", [
    ({"AWS": FOREIGN_USER}, True, None, ALLOWED),
    ({"AWS": OTHER}, True, None, ALLOWED),  # trusting the account is enough on the resource side
    ({"AWS": f"arn:aws:iam::{OTHER}:root"}, True, None, ALLOWED),
    ("*", True, None, ALLOWED),
    ({"AWS": FOREIGN_USER}, False, None, IMPLICIT),  # both sides must allow
    ({"AWS": USER}, True, None, IMPLICIT),
    (None, True, None, IMPLICIT),
    ({"AWS": FOREIGN_USER}, True, "ses:Get*", IMPLICIT),
    ({"AWS": FOREIGN_USER}, True, "ses:*", ALLOWED),
])
def test_cross_account(named, identity, boundary, expected):
    identities = [policy(allow("ses:*"))] if identity else []
    boundaries = [policy(allow(boundary))] if boundary else []
    resource_policy = rp(named) if named else None
    assert decide(send(FOREIGN_USER), identities, resource_policy, boundaries) is expected


def test_cross_account_detail_names_both_sides():
    result = evaluate(send(FOREIGN_USER), [policy(allow("ses:*"))], None)
    assert result.detail.startswith(f"cross-account request (principal account {OTHER}, resource account {ACCT})")
    assert "no resource-policy statement grants it" in result.detail
    allowed = evaluate(send(FOREIGN_USER), [policy(allow("ses:*"))], rp({"AWS": OTHER}))
    assert "identity_policies[0] statement #0" in allowed.detail and "resource_policy statement #0" in allowed.detail


def test_resource_account_overrides_arn_account():
    bucket = "arn:aws:s3:::shared-bucket/x"  # S3 ARNs carry no account
    identities = [policy(allow("s3:GetObject"))]
    assert decide(req("s3:GetObject", bucket), identities) is ALLOWED  # owner defaults to the principal's
    assert decide(req("s3:GetObject", bucket, owner=OTHER), identities) is IMPLICIT
    resource_policy = policy({"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "s3:GetObject",
                              "Resource": "arn:aws:s3:::shared-bucket/*"})
    assert decide(req("s3:GetObject", bucket, owner=OTHER), identities, resource_policy) is ALLOWED
    # the ARN's own account decides when no owner is given
    foreign = f"arn:aws:mobiletargeting:us-east-1:{OTHER}:apps/p1"
    assert decide(req(resource=foreign), [policy(allow())]) is IMPLICIT


def test_identity_policy_principal_is_ignored():
    p = policy({**allow(), "Principal": {"AWS": f"arn:aws:iam::{OTHER}:user/x"}})
    assert decide(req(), [p]) is ALLOWED


def test_compiled_policies_are_reused_and_distinct_objects_not_confused():
    from auditor.evaluate.compiled import compiled_policy

    a, b = policy(allow()), policy(deny())
    assert compiled_policy(a) is compiled_policy(a)
    assert compiled_policy(a) is not compiled_policy(b)
    assert decide(req(), [a]) is ALLOWED and decide(req(), [b]) is EXPLICIT


def test_request_make_normalises_context():
    r = Request.make(USER, "s3:GetObject", "*", {"aws:TagKeys": "a", "AWS:tagkeys": ["b", "c"], "aws:SourceIp": "1.2.3.4"})
    assert r.context == {"aws:tagkeys": ("a", "b", "c"), "aws:sourceip": ("1.2.3.4",)}
    assert Request.make(USER, "s3:GetObject", "*", None, "").resource_account is None


def test_labels_can_name_every_policy():
    resource_policy = rp({"AWS": USER})
    result = evaluate(send(), [policy(allow("s3:*"))], resource_policy, [policy(allow())],
                      labels=["mine.json", "identity.json", "boundary.json"])
    assert result.detail == "allowed by identity.json statement #0, which names the principal"
    assert [m.policy_label for m in result.matched] == ["boundary.json", "identity.json"]


def test_identity_test_is_resource_ok_and_conditions_ok():
    """The evaluator's one-call statement test decides as the two checks it stands for."""
    from auditor.evaluate.compiled import NEVER, compiled_policy
    from tests.conftest import SEED_DIR

    documents = [parse_policy(path.read_bytes()) for path in sorted(SEED_DIR.glob("*.json"))]
    documents += [policy(
        allow(resource=[APP, f"{APP}/*"]), deny(resource=f"arn:aws:mobiletargeting:*:{ACCT}:apps/p?"),
        {"Effect": "Allow", "Action": "*", "NotResource": [APP, "arn:aws:s3:::b*"]},
        {"Effect": "Allow", "Action": "*"},
        {"Effect": "Deny", "Action": "*", "NotResource": "*"},
        allow(resource="arn:aws:s3:::b/${aws:username}/${*}"),
        allow(resource="arn:aws:s3:::b/${*}"),
        allow(Condition={"StringLike": {"aws:ResourceTag/Owner": "${aws:username}"}}),
        allow(resource=APP, Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                                       "Bool": {"aws:SecureTransport": "true"}}),
    )]
    resources = [APP, f"{APP}/campaigns/c1", "arn:aws:mobiletargeting:us-east-1:111122223333:apps/p2", IDENTITY,
                 "arn:aws:s3:::b/alice/*", "arn:aws:s3:::b/*", "arn:aws:s3:::bucket", "*",
                 "arn:aws:sms-voice:us-east-1:1:pool/x"]
    contexts = [{}, {"aws:username": ("alice",), "aws:resourcetag/owner": ("alice",), "aws:sourceip": ("10.1.1.1",),
                     "aws:securetransport": ("true",)},
                {"aws:username": ("bob", "alice"), "aws:sourceip": ("54.0.0.1",), "aws:resourcetag/owner": ("x",)}]
    checked = 0
    for document in documents:
        for st in compiled_policy(document).statements:
            for resource in resources:
                for context in contexts:
                    expected = st.resource_ok(resource, context, False) and st.conditions_ok(context)
                    test = st.identity_test
                    got = True if test is None else (False if test is NEVER else bool(test(resource, context)))
                    assert got == expected, (document.statements, resource, context)
                    checked += 1
    assert checked > 800


def test_decide_is_evaluate_compiled_without_the_objects():
    from auditor.evaluate.compiled import compiled_policy
    from auditor.evaluate.engine import PolicySet, decide, evaluate_compiled

    identities = [compiled_policy(policy(allow("mobiletargeting:Get*"), deny(resource=f"{APP}/*")))]
    boundaries = [compiled_policy(policy(allow()))]
    request = req(resource=f"{APP}/campaigns/c1")
    evaluation = evaluate_compiled(request, identities, None, boundaries)
    policies = PolicySet(identities, None, boundaries, ["identity_policies[0]"], "resource_policy",
                         ["permission_boundaries[0]"])
    for _ in range(2):  # the second time from the plan kept for the action
        matched = []
        assert decide(request.principal, request.action, request.resource, request.context,
                      request.resource_account, policies, matched) == (evaluation.decision, evaluation.detail)
        assert tuple(matched) == evaluation.matched and len(matched) == 3
    assert evaluation.decision is EXPLICIT and list(policies.plans) == ["mobiletargeting:GetApp"]


def test_a_policy_set_plans_each_action_as_written():
    from auditor.evaluate.compiled import compiled_policy
    from auditor.evaluate.engine import PolicySet, decide

    identities = [compiled_policy(policy(allow("mobiletargeting:Get*"))), compiled_policy(policy(allow("ses:*")))]
    policies = PolicySet(identities, None, [], ["a", "b"], "resource_policy", [])
    for action, expected in (("mobiletargeting:GetApp", ALLOWED), ("MOBILETARGETING:GETAPP", ALLOWED),
                             ("ses:SendEmail", ALLOWED), ("s3:GetObject", IMPLICIT)):
        assert decide(USER, action, APP, {}, None, policies, None)[0] is expected
    identity_plan, boundary_plan, resource_plan, reads_context = policies.plans["MOBILETARGETING:GETAPP"]
    assert [label for label, _ in identity_plan] == ["a"] and not boundary_plan and not resource_plan
    assert not reads_context and not any(policies.plans["s3:GetObject"])


def test_a_plan_says_whether_the_context_is_read():
    from auditor.evaluate.compiled import compiled_policy
    from auditor.evaluate.engine import PolicySet

    conditional = policy(allow("mobiletargeting:Get*", Condition={"Bool": {"aws:SecureTransport": "true"}}),
                         allow("ses:*"), allow("iam:GetUser", resource="arn:aws:iam::*:user/${aws:username}"),
                         allow("sms-voice:*", resource="arn:aws:sms-voice:*:*:pool/${*}"))
    resource_policy = compiled_policy(rp({"AWS": USER}, Condition={"Null": {"aws:SourceArn": "true"}}))
    policies = PolicySet([compiled_policy(conditional)], resource_policy, [], ["a"], "resource_policy", [])
    assert [policies.plan(action)[3] for action in (
        "mobiletargeting:GetApp", "ses:SendEmail", "iam:GetUser", "sms-voice:ListPools", "s3:GetObject")] == [
        True, True, True, False, False]  # ses: the resource policy's condition
    alone = PolicySet([compiled_policy(conditional)], None, [], ["a"], "resource_policy", [])
    assert [alone.plan(action)[3] for action in ("ses:SendEmail", "sms-voice:ListPools")] == [False, False]
