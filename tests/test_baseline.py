import json
import re

import pytest

from auditor.baseline import apply_baseline
from auditor.engine import Selection, lint_policy
from auditor.errors import InputError
from auditor.model.finding import Severity, Status
from auditor.model.policy import Effect, PolicyKind
from auditor.parse.policy import parse_policy
from auditor.registry import REGISTRY, CheckOptions, Hit, check
from auditor.report import write_reports
from test_report_factory import make_result, sample_findings


def _baseline(tmp_path, findings):
    write_reports(make_result(findings), tmp_path, ["json"])
    return tmp_path / "findings.json"


def test_no_baseline_changes_nothing():
    findings = sample_findings()
    assert apply_baseline(findings, None) == (findings, [])


def test_new_existing_resolved_and_suppressed_stay_suppressed(tmp_path):
    old = sample_findings()
    path = _baseline(tmp_path, old[:3])
    now = [old[0], old[1].replace(status=Status.SUPPRESSED, suppressed_by="ok"), old[3],
           old[0].replace(message="reworded, same fingerprint")]
    marked, resolved = apply_baseline(now, path)
    assert [f.status for f in marked] == [Status.EXISTING, Status.SUPPRESSED, Status.NEW, Status.EXISTING]
    assert marked[1].suppressed_by == "ok"
    assert resolved == [old[2]]


@pytest.mark.parametrize("content, expected", [
    (None, "cannot read"),
    (b"not json", "invalid JSON"),
    (b"[]", "not a findings document"),
    (b'{"schema_version": "1.0", "findings": [{"check_id": "X1"}]}', "findings[0]: fingerprint: missing"),
    (b'{"schema_version": "1.0", "findings": [{"fingerprint": "a", "check_id": "X1", "severity": "bad"}]}',
     "findings[0]: severity"),
    (b'{"schema_version": "1.0", "findings": [{"fingerprint": "a", "check_id": "X1", "actions": "ses:*"}]}',
     "findings[0]: actions"),
])
def test_unusable_baseline_is_one_line_input_error(tmp_path, content, expected):
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=re.escape(expected)) as err:
        apply_baseline(sample_findings(), path)
    assert "\n" not in str(err.value)


@pytest.fixture()
def wildcard_check():
    """A test-only check (the real ones are written in parallel): Allow with a service wildcard."""

    @check("ZZB901", "test-service-wildcard", Severity.HIGH, "Service wildcard (test)", rationale="r",
           remediation="name the actions", doc_url="https://example.com")
    def _wildcards(ctx):
        for st in ctx.policy.statements:
            if st.effect is Effect.ALLOW:
                wild = tuple(a for a in st.actions if a.endswith(":*"))
                if wild:
                    yield Hit(f"statement {st.label} allows {', '.join(wild)}", statement=st, actions=wild)

    yield Selection(only=frozenset({"ZZB901"}))
    del REGISTRY["ZZB901"]


def _lint(text: str, selection):
    policy = parse_policy(text, with_positions=True)
    return lint_policy(policy, PolicyKind.IDENTITY, file="admin.json", account_id="111122223333", partition="aws",
                       options=CheckOptions(), selection=selection)


def test_after_a_policy_fix_the_finding_is_resolved(tmp_path, wildcard_check):
    before = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Admin", "Effect": "Allow", "Action": ["mobiletargeting:*", "ses:*"], "Resource": "*"},
        {"Sid": "Sms", "Effect": "Allow", "Action": "sms-voice:*", "Resource": "*"},
    ]}
    first = _lint(json.dumps(before), wildcard_check)
    assert len(first) == 2
    path = _baseline(tmp_path, first)

    # The same policy re-indented and re-run: nothing new, nothing resolved.
    again, resolved = apply_baseline(_lint(json.dumps(before, indent=4), wildcard_check), path)
    assert [f.status for f in again] == [Status.EXISTING, Status.EXISTING] and resolved == []

    after = json.loads(json.dumps(before))
    after["Statement"][0]["Action"] = ["mobiletargeting:GetApps", "ses:SendEmail"]
    now, resolved = apply_baseline(_lint(json.dumps(after), wildcard_check), path)
    assert [(f.statement_sid, f.status) for f in now] == [("Sms", Status.EXISTING)]
    assert [(f.statement_sid, f.actions) for f in resolved] == [("Admin", ("mobiletargeting:*", "ses:*"))]


def test_a_statement_without_sid_keeps_its_findings_when_another_is_inserted_before_it(tmp_path, wildcard_check):
    sms = {"Effect": "Allow", "Action": "sms-voice:*", "Resource": "*"}
    ses = {"Effect": "Allow", "Action": "ses:*", "Resource": "*"}
    first = _lint(json.dumps({"Version": "2012-10-17", "Statement": [sms, ses]}), wildcard_check)
    path = _baseline(tmp_path, first)
    inserted = {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}
    moved = _lint(json.dumps({"Version": "2012-10-17", "Statement": [inserted, ses, sms]}), wildcard_check)
    now, resolved = apply_baseline(moved, path)
    assert [(f.statement_index, f.status) for f in now] == [(1, Status.EXISTING), (2, Status.EXISTING)]
    assert resolved == []
    # What the statement says still tells two statements apart: a changed one is a new finding.
    changed = _lint(json.dumps({"Version": "2012-10-17", "Statement": [
        sms, {**ses, "Resource": "arn:aws:ses:*:*:identity/*"}]}), wildcard_check)
    now, resolved = apply_baseline(changed, path)
    assert [f.status for f in now] == [Status.EXISTING, Status.NEW] and len(resolved) == 1


def test_a_finding_suppressed_in_the_baseline_and_open_now_is_new(tmp_path):
    old = sample_findings()
    path = _baseline(tmp_path, [old[0].replace(status=Status.SUPPRESSED, suppressed_by="until yesterday"), old[1]])
    marked, resolved = apply_baseline([old[0], old[1]], path)
    assert [f.status for f in marked] == [Status.NEW, Status.EXISTING] and resolved == []
