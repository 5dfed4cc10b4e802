"""Conditioned Allows that an unconditioned Allow already covers (check IAM007).

For every (action, resource) a conditioned statement could allow, the evaluator's static mode
is asked whether the *other* statements already allow it outright (YES, no condition left). If so
the condition restricts nothing there.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from auditor.analysis.actions import covered, grants_every_action
from auditor.analysis.resources import request_arns
from auditor.evaluate.static import Tri, static_access
from auditor.iam.knowledge import knowledge
from auditor.model.policy import Effect, Policy, Statement

# Statements allowing every action are compared as the pseudo-action "*:*", which only patterns
# that themselves cover every action match (18,000 expanded actions would say the same, slower).
_EVERY_ACTION = "*:*"


@dataclass(frozen=True)
class Shadow:
    policy_index: int
    statement: Statement  # the conditioned Allow
    actions: tuple[str, ...]  # its actions that are allowed anyway, on all its resources
    total: int  # how many actions it can allow on its resources in all
    by: tuple[tuple[int, Statement], ...]  # (policy index, unconditioned Allow) that cover them

    @property
    def complete(self) -> bool:
        return len(self.actions) == self.total


def _candidates(statement: Statement) -> bool:
    return (statement.effect is Effect.ALLOW and bool(statement.conditions) and not statement.not_action
            and not statement.not_resource and bool(statement.resources))


def _actions(statement: Statement) -> tuple[str, ...]:
    if grants_every_action(statement):
        return (_EVERY_ACTION,)
    return tuple(a.full for a in covered(statement))


def _requests(action: str, patterns: Sequence[str]) -> tuple[str, ...]:
    if action == _EVERY_ACTION:
        return tuple(patterns)
    info = knowledge().action(action)
    if info is None:
        return ()
    return tuple(dict.fromkeys(arn for p in patterns for arn in request_arns(info, p)))


def shadow_of(policies: Sequence[Policy], index: int, statement: Statement,
              boundaries: Sequence[Policy] = ()) -> Shadow | None:
    """How much of `statement` (in policies[index]) the other statements allow unconditionally."""
    if not any(st is not statement and st.effect is Effect.ALLOW and not st.conditions
               for p in policies for st in p.statements):
        return None  # nothing grants without a condition, so nothing can shadow
    policy = policies[index]
    others = list(policies)
    others[index] = replace(policy, statements=tuple(s for s in policy.statements if s is not statement))
    shadowed: list[str] = []
    total = 0
    by: dict[tuple[int, int], tuple[int, Statement]] = {}
    for action in _actions(statement):
        requests = _requests(action, statement.resources or ())
        if not requests:
            continue  # the statement cannot allow this action on its resources at all
        total += 1
        results = [static_access(others, action, r, boundaries=boundaries) for r in requests]
        if any(res.tri is not Tri.YES for res in results):
            continue
        shadowed.append(action)
        for res in results:
            for i, st in res.allows:
                if not st.conditions and i < len(policies):
                    by.setdefault((i, st.index), (i, st))
    if not shadowed:
        return None
    return Shadow(index, statement, tuple(shadowed), total, tuple(by[k] for k in sorted(by)))


def shadows(policies: Sequence[Policy], boundaries: Sequence[Policy] = ()) -> list[Shadow]:
    found = []
    for index, policy in enumerate(policies):
        for statement in policy.statements:
            if _candidates(statement):
                shadow = shadow_of(policies, index, statement, boundaries)
                if shadow is not None:
                    found.append(shadow)
    return found
