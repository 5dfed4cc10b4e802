"""Normalise a policy document into the typed model, recording every problem as a ParseIssue.

Wrong types never raise: the offending element becomes an issue and, where AWS would refuse the
whole statement, the statement is left out of `Policy.statements` (it still shows in the issues).
"""
from __future__ import annotations

import functools
import json
from sys import intern
from typing import Any

from auditor.model.policy import (
    ConditionClause,
    DuplicateKey,
    Effect,
    ParseIssue,
    Policy,
    Position,
    PrincipalEntry,
    SetOperator,
    Statement,
)
from auditor.parse.jsontext import (
    MAX_DOCUMENT_BYTES, DupDict, Locations, decode_text, json_length_over, loads_strict, locate,
)

KNOWN_VERSIONS = ("2012-10-17", "2008-10-17")
TOP_LEVEL_KEYS = frozenset(("Version", "Id", "Statement"))
STATEMENT_KEYS = frozenset((
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
))
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")

MALFORMED = "POL011"
INVALID_JSON = "POL001"
INVALID_CONDITION = "POL008"


def parse_policy(raw: Any, *, with_positions: bool = False, source_length: int | None = None) -> Policy:
    """Parse policy text (str or bytes, possibly URL-encoded) or an already-decoded object.

    An already-decoded dict (offline GAAD files, where the AWS CLI decoded the text) is accepted,
    and marked `raw_text_available=False`: its duplicate keys were lost before we saw it.
    `source_length` bounds such an object's length as compact JSON, when the caller has a bound:
    the length of the text it was decoded from (no object is longer as compact JSON than its
    text), or twice its repr (see inventory_builder). Within the size limit the walk that
    measures the object is skipped.
    """
    if isinstance(raw, (str, bytes, bytearray)):
        text, err = decode_text(raw)
        if err is not None:
            return _unreadable(err.message, err.position, None)
        document, err = loads_strict(text)
        if err is not None:
            return _unreadable(err.message, err.position, text)
        has_dups = _has_dups(document)
        locations = locate(text) if with_positions or has_dups else None
        duplicates = _duplicates(document, locations) if has_dups else ()
        return _normalise(document, text, locations, duplicates, raw_text_available=True)
    oversized = None if source_length is not None and source_length <= MAX_DOCUMENT_BYTES else json_length_over(raw)
    if oversized is not None:
        # As for text: a document this large is hostile, and every finding would copy its values.
        return _unreadable(f"document is at least {oversized:,} characters as JSON, over the "
                           f"{MAX_DOCUMENT_BYTES:,} limit", None, None, raw_text_available=False)
    return _normalise(raw, None, None, (), raw_text_available=False)


@functools.lru_cache(maxsize=65536)
def parse_policy_cached(text: str) -> Policy:
    """Parse each distinct policy text once per process: principals share managed policies."""
    return parse_policy(text)


def _unreadable(message: str, position: Position | None, text: str | None, *,
                raw_text_available: bool = True) -> Policy:
    issue = ParseIssue(INVALID_JSON, message, None, position, fatal=True)
    return Policy(None, None, (), (issue,), (), text, raw_text_available)


def _has_dups(node: Any) -> bool:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item, DupDict) and item.dups:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _duplicates(document: Any, locations: Locations | None) -> tuple[DuplicateKey, ...]:
    """The repeated keys of the objects AWS reads (the document, its statements, their Principal
    or NotPrincipal, Condition and condition blocks), in document order. Only text decodes to
    DupDicts, and few texts repeat a key: this walk runs apart from normalising, for those only."""
    found: list[DuplicateKey] = []

    def note(obj: Any, path: tuple, index: int | None) -> None:
        if not isinstance(obj, DupDict) or not obj.dups:
            return
        for key, values in obj.dups:
            position = None
            if locations is not None:
                occurrences = locations.duplicates.get((path, key))
                position = occurrences[-1] if occurrences else None
            found.append(DuplicateKey(_path_text(path), key, values[-1], tuple(values[:-1]), index, position))

    if not isinstance(document, dict):
        return ()
    note(document, (), None)
    for index, raw, path in _statement_items(document.get("Statement")):
        if not isinstance(raw, dict):
            continue
        note(raw, path, index)
        if ("Principal" in raw) != ("NotPrincipal" in raw):  # both: the statement is refused as it is
            key = "Principal" if "Principal" in raw else "NotPrincipal"
            note(raw[key], path + (key,), index)
        condition = raw.get("Condition")
        if isinstance(condition, dict):
            where = path + ("Condition",)
            note(condition, where, index)
            for operator, block in condition.items():
                note(block, where + (operator,), index)
    return tuple(found)


def _statement_items(raw_statements: Any) -> list[tuple[int, Any, tuple]]:
    """(index, statement, path) of each element of a Statement that is an object or a list."""
    if isinstance(raw_statements, dict):
        return [(0, raw_statements, ("Statement",))]
    if isinstance(raw_statements, list):
        return [(i, s, ("Statement", i)) for i, s in enumerate(raw_statements)]
    return []


