"""SES001, SES002, SES004: who an SES identity policy lets send as the identity."""
from __future__ import annotations

import ipaddress
from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.conditions import confused_deputy_keys
from auditor.analysis.describe import conditions_text, grant_text, only_if, where
from auditor.analysis.principals import foreign_accounts, open_to_everyone, services_of
from auditor.analysis.ses import owner_account, ses_statements
from auditor.analysis.walk import statement_hit
from auditor.model.finding import Severity
from auditor.model.policy import ConditionClause
from auditor.registry import Hit, PolicyContext, check


def restricts_nothing(clause: ConditionClause) -> bool:
    """A clause that every caller satisfies, although it looks like a restriction: a negated
    operator lets in everyone but the few values it lists (StringNotEquals aws:PrincipalAccount
    111111111111 still admits every other account), a Like pattern of only `*` matches any value,
    and a /0 range holds every address (0.0.0.0/0, ::/0). Keys that pin the caller for sure
    (aws:PrincipalOrgID equal to an organization) never reach here: `open_to_everyone` has
    already ruled the statement out."""
    operator = clause.base_operator
    if "Not" in operator:  # StringNotEquals, StringNotLike, ArnNotLike, NotIpAddress, NumericNotEquals...
        return True
    if operator in ("StringLike", "ArnLike"):
        return any(_matches_anything(v) for v in clause.values)
    if operator == "IpAddress":
        return any(_whole_range(v) for v in clause.values)
    return False


def _matches_anything(pattern: str) -> bool:
    # `*`, or an ARN of six `*` fields (ArnLike compares field by field, so `arn:*` is not one).
    fields = pattern.split(":")
    fields = fields[1:] if len(fields) == 6 and fields[0] == "arn" else [pattern]
    return all(f and set(f) <= {"*"} for f in fields)


def _whole_range(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False  # an invalid range holds for no address (POL008 reports it)


@check(
    "SES001", "public-identity-policy", Severity.CRITICAL, "SES identity policy open to every AWS principal",
    rationale=(
        "An identity policy with Principal \"*\" (or NotPrincipal) and no condition naming who may use it lets "
        "any AWS account send email as your verified address or domain: phishing with your name, your "
        "sending reputation and your bill. Conditions that do not identify the caller (source IP, TLS) "
        "narrow it but leave it public (high); conditions every caller meets (StringNotEquals on an "
        "account, a Like pattern of `*`, 0.0.0.0/0) restrict nothing (critical)."
    ),
    remediation=(
        "Name the principals, or keep \"*\" only with a condition that identifies the caller: "
        "aws:PrincipalOrgID for your organization, aws:SourceAccount and aws:SourceArn for a service."
    ),
    doc_url=docs.SES_SENDING_AUTHORIZATION,
)
def public_identity_policy(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ses_statements(ctx):
        if not open_to_everyone(statement, ctx.policy.supports_variables):
            continue
        who = "everyone except the NotPrincipal list" if statement.not_principal else 'every AWS principal ("*")'
        # Conditions that narrow the callers without naming them (a source IP range, TLS) leave it
        # public but smaller: high. Conditions that every caller meets change nothing: critical.
        narrowed = any(not restricts_nothing(c) for c in statement.conditions)
        vacuous = " (a condition every caller meets)" if statement.conditions and not narrowed else ""
        message = (
            f"{where(ctx.subject, statement)} lets {who} use {grant_text(statement)}{only_if(statement)}{vacuous}: "
            "any AWS account can send email as this identity. Name the principals, or add aws:PrincipalOrgID / "
            "aws:SourceAccount and aws:SourceArn conditions."
        )
        yield statement_hit(message, statement, severity=Severity.HIGH if narrowed else None,
                            evidence=(("principal", who),), key="public")


@check(
    "SES002", "service-principal-unrestricted", Severity.HIGH, "Service principal without aws:SourceAccount and aws:SourceArn",
    rationale=(
        "A service principal such as pinpoint.amazonaws.com acts for every AWS customer. Without "
        "aws:SourceAccount and aws:SourceArn, another customer's Pinpoint project can be pointed at your "
        "identity and send as you (the confused deputy problem). The documented example carries both; "
        "with only one of them the statement is half protected (medium)."
    ),
    remediation=(
        'Add "StringEquals": {"aws:SourceAccount": "ACCOUNT"} and "ArnLike": {"aws:SourceArn": '
        '"arn:aws:mobiletargeting:REGION:ACCOUNT:apps/PROJECT"} (or apps/*) to the statement.'
    ),
    doc_url=docs.SEED_PAGE,
)
def service_principal_unrestricted(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ses_statements(ctx):
        services = services_of(statement)
        if not services:
            continue
        has_account, has_arn = confused_deputy_keys(statement, ctx.policy.supports_variables)
        if has_account and has_arn:
            continue
        missing = [k for k, present in (("aws:SourceAccount", has_account), ("aws:SourceArn", has_arn)) if not present]
        present = conditions_text(statement.conditions) or "no condition"
        message = (
            f"{where(ctx.subject, statement)} lets {', '.join(services)} use {grant_text(statement)} without "
            f"{' and '.join(missing)} ({present}), so a project of any other AWS customer could send through "
            f"this identity. Add {' and '.join(missing)} naming your account and project."
        )
        yield statement_hit(message, statement, severity=Severity.MEDIUM if (has_account or has_arn) else None,
                            evidence=(("service principals", ", ".join(services)), ("missing", ", ".join(missing))),
                            key=",".join(sorted(services)))


@check(
    "SES004", "untrusted-account", Severity.HIGH, "SES identity policy grants an account outside the trusted accounts",
    rationale=(
        "Delegated sending lets another AWS account send as your identity. That is intended for a handful "
        "of known accounts; anything else is a leftover or an attacker's persistence."
    ),
    remediation=(
        "Remove the account from the policy, or list it in the config's trusted_accounts if the delegation "
        "is intended."
    ),
    doc_url=docs.SES_SENDING_AUTHORIZATION,
)
def untrusted_account(ctx: PolicyContext) -> Iterator[Hit]:
    own, trusted = owner_account(ctx), ctx.options.trusted_accounts
    if not own and not trusted:
        return  # neither the owner nor a trust list is known: nothing to compare with
    for statement in ses_statements(ctx):
        foreign = foreign_accounts(statement, own, trusted)
        if not foreign:
            continue
        accounts = tuple(dict.fromkeys(p.account for p in foreign))
        owner = f"the identity's own account {own}" if own else "the identity's owner"
        message = (
            f"{where(ctx.subject, statement)} lets AWS account {', '.join(accounts)} "
            f"({', '.join(p.value for p in foreign)}) use {grant_text(statement)}{only_if(statement)}; it is neither "
            f"{owner} nor in trusted_accounts. Remove it, or add it to trusted_accounts if the delegation is intended."
        )
        yield statement_hit(message, statement, evidence=(("accounts", ", ".join(accounts)),), key=",".join(accounts))
