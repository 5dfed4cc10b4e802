"""Which principals may perform one action, on one resource or on any: `auditor who-can`.

The same machinery as the effective-access stage, over a universe of one action: the named ARN,
or every real resource and stand-in the action can be asked about.
"""
from __future__ import annotations

from dataclasses import dataclass

from auditor.access.grants import Universe, evaluate
from auditor.access.principals import group_principals
from auditor.access.resources import scope_of, universe
from auditor.access.rows import RowBuilder
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.model.access import Reach
from auditor.model.inventory import Inventory


@dataclass(frozen=True, slots=True)
class Allowed:
    principal_type: str
    principal_name: str
    principal_arn: str
    always: bool  # allowed without condition (on at least one of the resources asked about)
    conditions: tuple[str, ...]  # what gates it when not `always`
    via: tuple[str, ...]  # "policy statement" that grant it
    resources: tuple[str, ...]  # what it reaches when asked about any resource; () means all of them

    @property
    def decision(self) -> str:
        return "always" if self.always else "only-if"


def resolve_action(name: str) -> ActionInfo | None:
    """The catalogue's action for "service:Action" (case-insensitive); None if there is none."""
    if "*" in name or "?" in name:
        return None
    return knowledge().action(name.strip())


def who_can(inventory: Inventory, action: ActionInfo, resource: str | None = None) -> tuple[Allowed, ...]:
    """Every principal allowed `action` (on `resource`, or on any resource), sorted by ARN."""
    iam = knowledge()
    scope = scope_of(inventory, (action.service,))
    u = Universe(universe(scope, (action,), iam, only_target=resource), iam, scope)
    builder = RowBuilder(u, services=(action.service,))
    out: list[Allowed] = []
    for group in group_principals(inventory, u):
        if group.empty:
            continue
        rows = builder.rows(evaluate(u, group.inputs))[0].actions
        if not rows:
            continue
        row = rows[0]
        reached = () if resource is not None or row.reach is Reach.ALL else row.resources
        for member in group.members:
            out.append(Allowed(member.type.value, member.name, member.arn, not row.conditional, row.conditions,
                               row.via, reached))
    return tuple(sorted(out, key=lambda a: a.principal_arn))
