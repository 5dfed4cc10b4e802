"""How much a Resource pattern covers, judged against the catalogue's ARN formats."""
from __future__ import annotations

import enum
import functools
import re

from auditor.evaluate.matching import arn_matches
from auditor.iam.arns import VARIABLE, arn_overlaps_format, is_star, split_arn
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.iam.wildcards import glob_match, has_wildcard


class Breadth(enum.IntEnum):
    SPECIFIC = 0  # named resources, or a part of one (a project's campaigns)
    TYPE_WIDE = 1  # every resource of a type: `apps/*`, `secret:*`
    SERVICE_WIDE = 2  # every resource of a service: `arn:aws:mobiletargeting:us-east-1:111122223333:*`
    ALL = 3  # `*`

    @property
    def label(self) -> str:
        return {
            Breadth.SPECIFIC: "specific resources",
            Breadth.TYPE_WIDE: "every resource of a type",
            Breadth.SERVICE_WIDE: "every resource of the service",
            Breadth.ALL: "all resources",
        }[self]


@functools.lru_cache(maxsize=65536)
def breadth(pattern: str) -> Breadth:
    if is_star(pattern):
        return Breadth.ALL
    # A policy variable names the caller's own resource (or, under 2008-10-17, a literal that
    # names nothing), never a class of resources.
    parts = split_arn(VARIABLE.sub("_", pattern))
    if parts is None:
        # `arn:aws:*` and other short forms: the last wildcard spans the missing fields.
        return Breadth.ALL if pattern.startswith("arn:") and pattern.endswith("*") else Breadth.SPECIFIC
    if set(parts.resource) <= {"*"}:
        return Breadth.ALL if has_wildcard(parts.service) else Breadth.SERVICE_WIDE
    if has_wildcard(parts.service):
        return Breadth.SPECIFIC
    if any(glob_match(parts.resource, fmt) for fmt in _class_formats(parts.service)):
        return Breadth.TYPE_WIDE
    return Breadth.SPECIFIC


@functools.lru_cache(maxsize=1024)
def _class_formats(service: str) -> tuple[str, ...]:
    """The resource part of each of the service's types that stands for many resources, its
    variables as `*` (`apps/*`); a singleton type (`reports`) is one resource, not a class."""
    found = []
    for arn_format in _formats(service).values():
        if "${" not in arn_format.split(":", 5)[-1]:
            continue
        fmt = split_arn(VARIABLE.sub("*", arn_format))
        if fmt is not None:
            found.append(fmt.resource)
    return tuple(found)


def widest(patterns: tuple[str, ...] | None) -> Breadth:
    if not patterns:
        return Breadth.SPECIFIC
    return max(breadth(p) for p in patterns)


_PROJECT = re.compile(r"^apps/([^/*?]+)(?:/.*)?$")


def single_project(patterns: tuple[str, ...] | None) -> str | None:
    """The Pinpoint project id when every pattern stays inside that one project."""
    if not patterns:
        return None
    ids: set[str] = set()
    for pattern in patterns:
        parts = split_arn(pattern)
        if parts is None or parts.service != "mobiletargeting":
            return None
        m = _PROJECT.match(parts.resource)
        if m is None or "${" in m.group(1):
            return None
        ids.add(m.group(1))
    return ids.pop() if len(ids) == 1 else None


def request_arns(action: ActionInfo, pattern: str) -> tuple[str, ...]:
    """Resource ARNs of the requests for `action` that a Resource `pattern` can allow.

    A resource type whose format has only partition, region and account to fill (GetApps'
    `apps/*`, `reports`) is one fixed ARN that every such request names; the pattern allows it
    only if it matches that ARN. Any other type stands for many resources, and the pattern itself
    is the request to reason about (a wildcard in it is read literally by the evaluator)."""
    parts = split_arn(pattern)
    if parts is None:
        return (pattern,) if knowledge().action_applies_to_arn(action, pattern) else ()
    formats = _formats(action.service)
    found: dict[str, None] = {}
    for rtype in action.resource_types:
        fmt = formats.get(rtype.name.lower())
        if fmt is not None:
            arn = _type_request(pattern, fmt)
            if arn is not None:
                found.setdefault(arn)
    return tuple(found)


@functools.lru_cache(maxsize=65536)
def _type_request(pattern: str, fmt: str) -> str | None:
    # Per (pattern, resource type): the many actions of one type (every Get* on a project) ask the same.
    if not arn_overlaps_format(pattern, fmt):
        return None
    parts = split_arn(pattern)
    fixed = (fmt.replace("${Partition}", parts.partition).replace("${Region}", parts.region)
             .replace("${Account}", parts.account))
    if "${" in fixed:
        return pattern
    return fixed if arn_matches(pattern, fixed) else None


@functools.lru_cache(maxsize=1024)
def _formats(service: str) -> dict[str, str]:
    """ARN format per lower-case resource type key (read-only: shared by every caller)."""
    return {t.key.lower(): t.arn_format for t in knowledge().resource_types(service)}
