"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}` `${?}` `${$}`.

Only a policy with Version 2012-10-17 has variables; in any other policy `${...}` is plain text
(AWS compares it literally, which is why POL003 warns about it). A template is parsed once into
parts; resolving it against a request context gives (text, wild) chunks: wild text keeps its
`*`/`?` pattern meaning, a variable's value never does (a user name cannot widen a Resource).
A variable whose key has no single value in the context (absent, or multivalued), with no default,
cannot be resolved: AWS then holds the whole statement invalid, so it applies to the request
neither as an Allow nor as a Deny. `resolve` answers None for such a template, and the matchers
check `resolvable` first, so that a NotResource or a negated operator does not read "matches
nothing" as "applies".
"""
from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from typing import Mapping

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# A key, then an optional default in quotes. Tag keys may hold spaces (`aws:PrincipalTag/cost
# center`): inside the key, not around it, where they are layout.
_KEY_AND_DEFAULT = re.compile(r"([^,\s']+(?: +[^,\s']+)*)\s*(?:,\s*'([^']*)')?")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}

Chunk = tuple[str, bool]  # (text, wild)


class PartKind(enum.Enum):
    PATTERN = "pattern"  # policy text: `*` and `?` are wildcards where the operator has them
    LITERAL = "literal"  # an escape such as ${*}: matched as the character itself
    VARIABLE = "variable"


@dataclass(frozen=True, slots=True)
class Part:
    kind: PartKind
    text: str  # the text, or the lower-cased context key of a variable
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    parts: tuple[Part, ...]
    keys: frozenset[str]  # context keys the template reads (lower case)
    required: frozenset[str] = frozenset()  # the keys of its variables that have no default

    @property
    def has_variables(self) -> bool:
        return bool(self.keys)

    def static_chunks(self) -> tuple[Chunk, ...]:
        """Chunks of a template without variables (escapes only)."""
        return tuple((p.text, p.kind is PartKind.PATTERN) for p in self.parts)


@functools.lru_cache(maxsize=32768)
def parse_template(text: str, variables_enabled: bool) -> Template:
    if not variables_enabled or "${" not in text:
        return Template(text, (Part(PartKind.PATTERN, text),), frozenset())
    parts: list[Part] = []
    keys: set[str] = set()
    pos = 0
    for m in _VARIABLE.finditer(text):
        if m.start() > pos:
            parts.append(Part(PartKind.PATTERN, text[pos : m.start()]))
        inner = m.group(1).strip()
        kv = _KEY_AND_DEFAULT.fullmatch(inner)
        if inner in _ESCAPES:
            parts.append(Part(PartKind.LITERAL, _ESCAPES[inner]))
        elif kv:
            key = kv.group(1).lower()
            keys.add(key)
            parts.append(Part(PartKind.VARIABLE, key, kv.group(2)))
        else:  # not a variable AWS would recognise: keep the text as written
            parts.append(Part(PartKind.PATTERN, m.group(0)))
        pos = m.end()
    if pos < len(text):
        parts.append(Part(PartKind.PATTERN, text[pos:]))
    required = frozenset(p.text for p in parts if p.kind is PartKind.VARIABLE and p.default is None)
    return Template(text, tuple(parts), frozenset(keys), required)


def variable_value(part: Part, context: Mapping[str, tuple[str, ...]]) -> str | None:
    values = context.get(part.text)
    # A multivalued key cannot stand in for one string; AWS documents variables as single-valued.
    if values and len(values) == 1:
        return values[0]
    return part.default


def resolvable(required: frozenset[str], context: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether every variable without a default (keys of `Template.required`) has its one value."""
    for key in required:
        values = context.get(key)
        if not values or len(values) != 1:  # as variable_value: absent, empty or multivalued
            return False
    return True


def resolve(template: Template, context: Mapping[str, tuple[str, ...]]) -> tuple[Chunk, ...] | None:
    """The template's chunks with variables filled in, or None when a variable cannot be."""
    chunks: list[Chunk] = []
    for part in template.parts:
        if part.kind is PartKind.VARIABLE:
            value = variable_value(part, context)
            if value is None:
                return None
            chunks.append((value, False))
        else:
            chunks.append((part.text, part.kind is PartKind.PATTERN))
    return tuple(chunks)


def chunks_text(chunks: tuple[Chunk, ...]) -> str:
    return "".join(text for text, _ in chunks)
