"""The documented examples (filled-in copies in shared/fixtures/seed_policies) give at least what
design.md section 5 says, linted one by one and scanned as an account that holds them."""
from __future__ import annotations

import pytest
from conftest import SEED_DIR, seed
from test_checks_support import ACCOUNT, inventory, user

from auditor.engine import Selection, lint_policy, run_inventory_checks
from auditor.model.finding import PolicyType, Severity
from auditor.model.inventory import ManagedPolicy, PolicyRef, SesIdentity
from auditor.model.policy import PolicyKind
from auditor.parse.policy import parse_policy
from auditor.registry import CheckOptions

RESOURCE_SEEDS = ("12_ses_identity_for_pinpoint.json", "13_ses_identity_for_pinpoint_govcloud.json")
EXPECTED = {
    "01_console_readonly.json": {"IAM006", "IAM010"},
    "02_single_project_readonly.json": {"IAM006", "IAM010"},
    "03_project_limited_write.json": {"POL007"},
    "04_tag_based_view.json": {"POL002", "IAM007", "IAM006"},
    "04_tag_based_view.corrected.json": {"POL009", "IAM007", "IAM006", "IAM008"},
    "05_view_own_permissions.json": set(),
    "06_api_readonly.json": set(),
    "07_api_admin.json": {"IAM002"},
    "08_sms_voice_readonly.json": {"IAM006"},
    "09_sms_voice_admin.json": {"POL001"},
    "09_sms_voice_admin.corrected.json": {"IAM002"},
    "10_ip_restricted_project.json": {"POL004", "IAM002", "IAM012"},
    "11_tag_based_project_modify.json": {"IAM008", "IAM002"},
    "12_ses_identity_for_pinpoint.json": {"SES003"},
    "13_ses_identity_for_pinpoint_govcloud.json": {"POL010"},
}
QUIET = ("05_view_own_permissions.json", "06_api_readonly.json")


def test_every_seed_has_an_expectation():
    assert sorted(p.name for p in SEED_DIR.glob("*.json")) == sorted(EXPECTED)


def _kind(name: str) -> PolicyKind:
    return PolicyKind.RESOURCE if name in RESOURCE_SEEDS else PolicyKind.IDENTITY


@pytest.fixture(scope="module")
def linted():
    out = {}
    for name in EXPECTED:
        policy = parse_policy(seed(name), with_positions=True)
        out[name] = lint_policy(policy, _kind(name), file=name, account_id=ACCOUNT, partition="aws",
                                options=CheckOptions(), selection=Selection())
    return out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_gives_at_least_the_documented_findings(linted, name):
    assert EXPECTED[name] <= {f.check_id for f in linted[name]}


@pytest.mark.parametrize("name", QUIET)
def test_view_own_permissions_and_api_readonly_stay_quiet(linted, name):
    assert all(f.severity <= Severity.LOW for f in linted[name]), [(f.check_id, f.message) for f in linted[name]]


def _one(findings, check_id):
    (f,) = [f for f in findings if f.check_id == check_id]
    return f


def test_the_specifics(linted):
    assert "sms-voice:PutResourcePolicy" in _one(linted["09_sms_voice_admin.corrected.json"], "IAM002").actions
    for name in ("10_ip_restricted_project.json", "11_tag_based_project_modify.json"):
        assert _one(linted[name], "IAM002").severity is Severity.MEDIUM
    assert _one(linted["07_api_admin.json"], "IAM002").severity is Severity.HIGH
    pol001 = _one(linted["09_sms_voice_admin.json"], "POL001")
    assert pol001.line == 1 and pol001.column is not None
    assert "ListResources" in _one(linted["04_tag_based_view.json"], "IAM007").message
    assert "SES002" not in {f.check_id for f in linted["12_ses_identity_for_pinpoint.json"]}
    # Linted alone, 13's source ARN agrees with the GovCloud identity it names: only the account's
    # partition is wrong, which is POL010's finding.
    assert "SES005" not in {f.check_id for f in linted["13_ses_identity_for_pinpoint_govcloud.json"]}


def test_a_scan_of_an_account_holding_the_seeds():
    identity_seeds = [n for n in EXPECTED if n not in RESOURCE_SEEDS]
    policies = []
    for name in identity_seeds:
        policy = parse_policy(seed(name))
        arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
        policies.append(ManagedPolicy(arn, name, "/", "v1", False, 1, PolicyRef(name, arn, PolicyType.MANAGED, policy)))
    users = tuple(user(f"u{i:02d}", managed_arns=(p.arn,)) for i, p in enumerate(policies))
    identity_arn = f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/sender@example.com"
    refs = tuple(PolicyRef(n, "", PolicyType.RESOURCE, parse_policy(seed(n)), identity_arn) for n in RESOURCE_SEEDS)
    ses = SesIdentity(ACCOUNT, "us-east-1", "sender@example.com", identity_arn, "EMAIL_ADDRESS", True, refs)
    inv = inventory(users=users, managed_policies=tuple(policies), ses_identities=(ses,))
    findings = run_inventory_checks(inv, CheckOptions(), Selection())
    by_policy: dict[str, set[str]] = {}
    for f in findings:
        by_policy.setdefault(f.policy_name, set()).add(f.check_id)
    for name, expected in EXPECTED.items():
        assert expected <= by_policy.get(name, set()), name
    for name in QUIET:
        assert all(f.severity <= Severity.LOW for f in findings if f.policy_name == name)
    # Attached to a commercial-region identity, the GovCloud source ARN can never match.
    assert "SES005" in by_policy["13_ses_identity_for_pinpoint_govcloud.json"]
    # Account-wide checks name the principals: every user here holds a policy directly.
    assert {f.principal_name for f in findings if f.check_id == "USR003"} == {u.name for u in users}
