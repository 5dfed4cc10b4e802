"""Builders of findings and results for the report, suppression and baseline tests (no tests here).

Everything goes through the real dataclasses; fingerprints come from the real fingerprint function.
"""
from __future__ import annotations

from auditor.model.access import ActionAccess, PrincipalAccess, Reach, ServiceAccess
from auditor.model.finding import Finding, PolicyType, Severity, fingerprint
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.model.result import RunInfo, ScanResult

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/richard-roe"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/marketing-sender"
PROJECT_ARN = f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/810c7aab86d42fb2b56c8c966example"
IDENTITY_ARN = f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/sender@example.com"


def make_finding(check_id: str = "TST001", severity: Severity = Severity.HIGH, *, principal_arn: str = USER_ARN,
                 policy_name: str = "pinpoint-admin", statement_index: int | None = 0, key: str = "",
                 **fields) -> Finding:
    resource_arn = fields.pop("resource_arn", principal_arn)
    fp = fingerprint(check_id, account_id=ACCOUNT, resource_arn=resource_arn, principal_arn=principal_arn,
                     policy_ref=policy_name, statement=f"#{statement_index}", evidence=key)
    base = dict(
        fingerprint=fp,
        check_id=check_id,
        check_name=fields.pop("check_name", f"test-check-{check_id.lower()}"),
        severity=severity,
        title=fields.pop("title", "A test check"),
        message=fields.pop("message", f"{check_id} found something in {policy_name}"),
        account_id=ACCOUNT,
        region="",
        resource_type="AWS::IAM::User" if ":user/" in principal_arn else "AWS::IAM::Role",
        resource_arn=resource_arn,
        principal_type="user" if ":user/" in principal_arn else "role",
        principal_name=principal_arn.rsplit("/", 1)[-1],
        principal_arn=principal_arn,
        policy_name=policy_name,
        policy_type=PolicyType.INLINE,
        statement_index=statement_index,
        actions=("mobiletargeting:*",),
        resources=("*",),
        remediation="Scope the actions to the project.",
        doc_url="https://docs.aws.amazon.com/pinpoint/latest/developerguide/security_iam_id-based-policy-examples.html",
    )
    base.update(fields)
    return Finding(**base)


def make_principal(arn: str = USER_ARN, *, level: str = "Write", reach: Reach = Reach.ALL) -> PrincipalAccess:
    actions = (
        ActionAccess("mobiletargeting:GetApps", "List", Reach.ALL, (), False, via=("pinpoint-admin #0",)),
        ActionAccess("mobiletargeting:DeleteApp", level, reach,
                     (PROJECT_ARN,) if reach is Reach.SOME else (), True,
                     conditions=("aws:SourceIp IpAddress 54.240.143.0/24",), via=("pinpoint-admin #0",)),
    )
    return PrincipalAccess(
        account_id=ACCOUNT,
        principal_type="user" if ":user/" in arn else "role",
        principal_name=arn.rsplit("/", 1)[-1],
        principal_arn=arn,
        services=(ServiceAccess("mobiletargeting", actions), ServiceAccess("sms-voice", ()),
                  ServiceAccess("ses", ())),
        archetype="",
        nearest_archetype="project-readonly",
        excess=("mobiletargeting:DeleteApp",),
    )


def make_result(findings=(), *, principals=(), coverage=None, resolved=(), expired=(), notes=(),
                baseline_used=False) -> ScanResult:
    if coverage is None:
        coverage = (
            CoverageEntry("iam:GetAccountAuthorizationDetails", "global", CoverageStatus.OK, account_id=ACCOUNT),
            CoverageEntry("sesv2:ListEmailIdentities", "eu-west-1", CoverageStatus.DENIED,
                          "AccessDenied: not authorized", ACCOUNT),
        )
    run = RunInfo("2026-11-01T10:00:00Z", "2026-11-01T10:00:05Z", "demo", (ACCOUNT,), ("us-east-1", "eu-west-1"),
                  "0.1.0", "0.1.202610271")
    return ScanResult(run, tuple(findings), tuple(coverage), tuple(resolved), tuple(expired), tuple(notes),
                      tuple(principals), baseline_used)


def sample_findings() -> list[Finding]:
    return [
        make_finding("TST001", Severity.CRITICAL, key="a"),
        make_finding("TST002", Severity.MEDIUM, principal_arn=ROLE_ARN, policy_name="ses-send",
                     actions=("ses:SendEmail", "ses:SendRawEmail"), condition_keys=("aws:SourceArn",),
                     evidence=(("statement", '{"Effect": "Allow"}'),)),
        make_finding("TST003", Severity.LOW, statement_index=None, policy_name="-leading-dash",
                     message="=HYPERLINK(\"http://x\")", actions=("@sum", " +1", "ok")),
        make_finding("TST002", Severity.INFO, resource_arn=IDENTITY_ARN, principal_arn="", policy_name="identity-policy",
                     region="us-east-1", message="naïve – ünïcödé, with \"quotes\", commas\r\nand newlines"),
    ]
