"""Helpers shared by the POL checks: wording, value walking and per-statement action expansion.

Registers no check itself.
"""
from __future__ import annotations

import json
from typing import Iterator

from auditor.analysis.memo import action_list, per_content
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.model.finding import Severity
from auditor.model.policy import Effect, Policy, Position, PrincipalEntry, Statement

IAM_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide"
SAR_DOC = "https://docs.aws.amazon.com/service-authorization/latest/reference"


def where(statement: Statement) -> str:
    """`Statement #1 (ViewResourceIfOwner)`: how every message names a statement."""
    return f"Statement {statement.label}"


def where_index(policy: Policy, index: int | None) -> str:
    if index is None:
        return "The policy"
    statement = statement_at(policy, index)
    return where(statement) if statement is not None else f"Statement #{index}"


def statement_at(policy: Policy, index: int | None) -> Statement | None:
    if index is None:
        return None
    return next((s for s in policy.statements if s.index == index), None)


def located(position: Position | None) -> dict[str, int | None]:
    """Hit keyword arguments that point a finding at a parser position (line and column)."""
    if position is None:
        return {"line": None, "column": None}
    return {"line": position.line, "column": position.column}


def render(value: object, limit: int = 240) -> str:
    """Compact JSON of a policy fragment, shortened for a one-line message."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def name_list(items: list[str] | tuple[str, ...], most: int = 6) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def deny_raises(statement: Statement, base: Severity) -> Severity | None:
    """High instead of the default in a Deny: a broken Deny silently protects nothing."""
    return Severity.HIGH if statement.effect is Effect.DENY and base < Severity.HIGH else None


def principal_arns(statement: Statement) -> Iterator[PrincipalEntry]:
    for entry in statement.principals or ():
        if entry.kind in ("AWS", "Federated") and entry.value.startswith("arn:"):
            yield entry


def arn_values(statement: Statement) -> Iterator[tuple[str, str]]:
    """(element, value) for every ARN a statement holds: resources, principals, condition values."""
    element = "NotResource" if statement.not_resource else "Resource"
    for value in statement.resources or ():
        if value.startswith("arn:"):
            yield element, value
    for entry in principal_arns(statement):
        yield ("NotPrincipal" if statement.not_principal else "Principal"), entry.value
    for clause in statement.conditions:
        for value in clause.values:
            if value.startswith("arn:"):
                yield f"condition {clause.operator} {clause.key}", value


@per_content(action_list, 16384)
def statement_actions(statement: Statement) -> tuple[ActionInfo, ...]:
    """The known actions an Action element matches (empty for NotAction: it matches nearly all)."""
    if statement.not_action:
        return ()
    k = knowledge()
    seen: dict[str, ActionInfo] = {}
    for pattern in statement.actions:
        for info in k.expand(pattern):
            seen.setdefault(info.full, info)
    return tuple(sorted(seen.values(), key=lambda a: a.full))


def matches_everything(statement: Statement) -> bool:
    return not statement.not_action and any(set(a.strip()) == {"*"} for a in statement.actions)
