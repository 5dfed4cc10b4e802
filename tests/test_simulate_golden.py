"""`simulate --batch` writes the bytes it wrote before its fast paths: these lines (common layout,
compact layout, other layouts, every kind of bad case) were run through the implementation that
had only the general path, and EXPECTED is what it wrote, line by line.

The lines are run through one runner in order, twice (the second round finds every policy
cached), and once more with the fast path turned off.
"""
import json

from auditor.evaluate.batch import BatchRunner

A, B = "111122223333", "444455556666"
APP = f"arn:aws:mobiletargeting:us-east-1:{A}:apps/p1"
V = "2012-10-17"
ALLOW = {"Version": V, "Statement": [{"Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}]}
DENY = {"Version": V, "Statement": [
    {"Sid": "NoDelete", "Effect": "Deny", "Action": "mobiletargeting:Delete*", "Resource": "*"}]}
COND = {"Version": V, "Statement": [{
    "Sid": "Ip", "Effect": "Allow", "Action": "mobiletargeting:Get*", "Resource": APP,
    "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringEquals": {"aws:username": "${aws:username}"}}}]}
VAR = {"Version": V, "Statement": [
    {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::*:user/${aws:username}"}]}
BOUND = {"Version": V, "Statement": [{"Effect": "Allow", "Action": ["mobiletargeting:Get*", "iam:*"], "Resource": "*"}]}
RP = {"Version": V, "Statement": [
    {"Sid": "Pp", "Effect": "Allow", "Principal": {"Service": "pinpoint.amazonaws.com"}, "Action": "ses:*"},
    {"Sid": "Acct", "Effect": "Allow", "Principal": {"AWS": B}, "Action": "ses:SendEmail"}]}
# Texts json.dumps would not write: a NaN (json.loads takes it, a policy text may not hold it),
# a duplicate key, a trailing comma.
NAN = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
       '"Condition": {"NumericEquals": {"k": NaN}}}]}')
DUP = '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Effect": "Allow"}]}'
BROKEN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",}]}'
USER = f"arn:aws:iam::{A}:user/alice"
SES = f"arn:aws:ses:us-east-1:{A}:identity/x@example.com"


def req(action="mobiletargeting:GetApp", resource=APP, principal=USER, **context):
    """A request; context keys are spelt aws_Key__Sub for aws:Key/Sub."""
    r = {"principal": principal, "action": action, "resource": resource}
    if context:
        r["context"] = {k.replace("__", "/").replace("_", ":", 1): v for k, v in context.items()}
    return r


def case(i, ids=(), rp=None, bounds=(), request=None, **extra):
    return {"id": i, "identity_policies": list(ids), "resource_policy": rp, "permission_boundaries": list(bounds),
            "request": request or req(), **extra}


def c(value):
    return json.dumps(value, separators=(",", ":"))


d = json.dumps
LINES = [
    d(case(1, [ALLOW])), c(case(2, [ALLOW])), d(case(3, [ALLOW, DENY], request=req("mobiletargeting:DeleteApp"))),
    d(case(4, [COND], request=req(aws_SourceIp="10.1.2.3", aws_username="alice"))),
    d(case(5, [COND], request=req(aws_SourceIp="54.1.2.3", aws_username="alice"))),
    d(case(6, [d(COND)], request=req(aws_SourceIp="10.1.2.3", aws_username="alice"))),
    d(case("seven", [VAR], request=req("iam:GetUser", f"arn:aws:iam::{A}:user/alice", aws_username="alice"))),
    d(case(8, [VAR], request=req("iam:GetUser", f"arn:aws:iam::{A}:user/alice"))),
    d(case(9, [ALLOW], bounds=[BOUND], request=req("mobiletargeting:UpdateApp"))),
    d(case(10, [ALLOW], bounds=[BOUND])),
    d(case(11, [], rp=RP, request=req("ses:SendEmail", SES, "pinpoint.amazonaws.com"))),
    d(case(12, [], rp=d(RP), request=req("ses:SendEmail", SES, f"arn:aws:iam::{B}:user/bob"))),
    d(case(13, [BOUND], rp=RP, request=req("ses:SendEmail", SES, f"arn:aws:iam::{B}:user/bob"))),
    d(case(14, [ALLOW], request=req(principal=f"arn:aws:iam::{B}:user/bob"))),
    d(case(15, [ALLOW], request={**req(), "resource_account": B})),
    d(case(16, [ALLOW], request={"action": "mobiletargeting:GetApp", "resource": "*"})),
    d(case(17, [NAN])).replace('"identity_policies": [', '"identity_policies": [' + NAN + ', ', 1),
    '{"id": 18, "identity_policies": [%s], "request": %s}' % (NAN, d(req("s3:GetObject", "*"))),
    '{"id": 19, "identity_policies": [%s], "request": %s}' % (d(NAN), d(req("s3:GetObject", "*"))),
    '{"id": 20, "identity_policies": [%s], "request": %s}' % (DUP, d(req("s3:GetObject", "*"))),
    '{"id": 21, "identity_policies": [%s], "request": %s}' % (d(DUP), d(req("s3:GetObject", "*"))),
    '{"id": 22, "identity_policies": [%s, %s], "request": %s}' % (d(ALLOW), BROKEN, d(req())),
    '{"id": 23, "identity_policies": [%s], "permission_boundaries": [%s], "request": %s}' % (d(ALLOW), d(BROKEN), d(req())),
    '{"id": 24, "identity_policies": [%s], "resource_policy": 5, "request": %s}' % (d(ALLOW), d(req())),
    '{"id": 25, "identity_policies": [%s, null], "request": %s}' % (d(ALLOW), d(req())),
    '{"id": 26, "identity_policies": %s, "request": %s}' % (d(ALLOW), d(req())),
    d(case(27, [ALLOW], request=req(**{"aws_a": "1", "AWS_A": ["2", "3"], "aws_n": 5, "aws_b": True}))),
    d(case(28, [ALLOW], request=req(aws_a=None))), d(case(29, [ALLOW], request=req(aws_a={"x": 1}))),
    d(case(30, [ALLOW], request=req(aws_a=[1]))),
    d(case(31, [ALLOW], request=req(action="GetApp"))), d(case(32, [ALLOW], request=req(action=5))),
    d(case(33, [ALLOW], request={"resource": APP})), d(case(34, [ALLOW], request=[1])),
    d(case(35, [ALLOW], request={**req(), "context": "x"})), d(case(36, [ALLOW], request={**req(), "context": []})),
    d(case(37, [ALLOW], request={**req(), "principal": None})), d(case(38, [ALLOW], request={**req(), "principal": 7})),
    d(case(39, [ALLOW], request={**req(), "resource_account": ""})),
    d(case(1.5, [ALLOW])), d(case(None, [ALLOW])), d(case(True, [ALLOW])), d(case([1, "x"], [ALLOW])), d(case({"k": 1}, [ALLOW])),
    d(case(-0.0, [ALLOW])), d(case("caf\u00e9 \"quoted\" \\ \t", [ALLOW])), json.dumps(case("caf\u00e9", [ALLOW]), ensure_ascii=False),
    d(case(10**20, [ALLOW])), '{"id": -0, "identity_policies": [], "request": %s}' % d(req()),
    '{"id": 007, "request": %s}' % d(req()), '{"id": 1e3, "request": %s}' % d(req()),
    '{"id": NaN, "request": %s}' % d(req()), '{"id": "\\u0041", "request": %s}' % d(req()),
    '{"\\u0069d": 52, "identity_policies": [%s], "request": %s}' % (d(ALLOW), d(req())),
    '{"id": 53, "id": 54, "identity_policies": [%s], "request": %s}' % (d(ALLOW), d(req())),
    '{"id": 55, "identity_policies": [], "identity_policies": [%s], "request": %s}' % (d(ALLOW), d(req())),
    '{"id": 56, "request": %s, "identity_policies": [%s]}' % (d(req()), d(ALLOW)),
    '{"id": 57 , "identity_policies" : [%s] , "request" : %s }' % (d(ALLOW), d(req())),
    '{"id": 58, "identity_policies": [%s], "request": %s, "extra": 1}' % (d(ALLOW), d(req())),
    '{"id": 59, "identity_policies": [%s], "request": %s}  \t' % (d(ALLOW), d(req())),
    '{"id": 60, "identity_policies": [%s], "request": %s} x' % (d(ALLOW), d(req())),
    '{"id": 61, "identity_policies": [%s], "request": {"action": "mobiletargeting:Get\\u0041pp", "resource": "%s"}}' % (d(ALLOW), APP),
    '{"id": 62, "identity_policies": [%s], "request": {"action": "mobiletargeting:GetApp", "resource": "%s", "context": {"aws:SourceIp": "10.0.0.1", "request": {"x": 1}}}}' % (d(COND), APP),
    '{"id": 63, "identity_policies": [{"Statement": {"Sid": "x\\", \\"request\\": {", "Effect": "Allow", "Action": "*", "Resource": "*"}}], "request": %s}' % d(req()),
    '{"id": 64, "identity_policies": [{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}, "request": {"a": 1}}], "request": %s}' % d(req()),
    "{not json", "[1, 2]", "null", "", "   ", '{"id": 65}', '{"id": 66, "identity_policies": [' + "[" * 3000 + "]" * 3000 + "]}",
    d(case(67, [ALLOW])) + "\r",
]


EXPECTED = [
    '{"id": 1, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 2, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 3, "decision": "ExplicitlyDenied", "detail": "explicitly denied by identity_policies[1] statement #0 (NoDelete)"}',
    '{"id": 4, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0 (Ip)"}',
    '{"id": 5, "decision": "ImplicitlyDenied", "detail": "no statement allows mobiletargeting:GetApp on arn:aws:mobiletargeting:us-east-1:111122223333:apps/p1"}',
    '{"id": 6, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0 (Ip)"}',
    '{"id": "seven", "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 8, "decision": "ImplicitlyDenied", "detail": "no statement allows iam:GetUser on arn:aws:iam::111122223333:user/alice"}',
    '{"id": 9, "decision": "ImplicitlyDenied", "detail": "identity_policies[0] statement #0 allows it but permissions boundary permission_boundaries[0] does not"}',
    '{"id": 10, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0 within the permissions boundary"}',
    '{"id": 11, "decision": "Allowed", "detail": "allowed by resource_policy statement #0 (Pp), which names the principal"}',
    '{"id": 12, "decision": "ImplicitlyDenied", "detail": "cross-account request (principal account 444455556666, resource account 111122223333) needs both sides: no identity policy allows it; resource_policy statement #1 (Acct) grants it"}',
    '{"id": 13, "decision": "ImplicitlyDenied", "detail": "cross-account request (principal account 444455556666, resource account 111122223333) needs both sides: no identity policy allows it; resource_policy statement #1 (Acct) grants it"}',
    '{"id": 14, "decision": "ImplicitlyDenied", "detail": "cross-account request (principal account 444455556666, resource account 111122223333) needs both sides: identity_policies[0] statement #0 allows it; no resource-policy statement grants it to the principal"}',
    '{"id": 15, "decision": "ImplicitlyDenied", "detail": "cross-account request (principal account 111122223333, resource account 444455556666) needs both sides: identity_policies[0] statement #0 allows it; no resource-policy statement grants it to the principal"}',
    '{"id": 16, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 17, "decision": "ImplicitlyDenied", "detail": "no statement allows mobiletargeting:GetApp on arn:aws:mobiletargeting:us-east-1:111122223333:apps/p1"}',
    '{"id": 18, "decision": "ImplicitlyDenied", "detail": "no statement allows s3:GetObject on *"}',
    '{"id": 19, "decision": "ImplicitlyDenied", "detail": "no statement allows s3:GetObject on *"}',
    '{"id": 20, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 21, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": null, "decision": "Error", "detail": "line 22 is not JSON: Expecting property name enclosed in double quotes: line 1 column 239 (char 238)"}',
    '{"id": 23, "decision": "Error", "detail": "permission_boundaries[0]: POL001 trailing comma before \'}\' (JSON allows none) (line 1, column 94)"}',
    '{"id": 24, "decision": "Error", "detail": "resource_policy must be a policy object or a JSON string"}',
    '{"id": 25, "decision": "Error", "detail": "identity_policies[1] must be a policy object or a JSON string"}',
    '{"id": 26, "decision": "Error", "detail": "identity_policies must be a list of policies"}',
    '{"id": 27, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 28, "decision": "Error", "detail": "request.context[\'aws:a\'] must be a string or a list of strings"}',
    '{"id": 29, "decision": "Error", "detail": "request.context[\'aws:a\'] must be a string or a list of strings"}',
    '{"id": 30, "decision": "Error", "detail": "request.context[\'aws:a\'] must be a string or a list of strings"}',
    '{"id": 31, "decision": "Error", "detail": "request.action \'GetApp\' is not service:Action"}',
    '{"id": 32, "decision": "Error", "detail": "request.action must be a string"}',
    '{"id": 33, "decision": "Error", "detail": "request.action is missing"}',
    '{"id": 34, "decision": "Error", "detail": "request must be an object with principal, action, resource and context"}',
    '{"id": 35, "decision": "Error", "detail": "request.context must be an object"}',
    '{"id": 36, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 37, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 38, "decision": "Error", "detail": "request.principal must be a string"}',
    '{"id": 39, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 1.5, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": null, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": true, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": [1, "x"], "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": {"k": 1}, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": -0.0, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": "café \\"quoted\\" \\\\ \\t", "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": "café", "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 100000000000000000000, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 0, "decision": "ImplicitlyDenied", "detail": "no statement allows mobiletargeting:GetApp on arn:aws:mobiletargeting:us-east-1:111122223333:apps/p1"}',
    '{"id": null, "decision": "Error", "detail": "line 50 is not JSON: Expecting \',\' delimiter: line 1 column 9 (char 8)"}',
    '{"id": 1000.0, "decision": "ImplicitlyDenied", "detail": "no statement allows mobiletargeting:GetApp on arn:aws:mobiletargeting:us-east-1:111122223333:apps/p1"}',
    '{"id": NaN, "decision": "ImplicitlyDenied", "detail": "no statement allows mobiletargeting:GetApp on arn:aws:mobiletargeting:us-east-1:111122223333:apps/p1"}',
    '{"id": "A", "decision": "ImplicitlyDenied", "detail": "no statement allows mobiletargeting:GetApp on arn:aws:mobiletargeting:us-east-1:111122223333:apps/p1"}',
    '{"id": 52, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 54, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 55, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 56, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 57, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 58, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 59, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": null, "decision": "Error", "detail": "line 61 is not JSON: Extra data: line 1 column 318 (char 317)"}',
    '{"id": 61, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": 62, "decision": "Error", "detail": "request.context[\'request\'] must be a string or a list of strings"}',
    '{"id": 63, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0 (x\\", \\"request\\": {)"}',
    '{"id": 64, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
    '{"id": null, "decision": "Error", "detail": "line 66 is not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}',
    '{"id": null, "decision": "Error", "detail": "a case must be a JSON object"}',
    '{"id": null, "decision": "Error", "detail": "a case must be a JSON object"}',
    None,
    None,
    '{"id": 65, "decision": "Error", "detail": "request must be an object with principal, action, resource and context"}',
    '{"id": null, "decision": "Error", "detail": "line 72 is nested too deeply"}',
    '{"id": 67, "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0"}',
]


def run(runner: BatchRunner, start: int = 1) -> list:
    return [runner.run_line(line, number) for number, line in enumerate(LINES, start=start)]


def test_lines_decide_as_before():
    runner = BatchRunner()
    assert run(runner) == EXPECTED


def test_cached_policies_and_sections_change_nothing():
    runner = BatchRunner()
    run(runner)
    assert run(runner) == EXPECTED


def test_general_path_agrees(monkeypatch):
    monkeypatch.setattr(BatchRunner, "_common", lambda self, line: None)
    monkeypatch.setattr(BatchRunner, "_decided", lambda self, *parts: None)
    runner = BatchRunner()
    assert run(runner) == EXPECTED
    assert [runner.run_line(line.encode(), n) for n, line in enumerate(LINES, start=1)] == EXPECTED


def test_bytes_lines_decide_as_text_lines():
    runner = BatchRunner()
    for _ in range(2):  # the second round reads most lines without decoding them whole
        assert [runner.run_line(line.encode(), n) for n, line in enumerate(LINES, start=1)] == EXPECTED


def test_chunks_decide_as_lines():
    runner = BatchRunner()
    for lines in (LINES, [line.encode() for line in LINES]):
        got = runner.run_lines(lines[:30], 1) + runner.run_lines(lines[30:], 31)
        assert got == [out for out in EXPECTED if out is not None]
