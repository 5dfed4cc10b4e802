import io
import json
import sys

import pytest

from auditor.cli import main
from tests.conftest import SEED_DIR

ACCT = "111122223333"
PROJECT = f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/810c7aab86d42fb2b56c8c966example"
SES_ID = f"arn:aws:ses:us-east-1:{ACCT}:identity/sender@example.com"
IP_POLICY = str(SEED_DIR / "10_ip_restricted_project.json")
USER = f"arn:aws:iam::{ACCT}:user/richard-roe"


def simulate(capsys, *argv):
    code = main(["simulate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_json(out):
    lines = out.splitlines()
    assert len(lines) == 1, out
    return json.loads(lines[0])


@pytest.mark.parametrize("ip, decision", [("54.240.143.5", "Allowed"), ("54.240.143.188", "ImplicitlyDenied")])
def test_single_request(capsys, ip, decision):
    code, out, err = simulate(capsys, "--policy", IP_POLICY, "--action", "mobiletargeting:GetApp",
                              "--resource", PROJECT, "--context", f"aws:SourceIp={ip}")
    assert code == 0 and err == ""
    result = one_line_json(out)
    assert result["decision"] == decision
    assert set(result) == {"decision", "detail"}
    if decision == "Allowed":
        assert result["detail"] == f"allowed by {IP_POLICY} statement #0 (IPAllow)"


def test_explain_lists_matched_statements(capsys, tmp_path):
    guard = tmp_path / "guard.json"
    guard.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "mobiletargeting:Delete*", "Resource": "*"}]}))
    code, out, _ = simulate(capsys, "--policy", IP_POLICY, "--policy", str(guard), "--action",
                            "mobiletargeting:DeleteApp", "--resource", PROJECT, "--context",
                            "aws:SourceIp=54.240.143.5", "--explain")
    result = one_line_json(out)
    assert code == 0
    assert result["decision"] == "ExplicitlyDenied"
    assert result["detail"] == f"explicitly denied by {guard} statement #0 (NoDeletes)"
    assert result["matched"] == [
        {"policy": IP_POLICY, "statement": 0, "sid": "IPAllow", "effect": "Allow"},
        {"policy": str(guard), "statement": 0, "sid": "NoDeletes", "effect": "Deny"},
    ]


def test_repeated_context_key_builds_a_list(capsys, tmp_path):
    p = tmp_path / "tags.json"
    p.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "mobiletargeting:TagResource", "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}]}))
    base = ["--policy", str(p), "--action", "mobiletargeting:TagResource", "--resource", PROJECT]
    _, out, _ = simulate(capsys, *base, "--context", "aws:TagKeys=team", "--context", "aws:TagKeys=env")
    assert one_line_json(out)["decision"] == "Allowed"
    _, out, _ = simulate(capsys, *base, "--context", "aws:TagKeys=team", "--context", "aws:tagkeys=owner")
    assert one_line_json(out)["decision"] == "ImplicitlyDenied"


def test_resource_policy_and_boundary_options(capsys, tmp_path):
    rp = str(SEED_DIR / "12_ses_identity_for_pinpoint.json")
    context = ["--context", f"aws:SourceAccount={ACCT}", "--context",
               f"aws:SourceArn=arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/p1"]
    code, out, _ = simulate(capsys, "--resource-policy", rp, "--principal", "pinpoint.amazonaws.com",
                            "--action", "ses:SendEmail", "--resource", SES_ID, *context)
    assert code == 0
    assert one_line_json(out) == {
        "decision": "Allowed", "detail": f"allowed by {rp} statement #0 (PinpointEmail), which names the principal"}
    boundary = tmp_path / "boundary.json"
    boundary.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ses:Get*", "Resource": "*"}]}))
    identity = tmp_path / "identity.json"
    identity.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ses:*", "Resource": "*"}]}))
    _, out, _ = simulate(capsys, "--policy", str(identity), "--boundary", str(boundary), "--principal", USER,
                         "--action", "ses:SendEmail", "--resource", SES_ID)
    result = one_line_json(out)
    assert result["decision"] == "ImplicitlyDenied"
    assert f"permissions boundary {boundary} does not" in result["detail"]


