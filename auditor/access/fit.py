"""Which documented example a principal's access fits, and by how much it exceeds the nearest.

An archetype's envelope is the set of cells its document allows, rendered with the ids this
principal reaches and evaluated by the same machinery as the principal itself; only-if answers
count as allowed (the envelope is the documented shape, conditions and all). The principal fits
an archetype when every cell it reaches lies inside the envelope.
"""
from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from auditor.access.archetypes import ARCHETYPES, RenderParams, condition_keys, render, uses_user
from auditor.access.grants import Inputs, Source, Universe, evaluate
from auditor.access.resources import TargetKind
from auditor.parse.policy import parse_policy

_ORDER = {name: i for i, name in enumerate(ARCHETYPES)}


@dataclass(frozen=True)
class Fit:
    empty: bool = True  # the principal reaches nothing in the audited services
    archetype: str = ""  # the smallest envelope containing the access
    nearest: str = ""  # when none contains it: the one with the smallest excess
    declared: str = ""  # what the config says the principal should be
    compared: str = ""  # what the excess is measured against (declared, else nearest)
    exceeds: bool = False
    excess_actions: tuple[str, ...] = ()
    excess_scopes: tuple[str, ...] = ()
    params: RenderParams | None = None
    needed: frozenset[int] = field(default=frozenset())  # access inside the compared envelope (when exceeding)


@dataclass(frozen=True, slots=True)
class Envelope:
    name: str
    cells: frozenset[int]
    statement_cells: tuple[frozenset[int], ...]  # per rendered statement: the cells it allows


