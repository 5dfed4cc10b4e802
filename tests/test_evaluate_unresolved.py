"""Policy variables that cannot be resolved, and tag keys with spaces in variables.

AWS ("IAM policy elements: Variables and tags"): a variable whose key has no value in the request
context, with no default, makes the statement invalid; it then applies to no request, neither its
Allow nor its Deny. "Matches nothing" is right for a Resource and a positive operator, but would
read as "applies" for a NotResource or a negated operator, so those must fail too. Tag keys may
hold spaces (`aws:PrincipalTag/cost center`).
"""
import json

import pytest

from auditor.cli import main
from auditor.evaluate.batch import BatchRunner
from auditor.evaluate.compiled import NEVER, ResourceMatcher, Tri, compiled_policy
from auditor.evaluate.conditions import evaluate_clause
from auditor.evaluate.engine import evaluate
from auditor.evaluate.request import Decision, Request
from auditor.evaluate.static import static_access, statement_matches
from auditor.evaluate.variables import PartKind, parse_template, resolvable, resolve
from auditor.parse.policy import parse_policy

ACCT = "111122223333"
APPS = f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps"
ALICE_APP, BOB_APP = f"{APPS}/alice", f"{APPS}/bob"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/r1/s"
V = "2012-10-17"
ALLOWED, IMPLICIT, EXPLICIT = "Allowed", "ImplicitlyDenied", "ExplicitlyDenied"
NO, COND, YES = Tri.NO, Tri.CONDITIONAL, Tri.YES
ALLOW_ALL = {"Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}


def doc(*statements, version=V):
    d = {"Statement": list(statements)}
    if version is not None:
        d["Version"] = version
    return d


def deny_not_resource(pattern):
    return {"Effect": "Deny", "Action": "mobiletargeting:*", "NotResource": pattern}


def allow_if(operator, key, values):
    return {**ALLOW_ALL, "Condition": {operator: {key: values}}}


def rp(*statements):
    """A resource policy: every statement names every principal."""
    return doc(*({"Principal": "*", **st} for st in statements))


# ---------------------------------------------------------------------------------------------
# Cases, decided by `simulate` and by `simulate --batch`: (identity policies, resource policy,
# resource, context, expected decision)

OWN_APP = f"{APPS}/${{aws:username}}"
CASES = {
    # the repro: without aws:username the Deny is invalid, so it does not apply
    "not_resource_no_username": ([doc(ALLOW_ALL, deny_not_resource(OWN_APP))], None, ALICE_APP, {}, ALLOWED),
    "not_resource_own": ([doc(ALLOW_ALL, deny_not_resource(OWN_APP))], None, ALICE_APP,
                         {"aws:username": "alice"}, ALLOWED),
    "not_resource_other": ([doc(ALLOW_ALL, deny_not_resource(OWN_APP))], None, BOB_APP,
                           {"aws:username": "alice"}, EXPLICIT),
    # a multivalued key cannot stand in for one value: unresolvable as well
    "not_resource_multivalued": ([doc(ALLOW_ALL, deny_not_resource(OWN_APP))], None, BOB_APP,
                                 {"aws:username": ["alice", "bob"]}, ALLOWED),
    # one unresolvable pattern in the list invalidates the statement, whatever the others say
    "not_resource_list": ([doc(ALLOW_ALL, deny_not_resource([OWN_APP, f"{APPS}/shared"]))], None, BOB_APP, {},
                          ALLOWED),
    "resource_list": ([doc({**ALLOW_ALL, "Resource": [OWN_APP, BOB_APP]})], None, BOB_APP, {}, IMPLICIT),
    # resource policy: its Deny with NotResource likewise
    "rp_not_resource_no_username": ([], rp(ALLOW_ALL, deny_not_resource(OWN_APP)), ALICE_APP, {}, ALLOWED),
    "rp_not_resource_other": ([], rp(ALLOW_ALL, deny_not_resource(OWN_APP)), BOB_APP,
                              {"aws:username": "alice"}, EXPLICIT),
    # negated operators: the Allow must not apply without aws:username
    "string_not_like": ([doc(allow_if("StringNotLike", "aws:ResourceTag/owner", "${aws:username}*"))], None,
                        ALICE_APP, {"aws:ResourceTag/owner": "alice"}, IMPLICIT),
    "string_not_like_other": ([doc(allow_if("StringNotLike", "aws:ResourceTag/owner", "${aws:username}*"))], None,
                              ALICE_APP, {"aws:ResourceTag/owner": "alice", "aws:username": "bob"}, ALLOWED),
    "string_not_like_own": ([doc(allow_if("StringNotLike", "aws:ResourceTag/owner", "${aws:username}*"))], None,
                            ALICE_APP, {"aws:ResourceTag/owner": "alice", "aws:username": "al"}, IMPLICIT),
    "string_not_equals": ([doc(allow_if("StringNotEquals", "aws:ResourceTag/owner", "${aws:username}"))], None,
                          ALICE_APP, {"aws:ResourceTag/owner": "alice"}, IMPLICIT),
    "string_not_equals_ic": ([doc(allow_if("StringNotEqualsIgnoreCase", "aws:ResourceTag/owner",
                                           "${aws:username}"))], None, ALICE_APP,
                             {"aws:ResourceTag/owner": "alice"}, IMPLICIT),
    "arn_not_like": ([doc(allow_if("ArnNotLike", "aws:SourceArn", f"arn:aws:iam::{ACCT}:user/${{aws:username}}"))],
                     None, ALICE_APP, {"aws:SourceArn": f"arn:aws:iam::{ACCT}:user/alice"}, IMPLICIT),
    "arn_not_equals": ([doc(allow_if("ArnNotEquals", "aws:SourceArn", f"arn:aws:iam::{ACCT}:user/${{aws:username}}"))],
                       None, ALICE_APP, {"aws:SourceArn": f"arn:aws:iam::{ACCT}:user/alice"}, IMPLICIT),
    # a negated Deny does not apply either
    "deny_string_not_equals": ([doc(ALLOW_ALL, {**allow_if("StringNotEquals", "aws:ResourceTag/owner",
                                                           "${aws:username}"), "Effect": "Deny"})],
                               None, ALICE_APP, {"aws:ResourceTag/owner": "alice"}, ALLOWED),
    # a list of values: the statement is invalid even though "public" would match
    "string_equals_list": ([doc(allow_if("StringEquals", "aws:ResourceTag/owner", ["${aws:username}", "public"]))],
                           None, ALICE_APP, {"aws:ResourceTag/owner": "public"}, IMPLICIT),
    "string_equals_list_resolved": ([doc(allow_if("StringEquals", "aws:ResourceTag/owner",
                                                  ["${aws:username}", "public"]))],
                                    None, ALICE_APP, {"aws:ResourceTag/owner": "public", "aws:username": "x"}, ALLOWED),
    # a default keeps the statement valid
    "default_not_resource": ([doc(ALLOW_ALL, deny_not_resource(f"{APPS}/${{aws:username, 'nobody'}}"))], None,
                             ALICE_APP, {}, EXPLICIT),
    "default_not_resource_hit": ([doc(ALLOW_ALL, deny_not_resource(f"{APPS}/${{aws:username, 'alice'}}"))], None,
                                 ALICE_APP, {}, ALLOWED),
    "default_string_not_like": ([doc(allow_if("StringNotLike", "aws:ResourceTag/owner",
                                              "${aws:username , 'bob'}*"))], None, ALICE_APP,
                                {"aws:ResourceTag/owner": "alice"}, ALLOWED),
    # 2008-10-17 and no Version: `${...}` is literal text, so nothing is unresolvable
    "legacy_not_resource": ([doc(ALLOW_ALL, deny_not_resource(OWN_APP), version="2008-10-17")], None, ALICE_APP, {},
                            EXPLICIT),
    "unversioned_not_resource": ([doc(ALLOW_ALL, deny_not_resource(OWN_APP), version=None)], None, ALICE_APP, {},
                                 EXPLICIT),
    "legacy_not_resource_literal": ([doc(ALLOW_ALL, deny_not_resource(OWN_APP), version="2008-10-17")], None,
                                    OWN_APP, {}, ALLOWED),
    "legacy_string_not_like": ([doc(allow_if("StringNotLike", "aws:ResourceTag/owner", "${aws:username}*"),
                                    version="2008-10-17")], None, ALICE_APP, {"aws:ResourceTag/owner": "alice"},
                               ALLOWED),
    # escapes are no variables
    "escape_not_resource": ([doc(ALLOW_ALL, deny_not_resource(f"{APPS}/${{*}}"))], None, ALICE_APP, {}, EXPLICIT),
    "escape_not_resource_literal": ([doc(ALLOW_ALL, deny_not_resource(f"{APPS}/${{*}}"))], None, f"{APPS}/*", {},
                                    ALLOWED),
    # bug 2: a tag key with a space
    "spaced_tag_resource": ([doc({**ALLOW_ALL, "Resource": f"{APPS}/${{aws:PrincipalTag/cost center}}"})], None,
                            f"{APPS}/x", {"aws:PrincipalTag/cost center": "x"}, ALLOWED),
    "spaced_tag_other": ([doc({**ALLOW_ALL, "Resource": f"{APPS}/${{aws:PrincipalTag/cost center}}"})], None,
                         f"{APPS}/y", {"aws:PrincipalTag/cost center": "x"}, IMPLICIT),
    "spaced_tag_condition": ([doc(allow_if("StringEquals", "aws:ResourceTag/cost center",
                                           "${aws:PrincipalTag/cost center}"))], None, ALICE_APP,
                             {"aws:ResourceTag/cost center": "x", "aws:PrincipalTag/cost center": "x"}, ALLOWED),
    "spaced_tag_default": ([doc({**ALLOW_ALL, "Resource": f"{APPS}/${{ aws:PrincipalTag/cost center , 'none' }}"})],
                           None, f"{APPS}/none", {}, ALLOWED),
}


def simulate(capsys, tmp_path, identities, resource_policy, resource, context):
    argv = ["simulate", "--action", "mobiletargeting:GetApp", "--resource", resource, "--principal", SESSION]
    for i, d in enumerate(identities):
        path = tmp_path / f"p{i}.json"
        path.write_text(json.dumps(d))
        argv += ["--policy", str(path)]
    if resource_policy is not None:
        path = tmp_path / "rp.json"
        path.write_text(json.dumps(resource_policy))
        argv += ["--resource-policy", str(path)]
    for key, value in context.items():
        for v in [value] if isinstance(value, str) else value:
            argv += ["--context", f"{key}={v}"]
    assert main(argv) == 0
    out, _ = capsys.readouterr()
    return json.loads(out)


@pytest.mark.parametrize("name", list(CASES))
def test_simulate(capsys, tmp_path, name):
    identities, resource_policy, resource, context, expected = CASES[name]
    assert simulate(capsys, tmp_path, identities, resource_policy, resource, context)["decision"] == expected


def _case_line(i, name):
    identities, resource_policy, resource, context, _ = CASES[name]
    return json.dumps({"id": i, "identity_policies": identities,
                       "resource_policy": resource_policy,
                       "permission_boundaries": [],
                       "request": {"principal": SESSION, "action": "mobiletargeting:GetApp", "resource": resource,
                                   "context": context}})


def test_batch_decides_as_single_simulate(capsys, tmp_path):
    names = list(CASES)
    lines = [_case_line(i, name) for i, name in enumerate(names)]
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(lines * 2) + "\n")  # the second round finds every policy known
    assert main(["simulate", "--batch", str(cases)]) == 0
    out, _ = capsys.readouterr()
    got = [json.loads(line) for line in out.splitlines()]
    expected = [CASES[name][4] for name in names] * 2
    assert [g["decision"] for g in got] == expected
    for name, g in zip(names, got):
        single = simulate(capsys, tmp_path, *CASES[name][:4])
        assert g["decision"] == single["decision"], name


