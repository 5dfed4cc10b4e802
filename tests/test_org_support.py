"""Builders of synthetic findings and scan results shared by the ops tests (org, merge, history).

Built through the real dataclasses and the real fingerprint function, so what the tests feed in
is exactly what a scan produces; no test lives here.
"""
from __future__ import annotations

from auditor.model.finding import Finding, Severity, Status, fingerprint
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.model.result import RunInfo, ScanResult


def make_finding(account: str, name: str, severity: Severity = Severity.HIGH, check: str = "IAM002",
                 status: Status = Status.NEW) -> Finding:
    arn = f"arn:aws:iam::{account}:user/{name}"
    return Finding(
        fingerprint=fingerprint(check, account_id=account, principal_arn=arn, policy_ref=f"{arn}#inline:p"),
        check_id=check, check_name="service-wildcard", severity=severity, title="t", message=f"{name} has access",
        account_id=account, resource_arn=arn, principal_type="user", principal_name=name, principal_arn=arn,
        actions=("mobiletargeting:*",), status=status,
    )


def make_result(account_ids: tuple[str, ...], findings: tuple[Finding, ...] = (),
                coverage: tuple[CoverageEntry, ...] = (), started: str = "2026-01-01T00:00:00Z",
                finished: str = "2026-01-01T00:01:00Z", resolved: tuple[Finding, ...] = (),
                regions: tuple[str, ...] = ("us-east-1",), source: str = "live") -> ScanResult:
    run = RunInfo(started, finished, source, account_ids, regions, "0.1.0", "test-data")
    return ScanResult(run, tuple(sorted(findings, key=Finding.sort_key)), coverage, resolved)


def ok(account: str, family: str = "iam:GetAccountAuthorizationDetails", region: str = "global") -> CoverageEntry:
    return CoverageEntry(family, region, CoverageStatus.OK, account_id=account)


def create_organization(session, members: int) -> list[str]:
    """Inside mock_aws: an organization (the caller is its management account) with `members`
    member accounts; returns the member ids, sorted."""
    client = session.client("organizations")
    client.create_organization(FeatureSet="ALL")
    return sorted(
        client.create_account(Email=f"m{i}@example.com", AccountName=f"member-{i}")["CreateAccountStatus"]["AccountId"]
        for i in range(members)
    )
