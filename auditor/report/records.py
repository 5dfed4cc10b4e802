"""Plain JSON-able records of findings and principals, shared by the JSON, SARIF and HTML reports.

One place decides how a Finding looks outside Python (enums as their values, tuples as lists,
evidence as key/value objects) so that a findings.json read back as a baseline gives the same
Finding that was written.
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import fields
from operator import attrgetter
from typing import Any, Callable, Iterable, Mapping

from auditor.model.access import AccessOverview, PrincipalAccess, ServiceAccess, access_overview
from auditor.model.finding import CSV_FIELDS, Finding, PolicyType, Severity, Status
from auditor.model.result import ScanResult

# Severity labels from most to least severe: the order of every summary.
SEVERITY_LABELS: tuple[str, ...] = tuple(s.label for s in sorted(Severity, reverse=True))
EXTRA_FIELDS: tuple[str, ...] = ("file", "line", "column", "evidence")
RECORD_FIELDS: tuple[str, ...] = CSV_FIELDS + EXTRA_FIELDS
_LIST_FIELDS = frozenset(f.name for f in fields(Finding) if f.type in ("tuple[str, ...]",))
_INT_FIELDS = frozenset({"statement_index", "line", "column"})
# Enum members to their report text, looked up once (enum attribute access is slow in bulk).
ENUM_TEXT: dict[Any, str] = {
    **{s: s.label for s in Severity}, **{s: s.value for s in Status}, **{p: p.value for p in PolicyType},
}


def _record_converter(name: str) -> Callable[[Any], Any] | None:
    if name in ("severity", "status", "policy_type"):
        return ENUM_TEXT.__getitem__
    if name == "evidence":
        return lambda pairs: [{"key": k, "value": v} for k, v in pairs]
    if name in _LIST_FIELDS:
        return list
    return None  # str, int or None: as is


_RECORD_GET = attrgetter(*RECORD_FIELDS)
_RECORD_CONVERT = tuple(_record_converter(n) for n in RECORD_FIELDS)


def finding_record(f: Finding) -> dict[str, Any]:
    """A Finding as a JSON object, fields in CSV order then the location and evidence extras."""
    return {
        name: value if convert is None else convert(value)
        for name, convert, value in zip(RECORD_FIELDS, _RECORD_CONVERT, _RECORD_GET(f))
    }


class RecordError(ValueError):
    """A record that cannot be a Finding; the message names the field."""


def finding_from_record(data: Mapping[str, Any]) -> Finding:
    """The inverse of finding_record, strict about types so a damaged baseline is noticed."""
    if not isinstance(data, Mapping):
        raise RecordError("is not an object")
    kwargs: dict[str, Any] = {}
    for name in RECORD_FIELDS:
        if name not in data or data[name] is None:
            continue
        value = data[name]
        try:
            kwargs[name] = _convert(name, value)
        except (ValueError, TypeError, KeyError) as exc:
            raise RecordError(f"{name}: {exc}") from None
    for required in ("fingerprint", "check_id"):
        if not kwargs.get(required):
            raise RecordError(f"{required}: missing")
    kwargs.setdefault("check_name", "")
    kwargs.setdefault("severity", Severity.INFO)
    kwargs.setdefault("title", "")
    kwargs.setdefault("message", "")
    return Finding(**kwargs)


def _convert(name: str, value: Any) -> Any:
    if name == "severity":
        return Severity.parse(_text(value))
    if name == "status":
        return Status(_text(value))
    if name == "policy_type":
        return PolicyType(_text(value))
    if name in _INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("must be a whole number")
        return value
    if name == "evidence":
        if not isinstance(value, list):
            raise TypeError("must be a list")
        return tuple((_text(item["key"]), _text(item["value"])) for item in value)
    if name in _LIST_FIELDS:
        if not isinstance(value, list):
            raise TypeError("must be a list of strings")
        return tuple(_text(v) for v in value)
    return _text(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {type(value).__name__}")
    return value


def _service_record(service: ServiceAccess, facts: AccessOverview) -> dict[str, Any]:
    return {
        "service": service.service,
        "summary": facts.summary,
        "top_level": facts.top_level,
        # Reached actions per access level: {"Write": {"actions": 12, "all": 3, "only_if": 2}}.
        "levels": {c.level: {"actions": c.actions, "all": c.all, "only_if": c.only_if} for c in facts.levels},
    }


def principal_record(p: PrincipalAccess,
                     service_record: Callable[[ServiceAccess], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Effective access of one principal; `suggested_policy` only when the access stage gives one.

    `service_record` may serve the per-service part from a cache (see ReportData.service_record).
    """
    record = service_record or (lambda s: _service_record(s, access_overview(s)))
    out: dict[str, Any] = {
        "account_id": p.account_id,
        "principal_type": p.principal_type,
        "principal_name": p.principal_name,
        "principal_arn": p.principal_arn,
        "archetype": p.archetype,
        "nearest_archetype": p.nearest_archetype,
        "excess": list(p.excess),
        # The summary of each service; the per-action matrix is in the HTML report and `who-can`
        # (20,000 principals times hundreds of actions would make this file gigabytes).
        "services": [record(s) for s in p.services],
    }
    # Filled by the access stage when it knows them; older results (and merged ones) may lack them.
    for name in ("declared_archetype", "excess_scopes", "suggested_policy"):
        value = getattr(p, name, None)
        if value:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


