"""Principals grouped by the exact policies that reach them, so each set is analysed once.

Many users and roles share the same attachments (a group, a job-function policy); account-wide
checks evaluate one `Holder` and report for each of its principals.
"""
from __future__ import annotations

from dataclasses import dataclass

from auditor.analysis.memo import per_object
from auditor.iam.wildcards import glob_match
from auditor.model.inventory import Inventory, PolicyRef, Principal
from auditor.model.policy import Policy


@dataclass(frozen=True)
class Holder:
    policies: tuple[PolicyRef, ...]  # inline, managed and group policies, as Inventory.policies_for
    boundary: PolicyRef | None
    principals: tuple[Principal, ...]

    @property
    def documents(self) -> tuple[Policy, ...]:
        return tuple(ref.policy for ref in self.policies)

    @property
    def boundaries(self) -> tuple[Policy, ...]:
        return (self.boundary.policy,) if self.boundary is not None else ()


@per_object(4)
def holders(inventory: Inventory) -> tuple[Holder, ...]:
    """One Holder per distinct (policies, boundary) among users and roles, in inventory order
    (computed once per inventory: several account-wide checks ask).

    Inline policies belong to one principal, so only principals with none of their own share."""
    grouped: dict[tuple, list[Principal]] = {}
    found: dict[tuple, tuple[tuple[PolicyRef, ...], PolicyRef | None]] = {}
    for principal in inventory.principals:
        refs = inventory.policies_for(principal)
        boundary = inventory.boundary_for(principal)
        key = (tuple((r.ref, r.via) for r in refs), boundary.ref if boundary else "")
        grouped.setdefault(key, []).append(principal)
        found.setdefault(key, (refs, boundary))
    return tuple(Holder(found[k][0], found[k][1], tuple(v)) for k, v in grouped.items())


def allowlisted(arn: str, globs: tuple[str, ...]) -> bool:
    return any(glob_match(g, arn) for g in globs)