def test_unparsable_policy_file_is_exit_2_naming_file_and_position(capsys):
    broken = str(SEED_DIR / "09_sms_voice_admin.json")
    code, out, err = simulate(capsys, "--policy", broken, "--action", "sms-voice:GetX", "--resource", "*")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert broken in lines[0] and "POL001" in lines[0] and "line 1, column 118" in lines[0]
    assert "trailing comma" in lines[0]


@pytest.mark.parametrize("argv, fragment", [
    (["--policy", "/nonexistent/p.json", "--action", "s3:GetObject", "--resource", "*"], "cannot read policy file"),
    (["--policy", IP_POLICY, "--resource", "*"], "--action and --resource"),
    (["--policy", IP_POLICY, "--action", "GetObject", "--resource", "*"], "not SERVICE:ACTION"),
    (["--action", "s3:GetObject", "--resource", "*"], "at least one --policy"),
    (["--policy", IP_POLICY, "--action", "s3:GetObject", "--resource", "*", "--context", "novalue"], "KEY=VALUE"),
    (["--batch", "-", "--policy", IP_POLICY], "remove --policy"),
    (["--batch", "/nonexistent/cases.jsonl"], "cannot read cases file"),
])
def test_usage_and_input_errors(capsys, argv, fragment):
    code, out, err = simulate(capsys, *argv)
    assert code == 2 and out == ""
    assert fragment in err and len(err.strip().splitlines()) == 1


# --- batch ------------------------------------------------------------------------------------

IP_DOC = json.loads((SEED_DIR / "10_ip_restricted_project.json").read_text())
BROKEN_TEXT = (SEED_DIR / "09_sms_voice_admin.json").read_text()


def case(case_id, ip, policies=None, **request):
    req = {"principal": USER, "action": "mobiletargeting:GetApp", "resource": PROJECT,
           "context": {"aws:SourceIp": ip}, **request}
    return json.dumps({"id": case_id, "identity_policies": policies if policies is not None else [IP_DOC],
                       "resource_policy": None, "permission_boundaries": [], "request": req})


def run_batch(capsys, source):
    code, out, err = simulate(capsys, "--batch", source)
    assert code == 0 and err == ""
    return [json.loads(line) for line in out.splitlines()]


def test_batch_from_file_keeps_order_and_ids(capsys, tmp_path):
    cases = tmp_path / "cases.jsonl"
    lines = [
        case(1, "54.240.143.5"),
        case("two", "54.240.143.188"),
        "",  # blank lines are skipped
        case([3], "54.240.143.5", [json.dumps(IP_DOC)]),  # a policy may come as a JSON string
        json.dumps({"id": 4, "identity_policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "mobiletargeting:GetApp", "Resource": "*"}]}],
            "request": {"principal": USER, "action": "mobiletargeting:GetApp", "resource": PROJECT}}),
    ]
    cases.write_text("\n".join(lines) + "\n")
    results = run_batch(capsys, str(cases))
    assert [(r["id"], r["decision"]) for r in results] == [
        (1, "Allowed"), ("two", "ImplicitlyDenied"), ([3], "Allowed"), (4, "ExplicitlyDenied")]
    assert results[0]["detail"] == "allowed by identity_policies[0] statement #0 (IPAllow)"
    assert results[3]["detail"] == "explicitly denied by identity_policies[0] statement #1"