class BlockFacts:
    """What the reports derive from each ServiceAccess block, derived once per block.

    The access stage shares ServiceAccess objects, and the action objects inside them, between
    principals whose policies are alike, so per-service facts are kept per `representative`: the
    first block seen with the same service and the very same action objects. Objects are told apart
    by id; the memos hold them, so an id stays theirs.

    Made apart from ReportData so that a scan can fill it while the reports are still to come
    (`warm`): then the forked report writers inherit the facts instead of each deriving them.
    """

    def __init__(self) -> None:
        self._representatives: dict[int, tuple[ServiceAccess, ServiceAccess]] = {}  # id -> (block, representative)
        self._by_actions: dict[int, list[ServiceAccess]] = {}
        self._overviews: dict[int, tuple[ServiceAccess, AccessOverview]] = {}
        self._service_records: dict[int, tuple[ServiceAccess, dict[str, Any]]] = {}

    def warm(self, principals: Iterable[PrincipalAccess]) -> None:
        """Every block's overview (the facts every format with principals reads), now."""
        overview = self.overview
        for p in principals:
            for service in p.services:
                overview(service)

    def representative(self, service: ServiceAccess) -> ServiceAccess:
        """An equal block: the first seen with the same fields and the same action objects (a hash of
        their ids is cheap; equal blocks made of other objects stay apart here)."""
        hit = self._representatives.get(id(service))
        if hit is None:
            key = hash((service.service, service.recorded_summary, service.recorded_top_level,
                        tuple(map(id, service.actions))))
            bucket = self._by_actions.setdefault(key, [])
            # == compares the actions tuples element by element, identical objects without a call
            same = next((other for other in bucket if other == service), None)
            if same is None:
                bucket.append(service)
                same = service
            hit = self._representatives[id(service)] = (service, same)
        return hit[1]

    def overview(self, service: ServiceAccess) -> AccessOverview:
        service = self.representative(service)
        hit = self._overviews.get(id(service))
        if hit is None:
            hit = self._overviews[id(service)] = (service, access_overview(service))
        return hit[1]

    def service_record(self, service: ServiceAccess) -> dict[str, Any]:
        """The JSON object of one service block, built once per representative and reused."""
        service = self.representative(service)
        hit = self._service_records.get(id(service))
        if hit is None:
            hit = self._service_records[id(service)] = (service, _service_record(service, self.overview(service)))
        return hit[1]


class ReportData:
    """One ScanResult as the reporters read it; what several formats derive is derived once.

    Lives for one `write_reports` call; `blocks` may come filled (BlockFacts.warm).
    """

    def __init__(self, result: ScanResult, blocks: BlockFacts | None = None) -> None:
        self.result = result
        self.blocks = BlockFacts() if blocks is None else blocks
        # The formats ask these per block, by the ten thousand: bound once, not delegated per call.
        self.representative = self.blocks.representative
        self.overview = self.blocks.overview
        self.service_record = self.blocks.service_record

    @functools.cached_property
    def findings(self) -> list[Finding]:
        return sorted_findings(self.result.findings)

    @functools.cached_property
    def resolved(self) -> list[Finding]:
        return sorted_findings(self.result.resolved)

    @functools.cached_property
    def principals(self) -> list[PrincipalAccess]:
        return sorted_principals(self.result.principals)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def sorted_principals(principals: Iterable[PrincipalAccess]) -> list[PrincipalAccess]:
    return sorted(principals, key=lambda p: (p.account_id, p.principal_arn))


def is_open(f: Finding) -> bool:
    return f.status is not Status.SUPPRESSED


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Open (unsuppressed) findings per severity, every severity present, most severe first."""
    counts = Counter(f.severity.label for f in findings if is_open(f))
    return {label: counts.get(label, 0) for label in SEVERITY_LABELS}
