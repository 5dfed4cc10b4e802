"""Strict reading of policy text: decoding, size and depth limits, duplicate keys, positions.

`json.loads` (C-accelerated) does the real parsing; duplicate keys are caught through
`object_pairs_hook`. Positions are computed by a small scanner only when asked for (lint, or a
document that has duplicate keys), so a large scan does not pay for them.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass

from auditor.model.policy import Position

MAX_DOCUMENT_BYTES = 1 << 20  # IAM's own limits are a few KiB; anything this large is hostile
MAX_LOCATE_DEPTH = 200


class DupDict(dict):
    """A dict that remembers the keys its JSON object repeated: [(key, [all values in order])]."""

    __slots__ = ("dups",)

    def __init__(self, pairs):
        super().__init__()
        dups = None
        for key, value in pairs:
            if key in self:
                if dups is None:
                    dups = {}
                dups.setdefault(key, [self[key]]).append(value)
            self[key] = value
        self.dups = list(dups.items()) if dups else None


def _pairs_hook(pairs):
    # Fast path: most objects have no repeated key, and a plain dict is cheaper to walk.
    if len({k for k, _ in pairs}) == len(pairs):
        return dict(pairs)
    return DupDict(pairs)


# URL-encoded JSON: an encoded `{` or `[`, after any encoded whitespace (a document that starts
# with a newline is `%0A%7B...`). Plain JSON text never starts with `%` or `+`.
_ENCODED_START = re.compile(r"((?:%20|%09|%0A|%0D|\+)*)%(?:7B|5B)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TextError:
    message: str
    position: Position | None = None


def decode_text(raw: str | bytes) -> tuple[str | None, TextError | None]:
    """Bytes or str to text: UTF-8 only, URL-decoded where IAM returned it URL-encoded."""
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > MAX_DOCUMENT_BYTES:
            return None, TextError(f"document is {len(raw):,} bytes, over the {MAX_DOCUMENT_BYTES:,}-byte limit")
        try:
            raw = bytes(raw).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, TextError(f"document is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
    if not isinstance(raw, str):
        return None, TextError(f"policy document is a {type(raw).__name__}, not text")
    if len(raw) > MAX_DOCUMENT_BYTES:
        return None, TextError(f"document is {len(raw):,} characters, over the {MAX_DOCUMENT_BYTES:,} limit")
    text = raw.lstrip("\ufeff")
    stripped = text.lstrip()
    encoded = _ENCODED_START.match(stripped)
    if encoded is not None:
        # A leading `+` is a space only in form encoding, which also writes every literal `+`
        # as %2B; IAM's RFC 3986 encoding keeps a literal `+` as it is.
        unquote = urllib.parse.unquote_plus if "+" in encoded.group(1) else urllib.parse.unquote
        try:
            text = unquote(stripped, errors="strict")
        except UnicodeDecodeError as exc:
            return None, TextError(f"URL-encoded document is not UTF-8 once decoded ({exc.reason})")
    return text, None


def json_length_over(document: object, limit: int = MAX_DOCUMENT_BYTES) -> int | None:
    """For an already-decoded document: a lower bound of its length as compact JSON text once
    that bound passes `limit`, else None. The text limit must hold for objects too (a 50 MB
    Resource string costs the same as in text), and the walk stops once it is over, having read
    at most about `limit` nodes; a usual policy is a few dozen."""
    total = 0
    stack = [document]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        kind = type(node)
        if kind is dict:
            total += 1 + 2 * len(node)  # braces, colons and commas
            if total > limit:  # before the loop: a million keys are over without reading them
                return total
            for key, value in node.items():
                total += len(key) + 2 if type(key) is str else 1
                if type(value) is str:  # most values: counted here, not pushed
                    total += len(value) + 2
                else:
                    push(value)
        elif kind is list:
            total += 1 + len(node)  # brackets and commas
            if total > limit:
                return total
            for value in node:
                if type(value) is str:
                    total += len(value) + 2
                else:
                    push(value)
        elif kind is str:
            total += len(node) + 2  # the quotes
        else:
            total += 1  # a number, true, false or null: at least one character
        if total > limit:
            return total
    return None


def loads_strict(text: str) -> tuple[object, TextError | None]:
    """Parse JSON text; on failure say where. Non-standard constants (NaN, Infinity) are refused."""

    def _reject_constant(name: str):
        raise ValueError(f"{name} is not valid JSON")

    try:
        return json.loads(text, object_pairs_hook=_pairs_hook, parse_constant=_reject_constant), None
    except json.JSONDecodeError as exc:
        return None, _decode_error(text, exc)
    except RecursionError:
        return None, TextError("document is nested too deeply to be a policy")
    except ValueError as exc:
        return None, TextError(str(exc))


def _decode_error(text: str, exc: json.JSONDecodeError) -> TextError:
    # Name the common authoring mistake instead of json's generic wording, and point at the comma
    # itself (json stops at the bracket after it, which may be lines further down).
    before = text[: exc.pos].rstrip()
    nxt = text[exc.pos : exc.pos + 1]
    if before.endswith(",") and nxt in ("]", "}"):
        comma = len(before) - 1
        line = text.count("\n", 0, comma) + 1
        return TextError(f"trailing comma before '{nxt}' (JSON allows none)",
                         Position(line, comma - text.rfind("\n", 0, comma)))
    return TextError(f"invalid JSON: {exc.msg}", Position(exc.lineno, exc.colno))


# ---------------------------------------------------------------------------------------------
# Positions


Path = tuple  # of str (object keys) and int (array indices)


@dataclass(frozen=True, slots=True)
class Locations:
    values: dict  # Path -> Position of the value's first character
    duplicates: dict  # (Path of object, key) -> tuple of Positions of every occurrence of the key

    def of(self, path: Path) -> Position | None:
        return self.values.get(tuple(path))


class _Scanner:
    __slots__ = ("text", "pos", "line", "line_start", "values", "dups")

    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.line = 1
        self.line_start = 0
        self.values: dict = {}
        self.dups: dict = {}

    def here(self) -> Position:
        return Position(self.line, self.pos - self.line_start + 1)

    def skip_ws(self) -> None:
        text, n = self.text, len(self.text)
        while self.pos < n and text[self.pos] in " \t\r\n":
            if text[self.pos] == "\n":
                self.line += 1
                self.line_start = self.pos + 1
            self.pos += 1

    def value(self, path: Path, depth: int) -> None:
        self.skip_ws()
        if self.pos >= len(self.text) or depth > MAX_LOCATE_DEPTH:
            raise ValueError("unexpected end")
        if depth <= MAX_LOCATE_DEPTH:
            self.values.setdefault(path, self.here())
        ch = self.text[self.pos]
        if ch == "{":
            self.pos += 1
            seen: dict[str, list[Position]] = {}
            while True:
                self.skip_ws()
                if self.text[self.pos] == "}":
                    self.pos += 1
                    break
                if self.text[self.pos] == ",":
                    self.pos += 1
                    continue
                key_pos = self.here()
                key = self.string()
                seen.setdefault(key, []).append(key_pos)
                self.skip_ws()
                self.pos += 1  # ':'
                self.value(path + (key,), depth + 1)
            for key, positions in seen.items():
                if len(positions) > 1:
                    self.dups[(path, key)] = tuple(positions)
        elif ch == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip_ws()
                if self.text[self.pos] == "]":
                    self.pos += 1
                    break
                if self.text[self.pos] == ",":
                    self.pos += 1
                    continue
                self.value(path + (index,), depth + 1)
                index += 1
        elif ch == '"':
            self.string()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]} \t\r\n":
                self.pos += 1

    def string(self) -> str:
        start = self.pos
        self.pos += 1
        text = self.text
        while text[self.pos] != '"':
            self.pos += 2 if text[self.pos] == "\\" else 1
        self.pos += 1
        return json.loads(text[start : self.pos])


def locate(text: str) -> Locations:
    """Positions of every value by path. Only call on text that `loads_strict` accepted."""
    scanner = _Scanner(text)
    try:
        scanner.value((), 0)
    except (ValueError, IndexError, RecursionError):
        pass  # positions are a convenience; a partial map is still useful
    return Locations(scanner.values, scanner.dups)
