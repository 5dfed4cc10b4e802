"""The batch runner's fast path must decide exactly as the plain path (json.loads + evaluate)."""
import json

import pytest

from auditor.evaluate.batch import BatchRunner, make_request
from auditor.evaluate.caseread import CaseReader
from auditor.evaluate.engine import evaluate
from auditor.parse.policy import parse_policy
from benchmarks.bench_simulate import generate


def reference(line: str) -> dict:
    case = json.loads(line)

    def load(p):
        return parse_policy(p if isinstance(p, str) else json.dumps(p))

    result = evaluate(make_request(case["request"]), [load(p) for p in case["identity_policies"]],
                      None if case["resource_policy"] is None else load(case["resource_policy"]),
                      [load(p) for p in case["permission_boundaries"]])
    return {"id": case["id"], "decision": result.decision.value, "detail": result.detail}


def test_fast_path_matches_reference_on_generated_cases():
    runner = BatchRunner()
    lines = list(generate(600, seed=11))
    for number, line in enumerate(lines * 2, start=1):  # the second round hits every cache
        assert json.loads(runner.run_line(line, number)) == reference(line)


POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                  "Sid": "has } and \" in it"}]}
REQUEST = {"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}


@pytest.mark.parametrize("text", [
    json.dumps({"id": 1, "identity_policies": [POLICY], "request": REQUEST}),
    json.dumps({"id": 1, "identity_policies": [POLICY], "request": REQUEST}, indent=None, separators=(",", ":")),
    "  " + json.dumps({"id": 1, "identity_policies": [POLICY, POLICY], "request": REQUEST}) + " \r\n",
    json.dumps({"identity_policies": [], "permission_boundaries": [POLICY], "id": 1, "request": REQUEST}),
    json.dumps({"id": 1, "resource_policy": json.dumps(POLICY), "request": REQUEST}),
])
def test_reader_agrees_with_json_loads(text):
    reader = CaseReader()
    for _ in range(2):  # the second read recognises the policy texts without decoding them
        case = reader.read(text)
        expected = json.loads(text)
        assert case is not None and case.keys() == expected.keys()
        for key in ("identity_policies", "permission_boundaries"):
            for (raw, value), want in zip(case.get(key, []), expected.get(key, [])):
                assert json.loads(raw) == want and value in (None, want)
        assert case["request"] == expected["request"]


@pytest.mark.parametrize("text", [
    '{"\\u0069d": 1}',  # escaped member name: left to json.loads
    "[1, 2]",
    '{"id": 1} trailing',
    '{"id": 1,}',
    '{"identity_policies": [{"a": 1},], "id": 2}',
    '{"identity_policies": [{"a": 1}} ',
    "",
])
def test_reader_declines_what_it_does_not_handle(text):
    assert CaseReader().read(text) is None


def test_recognised_text_is_not_a_longer_value():
    reader = CaseReader()
    short = json.dumps({"identity_policies": [{"Statement": []}], "id": 1})
    longer = json.dumps({"identity_policies": [{"Statement": []}, {"Statement": [1]}], "id": 2})
    reader.read(short)
    case = reader.read(longer)
    assert [json.loads(raw) for raw, _ in case["identity_policies"]] == [{"Statement": []}, {"Statement": [1]}]


@pytest.mark.parametrize("line, fragment", [
    ("[" * 100_000, "nested too deeply"),
    ('{"id": 7, "identity_policies": [' + "[" * 100_000 + "]}", "nested too deeply"),
    ('{"id": 7, "identity_policies": [{"Statement": ' + "[" * 100_000 + "}]}", "nested too deeply"),
])
def test_hostile_lines_become_error_lines(line, fragment):
    out = json.loads(BatchRunner().run_line(line, 3))
    assert out["decision"] == "Error" and fragment in out["detail"]
