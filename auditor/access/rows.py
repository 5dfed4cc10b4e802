"""ServiceAccess rows for the reports: one ActionAccess per allowed action of a principal."""
from __future__ import annotations

import bisect
from itertools import repeat
from operator import add, itemgetter
from typing import Iterable, Sequence

from auditor.access.grants import Grant, Outcome, Universe, gating_text
from auditor.model.access import SERVICES, ActionAccess, Reach, ServiceAccess


class RowBuilder:
    """Outcome -> ServiceAccess rows, one ActionAccess per allowed action.

    What does not depend on the principal's labels (where an action reaches, what gates it) is
    cached by the cells and statement answers behind it, which many principals share.
    """

    def __init__(self, u: Universe, services: Sequence[str] = SERVICES):
        self.u = u
        self.services = tuple(services)
        self._scopes: dict[frozenset[int], tuple[Reach, tuple[str, ...]]] = {}
        self._gates: dict[tuple, tuple[str, ...]] = {}
        self._tables: dict[tuple, dict[int, ActionAccess]] = {}
        self._protos: dict[tuple, dict[int, tuple | None]] = {}
        self._names = [(a.full, a.access_level.value) for a in u.actions]
        # The universe lists actions service by service: each service is one range of indices.
        self._bounds = [(min((i for i, a in enumerate(u.actions) if a.service == s), default=0),
                         max((i + 1 for i, a in enumerate(u.actions) if a.service == s), default=0))
                        for s in self.services]
        self._blocks: dict[tuple, ServiceAccess] = {}
        self._empty = tuple(self._block(s, ()) for s in self.services)

    def rows(self, outcome: Outcome) -> tuple[ServiceAccess, ...]:
        if not outcome.any:
            return self._empty
        grants = outcome.allows
        context = None if outcome.plain else (tuple(id(g.answer) for g in outcome.limits),
                                               tuple(id(g.answer) for g in outcome.denies),
                                               outcome.direct_free)
        found: dict[int, ActionAccess | None] = {}
        for signature, actions in _regions(grants).items():
            # Every action of a region is reached by the same grants: labels and keys once for all.
            covering = [grants[p] for p in signature]
            labels = tuple(dict.fromkeys(g.label for g in covering))
            answers = (tuple(id(g.answer) for g in covering), context)
            # A row depends only on these grants (and, when present, the boundary and Denies in
            # `context`): principals holding the same policies share the row objects.
            table = self._tables.setdefault((answers, labels), {})
            missing = actions - table.keys()
            if missing:
                self._fill(table, missing, covering, labels, answers, outcome)
            if len(table) == len(actions):
                found.update(table)  # the usual case: the same region as last time, copied in C
            else:
                found.update({a: table[a] for a in actions})
        # A million rows in a large account: the lookups below are made in C (filter, map).
        ordered = sorted(filter(found.__getitem__, found))  # None: an action the principal cannot reach
        row = found.__getitem__
        return tuple(self._block(s, tuple(map(row, ordered[bisect.bisect_left(ordered, lo):
                                                           bisect.bisect_left(ordered, hi)])))
                     for s, (lo, hi) in zip(self.services, self._bounds))

    def _block(self, service: str, actions: tuple[ActionAccess, ...]) -> ServiceAccess:
        """One ServiceAccess per distinct list of row objects: principals whose policies differ
        only in other services reach the same rows for this one and share its block, so the
        reports, which work out each block's overview and text once, meet fewer."""
        # Keyed by a hash of the rows' ids, not the ids themselves (a tuple of a hundred ints per
        # block: 10 MB at 20,000 principals); the kept block holds its rows, so their ids stay
        # theirs, and `==` on the same row objects compares identities only.
        key = (service, len(actions), hash(tuple(map(id, actions))))
        block = self._blocks.get(key)
        if block is None:
            block = self._blocks[key] = ServiceAccess(service, actions)
        elif block.actions != actions:  # another list with the same hash: not shared
            return ServiceAccess(service, actions)
        return block

    def _fill(self, table: dict, actions: Iterable[int], covering: list[Grant], labels: tuple[str, ...],
              answers: tuple, outcome: Outcome) -> None:
        protos = self._protos.setdefault(answers, {})
        actions = list(actions)
        for action in actions:
            if action not in protos:
                protos[action] = self._proto(action, covering, outcome)
        if None in map(protos.__getitem__, actions):  # actions the principal cannot reach: no row
            table.update(dict.fromkeys(a for a in actions if protos[a] is None))
            actions = [a for a in actions if protos[a] is not None]
        if not outcome.plain:
            # A Deny or boundary may cut a grant out of a row's cells: that row names only the grants
            # that reach them. Rows no grant is cut out of (nearly all) go on with the others.
            anys = [g.answer.any for g in covering]
            cut = [a for a in actions if any(map(protos[a][6].isdisjoint, anys))]
            if cut:
                for action in cut:
                    proto = protos[action]
                    via = tuple(dict.fromkeys(g.label for g, cells in zip(covering, anys)
                                              if not cells.isdisjoint(proto[6])))
                    table[action] = _NEW_TUPLE(ActionAccess, proto[:6] + (via,))
                actions = [a for a in actions if a not in table]
        # Every other row is its shared part plus the region's labels: made in C, a million rows in
        # a large account.
        rows = map(add, map(_FRONT, map(protos.__getitem__, actions)), repeat((labels,)))
        table.update(zip(actions, map(_NEW_TUPLE, repeat(ActionAccess), rows)))

    def _scope(self, action: int, cells: frozenset[int]) -> tuple[Reach, tuple[str, ...]]:
        found = self._scopes.get(cells)
        if found is None:
            if len(cells) == len(self.u.action_cells[action]):
                found = (Reach.ALL, ())
            else:
                found = (Reach.SOME, tuple(sorted({self.u.cells[i].target.scope for i in cells})))
            self._scopes[cells] = found
        return found

    def _proto(self, action: int, covering: list[Grant], outcome: Outcome) -> tuple | None:
        """A row but its labels (the fields before `via`, in order), then the cells it covers (None
        when only Allows are involved: then every covering grant reaches them)."""
        cells = outcome.any & self.u.action_cells[action]
        if not cells:
            return None
        conditional = cells.isdisjoint(outcome.yes)
        conditions = () if not conditional else (
            self._plain_gating(covering, action) if outcome.plain else gating_text(outcome, cells, covering))
        reach, resources = self._scopes.get(cells) or self._scope(action, cells)
        name, level = self._names[action]
        # The cells are needed only to tell which grants reach them, when a Deny or boundary may cut.
        return name, level, reach, resources, conditional, conditions, None if outcome.plain else cells

    def _plain_gating(self, covering: list[Grant], action: int) -> tuple[str, ...]:
        """With only Allows involved and none certain, every covering Allow's conditions gate."""
        if len(covering) == 1:
            return self._grant_gating(covering[0], action)
        return tuple(dict.fromkeys(t for g in covering for t in self._grant_gating(g, action)))

    def _grant_gating(self, grant: Grant, action: int) -> tuple[str, ...]:
        key = (id(grant.answer), action)
        found = self._gates.get(key)
        if found is None:
            cells = grant.answer.any & self.u.action_cells[action]
            found = gating_text(Outcome(cells, _NO_CELLS, (grant,)), cells)
            self._gates[key] = found
        return found


_NO_CELLS: frozenset[int] = frozenset()
_FRONT = itemgetter(slice(0, 6))  # a proto but its cells: the fields of a row before `via`
_NEW_TUPLE = tuple.__new__  # tuple.__new__(ActionAccess, fields): the row without a Python call


def _regions(grants: Sequence[Grant]) -> dict[tuple[int, ...], frozenset[int]]:
    """Actions split by which grants reach them: (grant positions) -> actions. A few set
    operations per grant instead of a dictionary update per (grant, action)."""
    regions: dict[tuple[int, ...], frozenset[int]] = {(): frozenset().union(*(g.answer.actions for g in grants))}
    for position, grant in enumerate(grants):
        reached = grant.answer.actions
        split: dict[tuple[int, ...], frozenset[int]] = {}
        for signature, actions in regions.items():
            inside = actions & reached
            if inside:
                split[signature + (position,)] = inside
            outside = actions - reached
            if outside:
                split[signature] = outside
        regions = split
    return regions
