"""A bounded per-report memo of derived text: large reports repeat most of their values."""
from __future__ import annotations

from typing import Any, Callable

MEMO_CHARS = 32 << 20  # derived text kept per memo; beyond it values are derived each time


class TextMemo(dict):
    """value -> make(value). A repeated value is one dict lookup in C (`memo[value]`, or
    `map(memo.__getitem__, values)`); only a new one runs Python. Keys must not mix types that
    compare equal (1 and True): give each memo one kind of value."""

    def __init__(self, make: Callable[[Any], str], limit: int = MEMO_CHARS) -> None:
        super().__init__()
        self.make = make
        self.room = limit

    def __missing__(self, value: Any) -> str:
        text = self.make(value)
        if self.room > 0:
            self.room -= len(text)
            self[value] = text
        return text
