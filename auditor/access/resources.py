"""The resources an action is tried against: the account's real ones and stand-ins for the rest.

Static analysis has no request, so "what can this principal reach" is answered by asking about a
finite set of ARNs per action: every real resource the inventory knows (each Pinpoint project and
the sub-resources inside it, each SES identity), the per-region account-wide resources
(`apps/*`, `reports`), one unnamed resource of each type in every scanned region, and one in a
region outside the scan. Allowed on all of them means "every resource, including later ones".
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from auditor.iam.knowledge import ActionInfo, IamKnowledge, ResourceType
from auditor.model.inventory import Inventory

# Filler for the free parts of an ARN format (campaign id, template name ...): a value no policy
# names on purpose, so only wildcards reach it.
STAND_IN = "auditor-unnamed"
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# Regions used for "outside the scanned regions", per partition; the first not scanned is taken.
_ELSEWHERE = {
    "aws": ("ap-southeast-4", "me-central-1", "eu-south-2", "ca-west-1", "il-central-1"),
    "aws-us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "aws-cn": ("cn-northwest-1", "cn-north-1"),
}
_FALLBACK_REGION = "us-east-1"
_PROJECT_FORMAT = "arn:${Partition}:mobiletargeting:${Region}:${Account}:apps/${AppId}"


class TargetKind(enum.Enum):
    REAL = "real"  # named by the inventory, or the one account-wide ARN of its type in a region
    UNNAMED = "unnamed"  # a resource of this type the inventory does not list, in a scanned region
    ELSEWHERE = "elsewhere"  # a resource of this type in a region outside the scan
    ANY = "any"  # the action has no resource type: AWS authorises it against "*" only


@dataclass(frozen=True, slots=True)
class Target:
    arn: str  # what the request names
    kind: TargetKind
    region: str
    scope: str  # what a report names when this target is reached: real ARN or a region-wide glob


@dataclass(frozen=True, slots=True)
class Scope:
    """Where the account lives: the values every ARN is built from."""

    partition: str
    account_id: str
    regions: tuple[str, ...]  # scanned regions plus those holding inventoried resources
    elsewhere: str  # a region outside `regions`
    projects: tuple[tuple[str, str, str], ...]  # (region, app id, arn)
    identities: tuple[tuple[str, str, str], ...]  # (region, name, arn)


_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d+")


def named_regions(inventory: Inventory, services: Iterable[str]) -> set[str]:
    """Regions the account's policies name in ARNs of the audited services: access granted in a
    region that was not scanned (or in an IAM-only input, which names none) is still access."""
    wanted = frozenset(services)
    seen: set[int] = set()
    found: set[str] = set()
    refs = [m.ref for m in inventory.managed_policies]
    refs += [r for p in inventory.principals for r in p.inline_policies]
    refs += [r for g in inventory.groups for r in g.inline_policies]
    refs += [r for i in inventory.ses_identities for r in i.policies]
    for ref in refs:
        if id(ref.policy) in seen:
            continue
        seen.add(id(ref.policy))
        for statement in ref.policy.statements:
            for resource in statement.resources or ():
                parts = resource.split(":", 5)
                if (len(parts) == 6 and parts[2] in wanted and parts[4] in ("", "*", inventory.account_id)
                        and _REGION.fullmatch(parts[3])):
                    found.add(parts[3])
    return found


def scope_of(inventory: Inventory, services: Iterable[str] = ()) -> Scope:
    """`services`: also take in the regions the policies name for these services."""
    projects = tuple(sorted(
        (p.region, p.app_id, p.arn) for p in inventory.pinpoint_projects
        if not p.account_id or p.account_id == inventory.account_id
    ))
    identities = tuple(sorted(
        (i.region, i.name, i.arn) for i in inventory.ses_identities
        if not i.account_id or i.account_id == inventory.account_id
    ))
    regions = sorted({*inventory.regions, *(p[0] for p in projects), *(i[0] for i in identities),
                      *named_regions(inventory, services)} - {""})
    if not regions:
        # Nothing names a region: assume the commonest home region rather than none.
        regions = [_FALLBACK_REGION]
    partition = inventory.partition or "aws"
    candidates = _ELSEWHERE.get(partition, _ELSEWHERE["aws"])
    elsewhere = next((r for r in candidates if r not in regions), "xx-elsewhere-1")
    return Scope(partition, inventory.account_id, tuple(regions), elsewhere, projects, identities)


def _variables(arn_format: str) -> set[str]:
    return set(_VARIABLE.findall(arn_format))


def _fill(arn_format: str, values: dict[str, str], default: str) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), default), arn_format)


def _base(scope: Scope, region: str) -> dict[str, str]:
    return {"Partition": scope.partition, "Region": region, "Account": scope.account_id}


def targets_for_type(scope: Scope, rtype: ResourceType) -> tuple[Target, ...]:
    """Every ARN one resource type is tried at, in a stable order."""
    fmt = rtype.arn_format
    free = _variables(fmt) - {"Partition", "Region", "Account"}
    out: list[Target] = []
    in_project = rtype.service == "mobiletargeting" and "AppId" in free
    shown_format = _PROJECT_FORMAT if in_project else fmt
    if in_project:
        # Everything inside a project is reported as the project: that is what a reader can act on.
        for region, app_id, arn in scope.projects:
            values = {**_base(scope, region), "AppId": app_id}
            out.append(Target(_fill(fmt, values, STAND_IN), TargetKind.REAL, region, arn))
    if rtype.service == "ses" and free == {"IdentityName"}:
        for region, name, arn in scope.identities:
            out.append(Target(_fill(fmt, {**_base(scope, region), "IdentityName": name}, STAND_IN),
                              TargetKind.REAL, region, arn))
    for region in scope.regions:
        values = _base(scope, region)
        kind = TargetKind.UNNAMED if free else TargetKind.REAL
        out.append(Target(_fill(fmt, values, STAND_IN), kind, region, _fill(shown_format, values, "*")))
    elsewhere = _base(scope, scope.elsewhere)
    out.append(Target(_fill(fmt, elsewhere, STAND_IN), TargetKind.ELSEWHERE, scope.elsewhere,
                      f"{_fill(shown_format, {**elsewhere, 'Region': '*'}, '*')} (other regions)"))
    return tuple(out)


ANY_TARGET = Target("*", TargetKind.ANY, "", "*")


def targets_for_action(scope: Scope, action: ActionInfo, knowledge: IamKnowledge) -> tuple[Target, ...]:
    types = {t.key.lower(): t for t in knowledge.resource_types(action.service)}
    out: list[Target] = []
    seen: set[str] = set()
    for art in action.resource_types:
        rtype = types.get(art.name.lower())
        if rtype is None:
            continue
        for target in targets_for_type(scope, rtype):
            if target.arn not in seen:
                seen.add(target.arn)
                out.append(target)
    return tuple(out) if out else (ANY_TARGET,)


@dataclass(frozen=True, slots=True)
class Cell:
    """One (action, target) question."""

    action: ActionInfo
    target: Target


def universe(scope: Scope, actions: Iterable[ActionInfo], knowledge: IamKnowledge,
             only_target: str | None = None) -> tuple[Cell, ...]:
    """Every question to ask, actions in the given order; `only_target` asks about one ARN."""
    cells: list[Cell] = []
    for action in actions:
        if only_target is not None:
            cells.append(Cell(action, _explicit_target(scope, only_target)))
            continue
        cells.extend(Cell(action, t) for t in targets_for_action(scope, action, knowledge))
    return tuple(cells)


def _explicit_target(scope: Scope, arn: str) -> Target:
    region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    return Target(arn, TargetKind.REAL, region, arn)


def audited_actions(knowledge: IamKnowledge, services: Sequence[str]) -> tuple[ActionInfo, ...]:
    return tuple(a for s in services for a in knowledge.actions_for_service(s))
