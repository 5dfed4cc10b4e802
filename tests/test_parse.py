import json

import pytest

from auditor.model.policy import Effect, SetOperator
from auditor.parse.policy import parse_policy, split_operator
from tests.conftest import seed


def codes(policy):
    return [i.code for i in policy.issues]


def test_trailing_comma_is_located():
    policy = parse_policy(seed("09_sms_voice_admin.json"), with_positions=True)
    assert codes(policy) == ["POL001"]
    issue = policy.issues[0]
    assert "trailing comma" in issue.message
    assert (issue.position.line, issue.position.column) == (1, 118)
    assert policy.statements == ()


def test_duplicate_condition_operator_records_kept_and_dropped():
    policy = parse_policy(seed("04_tag_based_view.json"))
    (dup,) = policy.duplicates
    assert dup.key == "StringEquals"
    assert dup.statement_index == 1
    assert dup.kept == {"aws:SourceAccount": "111122223333"}
    assert dup.dropped == ({"aws:ResourceTag/Owner": "richard-roe"},)
    # The evaluated statement sees only what parsers keep.
    keys = {c.key for c in policy.statements[1].conditions}
    assert "aws:ResourceTag/Owner" not in keys and "aws:SourceAccount" in keys
    assert dup.position is not None


@pytest.mark.parametrize("text, path, key", [
    ('{"Version": "2012-10-17", "Version": "2008-10-17", "Statement": []}', "(document)", "Version"),
    ('{"Statement": [{"Effect": "Deny", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
     "Statement[0]", "Effect"),
    ('{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
     '"Principal": {"AWS": "111122223333", "AWS": "*"}}]}', "Statement[0].Principal", "AWS"),
    ('{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
     '"Condition": {"Bool": {"aws:SecureTransport": "true"}, "Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}',
     "Statement[0].Condition", "Bool"),
    ('{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
     '"Condition": {"StringEquals": {"aws:username": "a", "aws:username": "b"}}}]}',
     "Statement[0].Condition.StringEquals", "aws:username"),
])
def test_a_repeated_key_is_recorded_at_every_level(text, path, key):
    # Policy text keeps its repeated keys (parsers keep the last value); decoded objects cannot.
    (dup,) = parse_policy(text).duplicates
    assert (dup.path, dup.key) == (path, key)
    assert parse_policy(json.loads(text)).duplicates == ()


def test_url_encoded_document_is_decoded():
    doc = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    from urllib.parse import quote

    policy = parse_policy(quote(json.dumps(doc)))
    assert policy.issues == ()
    assert policy.statements[0].actions == ("s3:*",)


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b"\xff\xfe{}", "not UTF-8"),
        ("[" * 200_000, "nested too deeply"),
        ("{" + '"a":1,' * 300_000 + '"b":2}', "limit"),
        ("[]", "must be a JSON object"),
        ('{"Version":"2012-10-17"}', "no Statement"),
        ('{"Statement": 5}', "must be an object or a list"),
        ("NaN", "not valid JSON"),
    ],
)
def test_hostile_documents_become_issues(raw, fragment):
    policy = parse_policy(raw)
    assert any(fragment in i.message for i in policy.issues), policy.issues
    assert not policy.usable


def test_wrong_types_in_statement_drop_only_that_statement():
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": 5, "Resource": "*"},
            {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": False}}},
        ],
    }
    policy = parse_policy(json.dumps(doc))
    assert [s.index for s in policy.statements] == [2]
    assert policy.statements[0].effect is Effect.DENY
    assert policy.statements[0].conditions[0].values == ("false",)
    assert len(policy.issues) == 2


def test_all_shapes_accepted():
    doc = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "x", "Effect": "Allow", "NotPrincipal": {"AWS": ["arn:aws:iam::1:root"], "Service": "s.amazonaws.com"},
            "NotAction": "iam:*", "NotResource": ["arn:aws:s3:::b"],
            "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a", "b"]}},
        },
    }
    s = parse_policy(json.dumps(doc)).statements[0]
    assert s.not_action and s.not_resource and s.not_principal
    assert [p.kind for p in s.principals] == ["AWS", "Service"]
    clause = s.conditions[0]
    assert (clause.set_operator, clause.base_operator, clause.if_exists) == (SetOperator.FOR_ANY_VALUE, "StringLike", True)


def test_split_operator():
    assert split_operator("Null") == (SetOperator.NONE, "Null", False)
    assert split_operator("ForAllValues:StringEquals") == (SetOperator.FOR_ALL_VALUES, "StringEquals", False)
    assert split_operator("Bogus:StringEquals") == (SetOperator.NONE, "Bogus:StringEquals", False)


def test_decoded_input_is_marked():
    policy = parse_policy({"Version": "2012-10-17", "Statement": []})
    assert policy.raw_text_available is False
