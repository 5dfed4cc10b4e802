"""Condition operators: every family AWS documents, compiled once per clause into a test.

Missing-key rules (AWS "condition operators" page):
- a positive operator is false when the key is absent; a negated one (StringNotEquals,
  NotIpAddress, ArnNotLike, ...) is true;
- `...IfExists` is true when the key is absent;
- `ForAllValues:` is true when the key is absent or empty; `ForAnyValue:` is then false;
- `Null` tests presence: "true" means the key must be absent.
Several values in one clause are OR-ed; a negated operator means "matches none of them". A
single-valued operator given a multivalued context key behaves as ForAnyValue (positive) and as
"no value matches" (negated). A context value the family cannot read (a non-number for Numeric,
a non-IP for IpAddress, a non-ARN for Arn) makes the comparison fail both ways, never succeed.
A policy variable in a value that cannot be resolved (no value, no default) makes the statement
invalid to AWS: the clause is then false whatever the operator (negated, IfExists, or a list
where another value would match), so that neither an Allow nor a Deny applies.
"""
from __future__ import annotations

import base64
import binascii
import enum
import functools
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Mapping

from auditor.evaluate.matching import arn_source, compile_source, glob_source
from auditor.evaluate.variables import Chunk, Template, chunks_text, parse_template, resolvable, resolve
from auditor.model.policy import ConditionClause, SetOperator

Context = Mapping[str, tuple[str, ...]]
Predicate = Callable[[str], "bool | None"]  # None: the context value is not of the family's type


class Family(enum.Enum):
    STRING = "String"
    STRING_IGNORE_CASE = "StringIgnoreCase"
    STRING_LIKE = "StringLike"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class Compare(enum.Enum):
    EQ = "eq"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    family: Family
    negated: bool = False
    compare: Compare = Compare.EQ


def _ordered(prefix: str, family: Family) -> dict[str, OperatorSpec]:
    return {
        f"{prefix}Equals": OperatorSpec(family),
        f"{prefix}NotEquals": OperatorSpec(family, True),
        f"{prefix}LessThan": OperatorSpec(family, False, Compare.LT),
        f"{prefix}LessThanEquals": OperatorSpec(family, False, Compare.LE),
        f"{prefix}GreaterThan": OperatorSpec(family, False, Compare.GT),
        f"{prefix}GreaterThanEquals": OperatorSpec(family, False, Compare.GE),
    }


OPERATORS: dict[str, OperatorSpec] = {
    "StringEquals": OperatorSpec(Family.STRING),
    "StringNotEquals": OperatorSpec(Family.STRING, True),
    "StringEqualsIgnoreCase": OperatorSpec(Family.STRING_IGNORE_CASE),
    "StringNotEqualsIgnoreCase": OperatorSpec(Family.STRING_IGNORE_CASE, True),
    "StringLike": OperatorSpec(Family.STRING_LIKE),
    "StringNotLike": OperatorSpec(Family.STRING_LIKE, True),
    **_ordered("Numeric", Family.NUMERIC),
    **_ordered("Date", Family.DATE),
    "Bool": OperatorSpec(Family.BOOL),
    "BinaryEquals": OperatorSpec(Family.BINARY),
    "IpAddress": OperatorSpec(Family.IP),
    "NotIpAddress": OperatorSpec(Family.IP, True),
    # ArnEquals and ArnLike are the same operator to AWS: both take wildcards per segment.
    "ArnEquals": OperatorSpec(Family.ARN),
    "ArnLike": OperatorSpec(Family.ARN),
    "ArnNotEquals": OperatorSpec(Family.ARN, True),
    "ArnNotLike": OperatorSpec(Family.ARN, True),
    "Null": OperatorSpec(Family.NULL),
}
KNOWN_OPERATORS: frozenset[str] = frozenset(OPERATORS)
# Families whose values may hold policy variables (AWS: string and ARN comparisons).
_VARIABLE_FAMILIES = {Family.STRING, Family.STRING_IGNORE_CASE, Family.STRING_LIKE, Family.ARN}
_BOOLS = ("true", "false")

# ---------------------------------------------------------------------------------------------
# Literals


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def parse_number(text: str) -> float | None:
    """Decimal text only: `float()` alone would also take "nan" and "inf"."""
    text = text.strip()
    return float(text) if _NUMBER.fullmatch(text) else None


@functools.lru_cache(maxsize=8192)
def parse_date(text: str) -> float | None:
    """ISO 8601 (date, date-time, with or without zone: UTC if none) or epoch seconds."""
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