class Matcher:
    """Envelopes are cached per (archetype, ids): principals reaching the same projects share them."""

    def __init__(self, u: Universe):
        self.u = u
        scope = u.scope
        projects = {arn: (region, app_id) for region, app_id, arn in scope.projects}
        identities = {arn: (region, name) for region, name, arn in scope.identities}
        # Per project, identity and region: its cells. A principal reaches thousands of cells but
        # at most a few hundred of these: each is tested once against what it reaches.
        by_project: dict[tuple[str, str], set[int]] = {}
        by_identity: dict[tuple[str, str], set[int]] = {}
        by_region: dict[str, set[int]] = {}
        for index, cell in enumerate(u.cells):
            target = cell.target
            if (project := projects.get(_project_prefix(target.arn))) is not None:
                by_project.setdefault(project, set()).add(index)
            if (identity := identities.get(target.arn)) is not None:
                by_identity.setdefault(identity, set()).add(index)
            if target.region and target.kind in (TargetKind.REAL, TargetKind.UNNAMED):
                by_region.setdefault(target.region, set()).add(index)
        self._projects = _sorted_cells(by_project)
        self._identities = _sorted_cells(by_identity)
        self._regions = _sorted_cells(by_region)
        self._envelopes: dict[tuple[str, RenderParams], Envelope] = {}
        self._fits: dict[tuple, Fit] = {}
        self._suggestions: dict[tuple, str] = {}
        self._keys = {name: condition_keys(name) for name in ARCHETYPES}

    # -- envelopes -----------------------------------------------------------------------------

    def params(self, reached: frozenset[int], user: str = "") -> RenderParams:
        scope = self.u.scope
        projects = tuple(p for p, cells in self._projects if not cells.isdisjoint(reached))
        identities = tuple(x for x, cells in self._identities if not cells.isdisjoint(reached))
        regions = tuple(r for r, cells in self._regions if not cells.isdisjoint(reached)) or scope.regions
        return RenderParams(scope.partition, scope.account_id, regions, projects, identities, user)

    def envelope(self, name: str, params: RenderParams) -> Envelope:
        key = (name, params)
        found = self._envelopes.get(key)
        if found is None:
            policy = parse_policy(render(name, params))
            outcome = evaluate(self.u, Inputs((Source(name, policy),)))
            per_statement = tuple(self.u.answer(st, policy.supports_variables).any & outcome.any
                                  for st in policy.statements)
            found = Envelope(name, outcome.any, per_statement)
            self._envelopes[key] = found
        return found

    # -- fitting -------------------------------------------------------------------------------

    def fit(self, reached: frozenset[int], keys: frozenset[str], declared: str = "") -> Fit:
        """`keys`: the condition keys of the principal's statements, to break ties between equals."""
        if not reached:
            return Fit(declared=declared)
        cache_key = (reached, keys, declared)
        found = self._fits.get(cache_key)
        if found is None:
            found = self._fit(reached, keys, declared)
            self._fits[cache_key] = found
        return found

    def _fit(self, reached: frozenset[int], keys: frozenset[str], declared: str) -> Fit:
        params = self.params(reached)
        envelopes = {name: self.envelope(name, params) for name in ARCHETYPES}

        def affinity(name: str) -> int:
            return -len(self._keys[name] & keys)

        containing = [n for n in ARCHETYPES if reached <= envelopes[n].cells]
        archetype = min(containing, key=lambda n: (len(envelopes[n].cells), affinity(n), _ORDER[n]), default="")
        nearest = ""
        if not archetype:
            nearest = min(ARCHETYPES, key=lambda n: (len(reached - envelopes[n].cells), len(envelopes[n].cells),
                                                     affinity(n), _ORDER[n]))
        compared = declared or archetype or nearest
        envelope = envelopes[compared]
        excess = reached - envelope.cells
        if not excess:
            return Fit(False, archetype, nearest, declared, compared)
        actions, scopes = self.describe(excess)
        return Fit(False, archetype, nearest, declared, compared, True, actions, scopes, params,
                   reached & envelope.cells)

    def describe(self, excess: frozenset[int]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Excess cells as action names and "action on scope" lines."""
        u = self.u
        by_action: dict[int, list[int]] = {}
        # Grouped in C: the universe numbers an action's cells together, so the sorted cells come
        # in runs of one action (a run met twice would still be merged).
        for action, run in itertools.groupby(sorted(excess), u.cell_action.__getitem__):
            by_action.setdefault(action, []).extend(run)
        lines: list[tuple[str, str]] = []
        for action, indices in by_action.items():
            name = u.actions[action].full
            if len(indices) == len(u.action_cells[action]):
                lines.append((name, f"{name} on all resources"))
            else:
                scopes = sorted({u.cells[i].target.scope for i in indices})
                lines.append((name, f"{name} on {', '.join(scopes)}"))
        lines.sort()
        return tuple(n for n, _ in lines), tuple(line for _, line in lines)

    # -- suggestion ----------------------------------------------------------------------------

    def suggest(self, fit: Fit, user: str) -> str:
        """The compared example with the account's real ids, keeping the statements that grant
        something the principal has: what it needs from that example and nothing beyond it."""
        if fit.params is None or not fit.needed:
            return ""
        key = (fit.compared, fit.params, fit.needed, user if uses_user(fit.compared) else "")
        found = self._suggestions.get(key)
        if found is None:
            envelope = self.envelope(fit.compared, fit.params)
            doc = render(fit.compared, dataclasses.replace(fit.params, user=key[3]))
            kept = [st for st, cells in zip(doc["Statement"], envelope.statement_cells) if cells & fit.needed]
            found = json.dumps({"Version": doc["Version"], "Statement": kept}, indent=2)
            self._suggestions[key] = found
        return found


def _sorted_cells(by_value: dict) -> tuple[tuple[Any, frozenset[int]], ...]:
    return tuple((value, frozenset(cells)) for value, cells in sorted(by_value.items()))


def _project_prefix(arn: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[2] != "mobiletargeting" or not parts[5].startswith("apps/"):
        return ""
    app = parts[5].split("/", 2)[1]
    return f"{':'.join(parts[:5])}:apps/{app}"


def gating_keys(u: Universe, inputs: Inputs) -> frozenset[str]:
    keys: set[str] = set()
    for source in inputs.identity:
        for st in u.relevant(source.policy):
            keys.update(c.key.lower() for c in st.conditions)
    for rs in inputs.resource:
        keys.update(c.key.lower() for c in rs.statement.conditions)
    return frozenset(keys)
