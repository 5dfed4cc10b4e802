"""Condition operators, one table row per behaviour: (operator, key, policy values, context, expected)."""
import pytest

from auditor.evaluate.conditions import KNOWN_OPERATORS, evaluate_clause, parse_date, validate_clause
from auditor.model.policy import ConditionClause
from auditor.parse.policy import split_operator

MISSING = None  # the key is absent from the request context


def clause(operator, key, values, types=None):
    values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
    set_op, base, if_exists = split_operator(operator)
    return ConditionClause(operator, key, values, base, if_exists, set_op, types or ("string",) * len(values))


def run(operator, key, values, context, variables=True):
    ctx = {} if context is MISSING else {key.lower(): (context,) if isinstance(context, str) else tuple(context)}
    return evaluate_clause(clause(operator, key, values), ctx, variables)


CASES = [
    # String family: case-sensitive values, IgnoreCase, Like with * and ?
    ("StringEquals", "aws:username", "alice", "alice", True),
    ("StringEquals", "aws:username", "alice", "Alice", False),
    ("StringEquals", "aws:username", ["bob", "alice"], "alice", True),  # values are OR-ed
    ("StringEquals", "aws:username", "alice", MISSING, False),
    ("StringEquals", "aws:username", "a*", "alice", False),  # no wildcards in Equals
    ("StringNotEquals", "aws:username", "alice", "bob", True),
    ("StringNotEquals", "aws:username", "alice", "alice", False),
    ("StringNotEquals", "aws:username", ["bob", "alice"], "alice", False),  # matches none of them
    ("StringNotEquals", "aws:username", "alice", MISSING, True),  # negated: true when missing
    ("StringEqualsIgnoreCase", "aws:username", "ALICE", "alice", True),
    ("StringEqualsIgnoreCase", "aws:username", "ALICE", "bob", False),
    ("StringNotEqualsIgnoreCase", "aws:username", "ALICE", "alice", False),
    ("StringNotEqualsIgnoreCase", "aws:username", "ALICE", MISSING, True),
    ("StringLike", "s3:prefix", "home/*", "home/alice/x.txt", True),
    ("StringLike", "s3:prefix", "home/*", "Home/alice", False),
    ("StringLike", "s3:prefix", "file?.txt", "file1.txt", True),
    ("StringLike", "s3:prefix", "file?.txt", "file10.txt", False),
    ("StringLike", "s3:prefix", "a.b", "axb", False),  # regex metacharacters are literal
    ("StringLike", "s3:prefix", "*", "", True),
    ("StringNotLike", "s3:prefix", "home/*", "tmp/x", True),
    ("StringNotLike", "s3:prefix", "home/*", "home/x", False),
    ("StringNotLike", "s3:prefix", "home/*", MISSING, True),
    # Numeric: integers and floats, every comparison
    ("NumericEquals", "s3:max-keys", "10", "10", True),
    ("NumericEquals", "s3:max-keys", "10", "10.0", True),
    ("NumericEquals", "s3:max-keys", "10", "11", False),
    ("NumericNotEquals", "s3:max-keys", "10", "11", True),
    ("NumericNotEquals", "s3:max-keys", "10", MISSING, True),
    ("NumericLessThan", "s3:max-keys", "10", "9.5", True),
    ("NumericLessThan", "s3:max-keys", "10", "10", False),
    ("NumericLessThanEquals", "s3:max-keys", "10", "10", True),
    ("NumericGreaterThan", "s3:max-keys", "2.5", "2.75", True),
    ("NumericGreaterThan", "s3:max-keys", "2.5", "2.5", False),
    ("NumericGreaterThanEquals", "s3:max-keys", "2.5", "2.5", True),
    ("NumericLessThan", "s3:max-keys", "10", "abc", False),  # unreadable context value
    ("NumericNotEquals", "s3:max-keys", "10", "abc", False),  # ...fails both ways
    ("NumericLessThan", "s3:max-keys", "10", MISSING, False),
    # Date: ISO 8601 and epoch seconds, on either side
    ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2021-06-01T12:00:00Z", True),
    ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2019-06-01T12:00:00Z", False),
    ("DateLessThan", "aws:CurrentTime", "2020-01-01", "2019-12-31T23:59:59Z", True),
    ("DateEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", "1577836800", True),
    ("DateEquals", "aws:EpochTime", "1577836800", "2020-01-01T01:00:00+01:00", True),
    ("DateNotEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", True),
    ("DateLessThanEquals", "aws:CurrentTime", "2020-01-01T00:00:00.000Z", "2020-01-01T00:00:00Z", True),
    ("DateGreaterThanEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z", "not a date", False),
    # Bool
    ("Bool", "aws:SecureTransport", "true", "true", True),
    ("Bool", "aws:SecureTransport", "true", "false", False),
    ("Bool", "aws:SecureTransport", "false", "false", True),
    ("Bool", "aws:SecureTransport", "true", "TRUE", True),
    ("Bool", "aws:SecureTransport", "true", "yes", False),
    ("Bool", "aws:SecureTransport", "false", MISSING, False),
    # Binary
    ("BinaryEquals", "aws:Key", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", True),
    ("BinaryEquals", "aws:Key", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWV=", False),
    # IP addresses v4 and v6, CIDR and single address
    ("IpAddress", "aws:SourceIp", "54.240.143.0/24", "54.240.143.5", True),
    ("IpAddress", "aws:SourceIp", "54.240.143.0/24", "54.240.144.5", False),
    ("IpAddress", "aws:SourceIp", "54.240.143.188", "54.240.143.188", True),
    ("IpAddress", "aws:SourceIp", "2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", True),
    ("IpAddress", "aws:SourceIp", "2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", False),
    ("IpAddress", "aws:SourceIp", "2001:DB8::/32", "54.240.143.5", False),  # v4 never in a v6 block
    ("IpAddress", "aws:SourceIp", "54.240.143.0/24", "garbage", False),
    ("NotIpAddress", "aws:SourceIp", "54.240.143.188/32", "54.240.143.5", True),
    ("NotIpAddress", "aws:SourceIp", "54.240.143.188/32", "54.240.143.188", False),
    ("NotIpAddress", "aws:SourceIp", "54.240.143.188/32", MISSING, True),
    # ARN operators: segment-wise wildcards, case-sensitive
    ("ArnLike", "aws:SourceArn", "arn:aws:mobiletargeting:us-east-1:111122223333:*",
     "arn:aws:mobiletargeting:us-east-1:111122223333:apps/abc", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:mobiletargeting:us-east-1:111122223333:*",
     "arn:aws:mobiletargeting:us-west-2:111122223333:apps/abc", False),
    ("ArnLike", "aws:SourceArn", "arn:aws:mobiletargeting:*:111122223333:apps/*",
     "arn:aws:mobiletargeting:eu-west-1:111122223333:apps/x", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:mobiletargeting:us-east-*:111122223333:apps/*",
     "arn:aws:mobiletargeting:us-east-1:extra:111122223333:apps/x", False),  # * stays in its segment
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic",
     "arn:aws:sns:us-east-1:111122223333:topic", True),
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic",
     "arn:aws:sns:us-east-1:111122223333:Topic", False),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:*:*", "not-an-arn", False),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*", "arn:aws:sns:us-east-1:444455556666:t", True),
    ("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:*:111122223333:*", "arn:aws:sns:us-east-1:111122223333:t", False),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:111122223333:*", MISSING, True),
    # Null tests presence
    ("Null", "aws:TokenIssueTime", "true", MISSING, True),
    ("Null", "aws:TokenIssueTime", "true", "2020-01-01T00:00:00Z", False),
    ("Null", "aws:TokenIssueTime", "false", "2020-01-01T00:00:00Z", True),
    ("Null", "aws:TokenIssueTime", "false", MISSING, False),
    ("Null", "aws:TagKeys", "true", [], True),  # an empty list is no value
    # IfExists: true when the key is missing, the base operator otherwise
    ("StringEqualsIfExists", "ec2:InstanceType", "t2.micro", MISSING, True),
    ("StringEqualsIfExists", "ec2:InstanceType", "t2.micro", "t2.micro", True),
    ("StringEqualsIfExists", "ec2:InstanceType", "t2.micro", "m5.large", False),
    ("NumericLessThanIfExists", "s3:max-keys", "10", MISSING, True),
    ("IpAddressIfExists", "aws:SourceIp", "10.0.0.0/8", "192.168.0.1", False),
    # Set operators with multivalued keys, empty and missing
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], ["a", "b"], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], ["a", "c"], False),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], MISSING, True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"], [], True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], ["c", "b"], True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], ["c", "d"], False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], MISSING, False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["a", "b"], [], False),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], ["a", "b"], True),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], ["a", "secret"], False),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["secret"], ["a", "secret"], True),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["secret"], ["secret"], False),
    ("ForAnyValue:StringLike", "aws:TagKeys", ["team-*"], ["x", "team-a"], True),
    ("ForAllValues:StringLike", "aws:TagKeys", ["team-*"], ["x", "team-a"], False),
    ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["a"], MISSING, True),
    # single-valued operator on a multivalued key: any value (positive), none (negated)
    ("StringEquals", "aws:TagKeys", "a", ["b", "a"], True),
    ("StringNotEquals", "aws:TagKeys", "a", ["b", "a"], False),
    ("StringNotEquals", "aws:TagKeys", "a", ["b", "c"], True),
    # unknown operators never match
    ("StringEqual", "aws:username", "alice", "alice", False),
    ("ForEach:StringEquals", "aws:username", "alice", "alice", False),
]


@pytest.mark.parametrize("operator, key, values, context, expected", CASES)
def test_operator(operator, key, values, context, expected):
    assert run(operator, key, values, context) is expected


def test_every_documented_operator_has_a_case():
    tested = {split_operator(op)[1] for op, *_ in CASES}
    assert KNOWN_OPERATORS <= tested


def test_condition_keys_are_case_insensitive():
    c = clause("StringEquals", "AWS:UserName", "alice")
    assert evaluate_clause(c, {"aws:username": ("alice",)}, True)
    assert evaluate_clause(c, {"Aws:USERNAME": ("alice",)}, True)


VARIABLE_CASES = [
    ("StringEquals", "aws:ResourceTag/Owner", "${aws:username}", {"aws:username": "alice"}, "alice", True),
    ("StringEquals", "aws:ResourceTag/Owner", "${aws:username}", {"aws:username": "bob"}, "alice", False),
    # missing variable, no default: the statement is invalid, so the clause fails either way
    ("StringEquals", "aws:ResourceTag/Owner", "${aws:username}", {}, "alice", False),
    ("StringNotEquals", "aws:ResourceTag/Owner", "${aws:username}", {}, "alice", False),
    ("StringEquals", "aws:ResourceTag/Owner", "${aws:PrincipalTag/team, 'ops'}", {}, "ops", True),
    ("StringEquals", "aws:ResourceTag/Owner", "${aws:PrincipalTag/team, 'ops'}", {"aws:PrincipalTag/team": "dev"},
     "dev", True),
    ("StringEquals", "aws:ResourceTag/Owner", "${aws:principaltag/TEAM}", {"aws:PrincipalTag/team": "dev"}, "dev", True),
    ("StringLike", "s3:prefix", "home/${aws:username}/*", {"aws:username": "alice"}, "home/alice/x", True),
    ("StringLike", "s3:prefix", "home/${aws:username}/*", {"aws:username": "alice"}, "home/bob/x", False),
    # a variable's value is literal: a user named "*" does not become a wildcard
    ("StringLike", "s3:prefix", "home/${aws:username}", {"aws:username": "*"}, "home/bob", False),
    ("StringLike", "s3:prefix", "home/${aws:username}", {"aws:username": "*"}, "home/*", True),
    # escapes
    ("StringLike", "s3:prefix", "a${*}b", {}, "a*b", True),
    ("StringLike", "s3:prefix", "a${*}b", {}, "axxb", False),
    ("StringLike", "s3:prefix", "a${?}", {}, "a?", True),
    ("StringEquals", "s3:prefix", "${$}{x}", {}, "${x}", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:iam::111122223333:user/${aws:username}", {"aws:username": "alice"},
     "arn:aws:iam::111122223333:user/alice", True),
    # Numeric values take no variables: the text stays as written and is no number
    ("NumericEquals", "s3:max-keys", "${aws:username}", {"aws:username": "5"}, "5", False),
]


@pytest.mark.parametrize("operator, key, value, variables, context_value, expected", VARIABLE_CASES)
def test_policy_variables_in_condition_values(operator, key, value, variables, context_value, expected):
    ctx = {k.lower(): (v,) for k, v in variables.items()}
    ctx[key.lower()] = (context_value,)
    assert evaluate_clause(clause(operator, key, value), ctx, True) is expected


def test_variables_are_literal_text_without_2012_version():
    c = clause("StringEquals", "aws:ResourceTag/Owner", "${aws:username}")
    ctx = {"aws:username": ("alice",), "aws:resourcetag/owner": ("alice",)}
    assert evaluate_clause(c, ctx, True)
    assert not evaluate_clause(c, ctx, False)
    assert evaluate_clause(c, {"aws:resourcetag/owner": ("${aws:username}",)}, False)


@pytest.mark.parametrize("text, epoch", [
    ("2020-01-01", 1577836800.0),
    ("2020-01-01T00:00:00Z", 1577836800.0),
    ("2020-01-01T02:00:00+02:00", 1577836800.0),
    ("2020-01-01T00:00:00.500Z", 1577836800.5),
    ("1577836800", 1577836800.0),
    ("1577836800.25", 1577836800.25),
    ("yesterday", None),
])
def test_dates(text, epoch):
    assert parse_date(text) == epoch


VALIDATION = [
    (("StringEquals", "aws:username", "alice"), []),
    (("StringEqual", "aws:username", "alice"), ["unknown condition operator 'StringEqual'"]),
    (("stringequals", "aws:username", "alice"), ["did you mean StringEquals?"]),
    (("ForEach:StringEquals", "aws:username", "a"), ["unknown set operator 'ForEach'"]),
    (("IpAddress", "aws:SourceIp", "54.240.143.0/24"), []),
    (("IpAddress", "aws:SourceIp", "2001:DB8::/32"), []),
    (("IpAddress", "aws:SourceIp", "54.240.143.0/33"), ["is not an IP address or CIDR block"]),
    (("IpAddress", "aws:SourceIp", "54.240.143.*"), ["is not an IP address or CIDR block"]),
    (("DateGreaterThan", "aws:CurrentTime", "2020-13-01"), ["is not a date"]),
    (("DateGreaterThan", "aws:CurrentTime", "1577836800"), []),
    (("NumericLessThan", "s3:max-keys", "ten"), ["is not a number"]),
    (("NumericLessThan", "s3:max-keys", "nan"), ["is not a number"]),
    (("NumericLessThan", "s3:max-keys", "2.5"), []),
    (("Bool", "aws:SecureTransport", "yes"), ['is not "true" or "false"']),
    (("Bool", "aws:SecureTransport", "True"), []),
    (("Null", "aws:TokenIssueTime", "maybe"), ['is not "true" or "false"']),
    (("NullIfExists", "aws:TokenIssueTime", "true"), ["NullIfExists is not an operator"]),
    (("ForAnyValue:Null", "aws:TagKeys", "true"), ["ForAnyValue cannot be combined with Null"]),
    (("ArnLike", "aws:SourceArn", "mobiletargeting:apps/*"), ["is not an ARN"]),
    (("ArnLike", "aws:SourceArn", "arn:aws:sns:us-east-1"), ["has 4 of the 6 ARN segments"]),
    (("ArnLike", "aws:SourceArn", "arn:aws:sns:*"), []),
    (("ArnLike", "aws:SourceArn", "${aws:PrincipalArn}"), []),
    (("BinaryEquals", "aws:Key", "not base64!"), ["is not base64"]),
    (("StringEquals", "aws:username", ()), ["no values"]),
]


@pytest.mark.parametrize("args, fragments", VALIDATION)
def test_validate_clause(args, fragments):
    problems = validate_clause(clause(*args))
    assert len(problems) == len(fragments), problems
    for problem, fragment in zip(problems, fragments):
        assert fragment in problem
        assert args[1] in problem  # names the key


def test_validate_clause_rejects_null_values():
    c = clause("StringEquals", "aws:username", ["null"], ("null",))
    assert validate_clause(c) == ["StringEquals aws:username: null is not a condition value"]
