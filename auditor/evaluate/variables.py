"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}` `${?}` `${$}`.

Only a policy with Version 2012-10-17 has variables; in any other policy `${...}` is plain text
(AWS compares it literally, which is why POL003 warns about it). A template is parsed once into
parts; resolving it against a request context gives (text, wild) chunks: wild text keeps its
`*`/`?` pattern meaning, a variable's value never does (a user name cannot widen a Resource).
A variable whose key is absent from the context, with no default, resolves to None: that value
then matches nothing.
"""
from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from typing import Mapping

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_AND_DEFAULT = re.compile(r"([^,\s']+)\s*(?:,\s*'([^']*)')?")
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
    return Template(text, tuple(parts), frozenset(keys))


def variable_value(part: Part, context: Mapping[str, tuple[str, ...]]) -> str | None:
    values = context.get(part.text)
    # A multivalued key cannot stand in for one string; AWS documents variables as single-valued.
    if values and len(values) == 1:
        return values[0]
    return part.default


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