def test_batch_from_stdin_with_bad_lines_keeps_going(capsys, monkeypatch):
    lines = [
        case("a", "54.240.143.5"),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "no-action", "identity_policies": [IP_DOC], "request": {"resource": PROJECT}}),
        json.dumps({"id": "bad-policies", "identity_policies": IP_DOC, "request": {}}),
        case("broken-policy", "54.240.143.5", [BROKEN_TEXT]),
        case("policy-number", "54.240.143.5", [42]),
        json.dumps({"id": "bad-context", "identity_policies": [], "request": {
            "action": "s3:GetObject", "resource": "*", "context": {"aws:SourceIp": {"x": 1}}}}),
        json.dumps({"id": "bad-action", "identity_policies": [], "request": {"action": "GetObject", "resource": "*"}}),
        case("z", "54.240.143.188"),
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    results = run_batch(capsys, "-")
    assert [(r["id"], r["decision"]) for r in results] == [
        ("a", "Allowed"), (None, "Error"), (None, "Error"), ("no-action", "Error"), ("bad-policies", "Error"),
        ("broken-policy", "Error"), ("policy-number", "Error"), ("bad-context", "Error"), ("bad-action", "Error"),
        ("z", "ImplicitlyDenied"),
    ]
    details = [r["detail"] for r in results]
    assert details[1].startswith("line 2 is not JSON")
    assert details[2] == "a case must be a JSON object"
    assert details[3] == "request.action is missing"
    assert details[4] == "identity_policies must be a list of policies"
    assert details[5].startswith("identity_policies[0]: POL001 trailing comma") and "line 1, column 118" in details[5]
    assert details[6] == "identity_policies[0] must be a policy object or a JSON string"
    assert "request.context['aws:SourceIp']" in details[7]
    assert "not service:Action" in details[8]


def test_batch_reads_bytes_and_reports_non_utf8(capsys, monkeypatch):
    raw = (case("ok", "54.240.143.5") + "\n").encode() + b'{"id": "\xff"}\n'

    class Stdin:
        buffer = io.BytesIO(raw)

    monkeypatch.setattr(sys, "stdin", Stdin())
    results = run_batch(capsys, "-")
    assert [r["decision"] for r in results] == ["Allowed", "Error"]
    assert "line 2" in results[1]["detail"]


def test_batch_parses_each_distinct_policy_once(monkeypatch):
    from auditor.evaluate import batch

    calls = []
    real = batch.parse_policy
    monkeypatch.setattr(batch, "parse_policy", lambda text, **kw: calls.append(text) or real(text, **kw))
    runner = batch.BatchRunner()
    for n in range(20):
        assert json.loads(runner.run_line(case(n, f"54.240.143.{n}"), n + 1))["decision"] != "Error"
    assert len(calls) == 1  # one text, one parse
    # A line the fast reader leaves to json.loads (an escaped member name) keys its policies by
    # canonical JSON: the same document with its keys in another order is parsed only once.
    for n, doc in enumerate((IP_DOC, dict(reversed(list(IP_DOC.items()))))):
        line = case(f"e{n}", "54.240.143.5", [doc]).replace('"id"', '"\\u0069d"')
        assert json.loads(runner.run_line(line, 30 + n)) == {
            "id": f"e{n}", "decision": "Allowed", "detail": "allowed by identity_policies[0] statement #0 (IPAllow)"}
    assert len(calls) == 2


def test_batch_goes_on_after_a_lone_surrogate(capsys, monkeypatch):
    lines = ['{"id": "\\ud800", "request": {"action": "s3:GetObject", "resource": "*"}}', case("next", "54.240.143.5")]

    class Stdin:
        buffer = io.BytesIO(("\n".join(lines) + "\n").encode())

    monkeypatch.setattr(sys, "stdin", Stdin())
    results = run_batch(capsys, "-")
    assert [(r["id"], r["decision"]) for r in results] == [("\ud800", "ImplicitlyDenied"), ("next", "Allowed")]


def test_a_number_beyond_the_digit_limit_is_named_plainly(tmp_path, capsys):
    cases = tmp_path / "cases.jsonl"
    cases.write_text('{"id": ' + "9" * 5000 + ', "identity_policies": [], '
                     '"request": {"action": "ses:SendEmail", "resource": "*"}}\n', encoding="utf-8")
    [result] = run_batch(capsys, str(cases))
    assert result["decision"] == "Error"
    assert result["detail"] == f"line 1 is not JSON: a number has more than {sys.get_int_max_str_digits()} digits"
