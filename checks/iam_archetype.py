"""IAM009: a principal's effective Pinpoint / SMS / SES access exceeds the documented example it is
closest to (or the one the config declares for it)."""
from __future__ import annotations

from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.describe import plural, short_list
from auditor.model.access import PrincipalAccess
from auditor.model.finding import Severity
from auditor.registry import Hit, Scope, Subject, check

_RESOURCE_TYPES = {"user": "AWS::IAM::User", "role": "AWS::IAM::Role"}


@check(
    "IAM009", "exceeds-documented-example", Severity.MEDIUM,
    "Effective Pinpoint/SMS/SES access exceeds the closest documented example",
    rationale=(
        "AWS documents least-privilege policies for the common Amazon Pinpoint, SMS and voice, and SES jobs "
        "(console read-only, one project, limited write, API administrator, SMS and voice, sending through a "
        "verified identity...). A principal whose access, taken over all its inline, managed and group "
        "policies, denies and permissions boundary, fits none of them holds actions or reaches resources "
        "that no documented job needs. Where the config declares the intended example for a principal, "
        "anything beyond that example is reported even if a larger example would fit."
    ),
    remediation=(
        "Replace the principal's Pinpoint, SMS/voice and SES grants with the suggested policy (the nearest "
        "documented example filled in with this account's ids and the projects and identities the principal "
        "uses), or declare the intended example in the config ([[archetypes]]) if the access is deliberate."
    ),
    doc_url=docs.SEED_PAGE,
    scope=Scope.INVENTORY,
    reads_access=True,
)
def exceeds_documented_example(ctx) -> Iterator[Hit]:
    # Principals that share their policies share one excess: its texts are made (and held) once.
    scoped: dict[int, tuple[tuple[str, ...], str, tuple[str, ...]]] = {}
    for row in ctx.access.principals:
        if row.excess:
            found = scoped.get(id(row.excess_scopes))
            if found is None or found[0] is not row.excess_scopes:
                found = scoped[id(row.excess_scopes)] = (row.excess_scopes, "\n".join(_by_scope(row)), _scopes(row))
            yield _hit(row, found[1], found[2])


def _hit(row: PrincipalAccess, by_scope: str, scopes: tuple[str, ...]) -> Hit:
    compared = row.declared_archetype or row.nearest_archetype or row.archetype
    who = f"{row.principal_type.capitalize()} {row.principal_name}"
    beyond = f"{plural(len(row.excess), 'action')} beyond it: {short_list(row.excess_scopes, 4)}"
    if row.declared_archetype:
        message = f"{who} is declared as {compared} but its effective access goes {beyond}."
        if row.archetype:
            message += f" Its access fits the larger example {row.archetype}."
    else:
        message = (f"{who}'s effective Pinpoint/SMS/SES access fits no documented example; the nearest is "
                   f"{compared}, and the access goes {beyond}.")
    if row.suggested_policy:
        message += " A least-privilege policy from that example is suggested."
    evidence = [("archetype", compared), ("excess", by_scope)]
    if row.suggested_policy:
        evidence.append(("suggested_policy", row.suggested_policy))
    subject = Subject(account_id=row.account_id, resource_type=_RESOURCE_TYPES.get(row.principal_type, ""),
                      resource_arn=row.principal_arn, principal_type=row.principal_type,
                      principal_name=row.principal_name, principal_arn=row.principal_arn)
    return Hit(message, actions=row.excess, resources=scopes, evidence=tuple(evidence), key=compared,
               subject=subject)


def _by_scope(row: PrincipalAccess) -> list[str]:
    """The excess lines grouped by where they reach: "<scopes>: action, action, ..." (an account
    with every action beyond an example would otherwise repeat the same scope hundreds of times)."""
    grouped: dict[str, list[str]] = {}
    for line in row.excess_scopes:
        action, _sep, scope = line.partition(" on ")
        grouped.setdefault(scope, []).append(action)
    return [f"{scope}: {', '.join(actions)}" for scope, actions in grouped.items()]


def _scopes(row: PrincipalAccess) -> tuple[str, ...]:
    """The resources of the excess lines ("action on a, b"): "all resources" is "*"."""
    found: set[str] = set()
    for line in row.excess_scopes:
        _action, _sep, scope = line.partition(" on ")
        found.update(("*",) if scope == "all resources" else scope.split(", "))
    return tuple(sorted(found))
