"""How findings name things: a statement, a condition clause, a long list of actions."""
from __future__ import annotations

from typing import Iterable, Sequence

from auditor.analysis.conditions import dead_service_call_clauses
from auditor.model.policy import ConditionClause, Statement
from auditor.registry import Subject


def clause_text(clause: ConditionClause) -> str:
    """`aws:SourceIp IpAddress 54.240.143.0/24` - the way a reviewer reads a condition."""
    values = ", ".join(clause.values) if clause.values else "(no value)"
    return f"{clause.key} {clause.operator} {values}"


def conditions_text(clauses: Iterable[ConditionClause]) -> str:
    return "; ".join(clause_text(c) for c in clauses)


def only_if(statement: Statement, *, identity: bool = False) -> str:
    """The suffix that keeps a conditional grant visible without overstating it. In an identity
    policy, a condition on a key only AWS services send is called out: it never holds for the
    principal's own requests."""
    if not statement.conditions:
        return ""
    text = f" only if {conditions_text(statement.conditions)}"
    if identity:
        dead = dead_service_call_clauses(statement)
        if dead:
            keys = ", ".join(dict.fromkeys(c.key for c in dead))
            text += f" (which the principal's own requests never satisfy: {keys} is only sent by AWS services, see IAM006)"
    return text


def statement_ref(statement: Statement) -> str:
    return f"statement {statement.label}"


def policy_ref(subject: Subject) -> str:
    """`policy "X" of role R` / `policy "X"`: who holds the document, when the subject says."""
    name = subject.policy_name or subject.file or "(policy)"
    holder = f" of {subject.principal_type} {subject.principal_name}" if subject.principal_name else ""
    return f'policy "{name}"{holder}'


def where(subject: Subject, statement: Statement) -> str:
    return f"{policy_ref(subject)} {statement_ref(statement)}"


def short_list(items: Sequence[str], limit: int = 8) -> str:
    """`a, b, c and 12 more`: messages stay readable, evidence keeps the full list."""
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {len(items) - limit} more"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def actions_text(statement: Statement) -> str:
    """The Action element as granted: a NotAction grants every action but those it lists."""
    listed = ", ".join(statement.actions)
    return f"every action except {listed}" if statement.not_action else listed


def grant_text(statement: Statement) -> str:
    """`ses:SendEmail on arn:...`: what the statement grants, NotAction and NotResource spelled out."""
    resources = ", ".join(statement.resources or ("(no resource)",))
    on = f"every resource except {resources}" if statement.not_resource else resources
    return f"{actions_text(statement)} on {on}"
