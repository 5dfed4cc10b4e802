"""Effective access of every principal to Pinpoint, SMS/voice and SES, and its documented example.

`compute_access` is the one entry point: the scan computes it once (ScanContext.access) and both
IAM009 and the reports read the result.
"""
from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass
from typing import Iterable, Sequence

from auditor.access.fit import Fit, Matcher, gating_keys
from auditor.access.grants import NOTHING, Universe, evaluate
from auditor.access.principals import group_principals
from auditor.access.resources import audited_actions, scope_of, universe
from auditor.access.rows import RowBuilder
from auditor.iam.knowledge import knowledge
from auditor.model.access import SERVICES, PrincipalAccess, ServiceAccess
from auditor.model.inventory import Inventory, Principal


@dataclass(frozen=True)
class AccountAccess:
    """One row per principal (users, then roles, in inventory order)."""

    principals: tuple[PrincipalAccess, ...]
    groups: int = 0  # distinct computations made, for benchmarks and the report's notes

    @functools.cached_property
    def by_arn(self) -> dict[str, PrincipalAccess]:
        return {p.principal_arn: p for p in self.principals}

    def get(self, arn: str) -> PrincipalAccess | None:
        return self.by_arn.get(arn)


def build_universe(inventory: Inventory, services: Sequence[str] = SERVICES) -> Universe:
    iam = knowledge()
    scope = scope_of(inventory, services)
    return Universe(universe(scope, audited_actions(iam, services), iam), iam, scope)


def declared_archetype(principal: Principal, intended: Iterable[tuple[str, str]]) -> str:
    """The archetype the config declares for the principal: the first ARN glob that matches."""
    for pattern, name in intended:
        if fnmatch.fnmatchcase(principal.arn, pattern):
            return name
    return ""


def compute_access(inventory: Inventory, intended: Iterable[tuple[str, str]] = ()) -> AccountAccess:
    """Effective access, archetype and IAM009 excess of every principal of the inventory."""
    intended = tuple(intended)
    u = build_universe(inventory)
    matcher = Matcher(u)
    builder = RowBuilder(u)
    rows: dict[str, PrincipalAccess] = {}
    groups = group_principals(inventory, u)
    for group in groups:
        outcome = NOTHING if group.empty else evaluate(u, group.inputs)
        services = builder.rows(outcome)
        own = group.own_inputs()
        reached = outcome.any if own is None else evaluate(u, own).any
        keys = gating_keys(u, group.inputs)
        for member in group.members:
            fit = matcher.fit(reached, keys, declared_archetype(member, intended))
            rows[member.arn] = _principal_row(inventory, member, services, fit, matcher)
    ordered = tuple(rows[p.arn] for p in inventory.principals if p.arn in rows)
    return AccountAccess(ordered, len(groups))


def _principal_row(inventory: Inventory, principal: Principal, services: tuple[ServiceAccess, ...], fit: Fit,
                   matcher: Matcher) -> PrincipalAccess:
    return PrincipalAccess(
        account_id=inventory.account_id,
        principal_type=principal.type.value,
        principal_name=principal.name,
        principal_arn=principal.arn,
        services=services,
        archetype=fit.archetype,
        nearest_archetype=fit.nearest,
        declared_archetype=fit.declared,
        excess=fit.excess_actions,
        excess_scopes=fit.excess_scopes,
        suggested_policy=matcher.suggest(fit, principal.name) if fit.exceeds else "",
    )
