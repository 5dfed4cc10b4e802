"""Fast readers for one `simulate --batch` case line that keep the text of each policy.

The policy text is the cache key of the batch runner: keeping it costs nothing, while encoding a
decoded policy again would cost as much as decoding it. A policy text seen before is recognised
by comparing the line against it in place (one memcmp), without decoding it again: most cases of a
batch repeat the same few policies.

Two readers, tried in this order:
- `read_common`: the layout `json.dumps` (or a compact serialiser) writes, members in the
  documented order; it checks literal member names instead of walking the JSON, and leaves
  anything else (another order, other spacing, an unusual id) to the next reader.
- `CaseReader.read`: any object whose member names have no escapes. Anything unusual (escaped
  member names, not an object) makes it return None, and the caller falls back to json.loads.
"""
from __future__ import annotations

import json
import re
from typing import Any, Generic, TypeVar

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

V = TypeVar("V")


class KnownTexts(Generic[V]):
    """JSON object and string texts seen before, each with a value, found in place in a line.

    A complete JSON object or string cannot be a proper prefix of another JSON value, so a known
    text that the line continues with at `index` is the whole value there.
    """

    def __init__(self):
        self.buckets: dict[str, list[tuple[str, V]]] = {}  # by the first _PREFIX characters

    def find(self, text: str, index: int) -> tuple[str, V] | None:
        bucket = self.buckets.get(text[index : index + _PREFIX])
        if bucket is not None:
            for item in bucket:
                if text.startswith(item[0], index):
                    return item
        return None

    def add(self, raw: str, value: V) -> None:
        if len(self.buckets) >= _KNOWN_LIMIT:
            self.buckets.clear()
        bucket = self.buckets.setdefault(raw[:_PREFIX], [])
        bucket.insert(0, (raw, value))
        del bucket[_BUCKET:]

    def clear(self) -> None:
        self.buckets.clear()


class CaseReader:
    def __init__(self):
        self._known: KnownTexts[None] = KnownTexts()

    def _policy(self, text: str, index: int) -> tuple[Raw, int]:
        if text[index] == "{":
            known = self._known.find(text, index)
            if known is not None:
                return (known[0], None), index + len(known[0])
        value, end = _scan(text, index)
        raw = text[index:end]
        if type(value) is dict:
            self._known.add(raw, None)
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


# ---------------------------------------------------------------------------------------------
# The common layout


class _Layout:
    """Member separators and names as one serialiser writes them."""

    __slots__ = ("head", "comma", "identities", "resource_policy", "boundaries", "request",
                 "head_bytes", "request_bytes", "request_object")

    def __init__(self, comma: str, colon: str):
        self.head = '{"id"' + colon
        self.comma = comma
        self.identities = f'{comma}"identity_policies"{colon}['
        self.resource_policy = f'{comma}"resource_policy"{colon}'
        self.boundaries = f'{comma}"permission_boundaries"{colon}['
        self.request = f'{comma}"request"{colon}{{'
        self.head_bytes, self.request_bytes = self.head.encode(), self.request.encode()
        self.request_object = len(self.request_bytes) - 1  # from the member to its '{'


_SPACED = _Layout(", ", ": ")  # json.dumps
_COMPACT = _Layout(",", ":")  # JSON.stringify, jq -c, json.dumps(separators=(",", ":"))
# An id whose JSON text is also its output text: an integer as Python writes it back, or a
# string without escapes or control characters. Anything else goes the general way.
_ID_TEXT = r'(?:-?[1-9][0-9]{0,17}|0|"[^"\\\x00-\x1f]*")'
_ID = re.compile(_ID_TEXT + r"(?=[,}])").match
_WHOLE_ID = re.compile(_ID_TEXT).fullmatch
_LINE_ENDS = frozenset(("}", "}\n", "}\r\n"))
_JSON_BLANKS = " \t\n\r"
_SECTION_PROBE = 32  # characters from the middle of a section that, with its length, index it
_SECTION_BUCKET = 4


class Sections(Generic[V]):
    """The policy members of lines seen before, each with what the caller made of them.

    A line's section runs from after its id to its request: `"identity_policies": [...],
    "resource_policy": ..., "permission_boundaries": [...]`. Cases often repeat theirs whole. A
    section is found by its length and a slice from its middle (its beginning and end are the
    same member names in every line), then compared in place: no hash of a long text per line.
    It is kept as text and as UTF-8, so that a line read as bytes whose section is known is
    never decoded whole.
    """

    def __init__(self, limit: int):
        self._limit = limit
        # (length, probe) -> [(section, value)], most recent first; read_known reads by_bytes
        # directly (once per line: a method call would cost as much as the lookup).
        self.by_text: dict[tuple[int, str], list[tuple[str, V]]] = {}
        self.by_bytes: dict[tuple[int, bytes], list[tuple[bytes, V]]] = {}

    @staticmethod
    def key(line: Any, start: int, end: int) -> tuple[int, Any]:
        middle = start + ((end - start) >> 1)
        stop = middle + _SECTION_PROBE
        return end - start, line[middle : stop if stop < end else end]

    def find(self, line: str | bytes, start: int, end: int) -> V | None:
        """The value of the known section line[start:end]."""
        index = self.by_bytes if type(line) is bytes else self.by_text
        bucket = index.get(self.key(line, start, end))
        if bucket is not None:
            for section, value in bucket:
                if line.startswith(section, start):  # of the same length: the whole of it
                    return value
        return None

    def add(self, section: str, value: V) -> None:
        if len(self.by_text) >= self._limit:
            self.clear()
        encoded = section.encode()
        for index, text in ((self.by_text, section), (self.by_bytes, encoded)):
            bucket = index.setdefault(self.key(text, 0, len(text)), [])
            bucket.insert(0, (text, value))
            del bucket[_SECTION_BUCKET:]

    def clear(self) -> None:
        self.by_text.clear()
        self.by_bytes.clear()