def test_batch_fast_paths_agree():
    """Text lines, byte lines (read without decoding known sections) and chunks all agree."""
    lines = [_case_line(i, name) for i, name in enumerate(CASES)]
    expected = [CASES[name][4] for name in CASES]
    runner = BatchRunner()
    for round_ in range(2):
        assert [json.loads(runner.run_line(line, n))["decision"] for n, line in enumerate(lines, 1)] == expected
        assert [json.loads(runner.run_line(line.encode(), n))["decision"] for n, line in enumerate(lines, 2)] == expected
        assert [json.loads(out)["decision"] for out in runner.run_lines([x.encode() for x in lines], 2)] == expected


# ---------------------------------------------------------------------------------------------
# Units: templates


@pytest.mark.parametrize("text, key, default", [
    ("${aws:PrincipalTag/cost center}", "aws:principaltag/cost center", None),
    ("${ aws:PrincipalTag/cost  center }", "aws:principaltag/cost  center", None),
    ("${aws:PrincipalTag/a b, 'x y'}", "aws:principaltag/a b", "x y"),
    ("${aws:PrincipalTag/a b , 'x'}", "aws:principaltag/a b", "x"),
    ("${aws:username,'d'}", "aws:username", "d"),
    ("${ aws:username ,  'd' }", "aws:username", "d"),
    ("${aws:PrincipalTag/k_.:/=+-@}", "aws:principaltag/k_.:/=+-@", None),
])
def test_template_keys_may_hold_spaces(text, key, default):
    t = parse_template(text, True)
    assert [(p.kind, p.text, p.default) for p in t.parts] == [(PartKind.VARIABLE, key, default)]
    assert t.keys == {key}
    assert t.required == (frozenset() if default is not None else {key})


