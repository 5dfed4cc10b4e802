"""The data block of findings.html: compact enough that 100,000 findings stay a few tens of MB.

Every repeated string (ARNs, names, actions, statement text...) is stored once in a string table
and referred to by index; findings and principals are positional arrays whose layout the page's
script reads from `columns`. The script renders rows lazily, so the page never holds a DOM node
per finding.
"""
from __future__ import annotations

import functools
import json
from operator import attrgetter
from typing import Any, Callable, Iterable

from auditor.iam.arns import split_arn
from auditor.model.access import SERVICE_LABELS, ActionAccess, PrincipalAccess, Reach, ServiceAccess
from auditor.model.finding import Finding
from auditor.model.result import ScanResult
from auditor.report.records import ENUM_TEXT, sorted_findings, sorted_principals

# Finding fields in the order the script reads them. `services` is derived (actions and ARNs).
FINDING_COLUMNS: tuple[str, ...] = (
    "fingerprint", "check_id", "severity", "message", "account_id", "region", "resource_type", "resource_arn",
    "principal_type", "principal_name", "principal_arn", "policy_name", "policy_arn", "policy_type",
    "statement_index", "statement_sid", "actions", "resources", "condition_keys", "status", "suppressed_by",
    "file", "line", "column", "evidence", "services",
)
PRINCIPAL_COLUMNS: tuple[str, ...] = (
    "account_id", "principal_type", "principal_name", "principal_arn", "archetype", "nearest_archetype",
    "excess", "services", "suggested_policy", "declared_archetype", "excess_scopes",
)
# Stored as they are: unique per finding, so a table entry would only add an index.
_RAW = frozenset({"fingerprint", "message"})


class StringTable:
    def __init__(self) -> None:
        self.strings: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        i = self._index.get(text)
        if i is None:
            i = self._index[text] = len(self.strings)
            self.strings.append(text)
        return i

    def many(self, items: Iterable[str]) -> list[int]:
        return [self(t) for t in items]


def finding_services(f: Finding) -> tuple[str, ...]:
    """Services a finding is about: its actions' prefixes, else its resource's service."""
    return _services(f.actions, f.resource_arn, f.resources)


@functools.lru_cache(maxsize=65536)
def _services(actions: tuple[str, ...], resource_arn: str, resources: tuple[str, ...]) -> tuple[str, ...]:
    names = {a.split(":", 1)[0].lower() for a in actions if ":" in a}
    if not names:
        for arn in (resource_arn, *resources):
            parts = split_arn(arn)
            if parts is not None and parts.service:
                names.add(parts.service)
    names.discard("*")
    return tuple(sorted(names))


def _column_encoder(name: str, s: StringTable) -> Callable[[Any], Any]:
    if name in _RAW:
        return _same
    if name == "severity":
        return int
    if name in ("statement_index", "line", "column"):
        return _same
    if name == "evidence":
        return lambda pairs: [s(part) for pair in pairs for part in pair]
    if name in ("actions", "resources", "condition_keys"):
        return s.many
    if name in ("status", "policy_type"):
        return lambda member: s(ENUM_TEXT[member])
    return s


def _same(value: Any) -> Any:
    return value


_STORED = FINDING_COLUMNS[:-1]  # all but the derived `services`
_ROW_GET = attrgetter(*_STORED)


def _finding_rows(findings: Iterable[Finding], s: StringTable) -> list[list[Any]]:
    encoders = [_column_encoder(n, s) for n in _STORED]
    rows = []
    for f in sorted_findings(findings):
        row = [encode(v) for encode, v in zip(encoders, _ROW_GET(f))]
        row.append(s.many(finding_services(f)))
        rows.append(row)
    return rows


class AccessTable:
    """Distinct ServiceAccess blocks, each encoded once: principals that share their policies (most
    of a large account) share one access computation, so they point at the same entry."""

    def __init__(self, s: StringTable) -> None:
        self.s = s
        self.rows: list[list[Any]] = []
        self._by_id: dict[int, int] = {}
        self._by_value: dict[ServiceAccess, int] = {}
        # Action rows recur across access blocks (same action, level, reach and grant): encode each once.
        self._actions: dict[ActionAccess, list[Any]] = {}

    def __call__(self, svc: ServiceAccess) -> int:
        i = self._by_id.get(id(svc))
        if i is None:
            i = self._by_value.get(svc)
            if i is None:
                i = self._by_value[svc] = len(self.rows)
                self.rows.append(self._encode(svc))
            self._by_id[id(svc)] = i  # the result keeps svc alive, so its id stays its own
        return i

    def _encode(self, svc: ServiceAccess) -> list[Any]:
        s = self.s
        encoded = self._actions
        rows = []
        for a in svc.actions:
            if a.reach is Reach.NONE:
                continue
            row = encoded.get(a)
            if row is None:
                row = encoded[a] = [s(a.action), s(a.access_level), s(a.reach.value), s.many(a.resources),
                                    int(a.conditional), s.many(a.conditions), s.many(a.via)]
            rows.append(row)
        return [s(svc.service), s(svc.summary), s(svc.top_level), rows]


def _principal_row(p: PrincipalAccess, s: StringTable, access: AccessTable) -> list[Any]:
    suggested = getattr(p, "suggested_policy", None)
    if suggested is not None and not isinstance(suggested, str):
        suggested = json.dumps(suggested, indent=2, ensure_ascii=False)
    return [
        s(p.account_id), s(p.principal_type), s(p.principal_name), s(p.principal_arn), s(p.archetype),
        s(p.nearest_archetype), s.many(p.excess), [access(svc) for svc in p.services],
        s(suggested) if suggested else None,
        s(getattr(p, "declared_archetype", "") or ""),
        s.many(getattr(p, "excess_scopes", ()) or ()),
    ]


def page_data(result: ScanResult) -> dict[str, Any]:
    s = StringTable()
    checks: dict[str, dict[str, str]] = {}
    for f in (*result.findings, *result.resolved):
        checks.setdefault(f.check_id, {"name": f.check_name, "title": f.title, "remediation": f.remediation,
                                       "doc_url": f.doc_url})
    findings = _finding_rows(result.findings, s)
    resolved = _finding_rows(result.resolved, s)
    access = AccessTable(s)
    principals = [_principal_row(p, s, access) for p in sorted_principals(result.principals)]
    return {
        "columns": list(FINDING_COLUMNS),
        "principal_columns": list(PRINCIPAL_COLUMNS),
        "service_labels": SERVICE_LABELS,
        "checks": dict(sorted(checks.items())),
        "strings": s.strings,
        "findings": findings,
        "resolved": resolved,
        "principals": principals,
        "access": access.rows,
    }


def embed_json(data: Any) -> str:
    """JSON that cannot end its <script> element early: `<`, `>` and `&` become \\u escapes, so no
    `</script>` or `<!--` can appear, and U+2028/2029 are escaped for older parsers."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
