"""The `access` table of findings.html: each distinct ServiceAccess block once, as JSON text.

A large account has tens of thousands of blocks (one per principal and service) but far fewer
distinct ones, and the distinct ones still hold close to a million action rows. Rows are made in C
from memos of their parts; only the rows that bring a new string are made one by one, adding it
to the string table in document order. Blocks are told apart by value through a hash of their
row text.
"""
from __future__ import annotations

from operator import add, attrgetter
from typing import Any, Callable

from auditor.model.access import Reach, ServiceAccess
from auditor.report.html_strings import ListTexts, StringTable
from auditor.report.records import ReportData

# An action's value with its reach as text: a tuple C can hash (an enum member hashes in Python).
_ACTION_VALUE = attrgetter("action", "access_level", "reach._value_", "resources", "conditional", "conditions",
                           "via")
_FRONT = attrgetter("action", "access_level", "reach._value_", "resources", "conditional", "conditions")
_VIA = attrgetter("via")
_REACH = attrgetter("reach._value_")
# A row is [action, level, reach, [resources], conditional, [conditions], [via]]: its two memoised
# parts carry its brackets ("[" + front + ",", via + "]"), so a row is one concatenation.
_NONE = Reach.NONE.value


def _value_hash(svc: ServiceAccess) -> int:
    """Equal blocks hash equal (the hash of what the dataclass compares, reach by its value)."""
    return hash((svc.service, svc.recorded_summary, svc.recorded_top_level, tuple(map(_ACTION_VALUE, svc.actions))))


class AccessTable:
    """Blocks by first appearance; `table(svc)` is its index. Principals that share their policies
    (most of a large account) share one access computation, so they point at the same entry. Each
    new entry's JSON goes to `emit` as soon as it is made.

    `strings` is the page's string table and `lists` the texts of index lists into it.
    """

    def __init__(self, strings: StringTable, lists: ListTexts, data: ReportData, emit: Callable[[str], Any]) -> None:
        self.strings = strings
        self.data = data
        self.emit = emit
        self.count = 0
        self._by_id: dict[int, int] = {}  # any block, and representatives (see ReportData.representative)
        self._by_hash: dict[int, list[tuple[ServiceAccess, int]]] = {}
        self._lists = lists
        self._fronts = _Known(self._front)
        self._vias = _Closed(lists)

    def _front(self, key: tuple[str, str, str, tuple[str, ...], bool, tuple[str, ...]], adding: bool) -> str | None:
        """"[action,level,reach,[resources],conditional,[conditions]," of a row, in that order."""
        action, level, reach, resources, conditional, conditions = key
        get = self.strings.__getitem__ if adding else self.strings.get
        texts = self._lists.__getitem__ if adding else self._lists.known
        parts = (get(action), get(level), get(reach), texts(resources), texts(conditions))
        return None if None in parts else "[{},{},{},{},{:d},{},".format(*parts[:4], conditional, parts[4])

    def __call__(self, svc: ServiceAccess) -> int:
        i = self._by_id.get(id(svc))
        if i is None:  # the result keeps svc alive: its id stays its own
            representative = self.data.representative(svc)
            i = self._by_id.get(id(representative))
            if i is None:
                i = self._by_id[id(representative)] = self._by_value(representative)
            self._by_id[id(svc)] = i
        return i

    def _by_value(self, svc: ServiceAccess) -> int:
        """The entry of a block equal to `svc`, made if there is none yet.

        Equal blocks have equal row texts, so the rows are made first (a block equal to an earlier
        one adds no string: the earlier one added them all) and their text is hashed with the block's
        other fields, in C. A block with unreached actions (not shipped, but part of its value)
        hashes its full value instead. The hash only finds candidates; `==` decides.
        """
        actions = svc.actions
        unreached = _NONE in map(_REACH, actions)
        if unreached:
            actions = tuple(a for a in actions if a.reach is not Reach.NONE)
        rows = self._rows(actions)
        key = _value_hash(svc) if unreached else hash((svc.service, svc.recorded_summary, svc.recorded_top_level,
                                                       rows))
        bucket = self._by_hash.setdefault(key, [])
        for other, i in bucket:
            if other == svc:
                return i
        i = self.count
        self.count += 1
        bucket.append((svc, i))
        # The block's own strings enter the table after its rows' (the order the page was first written in).
        get = self.strings.__getitem__
        facts = self.data.overview(svc)
        self.emit(f"[{get(svc.service)},{get(facts.summary)},{get(facts.top_level)},[{rows}]]")
        return i

    def _rows(self, actions: tuple[Any, ...]) -> str:
        """The rows' JSON, made in C from memos of their two parts: all but the grants (front: a few
        thousand distinct ones in a large account), and the grants (via), which vary the most.

        The front memo answers None while one of its strings is not in the table yet. When every
        front is known, only the grants can add strings, and one pass over them in row order adds
        them as the rows would have; otherwise (rarely) the rows are made one by one, in order.
        """
        fronts = list(map(self._fronts.__getitem__, map(_FRONT, actions)))
        vias = self._vias
        if None in fronts:
            closed = []
            for i, a in enumerate(actions):
                # A row's strings enter the table front first, then via.
                fronts[i] = fronts[i] or self._fronts.adding(_FRONT(a))
                closed.append(vias[a.via])
        else:
            closed = list(map(vias.__getitem__, map(_VIA, actions)))
        return ",".join(map(add, fronts, closed))


class _Closed(dict):
    """A tuple of strings -> the JSON text of their indices and the bracket that ends its row: "[3,17]]"."""

    def __init__(self, lists: ListTexts) -> None:
        super().__init__()
        self.lists = lists

    def __missing__(self, key: tuple) -> str:
        text = self[key] = self.lists[key] + "]"
        return text


class _Known(dict):
    """key -> JSON text of its part of a row. `known[key]` is None (and not kept) while one of its
    strings is not in the string table; `adding(key)` adds them, in order."""

    def __init__(self, make: Callable[[Any, bool], str | None]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> str | None:
        text = self.make(key, False)
        if text is not None:
            self[key] = text
        return text

    def adding(self, key: Any) -> str:
        text = self[key]
        if text is None:
            text = self[key] = self.make(key, True)
        return text