@pytest.mark.parametrize("text", ["${aws:username 'd'}", "${}", "${a,b}", "${a, d}", "${a'b}"])
def test_text_that_is_no_variable_stays_as_written(text):
    t = parse_template(text, True)
    assert not t.has_variables and t.static_chunks() == ((text, True),)


def test_required_keys_and_resolvable():
    t = parse_template("${aws:username}/${aws:PrincipalTag/team, 'ops'}/${*}", True)
    assert t.keys == {"aws:username", "aws:principaltag/team"} and t.required == {"aws:username"}
    assert resolvable(t.required, {"aws:username": ("alice",)})
    assert not resolvable(t.required, {})
    assert not resolvable(t.required, {"aws:username": ()})
    assert not resolvable(t.required, {"aws:username": ("a", "b")})
    assert resolve(t, {}) is None
    assert resolve(t, {"aws:username": ("alice",)}) == (("alice", False), ("/", True), ("ops", False), ("/", True),
                                                        ("*", False))
    assert parse_template("${aws:username}", False).required == frozenset()  # 2008-10-17: literal text


# ---------------------------------------------------------------------------------------------
# Units: Resource / NotResource matcher


def test_resource_matcher_fails_both_ways_when_unresolvable():
    m = ResourceMatcher(["*", OWN_APP], True)
    assert m.required == {"aws:username"}
    named = {"aws:username": ("alice",)}
    for context, positive, negative in (({}, False, False), ({"aws:username": ("a", "b")}, False, False),
                                        (named, True, False)):
        assert m(BOB_APP, context) is positive
        assert m.excludes(BOB_APP, context) is negative
        assert bool(m.test(False)(BOB_APP, context)) is positive
        assert bool(m.test(True)(BOB_APP, context)) is negative
    only = ResourceMatcher([OWN_APP], True)
    assert only.excludes(BOB_APP, named) and not only.excludes(ALICE_APP, named) and not only.excludes(BOB_APP, {})


