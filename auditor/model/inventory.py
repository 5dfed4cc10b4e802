"""The account inventory: typed, immutable, every policy parsed once and shared by reference."""
from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field

from auditor.model.finding import PolicyType
from auditor.model.policy import Policy


class PrincipalType(enum.Enum):
    USER = "user"
    ROLE = "role"
    GROUP = "group"


class CoverageStatus(enum.Enum):
    OK = "ok"
    DENIED = "denied"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class CoverageEntry:
    """One API call family in one region (or "global"), and whether it could be read."""

    family: str  # e.g. "iam:GetAccountAuthorizationDetails", "sesv2:ListEmailIdentities"
    region: str
    status: CoverageStatus
    error: str = ""
    account_id: str = ""
    accepted: bool = False  # the config accepts this gap (no exit code 3)


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A policy as attached somewhere: its name and ARN (managed) or owner (inline), and the parse."""

    name: str
    arn: str  # managed policy ARN; "" for inline and resource policies
    policy_type: PolicyType
    policy: Policy
    owner_arn: str = ""  # the user/group/role holding an inline policy, or the SES identity
    via: str = ""  # "" when attached to the principal itself, else "group:NAME"

    @property
    def ref(self) -> str:
        """Stable identifier used in fingerprints and reports."""
        return self.arn or f"{self.owner_arn}#{self.policy_type.value}:{self.name}"


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    arn: str
    name: str
    path: str
    default_version_id: str
    aws_managed: bool
    attachment_count: int
    ref: PolicyRef


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    arn: str
    inline_policies: tuple[PolicyRef, ...]
    managed_policy_arns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Principal:
    """An IAM user or role."""

    type: PrincipalType
    name: str
    arn: str
    principal_id: str
    path: str
    inline_policies: tuple[PolicyRef, ...]
    managed_policy_arns: tuple[str, ...]
    group_names: tuple[str, ...] = ()
    boundary_arn: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    trust_policy: PolicyRef | None = None  # roles only
    role_last_used: str | None = None
    create_date: str = ""

    @property
    def account_id(self) -> str:
        parts = self.arn.split(":")
        return parts[4] if len(parts) > 4 else ""


@dataclass(frozen=True, slots=True)
class SesIdentity:
    account_id: str
    region: str
    name: str  # email address or domain
    arn: str
    identity_type: str
    verified: bool
    policies: tuple[PolicyRef, ...]  # sending-authorization policies, parsed from the raw strings
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class PinpointProject:
    account_id: str
    region: str
    app_id: str
    name: str
    arn: str
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """One row of the IAM credential report (only the fields the checks use)."""

    user: str
    arn: str
    password_enabled: bool
    password_last_used: str
    mfa_active: bool
    access_keys: tuple["AccessKeyInfo", ...] = ()


@dataclass(frozen=True, slots=True)
class AccessKeyInfo:
    slot: int  # 1 or 2, as in the credential report
    active: bool
    last_rotated: str  # ISO timestamp or ""
    last_used: str  # ISO timestamp or ""


@dataclass(frozen=True)
class Inventory:
    account_id: str
    partition: str
    regions: tuple[str, ...]
    source: str  # "live", "snapshot:FILE", "gaad:FILE", "demo"
    users: tuple[Principal, ...] = ()
    roles: tuple[Principal, ...] = ()
    groups: tuple[Group, ...] = ()
    managed_policies: tuple[ManagedPolicy, ...] = ()
    ses_identities: tuple[SesIdentity, ...] = ()
    pinpoint_projects: tuple[PinpointProject, ...] = ()
    credentials: tuple[CredentialRow, ...] = ()
    coverage: tuple[CoverageEntry, ...] = ()
    raw_text_available: bool = True
    collected_at: str = ""
    # Problems reading items (a user entry that is not an object, ...): (where, message).
    load_errors: tuple[tuple[str, str], ...] = field(default=())

    @property
    def principals(self) -> tuple[Principal, ...]:
        return self.users + self.roles

    @functools.cached_property
    def managed_by_arn(self) -> dict[str, ManagedPolicy]:
        return {m.arn: m for m in self.managed_policies}

    @functools.cached_property
    def groups_by_name(self) -> dict[str, Group]:
        return {g.name: g for g in self.groups}

    def managed_ref(self, arn: str) -> PolicyRef | None:
        managed = self.managed_by_arn.get(arn)
        return managed.ref if managed else None

    def policies_for(self, principal: Principal) -> tuple[PolicyRef, ...]:
        """Every identity policy that reaches the principal: its own inline and managed policies,
        then those of each group it belongs to (marked `via`). Unknown managed ARNs are skipped
        here and reported by the loader as load errors."""
        refs: list[PolicyRef] = list(principal.inline_policies)
        refs.extend(r for r in map(self.managed_ref, principal.managed_policy_arns) if r is not None)
        group_refs = self._group_refs
        for group_name in principal.group_names:
            refs.extend(group_refs.get(group_name, ()))
        return tuple(refs)

    @functools.cached_property
    def _group_refs(self) -> dict[str, tuple[PolicyRef, ...]]:
        # Made once per group, not per member: thousands of members share the same refs.
        out: dict[str, tuple[PolicyRef, ...]] = {}
        for group in self.groups:
            via = f"group:{group.name}"
            refs = [_with_via(r, via) for r in group.inline_policies]
            refs.extend(_with_via(r, via) for r in map(self.managed_ref, group.managed_policy_arns) if r)
            out[group.name] = tuple(refs)  # as groups_by_name: the last of a repeated name
        return out

    def boundary_for(self, principal: Principal) -> PolicyRef | None:
        if not principal.boundary_arn:
            return None
        ref = self.managed_ref(principal.boundary_arn)
        if ref is None:
            return None
        return PolicyRef(ref.name, ref.arn, PolicyType.BOUNDARY, ref.policy, principal.arn)


def _with_via(ref: PolicyRef, via: str) -> PolicyRef:
    return PolicyRef(ref.name, ref.arn, ref.policy_type, ref.policy, ref.owner_arn, via)
