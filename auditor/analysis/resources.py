"""How much a Resource pattern covers, judged against the catalogue's ARN formats."""
from __future__ import annotations

import enum
import functools
import re

from auditor.evaluate.matching import arn_matches
from auditor.iam.arns import VARIABLE, arn_overlaps_format, is_star, split_arn
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.iam.wildcards import glob_match, has_wildcard
from auditor.model.policy import Statement


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


# Stands for a part of a resource ARN that a Resource pattern leaves open (`apps/abc*`): any
# `${...}` works, as the evaluator compares a request's text literally and `arn_overlaps_format`
# reads every `${...}` as a wildcard.
ANY = "${Any}"


def request_arns(action: ActionInfo, pattern: str, partition: str = "aws") -> tuple[str, ...]:
    """Resource ARNs of the requests for `action` that a Resource `pattern` can allow, as the
    evaluator is to be asked about them: one per resource type of the action the pattern can name.

    Each stands for every resource of its type that the pattern names, and the evaluator reads a
    request's text literally. So what the pattern leaves open (a region, an account, a project id)
    is written as the catalogue's placeholder (`${Region}`, `${AppId}`) or as `ANY`: another
    statement's Resource matches that text only if it names every resource there (`*`, `apps/*`),
    while a NotResource that overlaps it leaves some of them out (`may_name`). For `*` these are
    the action's own resource formats, so a NotResource can exclude them (a literal `*` request
    would pass every NotResource). A literal `*` in a catalogue format (GetApps' and CreateApp's
    `apps/*`) is the one ARN every request of that type names (design §2) and stays literal: a
    project ARN never stands for it. An action without resource types is authorised against `*`,
    which only a `*` pattern names. `partition` fills in the partition when the pattern names none."""
    if not action.resource_types:
        return ("*",) if is_star(pattern) else ()
    formats = _formats(action.service)
    found: dict[str, None] = {}
    for rtype in action.resource_types:
        fmt = formats.get(rtype.name.lower())
        if fmt is not None:
            arn = _type_request(pattern, fmt, partition)
            if arn is not None:
                found.setdefault(arn)
    return tuple(found)


def reaches(statement: Statement, action: ActionInfo, partition: str = "aws") -> bool:
    """Whether the statement's Resource (or NotResource) element can let `action` through on some
    resource: a Resource pattern naming one of the action's resources (an S3 or SES ARN names no
    Pinpoint resource), or a NotResource that leaves out only some of them. Without either
    element an identity statement grants nothing."""
    if statement.resources is None:
        return False
    if not statement.not_resource:
        return any(request_arns(action, p, partition) for p in statement.resources)
    # Each request of `*` stands for every resource of one type: reached unless a NotResource
    # pattern names all of them.
    return any(not any(arn_matches(p, arn) for p in statement.resources)
               for arn in request_arns(action, "*", partition))


def may_name(pattern: str, request: str) -> bool:
    """Whether a Resource/NotResource pattern names some of the resources that a request of
    `request_arns` stands for: its placeholders take any value, the rest (a literal `*` of a
    catalogue format among it) is text. The partition is not compared (POL010 reports it)."""
    if "${" not in request:
        return arn_matches(pattern, request)
    # Literal wildcards become characters no pattern spells, so that only placeholders are open.
    return arn_overlaps_format(pattern, request.replace("*", "\x00").replace("?", "\x01"))


@functools.lru_cache(maxsize=65536)
def _type_request(pattern: str, fmt: str, partition: str) -> str | None:
    # Per (pattern, resource type): the many actions of one type (every Get* on a project) ask the same.
    if not arn_overlaps_format(pattern, fmt):
        return None
    f = split_arn(fmt)
    parts = split_arn(pattern)
    if parts is None:
        # `*` or a short form (`arn:aws:*`) whose last `*` runs over the fields it leaves out.
        named = pattern.split(":")[1] if pattern.startswith("arn:") else ""
        whole = fmt.replace("${Partition}", named if _concrete(named) else partition)
        return whole if arn_matches(pattern, whole) else pattern.replace("*", ANY)
    if glob_match(parts.resource, f.resource):
        resource = f.resource  # every resource of the type (in the pattern's regions and accounts)
    elif "${" in f.resource:
        resource = parts.resource.replace("*", ANY)  # the pattern's part of the type
    else:
        return None  # a type of one ARN per region (`reports`), which the pattern does not name
    return ":".join(("arn", parts.partition if _concrete(parts.partition) else partition,
                     f.service if "${" not in f.service else parts.service,
                     _field(parts.region, f.region), _field(parts.account, f.account), resource))


def _field(value: str, fmt_value: str) -> str:
    """A region or account of a request: what the format fixes (IAM's empty region), else the
    pattern's value, its wildcards as placeholders."""
    if "${" not in fmt_value:
        return fmt_value
    if not has_wildcard(value):
        return value
    return fmt_value if set(value) <= {"*"} else value.replace("*", ANY)


def _concrete(field: str) -> bool:
    return bool(field) and not has_wildcard(field) and "${" not in field


@functools.lru_cache(maxsize=1024)
def _formats(service: str) -> dict[str, str]:
    """ARN format per lower-case resource type key (read-only: shared by every caller)."""
    return {t.key.lower(): t.arn_format for t in knowledge().resource_types(service)}