def test_resource_matcher_keeps_defaults_and_escapes():
    defaulted = ResourceMatcher([f"{APPS}/${{aws:username, 'nobody'}}"], True)
    assert defaulted.required == frozenset()
    assert defaulted.excludes(ALICE_APP, {}) and defaulted(f"{APPS}/nobody", {})
    escaped = ResourceMatcher([f"{APPS}/${{*}}"], True)
    assert escaped.excludes(ALICE_APP, {}) and escaped(f"{APPS}/*", {})
    legacy = ResourceMatcher([OWN_APP], False)
    assert legacy.test(True)(ALICE_APP, {}) and not legacy.test(True)(OWN_APP, {})


def test_compiled_statement_resource_ok():
    p = parse_policy(json.dumps(doc(deny_not_resource(OWN_APP), {**ALLOW_ALL, "Resource": OWN_APP})))
    deny, allow = compiled_policy(p).statements
    for st in (deny, allow):
        assert not st.resource_ok(ALICE_APP, {}, True)
        assert st.identity_test is not None and st.identity_test is not NEVER
        assert not st.identity_test(ALICE_APP, {})
    assert deny.resource_ok(BOB_APP, {"aws:username": ("alice",)}, True)
    assert allow.resource_ok(ALICE_APP, {"aws:username": ("alice",)}, True)


