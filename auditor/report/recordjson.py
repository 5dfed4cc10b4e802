"""The one-line JSON of finding and principal records, put together from cached pieces.

The text is exactly what jsonfmt's compact encoder gives for `finding_record(f)` and
`principal_record(p)` (tests hold the two together), but a large report repeats most of its
strings thousands of times: the same action names, ARNs, remediation text, evidence statements and
per-service blocks. Each distinct value is escaped once and reused, so findings.json costs about
one string join per record instead of a full encoder walk over 300 MB of text.
"""
from __future__ import annotations

from json.encoder import encode_basestring  # the C escaper the compact encoder itself uses
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator

from auditor.model.access import PrincipalAccess, ServiceAccess
from auditor.model.finding import Finding
from auditor.report.jsonfmt import compact
from auditor.report.memo import TextMemo
from auditor.report.records import ENUM_TEXT, RECORD_FIELDS, ReportData

# Unique per finding: caching them would only fill the cache.
_UNIQUE = frozenset({"fingerprint", "message"})
_ENUMS = frozenset({"severity", "status", "policy_type"})
_LISTS = frozenset({"actions", "resources", "condition_keys"})


class JsonTexts(TextMemo):
    """String -> its compact JSON text, each distinct string escaped once per report."""

    def __init__(self) -> None:
        super().__init__(compact)

    def array(self, values: Iterable[str]) -> str:
        return "[" + ", ".join(map(self.__getitem__, values)) + "]"


def _template(keys: Iterable[str]) -> str:
    """`{"a": {}, "b": {}}` for str.format: the keys' own braces doubled."""
    return "{{" + ", ".join(compact(k).replace("{", "{{").replace("}", "}}") + ": {}" for k in keys) + "}}"


_FINDING_TEMPLATE = _template(RECORD_FIELDS)
_FINDING_GET = attrgetter(*RECORD_FIELDS)
_ENUM_JSON = {member: compact(text) for member, text in ENUM_TEXT.items()}


def _optional(value: Any) -> str:
    return "null" if value is None else compact(value)


def _finding_encoders(texts: JsonTexts) -> tuple[Callable[[Any], str], ...]:
    def evidence(pairs: tuple[tuple[str, str], ...]) -> str:
        get = texts.__getitem__
        return "[" + ", ".join(['{"key": ' + get(k) + ', "value": ' + get(v) + "}" for k, v in pairs]) + "]"

    def encoder(name: str) -> Callable[[Any], str]:
        if name in _UNIQUE:
            return _string
        if name in _ENUMS:
            return _ENUM_JSON.__getitem__
        if name in _LISTS:
            return texts.array
        if name == "evidence":
            return evidence
        if name in ("statement_index", "line", "column"):
            return _optional
        return texts.__getitem__

    return tuple(encoder(name) for name in RECORD_FIELDS)


def _string(value: Any) -> str:
    return encode_basestring(value) if type(value) is str else compact(value)


def finding_lines(findings: Iterable[Finding], texts: JsonTexts) -> Iterator[str]:
    """`compact(finding_record(f))` for each finding."""
    encoders = _finding_encoders(texts)
    fill = _FINDING_TEMPLATE.format
    for f in findings:
        yield fill(*[encode(v) for encode, v in zip(encoders, _FINDING_GET(f))])


_PRINCIPAL_HEAD = _template(("account_id", "principal_type", "principal_name", "principal_arn", "archetype",
                             "nearest_archetype", "excess", "services"))[:-2]  # open: extras may follow
_OPTIONAL_KEYS = {name: ", " + compact(name) + ": " for name in ("declared_archetype", "excess_scopes",
                                                                  "suggested_policy")}


def principal_lines(data: ReportData, texts: JsonTexts) -> Iterator[str]:
    """`compact(principal_record(p))` for each principal, sorted; each shared service block's text
    is made once."""
    blocks: dict[int, tuple[ServiceAccess, str]] = {}

    def block(service: ServiceAccess) -> str:
        hit = blocks.get(id(service))
        if hit is None:
            hit = blocks[id(service)] = (service, compact(data.service_record(service)))
        return hit[1]

    get = texts.__getitem__
    for p in data.principals:
        line = _PRINCIPAL_HEAD.format(
            get(p.account_id), get(p.principal_type), get(p.principal_name), get(p.principal_arn),
            get(p.archetype), get(p.nearest_archetype), texts.array(p.excess),
            "[" + ", ".join(map(block, p.services)) + "]",
        )
        yield line + "".join(_extras(p, texts)) + "}"


def _extras(p: PrincipalAccess, texts: JsonTexts) -> Iterator[str]:
    # As principal_record: only when set; tuples as lists.
    for name, key in _OPTIONAL_KEYS.items():
        value = getattr(p, name, None)
        if value:
            if isinstance(value, tuple):
                yield key + texts.array(value)
            else:
                yield key + (texts[value] if isinstance(value, str) else compact(value))
