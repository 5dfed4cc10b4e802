"""Which statements a policy-scope check looks at."""
from __future__ import annotations

from typing import Iterator

from auditor.model.policy import Effect, PolicyKind, Statement
from auditor.registry import Hit, PolicyContext


def statements(ctx: PolicyContext, *kinds: PolicyKind, effect: Effect | None = Effect.ALLOW) -> Iterator[Statement]:
    """The usable statements of a policy of one of `kinds` (default: identity), with `effect`."""
    if ctx.kind not in (kinds or (PolicyKind.IDENTITY,)):
        return
    for statement in ctx.policy.statements:
        if effect is None or statement.effect is effect:
            yield statement


def grants_resources(statement: Statement) -> tuple[str, ...]:
    """The Resource patterns an identity statement grants on; a statement without Resource (or
    with NotResource, handled by IAM003) is left out."""
    if statement.resources is None or statement.not_resource:
        return ()
    return statement.resources


def statement_hit(message: str, statement: Statement, **fields) -> Hit:
    """A Hit about one statement, carrying its actions, resources and condition keys unless the
    check names narrower ones."""
    fields.setdefault("actions", tuple(statement.actions))
    fields.setdefault("resources", statement.resources or ())
    fields.setdefault("condition_keys", statement.condition_keys)
    return Hit(message, statement, **fields)