@functools.lru_cache(maxsize=8192)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _looks_like_arn(text: str) -> bool:
    return text.startswith("arn:") and text.count(":") >= 5


# ---------------------------------------------------------------------------------------------
# Predicates: does one context value match any of the clause's (resolved) values?


def _ordered_predicate(parse: Callable[[str], float | None], compare: Compare, values: tuple[str, ...]) -> Predicate:
    bounds = [b for b in (parse(v) for v in values) if b is not None]
    tests = {
        Compare.EQ: lambda x: any(x == b for b in bounds),
        Compare.LT: lambda x: any(x < b for b in bounds),
        Compare.LE: lambda x: any(x <= b for b in bounds),
        Compare.GT: lambda x: any(x > b for b in bounds),
        Compare.GE: lambda x: any(x >= b for b in bounds),
    }
    test = tests[compare]

    def predicate(value: str) -> bool | None:
        x = parse(value)
        return None if x is None else test(x)

    return predicate


def _regex_predicate(source: str, guard: Callable[[str], bool] | None = None) -> Predicate:
    if not source:
        return lambda value: False if guard is None or guard(value) else None
    fullmatch = compile_source(source).fullmatch

    def predicate(value: str) -> bool | None:
        if guard is not None and not guard(value):
            return None
        return fullmatch(value) is not None

    return predicate


@functools.lru_cache(maxsize=16384)
def _predicate(spec: OperatorSpec, resolved: tuple[tuple[Chunk, ...], ...]) -> Predicate:
    """Build the one-value test for resolved clause values (chunks: see auditor.evaluate.variables)."""
    family = spec.family
    if family is Family.STRING_LIKE:
        return _regex_predicate("|".join(f"(?:{glob_source(c)})" for c in resolved))
    if family is Family.ARN:
        return _regex_predicate("|".join(f"(?:{arn_source(c, ends_span=False)})" for c in resolved), _looks_like_arn)
    texts = tuple(chunks_text(c) for c in resolved)
    if family is Family.STRING or family is Family.BINARY:
        exact = frozenset(texts)
        return exact.__contains__
    if family is Family.STRING_IGNORE_CASE:
        folded = frozenset(t.lower() for t in texts)
        return lambda value: value.lower() in folded
    if family is Family.NUMERIC:
        return _ordered_predicate(parse_number, spec.compare, texts)
    if family is Family.DATE:
        return _ordered_predicate(parse_date, spec.compare, texts)
    if family is Family.BOOL:
        wanted = frozenset(t.lower() for t in texts)

        def boolean(value: str) -> bool | None:
            value = value.lower()
            return None if value not in _BOOLS else value in wanted

        return boolean
    if family is Family.IP:
        networks = tuple(n for n in (_parse_network(t) for t in texts) if n is not None)

        def in_networks(value: str) -> bool | None:
            address = _parse_ip(value)
            return None if address is None else any(address in n for n in networks)

        return in_networks
    raise ValueError(f"no predicate for {family}")  # Null is handled by its own test


# ---------------------------------------------------------------------------------------------
# Compiled clauses


@dataclass(frozen=True, slots=True)
class CompiledClause:
    clause: ConditionClause
    keys: frozenset[str]  # every context key the clause reads: its own and its variables'
    test: Callable[[Context], bool]

    def __call__(self, context: Context) -> bool:
        return self.test(context)


def _never(context: Context) -> bool:
    return False


def _null_test(key: str, values: tuple[str, ...]) -> Callable[[Context], bool]:
    wants = {v.lower() for v in values}
    want_absent, want_present = "true" in wants, "false" in wants

    def test(context: Context) -> bool:
        present = bool(context.get(key))
        return (want_absent and not present) or (want_present and present)

    return test


def _value_source(spec: OperatorSpec, templates: tuple[Template, ...]):
    """A function context -> Predicate, constant when no value holds a variable."""
    if not any(t.has_variables for t in templates):
        fixed = _predicate(spec, tuple(t.static_chunks() for t in templates))
        return None, fixed

    def dynamic(context: Context) -> Predicate:
        # Every variable resolves here: the clause's test checked it first (see _resolving).
        resolved = tuple(r for r in (resolve(t, context) for t in templates) if r is not None)
        return _predicate(spec, resolved)

    return dynamic, None


def _resolving(required: frozenset[str], test: Callable[[Context], bool]) -> Callable[[Context], bool]:
    """`test`, false whenever a variable without a default has no value: the statement is then
    invalid, and a negated operator must not read the missing value as "matches none"."""
    if not required:
        return test
    return lambda context: resolvable(required, context) and test(context)


