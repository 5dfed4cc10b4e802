"""The string table of findings.html and the JSON text of index lists that point into it.

Indices are given in first-seen order, so the order in which rows are encoded fixes them: every
encoder adds strings strictly in document order (see html_data and html_access).
"""
from __future__ import annotations

from itertools import chain
from typing import Iterable


class StringTable(dict):
    """Text -> index, in first-seen order (a dict keeps it). A known text is a plain dict lookup in C;
    only a new one runs Python (`__missing__`)."""

    def __missing__(self, text: str) -> int:
        i = self[text] = len(self)
        return i

    def many(self, items: Iterable[str]) -> list[int]:
        return list(map(self.__getitem__, items))


class ListTexts(dict):
    """A tuple of strings -> the JSON text of their indices ("[3,17]"), made once per distinct tuple.

    `texts[items]` adds the strings the table lacks, in order; `known(items)` only looks, and is
    None while one of them is not in the table.
    """

    def __init__(self, strings: StringTable) -> None:
        super().__init__()
        self.strings = strings

    def _items(self, key: tuple) -> Iterable[str]:
        return key

    def __missing__(self, key: tuple) -> str:
        text = self[key] = "[" + ",".join(map(str, map(self.strings.__getitem__, self._items(key)))) + "]"
        return text

    def known(self, key: tuple) -> str | None:
        text = self.get(key)
        if text is None:
            indices = list(map(self.strings.get, self._items(key)))
            if None in indices:
                return None
            text = self[key] = "[" + ",".join(map(str, indices)) + "]"
        return text


class PairListTexts(ListTexts):
    """The same for a tuple of string pairs, flattened: (("k", "v"),) -> "[4,9]"."""

    def _items(self, key: tuple) -> Iterable[str]:
        return chain.from_iterable(key)