class _Builder:
    """Collects issues while one document is normalised."""

    def __init__(self, locations: Locations | None):
        self.locations = locations
        self.issues: list[ParseIssue] = []

    def pos(self, path: tuple) -> Position | None:
        return self.locations.of(path) if self.locations else None

    def issue(self, code: str, message: str, index: int | None, path: tuple, fatal: bool = False) -> None:
        self.issues.append(ParseIssue(code, message, index, self.pos(path), fatal))


def _path_text(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _normalise(document: Any, text: str | None, locations: Locations | None,
               duplicates: tuple[DuplicateKey, ...], raw_text_available: bool) -> Policy:
    b = _Builder(locations)
    if not isinstance(document, dict):
        b.issue(MALFORMED, f"a policy must be a JSON object, not {_json_type(document)}", None, (), fatal=True)
        return Policy(None, None, (), tuple(b.issues), (), text, raw_text_available)

    version = document.get("Version")
    if version is not None and not isinstance(version, str):
        b.issue(MALFORMED, f"Version must be a string, not {_json_type(version)}", None, ("Version",))
        version = None
    elif isinstance(version, str) and version not in KNOWN_VERSIONS:
        b.issue(MALFORMED, f"Version {version!r} is not one AWS accepts ({' or '.join(KNOWN_VERSIONS)})",
                None, ("Version",))
    policy_id = document.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        b.issue(MALFORMED, f"Id must be a string, not {_json_type(policy_id)}", None, ("Id",))
        policy_id = None
    if not TOP_LEVEL_KEYS.issuperset(document):
        for key in document:
            if key not in TOP_LEVEL_KEYS:
                b.issue(MALFORMED, f"unknown top-level element {key!r}", None, (key,))

    raw_statements = document.get("Statement")
    statements: list[Statement] = []
    if raw_statements is None:
        b.issue(MALFORMED, "the policy has no Statement element", None, (), fatal=True)
    else:
        if not isinstance(raw_statements, (dict, list)):
            b.issue(MALFORMED, f"Statement must be an object or a list, not {_json_type(raw_statements)}",
                    None, ("Statement",), fatal=True)
        for index, raw_statement, path in _statement_items(raw_statements):
            statement = _statement(b, index, raw_statement, path)
            if statement is not None:
                statements.append(statement)
    return Policy(
        version, policy_id, tuple(statements), tuple(b.issues), duplicates, text, raw_text_available
    )


_EFFECTS = {"Allow": Effect.ALLOW, "Deny": Effect.DENY}


def _statement(b: _Builder, index: int, raw: Any, path: tuple) -> Statement | None:
    if not isinstance(raw, dict):
        b.issue(MALFORMED, f"statement {index} must be an object, not {_json_type(raw)}", index, path, fatal=True)
        return None
    usable = True
    if not STATEMENT_KEYS.issuperset(raw):  # one C call for the usual statement
        for key in raw:
            if key not in STATEMENT_KEYS:
                b.issue(MALFORMED, f"statement {index}: unknown element {key!r}", index, path + (key,))

    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        b.issue(MALFORMED, f"statement {index}: Sid must be a string, not {_json_type(sid)}", index, path + ("Sid",))
        sid = None

    effect_raw = raw.get("Effect")
    effect = _EFFECTS.get(effect_raw) if isinstance(effect_raw, str) else None
    if effect is None:
        what = "is missing" if effect_raw is None else f"is {json.dumps(effect_raw)[:60]}, not \"Allow\" or \"Deny\""
        b.issue(MALFORMED, f"statement {index}: Effect {what}", index, path + ("Effect",), fatal=True)
        usable = False

    actions, not_action, ok = _either(b, index, raw, path, "Action", "NotAction", required=True)
    usable &= ok
    resources, not_resource, ok = _either(b, index, raw, path, "Resource", "NotResource", required=False)
    usable &= ok
    principals, not_principal, ok = _principals(b, index, raw, path)
    usable &= ok
    conditions, ok = _conditions(b, index, raw.get("Condition"), path + ("Condition",))
    usable &= ok
    if not usable:
        return None
    return Statement(
        index, sid, effect, actions or (), not_action, resources, not_resource,
        principals, not_principal, conditions, b.pos(path),
    )


def _string_list(value: Any) -> tuple[str, ...] | None:
    # Interned: thousands of documents repeat the same actions and ARNs, each decoded separately.
    if type(value) is str:
        return (intern(value),)
    if type(value) is not list:
        return (intern(value),) if isinstance(value, str) else None
    for v in value:  # a loop, not all(<generator>): this runs for every Action and Resource
        if type(v) is not str and not isinstance(v, str):
            return None
    return tuple(map(intern, value))


def _either(b: _Builder, index: int, raw: dict, path: tuple, name: str, negated: str, *, required: bool):
    has, has_not = name in raw, negated in raw
    if has and has_not:
        b.issue(MALFORMED, f"statement {index} has both {name} and {negated}", index, path, fatal=True)
        return None, False, False
    if not has and not has_not:
        if required:
            b.issue(MALFORMED, f"statement {index} has neither {name} nor {negated}", index, path, fatal=True)
            return None, False, False
        return None, False, True
    key = name if has else negated
    values = _string_list(raw[key])
    if values is None:
        b.issue(MALFORMED, f"statement {index}: {key} must be a string or a list of strings, "
                f"not {_json_type(raw[key])}", index, path + (key,), fatal=True)
        return None, False, False
    if not values:
        b.issue(MALFORMED, f"statement {index}: {key} is an empty list", index, path + (key,), fatal=True)
        return None, False, False
    return values, has_not, True


def _principals(b: _Builder, index: int, raw: dict, path: tuple):
    has, has_not = "Principal" in raw, "NotPrincipal" in raw
    if has and has_not:
        b.issue(MALFORMED, f"statement {index} has both Principal and NotPrincipal", index, path, fatal=True)
        return None, False, False
    if not has and not has_not:
        return None, False, True
    key = "Principal" if has else "NotPrincipal"
    value = raw[key]
    where = path + (key,)
    if value == "*":
        return (PrincipalEntry("*", "*"),), has_not, True
    if not isinstance(value, dict):
        b.issue(MALFORMED, f"statement {index}: {key} must be \"*\" or an object, not {_json_type(value)}",
                index, where, fatal=True)
        return None, False, False
    entries: list[PrincipalEntry] = []
    ok = True
    for kind, values in value.items():
        if kind not in PRINCIPAL_KINDS:
            b.issue(MALFORMED, f"statement {index}: unknown principal type {kind!r}", index, where + (kind,))
            ok = False
            continue
        strings = _string_list(values)
        if strings is None:
            b.issue(MALFORMED, f"statement {index}: {key}.{kind} must be a string or a list of strings",
                    index, where + (kind,), fatal=True)
            ok = False
            continue
        entries.extend(PrincipalEntry(kind, v) for v in strings)
    return tuple(entries), has_not, ok


def _scalar(value: Any) -> tuple[str, str] | None:
    if isinstance(value, bool):
        return ("true" if value else "false"), "bool"
    if isinstance(value, str):
        return value, "string"
    if isinstance(value, int):
        return str(value), "number"
    if isinstance(value, float):
        return repr(value), "number"
    if value is None:
        return "null", "null"
    return None


@functools.lru_cache(maxsize=1024)  # a few dozen operators, written the same way thousands of times
def split_operator(operator: str) -> tuple[SetOperator, str, bool]:
    """'ForAnyValue:StringLikeIfExists' -> (FOR_ANY_VALUE, 'StringLike', True)."""
    set_op = SetOperator.NONE
    rest = operator
    if ":" in operator:
        prefix, rest = operator.split(":", 1)
        set_op = {"forallvalues": SetOperator.FOR_ALL_VALUES, "foranyvalue": SetOperator.FOR_ANY_VALUE}.get(
            prefix.lower(), SetOperator.NONE
        )
        if set_op is SetOperator.NONE:
            rest = operator  # unknown prefix: keep the whole text so the checker names it
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    return set_op, base, if_exists


def _conditions(b: _Builder, index: int, raw: Any, path: tuple):
    if raw is None:
        return (), True
    if not isinstance(raw, dict):
        b.issue(MALFORMED, f"statement {index}: Condition must be an object, not {_json_type(raw)}",
                index, path, fatal=True)
        return (), False
    clauses: list[ConditionClause] = []
    ok = True
    for operator, block in raw.items():
        if not isinstance(block, dict):
            b.issue(INVALID_CONDITION, f"statement {index}: condition {operator} must map keys to values, "
                    f"not be {_json_type(block)}", index, path + (operator,), fatal=True)
            ok = False
            continue
        set_op, base, if_exists = split_operator(operator)
        for key, values in block.items():
            texts = _string_list(values)  # the usual case: strings only, taken as they are
            if texts is not None:
                types = ("string",) * len(texts)
            else:
                scalars = [_scalar(v) for v in (values if isinstance(values, list) else [values])]
                if any(s is None for s in scalars):
                    b.issue(INVALID_CONDITION, f"statement {index}: condition {operator} {key}: values must be "
                            "strings, numbers or booleans", index, path + (operator, key), fatal=True)
                    ok = False
                    continue
                texts, types = tuple(s[0] for s in scalars), tuple(s[1] for s in scalars)
            clauses.append(ConditionClause(operator, key, texts, base, if_exists, set_op, types))
    return tuple(clauses), ok



def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    return "null"