# One policy of the line: the value `KnownTexts` holds for a text seen before, else the pair
# (text, decoded value): a tuple, which no known value is.
Slot = Any


def _policy_slot(text: str, index: int, buckets: dict) -> tuple[Slot, int]:
    """The policy whose text starts at `index` ('{' or '"'), and where it ends."""
    bucket = buckets.get(text[index : index + _PREFIX])  # KnownTexts.find, inlined: per policy
    if bucket is not None:
        for raw, value in bucket:
            if text.startswith(raw, index):
                return value, index + len(raw)
    value, end = _scan(text, index)
    return (text[index:end], value), end


def _policy_slots(text: str, index: int, comma: str, buckets: dict) -> tuple[list[Slot], int] | None:
    """The policies of the array whose '[' is just before `index`."""
    slots: list[Slot] = []
    if text[index] == "]":
        return slots, index + 1
    while True:
        if text[index] not in '{"':
            return None  # not a policy: the general path names the problem
        slot, index = _policy_slot(text, index, buckets)
        slots.append(slot)
        if text[index] == "]":
            return slots, index + 1
        if not text.startswith(comma, index):
            return None
        index += len(comma)


def _read_policies(text: str, index: int, layout: _Layout, buckets: dict):
    """(identity policies, resource policy, boundaries, end) of the optional policy members at
    `index`, in the documented order; None when they are not in the common layout."""
    identities: list[Slot] = []
    boundaries: list[Slot] = []
    resource_policy = None
    if text.startswith(layout.identities, index):
        read = _policy_slots(text, index + len(layout.identities), layout.comma, buckets)
        if read is None:
            return None
        identities, index = read
    if text.startswith(layout.resource_policy, index):
        index += len(layout.resource_policy)
        if text.startswith("null", index):
            index += 4
        elif text[index] in '{"':
            resource_policy, index = _policy_slot(text, index, buckets)
        else:
            return None
    if text.startswith(layout.boundaries, index):
        read = _policy_slots(text, index + len(layout.boundaries), layout.comma, buckets)
        if read is None:
            return None
        boundaries, index = read
    return identities, resource_policy, boundaries, index


def _closes(rest: str) -> bool:
    """Whether what follows the request closes the case object and ends the line."""
    return rest in _LINE_ENDS or (rest[:1] == "}" and not rest[1:].strip(_JSON_BLANKS))


def read_common(text: str, known: KnownTexts, sections: Sections) -> tuple[str, Any, Any, str | None] | None:
    """(id text, policies, request object, section) of a line in the common layout, or None for
    any other line. `policies` is the section's value in `sections` when it is known (`section`
    is then None); otherwise the tuple (identity policies, resource policy, boundaries) of Slots,
    with `section` the text under which the caller may remember them once resolved."""
    if text.startswith('{"id": '):
        layout = _SPACED
    elif text.startswith('{"id":'):
        layout = _COMPACT
    else:
        return None
    try:
        case_id = _ID(text, len(layout.head))
        if case_id is None:
            return None
        start = case_id.end()
        # Outside a JSON string (no raw quote is inside one) this text is the member "request"
        # of some object; the section read below must end exactly there. Sought from the end:
        # the request is the last member, and the section is the long part.
        end = text.rfind(layout.request)
        if end < start:
            return None
        section: str | None = None
        policies = sections.find(text, start, end)
        if policies is None:
            read = _read_policies(text, start, layout, known.buckets)
            if read is None or read[3] != end:
                return None
            policies, section = read[:3], text[start:end]
        request, index = _scan(text, end + len(layout.request) - 1)
        if text[index:] not in _LINE_ENDS and not _closes(text[index:]):
            return None
        return case_id.group(), policies, request, section
    except (StopIteration, ValueError, IndexError, RecursionError):
        return None


def read_known(line: bytes, sections: Sections) -> tuple[str, Any, dict] | None:
    """(id text, section value, request object) of a line given as UTF-8 in the common layout
    whose section is known, decoding only its id and request; None for any other line (the
    caller then decodes it whole and calls read_common)."""
    if line.startswith(b'{"id": '):
        layout = _SPACED
    elif line.startswith(b'{"id":'):
        layout = _COMPACT
    else:
        return None
    try:
        end = line.rfind(layout.request_bytes)
        head = len(layout.head_bytes)
        start = line.find(b",", head, end)  # the id's end (an id with a comma is not plain anyway)
        if start < 0 or end < 0:
            return None
        # Sections.find, inlined: this runs for nearly every line.
        size = end - start
        middle = start + (size >> 1)
        stop = middle + _SECTION_PROBE
        bucket = sections.by_bytes.get((size, line[middle : stop if stop < end else end]))
        if bucket is None:
            return None
        for section, policies in bucket:
            if line.startswith(section, start):
                break
        else:
            return None
        case_id = line[head:start]
        # bytes.isdigit: ASCII digits only (str.isdigit would take "٣", which JSON does not).
        if case_id.isdigit() and len(case_id) < 19 and (case_id[0] != 48 or len(case_id) == 1):  # 48: "0"
            case_id = case_id.decode()
        else:
            case_id = case_id.decode()
            if _WHOLE_ID(case_id) is None:
                return None
        text = line[end + layout.request_object :].decode()
        request, index = _scan(text, 0)
        if text[index:] not in _LINE_ENDS and not _closes(text[index:]):
            return None
        return case_id, policies, request
    except (StopIteration, ValueError, IndexError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
