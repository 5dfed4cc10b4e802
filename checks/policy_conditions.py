"""POL008: condition operators and values that AWS rejects or that can never match."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from auditor.model.finding import Severity
from auditor.model.policy import Statement
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import IAM_DOC, located, statement_at, where, where_index


@check(
    "POL008", "invalid-condition", Severity.MEDIUM, "Invalid condition operator or value",
    rationale="An unknown operator, an operator misspelt in case, a CIDR, date, number or boolean that does not "
              "parse, or one key written twice in different case make a condition that AWS rejects or that "
              "never matches, so an Allow grants nothing and a Deny blocks nothing.",
    remediation="Use an operator from the IAM condition operator list with values of its type (CIDR for "
                "IpAddress, ISO 8601 or epoch for Date, true/false for Bool) and write each key once per operator.",
    doc_url=f"{IAM_DOC}/reference_policies_elements_condition_operators.html",
)
def invalid_condition(ctx: PolicyContext) -> Iterator[Hit]:
    from auditor.evaluate.conditions import validate_clause  # the evaluator owns operator semantics

    policy = ctx.policy
    for issue in policy.issues:
        if issue.code == "POL008":
            pos = issue.position
            yield Hit(
                message=f"{where_index(policy, issue.statement_index)}: {issue.message}.",
                statement=statement_at(policy, issue.statement_index),
                key=f"parse:{issue.message}",
                **located(pos),
            )
    for statement in policy.statements:
        for clause in statement.conditions:
            for problem in validate_clause(clause):
                yield Hit(
                    message=f"{where(statement)}: condition {problem}.",
                    statement=statement,
                    condition_keys=(clause.key,),
                    key=f"{clause.operator}:{clause.key}:{problem}",
                )
        yield from _case_twins(statement)


def _case_twins(statement: Statement) -> Iterator[Hit]:
    """One key written twice in one operator block with different case (aws:SourceIp, aws:sourceip)."""
    spellings: dict[tuple[str, str], list[str]] = defaultdict(list)
    for clause in statement.conditions:
        names = spellings[(clause.operator, clause.key_lower)]
        if clause.key not in names:
            names.append(clause.key)
    for (operator, _), names in spellings.items():
        if len(names) > 1:
            shown = " and ".join(f"\"{n}\"" for n in names)
            yield Hit(
                message=f"{where(statement)}: the {operator} block has {shown}, the same condition key in different "
                        "case. Keys are case-insensitive, so this is one key tested twice and each test must pass; "
                        "write it once with one list of values.",
                statement=statement,
                condition_keys=tuple(names),
                key=f"case:{operator}:{names[0].lower()}",
            )
