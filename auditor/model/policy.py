"""The policy language model: small, typed and immutable.

A Policy is produced once by `auditor.parse` and then shared by every principal that attaches it.
Nothing here knows about JSON text or AWS; positions and parse problems are carried as data.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from auditor.model.slotinit import slot_init


class Effect(enum.Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class PolicyKind(enum.Enum):
    """What the document is used as; decides which elements are legal."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"


class SetOperator(enum.Enum):
    NONE = ""
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@slot_init
@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One `operator: {key: values}` entry of a Condition block."""

    operator: str  # as written, e.g. "ForAnyValue:StringEqualsIfExists"
    key: str  # as written; compare with `key_lower`
    values: tuple[str, ...]  # JSON scalars rendered as strings ("true", "42")
    base_operator: str  # "StringEquals", "Null", ... (no prefix, no IfExists)
    if_exists: bool
    set_operator: SetOperator
    value_types: tuple[str, ...] = ()  # JSON type of each value: "string", "number", "bool", "null"

    @property
    def key_lower(self) -> str:
        return self.key.lower()


@slot_init
@dataclass(frozen=True, slots=True)
class PrincipalEntry:
    """One principal value: kind is "AWS", "Service", "Federated", "CanonicalUser" or "*"."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A JSON object that repeats a key: parsers (and AWS) keep the last value."""

    path: str  # e.g. "Statement[1].Condition"
    key: str
    kept: object
    dropped: tuple[object, ...]
    statement_index: int | None
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A problem found while reading or normalising a document.

    `code` is the check id that reports it (POL001 invalid JSON, POL008 invalid condition, ...).
    """

    code: str
    message: str
    statement_index: int | None = None
    position: Position | None = None
    fatal: bool = False  # the document (or statement) could not be used at all


@slot_init
@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...]  # Action or NotAction values
    not_action: bool
    resources: tuple[str, ...] | None  # None when neither Resource nor NotResource is present
    not_resource: bool
    principals: tuple[PrincipalEntry, ...] | None  # None when no Principal/NotPrincipal
    not_principal: bool
    conditions: tuple[ConditionClause, ...]
    position: Position | None = None

    @property
    def label(self) -> str:
        return f"#{self.index}" + (f" ({self.sid})" if self.sid else "")

    @property
    def condition_keys(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for clause in self.conditions:
            seen.setdefault(clause.key, None)
        return tuple(seen)

    @property
    def is_conditional(self) -> bool:
        return bool(self.conditions)


@slot_init
@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy document. `statements` holds only the statements that could be used."""

    version: str | None
    policy_id: str | None
    statements: tuple[Statement, ...]
    issues: tuple[ParseIssue, ...] = ()
    duplicates: tuple[DuplicateKey, ...] = ()
    raw_text: str | None = field(default=None, repr=False, compare=False)
    # The text was already decoded by someone else (offline GAAD): duplicates cannot be seen.
    raw_text_available: bool = True

    @property
    def usable(self) -> bool:
        return not any(i.fatal and i.statement_index is None for i in self.issues)

    @property
    def supports_variables(self) -> bool:
        return self.version == "2012-10-17"