@pytest.mark.parametrize("negated, known, resource, expected", [
    (True, {}, ALICE_APP, COND),  # could apply (a username other than alice) or be invalid
    (True, {}, f"arn:aws:s3:::b/{'k'}", COND),  # applies only if aws:username has a value
    (True, {"aws:username": ()}, f"arn:aws:s3:::b/{'k'}", NO),
    (True, {"aws:username": ("a", "b")}, f"arn:aws:s3:::b/{'k'}", NO),
    (True, {"aws:username": ("alice",)}, f"arn:aws:s3:::b/{'k'}", YES),
    (True, {"aws:username": ("alice",)}, ALICE_APP, NO),
    (False, {}, ALICE_APP, COND),
    (False, {}, f"arn:aws:s3:::b/{'k'}", NO),
    (False, {"aws:username": ()}, ALICE_APP, NO),
    (False, {"aws:username": ("alice",)}, ALICE_APP, YES),
])
def test_resource_matcher_applies(negated, known, resource, expected):
    assert ResourceMatcher([OWN_APP], True).applies(resource, known, negated) is expected


def test_a_certain_pattern_beside_an_unknown_variable_is_only_if():
    m = ResourceMatcher(["*", OWN_APP], True)
    assert m.tri(BOB_APP, {}) is YES  # some pattern matches...
    assert m.applies(BOB_APP, {}, False) is COND  # ...but the statement may be invalid
    assert m.applies(BOB_APP, {"aws:username": ()}, False) is NO
    assert m.applies(BOB_APP, {"aws:username": ("x",)}, False) is YES


# ---------------------------------------------------------------------------------------------
# Units: conditions


def _parsed_clause(operator, key, values):
    p = parse_policy(json.dumps(doc({**ALLOW_ALL, "Condition": {operator: {key: values}}})))
    return p.statements[0].conditions[0]


NEGATED = ["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotLike", "ArnNotEquals",
           "StringNotEqualsIfExists", "StringNotLikeIfExists", "ArnNotLikeIfExists",
           "ForAllValues:StringNotEquals", "ForAnyValue:StringNotLike"]
VALUE = {"Arn": f"arn:aws:iam::{ACCT}:user/${{aws:username}}", "String": "${aws:username}"}


