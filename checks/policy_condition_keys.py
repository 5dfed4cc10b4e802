"""POL009: a condition key that some actions of the statement are never requested with.

A positive operator on a key that is absent from the request is false (AWS "condition operators"),
so for those actions the statement never applies: an Allow never allows them, a Deny never denies
them. Only clauses that need the key to be present count:

- `...IfExists` is true when the key is absent, so it never excludes an action;
- negated operators (StringNotEquals, NotIpAddress, ArnNotLike...) are true when it is absent;
- `ForAllValues:` is true when it is absent (nothing to check); `ForAnyValue:` is false;
- `Null` is skipped: "true" asks for absence (always met here), and "false" is a deliberate
  presence guard (usually next to a value test on the same key, which is reported itself).

Service-call-only keys (aws:SourceAccount...) are never flagged here: the knowledge base counts them
as "may be present", and IAM006 reports them where a principal's own calls never carry them.
"""
from __future__ import annotations

from typing import Iterator

from auditor.analysis.memo import BoundedCache, action_list, per_content, per_object
from auditor.iam.global_keys import global_key
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.model.finding import Severity
from auditor.model.policy import ConditionClause, Effect, SetOperator, Statement
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import SAR_DOC, deny_raises, name_list, statement_actions, where

# A statement on "*" can leave thousands of actions out; the count is in the message, the first
# ones in the finding (a CSV cell of 8,000 action names helps nobody).
MAX_LISTED = 50


@check(
    "POL009", "unsupported-condition-key", Severity.MEDIUM, "Condition key never present for some actions",
    rationale="A condition such as aws:ResourceTag/Owner is only in the request when the action's resource type "
              "carries tags. Actions like mobiletargeting:GetApps or ListTemplates act on resource types without "
              "tags, so a statement that requires the tag never allows them (and a Deny never denies them), "
              "which breaks consoles and scripts in ways that are hard to trace.",
    remediation="Move the listed actions to a separate statement without that condition (scoped by resource "
                "instead), or remove them; in a Deny, use the ...IfExists form or a key every request carries.",
    doc_url=f"{SAR_DOC}/reference_policies_actions-resources-contextkeys.html",
)
def unsupported_condition_key(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ctx.policy.statements:
        yield from _unsupported(statement)


@per_object()
def _unsupported(statement: Statement) -> tuple[Hit, ...]:
    # The hits depend on the statement alone; an inline copy shared by many owners is judged once.
    if not statement.conditions or statement.not_action:
        return ()  # NotAction reaches nearly every action; listing them would drown the finding
    required = _presence_required(statement)
    if not required:
        return ()  # every clause holds when its key is absent
    resources: tuple[str | None, ...] = (None,)
    if statement.resources and not statement.not_resource:
        resources = statement.resources
    actions, nevers = _never_carried_by(statement, tuple(required), resources)
    return tuple(_hit(statement, clause, actions, list(never))
                 for clause, never in zip(required.values(), nevers) if never)


def _never_carried_by(statement: Statement, keys: tuple[str, ...], resources: tuple[str | None, ...]
                      ) -> tuple[tuple[ActionInfo, ...], tuple[tuple[ActionInfo, ...], ...]]:
    """The statement's actions that can work on its resources, and per key those never requested
    with it. That depends on the resources only through the resource types they can name: the
    copies of one statement written for each project ask it once."""
    k = knowledge()
    shape = tuple(tuple(k.types_named(s, r) for s in _services(statement)) for r in resources)
    return _NEVER.get((statement.actions, keys, shape), lambda: _compute_never(statement, keys, resources))


def _compute_never(statement: Statement, keys: tuple[str, ...], resources: tuple[str | None, ...]
                   ) -> tuple[tuple[ActionInfo, ...], tuple[tuple[ActionInfo, ...], ...]]:
    k = knowledge()
    actions = statement_actions(statement)
    if resources != (None,):
        actions = tuple(a for a in actions if any(k.action_applies_to_arn(a, r) for r in resources))
    if not actions:
        return (), ()  # the resources match no action at all (POL006)
    return actions, tuple(tuple(a for a in actions if _never_carried(a, key, resources)) for key in keys)


@per_content(action_list, 16384)
def _services(statement: Statement) -> tuple[str, ...]:
    return tuple(sorted({a.service for a in statement_actions(statement)}))


_NEVER = BoundedCache(16384)


def _presence_required(statement: Statement) -> dict[str, ConditionClause]:
    """Condition keys (lower-case) that some clause needs present, with the first such clause."""
    from auditor.evaluate.conditions import OPERATORS, Family  # the evaluator owns operator semantics

    found: dict[str, ConditionClause] = {}
    for clause in statement.conditions:
        spec = OPERATORS.get(clause.base_operator)
        if spec is None or clause.if_exists or clause.set_operator is SetOperator.FOR_ALL_VALUES:
            continue  # unknown operators are POL008's
        if spec.family is Family.NULL:
            continue  # a presence test is the author's explicit choice, not an oversight
        if spec.negated and clause.set_operator is SetOperator.NONE:
            continue
        found.setdefault(clause.key_lower, clause)
    return found


def _never_carried(action: ActionInfo, key: str, resources: tuple[str | None, ...]) -> bool:
    k = knowledge()
    return all(k.supports_condition_key(action, key, r) is False for r in resources)


def _hit(statement: Statement, clause: ConditionClause, actions: tuple[ActionInfo, ...],
         never: list[ActionInfo]) -> Hit:
    names = [a.full for a in never]
    deny = statement.effect is Effect.DENY
    verb = "denies" if deny else "allows"
    test = f"condition {clause.operator} {clause.key}"
    if len(never) == len(actions):
        message = (f"{where(statement)}: {test} can never be true: none of its {len(actions)} action(s) "
                   f"({name_list(names)}) is ever requested with {clause.key} ({_why(clause.key)}), so the "
                   f"statement never {verb} anything.")
    else:
        message = (f"{where(statement)}: {test} can never be true for {len(never)} of its {len(actions)} actions "
                   f"({name_list(names)}): {_why(clause.key)}, so this statement never {verb} them. Move them "
                   "to a statement without this condition, or drop them.")
    listed = names[:MAX_LISTED]
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return Hit(
        message=message,
        statement=statement,
        actions=tuple(listed),
        condition_keys=(clause.key,),
        severity=deny_raises(statement, Severity.MEDIUM),
        evidence=(("never carried by", ", ".join(listed) + more),),
        key=f"{clause.key_lower}",
    )


def _why(key: str) -> str:
    gkey = global_key(key)
    name = gkey.name.lower() if gkey is not None else ""
    if name.startswith("aws:resourcetag/"):
        return "their resource types carry no tags"
    if name.startswith("aws:requesttag/") or name == "aws:tagkeys":
        return "their requests take no tags"
    return "the service does not set that key for them"
