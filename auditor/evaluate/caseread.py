"""A fast reader for one `simulate --batch` case line that keeps the text of each policy.

The policy text is the cache key of the batch runner: keeping it costs nothing, while encoding a
decoded policy again would cost as much as decoding it. A policy text seen before is recognised
by comparing the line against it in place (one memcmp), without decoding it again: most cases of a
batch repeat the same few policies. Anything unusual (escaped member names, not an object) makes
`read` return None, and the caller falls back to json.loads.
"""
from __future__ import annotations

import json
import re
from typing import Any

# A policy read with its own text is kept as the tuple (text, value); value is None when the
# text was recognised without decoding. JSON decodes to no tuple, so the pair cannot be confused
# with a policy that came through json.loads.
Raw = tuple[str, Any]
_scan = json.JSONDecoder().scan_once  # the C scanner: (value, end) for the JSON value at an index
_BLANK = r"[ \t\n\r]*"
# The opening brace and first member name (without escapes), or an empty object; then after each
# value, the next member name or the closing brace at the end of the line: one match per member.
_FIRST = re.compile(rf'{_BLANK}\{{{_BLANK}(?:"([^"\\]*)"{_BLANK}:{_BLANK}|(\}}){_BLANK}\Z)').match
_NEXT = re.compile(rf'{_BLANK}(?:,{_BLANK}"([^"\\]*)"{_BLANK}:{_BLANK}|(\}}){_BLANK}\Z)').match
_ITEM = re.compile(rf"{_BLANK}(?:,{_BLANK}|(\]))").match  # after an array element
_LIST_START = re.compile(rf"\[{_BLANK}(\])?").match
POLICY_LISTS = frozenset(("identity_policies", "permission_boundaries"))
POLICY_MEMBERS = frozenset(("resource_policy",))
_PREFIX = 96  # characters that index known texts
_BUCKET = 8  # known texts kept per prefix, most recent first
_KNOWN_LIMIT = 50_000


class CaseReader:
    def __init__(self):
        self._known: dict[str, list[str]] = {}

    def _remember(self, raw: str) -> None:
        if len(self._known) >= _KNOWN_LIMIT:
            self._known.clear()
        bucket = self._known.setdefault(raw[:_PREFIX], [])
        bucket.insert(0, raw)
        del bucket[_BUCKET:]

    def _policy(self, text: str, index: int) -> tuple[Raw, int]:
        if text[index] == "{":
            # A complete JSON value cannot be a proper prefix of another: a match is the value.
            for known in self._known.get(text[index : index + _PREFIX], ()):
                if text.startswith(known, index):
                    return (known, None), index + len(known)
        value, end = _scan(text, index)
        raw = text[index:end]
        if type(value) is dict:
            self._remember(raw)
        return (raw, value), end

    def _policy_list(self, text: str, index: int) -> tuple[list[Raw], int]:
        """The JSON array at `index` (its '['), element by element."""
        start = _LIST_START(text, index)
        if start.group(1):
            return [], start.end()
        items: list[Raw] = []
        index = start.end()
        while True:
            item, index = self._policy(text, index)
            items.append(item)
            after = _ITEM(text, index)
            if after is None:
                raise ValueError("expected , or ]")
            index = after.end()
            if after.group(1):
                return items, index

    def read(self, text: str) -> dict | None:
        """The case object, policies as Raw pairs; None when the line needs json.loads."""
        try:
            member = _FIRST(text)
            case: dict[str, Any] = {}
            while member is not None:
                if member.group(2):
                    return case
                key, index = member.group(1), member.end()
                if key in POLICY_LISTS and text[index] == "[":
                    case[key], index = self._policy_list(text, index)
                elif key in POLICY_MEMBERS and text[index] in '{"':
                    case[key], index = self._policy(text, index)
                else:
                    case[key], index = _scan(text, index)
                member = _NEXT(text, index)
            return None
        except (StopIteration, ValueError, IndexError, RecursionError):
            return None