@functools.lru_cache(maxsize=65536)
def compile_clause(clause: ConditionClause, variables_enabled: bool) -> CompiledClause:
    key = clause.key.lower()
    spec = OPERATORS.get(clause.base_operator)
    if spec is None or (clause.set_operator is SetOperator.NONE and ":" in clause.operator):
        return CompiledClause(clause, frozenset((key,)), _never)  # AWS would refuse the policy
    if spec.family is Family.NULL:
        return CompiledClause(clause, frozenset((key,)), _null_test(key, clause.values))
    uses_variables = variables_enabled and spec.family in _VARIABLE_FAMILIES
    templates = tuple(parse_template(v, uses_variables) for v in clause.values)
    keys = frozenset({key}.union(*(t.keys for t in templates)))
    dynamic, fixed = _value_source(spec, templates)
    negated, if_exists, set_op = spec.negated, clause.if_exists, clause.set_operator
    if if_exists or set_op is SetOperator.FOR_ALL_VALUES:
        absent = True
    elif set_op is SetOperator.FOR_ANY_VALUE:
        absent = False
    else:
        absent = negated

    def test(context: Context) -> bool:
        values = context.get(key)
        if not values:
            return absent
        predicate = fixed if dynamic is None else dynamic(context)
        if len(values) == 1:  # the usual case; the three forms below agree on one value
            result = predicate(values[0])
            return result is not None and result is not negated
        if set_op is SetOperator.FOR_ANY_VALUE:
            return any((r := predicate(v)) is not None and r is not negated for v in values)
        if set_op is SetOperator.FOR_ALL_VALUES or negated:
            return all((r := predicate(v)) is not None and r is not negated for v in values)
        return any(predicate(v) is True for v in values)

    required = frozenset().union(*(t.required for t in templates))
    return CompiledClause(clause, keys, _resolving(required, test))


def evaluate_clause(clause: ConditionClause, request_context: Context, variables_enabled: bool) -> bool:
    """True when the clause holds for the context (keys are matched case-insensitively)."""
    if any(k != k.lower() for k in request_context):
        request_context = {k.lower(): v for k, v in request_context.items()}
    return compile_clause(clause, variables_enabled)(request_context)


# ---------------------------------------------------------------------------------------------
# Validation (check POL008)


def _value_problem(family: Family, value: str) -> str | None:
    if family is Family.NUMERIC and parse_number(value) is None:
        return "is not a number"
    if family is Family.DATE and parse_date(value) is None:
        return "is not a date (ISO 8601 or epoch seconds)"
    if family in (Family.BOOL, Family.NULL) and value.lower() not in _BOOLS:
        return 'is not "true" or "false"'
    if family is Family.IP and _parse_network(value) is None:
        return "is not an IP address or CIDR block"
    if family is Family.BINARY:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return "is not base64"
    if family is Family.ARN and "${" not in value and value != "*":
        if not value.startswith("arn:"):
            return "is not an ARN"
        if value.count(":") < 5 and "*" not in value.rsplit(":", 1)[-1]:
            return f"has {value.count(':') + 1} of the 6 ARN segments"
    return None


def validate_clause(clause: ConditionClause) -> list[str]:
    """Problems AWS would reject or silently never match: one sentence each, naming the clause."""
    where = f"{clause.operator} {clause.key}"
    if clause.set_operator is SetOperator.NONE and ":" in clause.operator:
        prefix = clause.operator.split(":", 1)[0]
        return [f"{where}: unknown set operator {prefix!r} (ForAllValues or ForAnyValue)"]
    spec = OPERATORS.get(clause.base_operator)
    if spec is None:
        near = [op for op in KNOWN_OPERATORS if op.lower() == clause.base_operator.lower()]
        hint = f" (did you mean {near[0]}?)" if near else ""
        return [f"{where}: unknown condition operator {clause.base_operator!r}{hint}"]
    problems: list[str] = []
    if spec.family is Family.NULL:
        if clause.if_exists:
            problems.append(f"{where}: NullIfExists is not an operator (Null already tests whether the key exists)")
        if clause.set_operator is not SetOperator.NONE:
            problems.append(f"{where}: {clause.set_operator.value} cannot be combined with Null")
    if not clause.values:
        problems.append(f"{where}: no values, so the condition can never match")
    types = clause.value_types or ("string",) * len(clause.values)
    for value, kind in zip(clause.values, types):
        if kind == "null":
            problems.append(f"{where}: null is not a condition value")
            continue
        problem = _value_problem(spec.family, value)
        if problem:
            problems.append(f"{where}: {value!r} {problem}")
    return problems
