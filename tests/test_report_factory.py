"""Builders of findings and results for the report, suppression and baseline tests (no tests here).

Everything goes through the real dataclasses; fingerprints come from the real fingerprint function.
"""
from __future__ import annotations

import functools
import json
import time

from auditor.model.access import ActionAccess, PrincipalAccess, Reach, ServiceAccess
from auditor.model.finding import Finding, PolicyType, Severity, fingerprint
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.model.result import ExpiredSuppression, RunInfo, ScanResult

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


def many_findings(n: int) -> list[Finding]:
    """n distinct findings over a few hundred principals, as a large account would give."""
    checks = [("IAM002", Severity.HIGH, "service-wildcard"), ("IAM004", Severity.MEDIUM, "write-on-all-resources"),
              ("POL007", Severity.HIGH, "doc-placeholder"), ("IAM011", Severity.LOW, "retired-service-access"),
              ("SES001", Severity.CRITICAL, "public-identity-policy"), ("COV002", Severity.INFO, "raw-text")]
    statement = json.dumps({"Sid": "Admin", "Effect": "Allow", "Action": ["mobiletargeting:*", "sms-voice:*"],
                            "Resource": "*"}, indent=2)
    out = []
    for i in range(n):
        check_id, severity, name = checks[i % len(checks)]
        arn = f"arn:aws:iam::{ACCOUNT}:user/team-{i % 500:03d}/user-{i % 5000:04d}"
        out.append(Finding(
            fingerprint=f"{i:024x}", check_id=check_id, check_name=name, severity=severity,
            title=f"Title of {check_id}", message=f"Statement #{i % 7} of policy policy-{i % 2000} allows "
                                                  f"mobiletargeting:* on every project (finding {i})",
            account_id=ACCOUNT, resource_type="AWS::IAM::User", resource_arn=arn, principal_type="user",
            principal_name=arn.rsplit("/", 1)[-1], principal_arn=arn, policy_name=f"policy-{i % 2000}",
            policy_arn=f"arn:aws:iam::{ACCOUNT}:policy/policy-{i % 2000}", policy_type=PolicyType.MANAGED,
            statement_index=i % 7, statement_sid="Admin", actions=("mobiletargeting:*", "sms-voice:*"),
            resources=("*",), remediation="Name the actions the principal needs.", doc_url="https://docs.aws.amazon.com/",
            evidence=(("statement", statement),),
        ))
    return out


# Values an attacker controls in a real account: project names, SES identities, tag and condition
# values, policy and user names. Each tries to run script by setting window.__pwned.
HOSTILE_PROJECT = "<script>window.__pwned='project'</script>"
HOSTILE_IDENTITY = "\"><img src=x onerror=\"window.__pwned='identity'\">@example.com"
HOSTILE_CONDITION = "</script><script>window.__pwned='condition'</script><!--"
HOSTILE_POLICY = "<img src=x onerror=window.__pwned='policy'>"
HOSTILE_USER = "<svg onload=window.__pwned='user'>"
HOSTILE_ARN = f"arn:aws:iam::{ACCOUNT}:user/{HOSTILE_USER}"


def hostile_result() -> ScanResult:
    identity_arn = f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/{HOSTILE_IDENTITY}"
    project_arn = f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{HOSTILE_PROJECT}"
    statement = json.dumps({"Sid": "Send", "Effect": "Allow", "Principal": {"Service": "pinpoint.amazonaws.com"},
                            "Action": "ses:*", "Resource": identity_arn,
                            "Condition": {"StringEquals": {"aws:SourceAccount": HOSTILE_CONDITION}}}, indent=2)
    findings = [
        make_finding("SES003", Severity.MEDIUM, principal_arn="", resource_arn=identity_arn, region="us-east-1",
                     policy_name=HOSTILE_POLICY, policy_type=PolicyType.RESOURCE, check_name="broad-identity-actions",
                     resource_type="AWS::SES::EmailIdentity", principal_type="", principal_name="",
                     message=f"Identity {HOSTILE_IDENTITY} allows ses:* to pinpoint.amazonaws.com",
                     actions=("ses:*",), condition_keys=("aws:SourceAccount",),
                     evidence=(("statement", statement), ("condition value", HOSTILE_CONDITION))),
        make_finding("POL002", Severity.HIGH, principal_arn=HOSTILE_ARN, policy_name=HOSTILE_POLICY,
                     check_name="duplicate-key", message=f"Project {HOSTILE_PROJECT}: the Condition repeats StringEquals",
                     resources=(project_arn,), actions=("mobiletargeting:GetApp",),
                     condition_keys=("aws:ResourceTag/Owner",),
                     evidence=(("as written", f'"StringEquals": {{"aws:ResourceTag/Owner": "{HOSTILE_CONDITION}"}}, '
                                              '"StringEquals": {"aws:SourceAccount": "111122223333"}'),
                               ("as evaluated", '"StringEquals": {"aws:SourceAccount": "111122223333"}'))),
        make_finding("IAM002", Severity.CRITICAL, principal_arn=HOSTILE_ARN, policy_name=HOSTILE_POLICY,
                     check_name="service-wildcard <b>bold</b>", title="Title <i>italic</i>",
                     doc_url="javascript:window.__pwned='doc'", remediation=f"Fix {HOSTILE_PROJECT}"),
    ]
    findings += many_findings(30)
    principal = make_principal(HOSTILE_ARN)
    return make_result(findings, principals=[principal, make_principal()],
                       coverage=(CoverageEntry("pinpoint:GetApps", "eu-west-1", CoverageStatus.ERROR,
                                               HOSTILE_PROJECT, ACCOUNT),),
                       notes=[f"note {HOSTILE_PROJECT}"], baseline_used=True,
                       resolved=[make_finding("IAM010", Severity.MEDIUM, policy_name=HOSTILE_POLICY)],
                       expired=[ExpiredSuppression("IAM002", HOSTILE_ARN, HOSTILE_PROJECT, "2020-01-01")])


@functools.lru_cache(maxsize=1)
def large_report_html() -> tuple[bytes, float]:
    """findings.html of 100,000 findings and the CPU seconds it took, rendered once per test run."""
    from auditor.report import render_reports

    result = make_result(many_findings(100_000))
    started = time.process_time()
    data = render_reports(result, ["html"])["findings.html"]
    return data, time.process_time() - started
