"""The check registry: a check is a small pure function with its metadata beside it.

Checks live in the top-level `checks` package and register themselves with `@check(...)` when that
package is imported (by `load_checks()`, never at `auditor` import time). The registry is the only
global mutable state in auditor.
"""
from __future__ import annotations

import dataclasses
import enum
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable, Mapping

from auditor.model.finding import PolicyType, Severity
from auditor.model.policy import Policy, PolicyKind, Statement
from auditor.model.slotinit import slot_init


class Scope(enum.Enum):
    POLICY = "policy"  # runs on one policy document (lint and scan)
    INVENTORY = "inventory"  # runs once on the whole account (scan only)


@dataclass(frozen=True, slots=True)
class CheckMeta:
    id: str
    name: str
    severity: Severity
    title: str
    rationale: str
    remediation: str
    doc_url: str
    scope: Scope
    # What of the document's holder the check's answer depends on (beyond naming it in messages):
    # a scan reuses one holder's hits for every other holder with the same value.
    subject_key: Callable[[Subject], Hashable] | None = None
    # An inventory check that reads the account's effective access (ScanContext.access): a scan
    # with a worker process runs it beside that computation, in the process that keeps the access
    # for the reports; the other account-wide checks go to whichever process is free first.
    reads_access: bool = False
    # Rough time on a typical account, relative to the other account-wide checks: a scan with a
    # worker process hands the costliest out first, so that the two processes end together.
    cost: int = 1


@slot_init
@dataclass(frozen=True, slots=True)
class Subject:
    """Where a finding points: the account, resource, principal and policy it is about."""

    account_id: str = ""
    region: str = ""
    resource_type: str = ""
    resource_arn: str = ""
    principal_type: str = ""
    principal_name: str = ""
    principal_arn: str = ""
    policy_name: str = ""
    policy_arn: str = ""
    policy_type: PolicyType = PolicyType.NONE
    policy_ref: str = ""  # stable id of the policy for fingerprints (ARN, or owner#inline:name)
    file: str = ""


@slot_init
@dataclass(frozen=True, slots=True)
class Hit:
    """What a check yields; the engine turns it into a Finding with the subject's context."""

    message: str
    statement: Statement | None = None
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    condition_keys: tuple[str, ...] = ()
    severity: Severity | None = None  # overrides the check's default for this hit
    evidence: tuple[tuple[str, str], ...] = ()  # shown in reports
    key: str = ""  # stable discriminator within one statement, part of the fingerprint
    subject: Subject | None = None  # inventory checks name their subject; policy checks inherit it
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class CheckOptions:
    """Per-check settings from the config, with the defaults users would expect."""

    trusted_accounts: frozenset[str] = frozenset()
    trusted_ip_ranges: tuple[str, ...] = ()
    access_key_max_age_days: int = 90
    access_key_unused_days: int = 90
    admin_allowlist: tuple[str, ...] = ()  # principal ARN globs allowed full admin
    intended_archetypes: tuple[tuple[str, str], ...] = ()  # (ARN glob, archetype name)
    extra: Mapping[str, object] = field(default_factory=dict)


@slot_init
@dataclass(frozen=True, slots=True)
class PolicyContext:
    """Everything a policy-scope check may look at."""

    policy: Policy
    kind: PolicyKind
    account_id: str  # the account the policy lives in ("" if unknown)
    partition: str
    options: CheckOptions
    subject: Subject
    region: str = ""  # for resource policies on regional resources (SES identities)
    owner_arn: str = ""  # the resource a resource policy is attached to


@dataclass(frozen=True, slots=True)
class Check:
    meta: CheckMeta
    func: Callable[..., Iterable[Hit]]
    # A policy-scope check may have an account-wide form (see `scan_variant`) that replaces it in
    # scans, where it sees every policy reaching a principal and the allowlists.
    scan_func: Callable[..., Iterable[Hit]] | None = None


REGISTRY: dict[str, Check] = {}


def check(
    id: str,
    name: str,
    severity: Severity,
    title: str,
    *,
    rationale: str,
    remediation: str,
    doc_url: str,
    scope: Scope = Scope.POLICY,
    subject_key: Callable[[Subject], Hashable] | None = None,
    reads_access: bool = False,
    cost: int = 1,
):
    """Register a check. IDs are stable and never reused; names are stable too.

    Authoring checks (ids starting "POL") judge how a document is written and must not read
    `ctx.subject`: a scan runs them once per distinct document and gives their hits to every owner.
    Other policy checks may name the subject in their messages (through `describe.where`); a scan
    runs them once per distinct document too and renames the holder in the messages; a check whose
    answer depends on the holder says on what with `subject_key`."""

    def decorate(func: Callable[..., Iterable[Hit]]):
        if id in REGISTRY and REGISTRY[id].func is not func:
            raise RuntimeError(f"check id {id} registered twice")
        REGISTRY[id] = Check(CheckMeta(id, name, severity, title, rationale, remediation, doc_url, scope,
                                          subject_key, reads_access, cost), func)
        _registry_changed()
        return func

    return decorate


def scan_variant(id: str):
    """Register the account-wide form of the policy-scope check `id` (defined just above it):
    a scan runs it, with the engine's ScanContext, instead of the per-document function; lint
    keeps the per-document one."""

    def decorate(func: Callable[..., Iterable[Hit]]):
        REGISTRY[id] = dataclasses.replace(REGISTRY[id], scan_func=func)
        _registry_changed()
        return func

    return decorate


_sorted_cache: tuple[int, dict[str, Check]] | None = None
_imported = False


def load_checks() -> dict[str, Check]:
    """Import every module of the `checks` package once; returns the registry sorted by id.

    Called for every policy of a scan, so the sorted view is cached until the registry changes."""
    global _sorted_cache, _imported
    if not _imported:
        import checks  # the rules live outside the engine, as the project layout requires

        for module in pkgutil.iter_modules(checks.__path__):
            importlib.import_module(f"checks.{module.name}")
        _imported = True
    if _sorted_cache is None or _sorted_cache[0] != len(REGISTRY):
        _sorted_cache = (len(REGISTRY), dict(sorted(REGISTRY.items())))
    return _sorted_cache[1]


def _registry_changed() -> None:
    global _sorted_cache
    _sorted_cache = None


def resolve(selectors: Iterable[str]) -> set[str]:
    """Check ids from ids or names (case-insensitive); unknown selectors raise ValueError."""
    registry = load_checks()
    by_name = {c.meta.name.lower(): i for i, c in registry.items()}
    out: set[str] = set()
    for raw in selectors:
        sel = raw.strip()
        if not sel:
            continue
        if sel.upper() in registry:
            out.add(sel.upper())
        elif sel.lower() in by_name:
            out.add(by_name[sel.lower()])
        elif sel.endswith("*"):
            prefix = sel[:-1].upper()
            matched = {i for i in registry if i.startswith(prefix)}
            if not matched:
                raise ValueError(f"no check matches {raw!r}")
            out |= matched
        else:
            raise ValueError(f"unknown check {raw!r} (see `auditor checks`)")
    return out
