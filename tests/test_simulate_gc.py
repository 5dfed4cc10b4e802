"""`simulate --batch` runs with the cycle collector off: no case may leave a reference cycle."""
import gc
import io
import json

from auditor.commands.simulate import write_decisions
from auditor.evaluate.batch import BatchRunner
from tests.conftest import SEED_DIR

ACCT = "111122223333"
PROJECT = f"arn:aws:mobiletargeting:us-east-1:{ACCT}:apps/810c7aab86d42fb2b56c8c966example"


def _case(n: int, **fields) -> dict:
    policy = json.loads((SEED_DIR / "10_ip_restricted_project.json").read_text())
    case = {"id": n, "identity_policies": [policy, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "mobiletargeting:Delete*", "Resource": f"{PROJECT}/n{n}"}]}],
        "request": {"principal": f"arn:aws:iam::{ACCT}:user/u{n}", "action": "mobiletargeting:GetApp",
                    "resource": PROJECT, "context": {"aws:SourceIp": f"54.240.143.{n % 250}"}}}
    case.update(fields)
    return case


def test_cases_good_and_bad_leave_no_reference_cycle():
    lines = [json.dumps(_case(n)).encode() for n in range(300)]
    lines += [b"not json", b'{"id": 1, "identity_policies": [{"Statement": 5}], "request": {}}', b"[1, 2]",
              b'{"id": 2}', b'{"id": 3, "identity_policies": ["{bad"], "request": {"action": "s3:GetObject"}}',
              json.dumps(_case(4, request={"action": "nope"})).encode(), b"\xff\xfe", b"   "]
    # The other ways through: members in another order (CaseReader), policies as JSON strings, a
    # resource policy and a boundary, a policy variable, a case read by json.loads (escaped names).
    reordered = _case(5)
    request_first = {"request": reordered.pop("request"), **reordered}
    lines += [json.dumps(request_first).encode(),
              json.dumps(_case(6, identity_policies=[json.dumps(p) for p in _case(6)["identity_policies"]])).encode(),
              json.dumps(_case(7, resource_policy={"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "*",
                   "Resource": "*", "Condition": {"StringEquals": {"aws:username": "${aws:username}"}}}]},
                  permission_boundaries=[{"Version": "2012-10-17", "Statement": [
                      {"Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}]}])).encode(),
              json.dumps(_case(8)).replace('"id"', '"\\u0069d"').encode()]
    runner = BatchRunner()
    gc.collect()
    gc.disable()
    try:
        outputs = runner.run_lines(lines, 2)
        assert gc.collect() == 0  # nothing unreachable: reference counting freed every case
    finally:
        gc.enable()
    decisions = [json.loads(out)["decision"] for out in outputs]
    assert decisions.count("Error") == 7 and len(decisions) == len(lines) - 1  # the blank line gives none
    assert decisions[-4:] == ["Allowed"] * 4


def test_write_decisions_reads_a_stream_and_restores_the_collector():
    data = b"\n".join(json.dumps(_case(n)).encode() for n in range(5)) + b"\r\n\n"
    out = io.StringIO()
    assert gc.isenabled()
    write_decisions(BatchRunner(), io.BufferedReader(io.BytesIO(data)), out)
    assert gc.isenabled()
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == [0, 1, 2, 3, 4]
    assert {r["decision"] for r in results} == {"Allowed"}
