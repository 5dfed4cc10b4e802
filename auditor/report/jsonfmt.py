"""Readable and fast JSON layout for reports.

`json.dumps(indent=2)` uses the pure-Python encoder, about 40x slower than the C one: 100,000
findings took a minute. Reports are indented as usual, except that each record of a large list
(a finding, a SARIF result, a principal) is one line written by the C encoder. That is fast, and
a diff of two reports shows one changed line per changed finding.
"""
from __future__ import annotations

import io
import json
from typing import Any, Callable, Collection, Iterable, TextIO

# No cycle check: report documents are trees built here, and the check costs a dict entry per container.
compact = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), check_circular=False).encode
INDENT = "  "
BATCH = 512  # records joined per write


class Records:
    """A record list produced while it is written: a large report never holds all its records.

    `lines` gives each record's compact JSON text (`compact(record)`); they are laid out like a
    list whose key is in `record_lists`, one record per line.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = lines


def dumps(document: Any, record_lists: Collection[str] = ()) -> str:
    """Deterministic text of `document` (UTF-8 text kept as is), ending with a newline.

    Lists stored under a key in `record_lists` get one compact element per line; other objects
    and lists of objects are indented by two spaces; lists of plain values stay on one line.
    """
    out = io.StringIO()
    write(document, out, record_lists)
    return out.getvalue()


def write(document: Any, out: TextIO, record_lists: Collection[str] = ()) -> None:
    """`dumps(document)` written to `out` piece by piece; `Records` values are consumed as they go."""
    _emit(document, 0, None, frozenset(record_lists), out.write)
    out.write("\n")


def _emit(value: Any, level: int, key: str | None, records: frozenset[str], write: Callable[[str], Any]) -> None:
    pad = INDENT * (level + 1)
    if isinstance(value, Records):
        _emit_records(value.lines, pad, INDENT * level, write)
    elif isinstance(value, dict) and value:
        write("{\n")
        last = len(value) - 1
        for i, (k, v) in enumerate(value.items()):
            write(pad + compact(k) + ": ")
            _emit(v, level + 1, k, records, write)
            write(",\n" if i < last else "\n")
        write(INDENT * level + "}")
    elif isinstance(value, list) and value and key in records:
        _emit_records(map(compact, value), pad, INDENT * level, write)
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        write("[\n")
        last = len(value) - 1
        for i, v in enumerate(value):
            write(pad)
            _emit(v, level + 1, None, records, write)
            write(",\n" if i < last else "\n")
        write(INDENT * level + "]")
    else:
        write(compact(value))


def _emit_records(lines: Iterable[str], pad: str, closing_pad: str, write: Callable[[str], Any]) -> None:
    """`[`, then one record's text per line, `]`; an empty list is `[]`."""
    separator = ",\n" + pad
    opened = False
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            write((separator if opened else "[\n" + pad) + separator.join(batch))
            opened, batch = True, []
    if batch:
        write((separator if opened else "[\n" + pad) + separator.join(batch))
        opened = True
    write("\n" + closing_pad + "]" if opened else "[]")
