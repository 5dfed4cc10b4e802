"""What a statement's conditions pin down: who may call, on whose behalf, and what never holds.

Absence is judged by the evaluator (`evaluate_clause` with the key missing), so the IfExists,
negated, Null and ForAllValues/ForAnyValue rules are AWS's, not a second copy of them here.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from auditor.evaluate.conditions import evaluate_clause
from auditor.iam.arns import split_arn
from auditor.iam.global_keys import SERVICE_CALL_ONLY_KEYS
from auditor.iam.wildcards import has_wildcard
from auditor.model.policy import ConditionClause, Statement


class Pin(enum.Enum):
    """Which property of the caller a clause restricts."""

    ACCOUNT = "account"  # aws:PrincipalAccount, aws:SourceAccount
    ORGANIZATION = "organization"  # aws:PrincipalOrgID/OrgPaths, aws:SourceOrgID/OrgPaths
    ARN = "arn"  # aws:PrincipalArn, aws:SourceArn (with a concrete account)
    NETWORK = "network"  # aws:SourceVpc/Vpce/VpcArn, aws:VpceAccount/OrgID: only callers inside that network
    IDENTITY = "identity"  # aws:userid, aws:username, aws:PrincipalServiceName


_PINS: dict[str, Pin] = {
    "aws:principalaccount": Pin.ACCOUNT,
    "aws:sourceaccount": Pin.ACCOUNT,
    "aws:principalorgid": Pin.ORGANIZATION,
    "aws:principalorgpaths": Pin.ORGANIZATION,
    "aws:sourceorgid": Pin.ORGANIZATION,
    "aws:sourceorgpaths": Pin.ORGANIZATION,
    "aws:principalarn": Pin.ARN,
    "aws:sourcearn": Pin.ARN,
    "aws:sourcevpc": Pin.NETWORK,
    "aws:sourcevpce": Pin.NETWORK,
    "aws:sourcevpcarn": Pin.NETWORK,
    "aws:vpceaccount": Pin.NETWORK,
    "aws:vpceorgid": Pin.NETWORK,
    "aws:userid": Pin.IDENTITY,
    "aws:username": Pin.IDENTITY,
    "aws:principalservicename": Pin.IDENTITY,
}

# Operators that state what the value is (the negated and Null/Bool families do not).
_NAMING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"})

SOURCE_ACCOUNT = "aws:sourceaccount"
SOURCE_ARN = "aws:sourcearn"
SOURCE_ORG_KEYS = frozenset({"aws:sourceorgid", "aws:sourceorgpaths"})


@dataclass(frozen=True, slots=True)
class Restriction:
    clause: ConditionClause
    pin: Pin


def fails_when_absent(clause: ConditionClause, variables_enabled: bool = True) -> bool:
    """True when a request without the clause's key does not satisfy the clause."""
    return not evaluate_clause(clause, {}, variables_enabled)


def names_value(clause: ConditionClause, variables_enabled: bool = True) -> bool:
    """True when the clause says what the key's value must be and a missing key fails it."""
    return clause.base_operator in _NAMING_OPERATORS and fails_when_absent(clause, variables_enabled)


def _narrow(value: str, pin: Pin) -> bool:
    """A value that names something specific, not a pattern every caller matches."""
    if not value or set(value) <= {"*", "?"}:
        return False
    if pin is Pin.ARN:
        parts = split_arn(value)
        return parts is not None and bool(parts.account) and not has_wildcard(parts.account)
    if pin is Pin.ORGANIZATION:
        return value[0] not in "*?"  # "o-abc/*" keeps the organization fixed
    return not has_wildcard(value)


def restriction(clause: ConditionClause, variables_enabled: bool = True) -> Restriction | None:
    """The restriction a clause places on the caller, if it truly places one: its key pins an
    identity property, a caller without the key fails it, and every value is specific."""
    pin = _PINS.get(clause.key_lower)
    if pin is None or not names_value(clause, variables_enabled):
        return None
    if not clause.values or not all(_narrow(v, pin) for v in clause.values):
        return None
    return Restriction(clause, pin)


def restrictions(statement: Statement, variables_enabled: bool = True) -> tuple[Restriction, ...]:
    found = (restriction(c, variables_enabled) for c in statement.conditions)
    return tuple(r for r in found if r is not None)


def restricted_keys(statement: Statement, variables_enabled: bool = True) -> frozenset[str]:
    return frozenset(r.clause.key_lower for r in restrictions(statement, variables_enabled))


def dead_service_call_clauses(statement: Statement, variables_enabled: bool = True) -> tuple[ConditionClause, ...]:
    """Clauses on keys present only when an AWS service calls on a resource's behalf, which a
    principal's own request therefore never satisfies."""
    return tuple(
        c for c in statement.conditions
        if c.key_lower in SERVICE_CALL_ONLY_KEYS and fails_when_absent(c, variables_enabled)
    )


def values_for(statement: Statement, key_lower: str, *, positive_only: bool = True) -> tuple[tuple[ConditionClause, str], ...]:
    """(clause, value) for every value compared to `key_lower`; by default only from clauses that
    require the key (a negated or IfExists clause does not say what the value is)."""
    out: list[tuple[ConditionClause, str]] = []
    for clause in statement.conditions:
        if clause.key_lower != key_lower:
            continue
        if positive_only and not names_value(clause):
            continue
        out.extend((clause, v) for v in clause.values)
    return tuple(out)


def confused_deputy_keys(statement: Statement, variables_enabled: bool = True) -> tuple[bool, bool]:
    """(account pinned, source ARN pinned) by aws:SourceAccount / aws:SourceOrgID(Paths) and
    aws:SourceArn clauses that really restrict a service principal."""
    keys = {r.clause.key_lower for r in restrictions(statement, variables_enabled)}
    return bool(keys & ({SOURCE_ACCOUNT} | SOURCE_ORG_KEYS)), SOURCE_ARN in keys
