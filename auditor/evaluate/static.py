"""Three-valued matching for checks that have no concrete request.

A statement matches an action and a concrete resource ARN YES, NO, or CONDITIONAL ("only if"):
conditions on keys the caller does not know, and Resource or NotResource patterns holding a policy
variable the caller does not know, make it CONDITIONAL, and the gating clauses travel with the
answer so a finding can name them. Only-if is never collapsed into NO. A variable known to have no
value (and no default) makes the statement invalid to AWS: NO, for an Allow and a Deny alike.

`known_context` holds what is known about every request the caller has in mind (keys are
case-insensitive). A key mapped to an empty tuple is known to be ABSENT (for example
`aws:SourceAccount` on a user's own calls): its clauses are evaluated with the key missing.
Principal elements are not considered here: static analysis asks what the policies grant to the
identity they are attached to.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from auditor.evaluate.compiled import CompiledStatement, Tri, compiled_policy, compiled_statement
from auditor.model.policy import ConditionClause, Effect, Policy, Statement

__all__ = ["Tri", "StaticMatch", "StaticAccess", "resource_named_by", "statement_matches", "static_access"]

Known = Mapping[str, tuple[str, ...]]
_EMPTY: Known = {}


@dataclass(frozen=True, slots=True)
class StaticMatch:
    tri: Tri
    conditions: tuple[ConditionClause, ...]  # the gating clauses when CONDITIONAL


@dataclass(frozen=True, slots=True)
class StaticAccess:
    tri: Tri
    allows: tuple[tuple[int, Statement], ...]  # (policy index, statement) of every Allow that matches
    denies: tuple[tuple[int, Statement], ...]  # boundaries are indexed after the policies
    conditions: tuple[ConditionClause, ...]  # what gates a CONDITIONAL answer (allows and denies alike)


_NO = StaticMatch(Tri.NO, ())
_YES = StaticMatch(Tri.YES, ())


def _normalise(known: Known | None) -> Known:
    if not known:
        return _EMPTY
    if all(k == k.lower() for k in known):
        return known
    return {k.lower(): tuple(v) for k, v in known.items()}


def _match(st: CompiledStatement, action: str, resource: str, known: Known) -> StaticMatch:
    if not st.action_ok(action) or st.resources is None:
        return _NO  # a statement without Resource grants nothing to an identity
    # Not the negation of `tri` for NotResource: a variable that may have no value makes the
    # statement only-if either way (it would then apply to no request).
    tri = st.resources.applies(resource, known, st.not_resource)
    if tri is Tri.NO:
        return _NO
    gating: list[ConditionClause] = []
    for clause in st.conditions:
        if clause.keys <= known.keys():
            if not clause.test(known):
                return _NO
        else:
            gating.append(clause.clause)
    if gating or tri is Tri.CONDITIONAL:
        return StaticMatch(Tri.CONDITIONAL, tuple(gating))
    return _YES


def statement_matches(
    statement: Statement,
    action: str,
    resource: str,
    *,
    variables_enabled: bool,
    known_context: Known | None = None,
) -> StaticMatch:
    compiled = compiled_statement(statement, variables_enabled)
    return _match(compiled, action.lower(), resource, _normalise(known_context))


def resource_named_by(statement: Statement, variables_enabled: bool) -> Callable[[str], bool] | None:
    """A test of resource ARNs: where it says False, `statement_matches` answers NO for any action
    and any known context, because the Resource element names no such ARN (and a statement
    without Resource grants an identity nothing). None where what matches may depend on the
    context (a policy variable, NotResource): ask `statement_matches`.

    Callers asking about many ARNs (effective access: a statement against every project and
    identity of the account) skip with it the ones a per-project statement never names."""
    compiled = compiled_statement(statement, variables_enabled)
    resources = compiled.resources
    if resources is None:
        return _named_none
    if compiled.not_resource or resources.templates or resources.escaped is not None:
        return None
    return resources.fixed.tester()  # what `_match` tests first: no variable, so nothing else decides


def _named_none(resource: str) -> bool:
    return False


class _Scan:
    """Accumulates the matching statements of several policies."""

    def __init__(self, action: str, resource: str, known: Known):
        self.action, self.resource, self.known = action, resource, known
        self.allows: list[tuple[int, Statement]] = []
        self.denies: list[tuple[int, Statement]] = []
        self.deny = Tri.NO
        self.gating: dict[ConditionClause, None] = {}

    def policies(self, policies: Sequence[Policy], offset: int) -> list[Tri]:
        """Match every statement; returns, per policy, the best answer its Allows give."""
        answers: list[Tri] = []
        for index, policy in enumerate(policies, start=offset):
            best = Tri.NO
            for compiled in compiled_policy(policy).candidates(self.action):  # Action already matches
                m = _match(compiled, self.action, self.resource, self.known)
                if m.tri is Tri.NO:
                    continue
                statement = compiled.statement
                self.gating.update(dict.fromkeys(m.conditions))
                if statement.effect is Effect.DENY:
                    self.denies.append((index, statement))
                    self.deny = max(self.deny, m.tri, key=_rank)
                else:
                    self.allows.append((index, statement))
                    best = max(best, m.tri, key=_rank)
            answers.append(best)
        return answers


def _rank(tri: Tri) -> int:
    return tri.value


def static_access(
    policies: Sequence[Policy],
    action: str,
    resource: str,
    *,
    boundaries: Sequence[Policy] = (),
    known_context: Known | None = None,
) -> StaticAccess:
    """YES: allowed for sure; CONDITIONAL: allowed only if conditions hold (or unless a conditional
    Deny's hold, or only if the boundary's conditions hold); NO: never allowed.

    Boundary statements are indexed after the policies (index len(policies) + j)."""
    scan = _Scan(action.lower(), resource, _normalise(known_context))
    identity = max(scan.policies(policies, 0), key=_rank, default=Tri.NO)
    boundary = min(scan.policies(boundaries, len(policies)), key=_rank, default=Tri.YES)
    if scan.deny is Tri.YES or identity is Tri.NO or boundary is Tri.NO:
        tri = Tri.NO
    elif scan.deny is Tri.NO and identity is Tri.YES and boundary is Tri.YES:
        tri = Tri.YES
    else:
        tri = Tri.CONDITIONAL
    conditions = tuple(scan.gating) if tri is Tri.CONDITIONAL else ()
    return StaticAccess(tri, tuple(scan.allows), tuple(scan.denies), conditions)
