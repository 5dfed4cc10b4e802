import datetime as dt

from auditor.config import Suppression, parse_config
from auditor.model.finding import Status
from auditor.suppress import apply_suppressions, glob_match
from test_report_factory import ACCOUNT, IDENTITY_ARN, ROLE_ARN, USER_ARN, sample_findings

TODAY = dt.date(2026, 11, 1)


def _statuses(findings):
    return [(f.check_id, f.severity.label, f.status.value, f.suppressed_by) for f in findings]


def test_match_by_id_or_name_case_insensitive_keeps_order():
    findings = sample_findings()
    by_id, _ = apply_suppressions(findings, [Suppression("tst001", USER_ARN, "break-glass user")], TODAY)
    by_name, _ = apply_suppressions(findings, [Suppression("Test-Check-TST001", USER_ARN, "break-glass user")], TODAY)
    assert by_id == by_name
    assert [f.fingerprint for f in by_id] == [f.fingerprint for f in findings]
    assert _statuses(by_id)[0] == ("TST001", "critical", "suppressed", "break-glass user")
    assert all(f.status is Status.NEW for f in by_id[1:])


def test_glob_on_resource_principal_or_policy_arn():
    findings = sample_findings()
    out, _ = apply_suppressions(findings, [Suppression("TST002", "arn:aws:ses:*:111122223333:identity/*", "ok")],
                                TODAY)
    assert [f.status.value for f in out] == ["new", "new", "new", "suppressed"]
    policy = findings[1].replace(resource_arn="arn:aws:iam::111122223333:policy/x", policy_arn="arn:aws:iam::1:policy/p")
    out, _ = apply_suppressions([policy], [Suppression("TST002", "arn:aws:iam::?:policy/*", "ok")], TODAY)
    assert out[0].status is Status.SUPPRESSED
    # Exact ARNs must match exactly; case matters in ARNs.
    out, _ = apply_suppressions(findings, [Suppression("TST002", ROLE_ARN.upper(), "no")], TODAY)
    assert all(f.status is Status.NEW for f in out)
    out, _ = apply_suppressions(findings, [Suppression("TST00*", "*", "all tests")], TODAY)
    assert all(f.status is Status.SUPPRESSED for f in out)


def test_only_star_and_question_mark_are_wildcards():
    assert glob_match("arn:aws:iam::*:user/[ab]", "arn:aws:iam::1:user/[ab]")
    assert not glob_match("arn:aws:iam::*:user/[ab]", "arn:aws:iam::1:user/a")
    assert glob_match("a?c*", "abcdef") and not glob_match("a?c", "ac")


def test_account_narrows_the_match():
    findings = sample_findings()
    other, _ = apply_suppressions(findings, [Suppression("TST001", "*", "elsewhere", account="999999999999")], TODAY)
    assert all(f.status is Status.NEW for f in other)
    mine, _ = apply_suppressions(findings, [Suppression("TST001", "*", "here", account=ACCOUNT)], TODAY)
    assert mine[0].status is Status.SUPPRESSED


def test_expiry_in_the_past_stops_applying_and_is_listed():
    findings = sample_findings()
    rules = [
        Suppression("TST001", USER_ARN, "temporary exception", expires=dt.date(2026, 10, 31)),
        Suppression("TST002", IDENTITY_ARN, "until migration", expires=TODAY),
    ]
    out, expired = apply_suppressions(findings, rules, TODAY)
    assert out[0].status is Status.NEW  # expired yesterday
    assert out[3].status is Status.SUPPRESSED and out[3].suppressed_by == "until migration (until 2026-11-01)"
    assert [(e.check, e.resource, e.reason, e.expires) for e in expired] == [
        ("TST001", USER_ARN, "temporary exception", "2026-10-31")]


def test_suppressions_from_a_config_file_apply():
    config = parse_config({"suppress": [
        {"check": "TST003", "resource": "arn:aws:iam::111122223333:user/*", "reason": "legacy", "expires": "2030-01-01"},
    ]})
    out, expired = apply_suppressions(sample_findings(), config.suppressions, TODAY)
    assert [f.status.value for f in out] == ["new", "new", "suppressed", "new"] and expired == []


def test_lint_findings_match_by_file():
    f = sample_findings()[2].replace(resource_arn="", principal_arn="", file="policies/admin.json")
    out, _ = apply_suppressions([f], [Suppression("TST003", "policies/*.json", "reviewed")], TODAY)
    assert out[0].status is Status.SUPPRESSED
