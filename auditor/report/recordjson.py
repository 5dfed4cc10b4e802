"""The one-line JSON of finding and principal records, put together from cached pieces.

The text is exactly what jsonfmt's compact encoder gives for `finding_record(f)` and
`principal_record(p)` (tests hold the two together), but a large report repeats most of its
strings thousands of times: the same action names, ARNs, remediation text, evidence statements and
per-service blocks. Each distinct value is escaped once and reused, so findings.json costs about
one string join per record instead of a full encoder walk over 300 MB of text.
"""
from __future__ import annotations

from json.encoder import encode_basestring  # the C escaper the compact encoder itself uses
from operator import attrgetter, call
from typing import Any, Callable, Iterable, Iterator

from auditor.model.access import PrincipalAccess, ServiceAccess
from auditor.model.finding import Finding
from auditor.report.jsonfmt import compact
from auditor.report.memo import TextMemo
from auditor.report.records import ENUM_TEXT, RECORD_FIELDS, ReportData, finding_record, principal_record

# Unique per finding: caching them would only fill the cache.
_UNIQUE = frozenset({"fingerprint", "message"})
_ENUMS = frozenset({"severity", "status", "policy_type"})
_LISTS = frozenset({"actions", "resources", "condition_keys"})


class JsonTexts(TextMemo):
    """String -> its compact JSON text, each distinct string escaped once per report; the texts of
    string tuples (as arrays) and of evidence pairs (as key/value objects) likewise, per tuple."""

    def __init__(self) -> None:
        super().__init__(compact)
        self.arrays = TextMemo(lambda values: "[" + ", ".join(map(self.__getitem__, values)) + "]")
        self.evidence = TextMemo(self._evidence)

    def _evidence(self, pairs: tuple[tuple[str, str], ...]) -> str:
        get = self.__getitem__
        return "[" + ", ".join(['{"key": ' + get(k) + ', "value": ' + get(v) + "}" for k, v in pairs]) + "]"


def _parts(keys: Iterable[str], closed: bool = True) -> list[str | None]:
    """`['{"a": ', None, ', "b": ', None, '}']`: the record's text once its values fill the gaps."""
    keys = list(keys)
    openings = ["{" + compact(keys[0]) + ": "] + [", " + compact(k) + ": " for k in keys[1:]]
    return [piece for key in openings for piece in (key, None)] + (["}"] if closed else [])


_FINDING_PARTS = _parts(RECORD_FIELDS)
_FINDING_VALUES = slice(1, len(_FINDING_PARTS), 2)
_FINDING_GET = attrgetter(*RECORD_FIELDS)
_ENUM_JSON = {member: compact(text) for member, text in ENUM_TEXT.items()}


def _optional(value: Any) -> str:
    # A whole number's JSON is its repr (bool, a subclass, is not one: it goes to the encoder).
    return "null" if value is None else repr(value) if type(value) is int else compact(value)


def _finding_encoders(texts: JsonTexts) -> tuple[Callable[[Any], str], ...]:
    """Per field, value -> its JSON text; C callables but for the three optional numbers. They
    expect the declared types and raise TypeError otherwise (see finding_lines)."""

    def encoder(name: str) -> Callable[[Any], str]:
        if name in _UNIQUE:
            return encode_basestring
        if name in _ENUMS:
            return _ENUM_JSON.__getitem__
        if name in _LISTS:
            return texts.arrays.__getitem__
        if name == "evidence":
            return texts.evidence.__getitem__
        if name in ("statement_index", "line", "column"):
            return _optional
        return texts.__getitem__

    return tuple(encoder(name) for name in RECORD_FIELDS)


def finding_lines(findings: Iterable[Finding], texts: JsonTexts) -> Iterator[str]:
    """`compact(finding_record(f))` for each finding."""
    encoders = _finding_encoders(texts)
    for f in findings:
        parts = _FINDING_PARTS.copy()
        try:
            parts[_FINDING_VALUES] = map(call, encoders, _FINDING_GET(f))
        except TypeError:  # a value not of its declared type (None for a text...): the encoder decides
            yield compact(finding_record(f))
            continue
        yield "".join(parts)


_PRINCIPAL_PARTS = _parts(("account_id", "principal_type", "principal_name", "principal_arn", "archetype",
                           "nearest_archetype", "excess", "services"), closed=False)  # extras may follow
_PRINCIPAL_VALUES = slice(1, len(_PRINCIPAL_PARTS), 2)
_OPTIONAL_KEYS = {name: ", " + compact(name) + ": " for name in ("declared_archetype", "excess_scopes",
                                                                  "suggested_policy")}


def principal_lines(data: ReportData, texts: JsonTexts) -> Iterator[str]:
    """`compact(principal_record(p))` for each principal, sorted; each shared service block's text
    is made once."""
    blocks: dict[int, tuple[ServiceAccess, str]] = {}

    def block(service: ServiceAccess) -> str:
        service = data.representative(service)
        hit = blocks.get(id(service))
        if hit is None:
            hit = blocks[id(service)] = (service, compact(data.service_record(service)))
        return hit[1]

    get = texts.__getitem__
    for p in data.principals:
        parts = _PRINCIPAL_PARTS.copy()
        try:
            parts[_PRINCIPAL_VALUES] = (
                get(p.account_id), get(p.principal_type), get(p.principal_name), get(p.principal_arn),
                get(p.archetype), get(p.nearest_archetype), texts.arrays[p.excess],
                "[" + ", ".join(map(block, p.services)) + "]",
            )
            parts.extend(_extras(p, texts))
        except TypeError:  # as in finding_lines
            yield compact(principal_record(p, data.service_record))
            continue
        parts.append("}")
        yield "".join(parts)


def _extras(p: PrincipalAccess, texts: JsonTexts) -> Iterator[str]:
    # As principal_record: only when set; tuples as lists.
    for name, key in _OPTIONAL_KEYS.items():
        value = getattr(p, name, None)
        if value:
            yield key
            yield texts.arrays[value] if isinstance(value, tuple) else texts[value] if isinstance(value, str) \
                else compact(value)