@pytest.mark.parametrize("operator", NEGATED)
def test_negated_operators_fail_when_the_variable_is_unresolvable(operator):
    arn = "Arn" in operator
    key = "aws:SourceArn" if arn else "aws:ResourceTag/owner"
    c = _parsed_clause(operator, key, VALUE["Arn" if arn else "String"])
    other = f"arn:aws:iam::{ACCT}:user/bob" if arn else "bob"
    assert evaluate_clause(c, {key: (other,), "aws:username": ("alice",)}, True)  # resolved: bob is not alice
    assert not evaluate_clause(c, {key: (other,)}, True)
    assert not evaluate_clause(c, {key: (other,), "aws:username": ("alice", "carol")}, True)
    assert not evaluate_clause(c, {}, True)  # the key absent too: the statement is still invalid
    assert evaluate_clause(c, {key: (other,)}, False)  # 2008-10-17: literal text, so "not equal"


@pytest.mark.parametrize("operator", ["StringEquals", "StringLike", "StringEqualsIgnoreCase",
                                      "ForAnyValue:StringEquals", "StringEqualsIfExists"])
def test_a_value_list_with_an_unresolvable_variable_fails(operator):
    c = _parsed_clause(operator, "aws:ResourceTag/owner", ["${aws:username}", "public"])
    assert not evaluate_clause(c, {"aws:ResourceTag/owner": ("public",)}, True)
    assert evaluate_clause(c, {"aws:ResourceTag/owner": ("public",), "aws:username": ("x",)}, True)
    assert evaluate_clause(c, {"aws:ResourceTag/owner": ("public",)}, False)


def test_a_default_keeps_the_clause():
    c = _parsed_clause("StringNotEquals", "aws:ResourceTag/owner", "${aws:username, 'nobody'}")
    assert evaluate_clause(c, {"aws:ResourceTag/owner": ("alice",)}, True)
    assert not evaluate_clause(c, {"aws:ResourceTag/owner": ("nobody",)}, True)


# ---------------------------------------------------------------------------------------------
# Engine and static analysis


def test_engine_resource_policy_deny_with_not_resource():
    resource_policy = parse_policy(json.dumps(rp(ALLOW_ALL, deny_not_resource(OWN_APP))))
    decide = lambda context: evaluate(Request.make(SESSION, "mobiletargeting:GetApp", ALICE_APP, context), [],
                                      resource_policy).decision
    assert decide({}) is Decision.ALLOWED
    assert decide({"aws:username": "alice"}) is Decision.ALLOWED
    assert decide({"aws:username": "bob"}) is Decision.EXPLICIT_DENY


def test_static_deny_with_not_resource_is_only_if():
    p = parse_policy(json.dumps(doc(ALLOW_ALL, deny_not_resource(OWN_APP))))
    assert static_access([p], "mobiletargeting:GetApp", ALICE_APP).tri is COND  # was NO
    assert static_access([p], "mobiletargeting:GetApp", ALICE_APP, known_context={"aws:username": ()}).tri is YES
    assert static_access([p], "mobiletargeting:GetApp", ALICE_APP,
                         known_context={"aws:username": ("alice",)}).tri is YES
    assert static_access([p], "mobiletargeting:GetApp", ALICE_APP,
                         known_context={"aws:username": ("bob",)}).tri is NO
    legacy = parse_policy(json.dumps(doc(ALLOW_ALL, deny_not_resource(OWN_APP), version="2008-10-17")))
    assert static_access([legacy], "mobiletargeting:GetApp", ALICE_APP).tri is NO


def test_static_negated_condition_with_unknown_variable_is_only_if():
    p = parse_policy(json.dumps(doc(allow_if("StringNotLike", "aws:ResourceTag/owner", "${aws:username}*"))))
    known = {"aws:ResourceTag/owner": ("alice",)}
    st = p.statements[0]
    assert statement_matches(st, "mobiletargeting:GetApp", ALICE_APP, variables_enabled=True,
                             known_context=known).tri is COND
    assert statement_matches(st, "mobiletargeting:GetApp", ALICE_APP, variables_enabled=True,
                             known_context={**known, "aws:username": ()}).tri is NO
    assert statement_matches(st, "mobiletargeting:GetApp", ALICE_APP, variables_enabled=True,
                             known_context={**known, "aws:username": ("bob",)}).tri is YES
