"""TRU001-TRU003: who may assume a role."""
from __future__ import annotations

from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.actions import covers_action
from auditor.analysis.conditions import confused_deputy_keys
from auditor.analysis.describe import conditions_text, only_if, where
from auditor.analysis.principals import foreign_accounts, open_to_everyone, services_of
from auditor.analysis.walk import statement_hit, statements
from auditor.model.finding import Severity
from auditor.model.policy import PolicyKind, Statement
from auditor.registry import Hit, PolicyContext, Subject, check

_ASSUME = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")

# Services whose documentation shows aws:SourceAccount / aws:SourceArn in the trust policy of the
# roles they assume ("Cross-service confused deputy prevention" sections). Services that do not
# send these keys when assuming a role - EC2 (instance profiles), Lambda (execution roles) and
# most others - are left out: demanding the keys there would break the role, not protect it.
CONFUSED_DEPUTY_SERVICES = frozenset({
    "pinpoint.amazonaws.com",  # Pinpoint roles for event streams, imports and SES/SMS sending
    "sms-voice.amazonaws.com",  # End User Messaging SMS event destinations
    "ses.amazonaws.com",  # SES event publishing and Mail Manager
    "personalize.amazonaws.com",
    "iot.amazonaws.com",
    "fis.amazonaws.com",
    "scheduler.amazonaws.com",
    "sagemaker.amazonaws.com",
    "frauddetector.amazonaws.com",
})

_AWS_MANAGED_ROLE_PATH = "/aws-service-role/"  # service-linked roles: AWS owns their trust policy


def _assumes(statement: Statement) -> tuple[str, ...]:
    return tuple(a for a in _ASSUME if covers_action(statement, a))


def _service_linked(subject: Subject) -> bool:
    return _AWS_MANAGED_ROLE_PATH in subject.principal_arn


def _trust_statements(ctx: PolicyContext) -> Iterator[tuple[Statement, tuple[str, ...]]]:
    if _service_linked(ctx.subject):
        return
    for statement in statements(ctx, PolicyKind.TRUST):
        actions = _assumes(statement)
        if actions:
            yield statement, actions


@check(
    "TRU001", "trust-any-principal", Severity.CRITICAL, "Role trust allows any AWS principal",
    rationale=(
        "A trust policy with Principal \"*\" (AWS \"*\") lets every AWS account in the world assume the role "
        "unless a condition names who may: the role's permissions become public. Conditions that do not "
        "identify the caller (sts:ExternalId, a source IP) narrow it but leave it open to anyone who learns "
        "them (high)."
    ),
    remediation=(
        "Name the accounts or roles that may assume it, or keep \"*\" only with aws:PrincipalOrgID (your "
        "organization) or aws:PrincipalArn conditions."
    ),
    doc_url=docs.ROLE_TRUST,
    subject_key=_service_linked,
)
def trust_any_principal(ctx: PolicyContext) -> Iterator[Hit]:
    for statement, actions in _trust_statements(ctx):
        if not open_to_everyone(statement, ctx.policy.supports_variables):
            continue
        message = (
            f"{where(ctx.subject, statement)} lets any AWS principal call {', '.join(actions)}"
            f"{only_if(statement)}: anyone can take on this role's permissions. Name the principals, or add an "
            "aws:PrincipalOrgID / aws:PrincipalArn condition."
        )
        yield statement_hit(message, statement, actions=actions, resources=(),
                            severity=Severity.HIGH if statement.conditions else None,
                            evidence=(("principal", "*"),), key="any-principal")


@check(
    "TRU002", "trust-untrusted-account", Severity.HIGH, "Role trust allows an account outside the trusted accounts",
    rationale=(
        "Cross-account trust hands the role to everyone the other account lets assume it. That is intended "
        "for a few known accounts (listed in trusted_accounts); any other account is a leftover, a vendor "
        "nobody reviewed, or persistence."
    ),
    remediation=(
        "Remove the account from the trust policy, or list it in trusted_accounts (and require sts:ExternalId "
        "for third parties)."
    ),
    doc_url=docs.ROLE_TRUST,
    subject_key=_service_linked,
)
def trust_untrusted_account(ctx: PolicyContext) -> Iterator[Hit]:
    own, trusted = ctx.account_id, ctx.options.trusted_accounts
    if not own and not trusted:
        return
    for statement, actions in _trust_statements(ctx):
        foreign = foreign_accounts(statement, own, trusted)
        if not foreign:
            continue
        accounts = tuple(dict.fromkeys(p.account for p in foreign))
        external = " (sts:ExternalId is required, which protects against confused deputies but not against that account)" \
            if any(c.key_lower == "sts:externalid" for c in statement.conditions) else ""
        message = (
            f"{where(ctx.subject, statement)} lets account {', '.join(accounts)} ({', '.join(p.value for p in foreign)}) "
            f"call {', '.join(actions)}{external}; it is not this account{f' ({own})' if own else ''} and not in "
            "trusted_accounts. Remove it, or add it to trusted_accounts if the access is intended."
        )
        yield statement_hit(message, statement, actions=actions, resources=(),
                            evidence=(("accounts", ", ".join(accounts)),), key=",".join(accounts))


@check(
    "TRU003", "service-trust-unrestricted", Severity.MEDIUM, "Service trust without confused-deputy conditions",
    rationale=(
        "Services such as Pinpoint, End User Messaging SMS and SES assume roles for any customer who names "
        "the role in their own configuration. If the trust policy does not check aws:SourceAccount or "
        "aws:SourceArn, another account can make the service act with your role. Only services that "
        "document these keys for role trust are checked (not EC2 or Lambda, which do not send them)."
    ),
    remediation=(
        'Add "StringEquals": {"aws:SourceAccount": "ACCOUNT"} and, where possible, "ArnLike": '
        '{"aws:SourceArn": "arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE"} to the trust statement.'
    ),
    doc_url=docs.CONFUSED_DEPUTY,
    subject_key=_service_linked,
)
def service_trust_unrestricted(ctx: PolicyContext) -> Iterator[Hit]:
    for statement, actions in _trust_statements(ctx):
        services = [s for s in services_of(statement) if s.lower() in CONFUSED_DEPUTY_SERVICES]
        if not services:
            continue
        if any(confused_deputy_keys(statement, ctx.policy.supports_variables)):
            continue
        present = conditions_text(statement.conditions) or "no condition"
        message = (
            f"{where(ctx.subject, statement)} lets {', '.join(services)} assume the role ({present}) without "
            "aws:SourceAccount or aws:SourceArn, so the service can be made to use it on behalf of another AWS "
            "account. Add aws:SourceAccount (and aws:SourceArn) naming your account and resource."
        )
        yield statement_hit(message, statement, actions=actions, resources=(),
                            evidence=(("service principals", ", ".join(services)),), key=",".join(sorted(services)))
