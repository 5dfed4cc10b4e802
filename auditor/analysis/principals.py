"""Who a resource or trust policy statement names: everyone, AWS accounts, services, federations."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from auditor.analysis.conditions import restrictions
from auditor.iam.arns import split_arn
from auditor.iam.wildcards import has_wildcard
from auditor.model.policy import Effect, PrincipalEntry, Statement

ACCOUNT_ID = re.compile(r"^\d{12}$")


class PrincipalKind(enum.Enum):
    ANYONE = "anyone"
    ACCOUNT = "account"  # an AWS account, or an IAM user/role/session in it
    SERVICE = "service"
    FEDERATED = "federated"
    CANONICAL_USER = "canonical-user"
    OPAQUE = "opaque"  # a unique id (AIDA..., AROA...): the account cannot be read from it


@dataclass(frozen=True, slots=True)
class PolicyPrincipal:
    kind: PrincipalKind
    value: str
    account: str = ""  # the 12-digit account for ACCOUNT principals


def classify(entry: PrincipalEntry) -> PolicyPrincipal:
    if entry.kind == "*" or (entry.kind == "AWS" and entry.value == "*"):
        return PolicyPrincipal(PrincipalKind.ANYONE, "*")
    if entry.kind == "Service":
        return PolicyPrincipal(PrincipalKind.SERVICE, entry.value)
    if entry.kind == "Federated":
        return PolicyPrincipal(PrincipalKind.FEDERATED, entry.value)
    if entry.kind == "CanonicalUser":
        return PolicyPrincipal(PrincipalKind.CANONICAL_USER, entry.value)
    return _aws(entry.value)


def _aws(value: str) -> PolicyPrincipal:
    if ACCOUNT_ID.match(value):
        return PolicyPrincipal(PrincipalKind.ACCOUNT, value, value)
    parts = split_arn(value)
    if parts is None:
        return PolicyPrincipal(PrincipalKind.OPAQUE, value)
    if has_wildcard(parts.account):
        # IAM refuses wildcards here except a bare "*"; treat the rest as the broadest reading.
        return PolicyPrincipal(PrincipalKind.ANYONE, value)
    return PolicyPrincipal(PrincipalKind.ACCOUNT, value, parts.account)


def principals_of(statement: Statement) -> tuple[PolicyPrincipal, ...]:
    return tuple(classify(e) for e in statement.principals or ())


def grants_everyone(statement: Statement) -> bool:
    """An Allow reaching any AWS principal: `*`, `AWS: *`, or NotPrincipal (everyone but a few)."""
    if statement.effect is not Effect.ALLOW or statement.principals is None:
        return False
    if statement.not_principal:
        return True
    return any(p.kind is PrincipalKind.ANYONE for p in principals_of(statement))


def open_to_everyone(statement: Statement, variables_enabled: bool = True) -> bool:
    """Grants everyone, and no condition identifies who the caller must be."""
    return grants_everyone(statement) and not restrictions(statement, variables_enabled)


def foreign_accounts(statement: Statement, own: str, trusted: frozenset[str]) -> tuple[PolicyPrincipal, ...]:
    """ACCOUNT principals of an Allow that belong neither to `own` nor to the trusted accounts."""
    if statement.effect is not Effect.ALLOW or statement.not_principal:
        return ()
    return tuple(
        p for p in principals_of(statement)
        if p.kind is PrincipalKind.ACCOUNT and p.account != own and p.account not in trusted
    )


def services_of(statement: Statement) -> tuple[str, ...]:
    if statement.effect is not Effect.ALLOW or statement.not_principal:
        return ()
    return tuple(p.value for p in principals_of(statement) if p.kind is PrincipalKind.SERVICE)
