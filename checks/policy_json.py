"""POL001 invalid JSON, POL002 duplicate keys, POL011 malformed policy grammar.

The parser has already found these problems (Policy.issues, Policy.duplicates); the checks turn
them into findings a policy author can act on.
"""
from __future__ import annotations

from typing import Iterator

from auditor.model.finding import Severity
from auditor.model.policy import DuplicateKey, PolicyKind
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import IAM_DOC, located, name_list, render, statement_at, where_index


@check(
    "POL001", "invalid-json", Severity.HIGH, "Policy text is not valid JSON",
    rationale="IAM refuses a document that is not JSON, and tools that are more lenient (or that decode "
              "it differently) disagree about what it says. The copy in the AWS documentation of the "
              "SMS and voice administrator policy has a trailing comma, so copying it fails.",
    remediation="Fix the syntax at the reported line and column (a trailing comma before ']' or '}', a "
                "missing quote or comma) and validate the document with IAM Access Analyzer before use.",
    doc_url=f"{IAM_DOC}/reference_policies_grammar.html",
)
def invalid_json(ctx: PolicyContext) -> Iterator[Hit]:
    for issue in ctx.policy.issues:
        if issue.code != "POL001":
            continue
        pos = issue.position
        at = f" at line {pos.line}, column {pos.column}" if pos is not None else ""
        yield Hit(
            message=f"The document is not valid JSON{at}: {issue.message}. IAM rejects it, so none of its "
                    "statements can take effect; fix the syntax there.",
            key="invalid-json",
            **located(pos),
        )


@check(
    "POL011", "malformed-policy", Severity.HIGH, "Valid JSON, but not a valid IAM policy",
    rationale="A document with a missing Effect, an element of the wrong type, an unknown element or a "
              "statement without Principal where one is required is rejected by IAM, or (where a tool "
              "accepted it anyway) leaves statements that nobody can be sure how AWS reads.",
    remediation="Correct the element named in the message so the document follows the IAM policy grammar: "
                "Version, Statement as an object or list, each statement with Effect Allow or Deny, Action or "
                "NotAction, and Resource or NotResource.",
    doc_url=f"{IAM_DOC}/reference_policies_grammar.html",
)
def malformed_policy(ctx: PolicyContext) -> Iterator[Hit]:
    policy = ctx.policy
    for issue in policy.issues:
        if issue.code != "POL011":
            continue
        pos = issue.position
        consequence = " AWS rejects the document; this statement is left out of the analysis." if (
            issue.fatal and issue.statement_index is not None) else " AWS rejects the document."
        yield Hit(
            message=f"{_capital(issue.message)}.{consequence}",
            statement=statement_at(policy, issue.statement_index),
            key=f"grammar:{issue.message}",
            **located(pos),
        )
    if ctx.kind in (PolicyKind.RESOURCE, PolicyKind.TRUST):
        what = "resource-based" if ctx.kind is PolicyKind.RESOURCE else "role trust"
        for statement in policy.statements:
            if statement.principals is None:
                yield Hit(
                    message=f"Statement {statement.label} has no Principal: a {what} policy must say whom each "
                            "statement applies to, and AWS rejects a statement without one. Add a Principal "
                            "naming the account, role or service principal.",
                    statement=statement,
                    key="missing-principal",
                )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@check(
    "POL002", "duplicate-key", Severity.HIGH, "A JSON object repeats a key: all but the last are lost",
    rationale="JSON parsers, including the one IAM uses, keep only the last value of a repeated key and "
              "drop the others without an error. The AWS tag-based example repeats StringEquals, so its "
              "aws:ResourceTag/Owner condition is silently lost and the statement is broader than it reads.",
    remediation="Merge the repeated keys into one: put every condition key of one operator into a single "
                "operator object, and every action or resource into one list.",
    doc_url=f"{IAM_DOC}/reference_policies_elements_condition.html",
)
def duplicate_key(ctx: PolicyContext) -> Iterator[Hit]:
    policy = ctx.policy
    for dup in policy.duplicates:
        statement = statement_at(policy, dup.statement_index)
        location = where_index(policy, dup.statement_index)
        lost_keys = _lost_condition_keys(dup)
        occurrences = [*dup.dropped, dup.kept]
        if lost_keys is not None:
            lost = (f"the condition on {name_list(lost_keys)} is lost" if lost_keys
                    else "the earlier values are overridden")
            message = (
                f"{location}: the Condition block repeats the operator \"{dup.key}\". AWS and JSON parsers keep "
                f"only the last one ({render(dup.kept)}) and drop {_earlier(dup)} ({_rendered(dup.dropped)}), "
                f"so {lost} and the statement is broader than it reads. Merge them into one \"{dup.key}\" object."
            )
        else:
            message = (
                f"{location}: {_object_name(dup)} repeats the key \"{dup.key}\". AWS and JSON parsers keep only "
                f"the last value ({render(dup.kept)}) and drop {_earlier(dup)} ({_rendered(dup.dropped)}). "
                "Merge them into one."
            )
        yield Hit(
            message=message,
            statement=statement,
            condition_keys=tuple(lost_keys or ()),
            evidence=(
                ("as written", ", ".join(f"\"{dup.key}\": {render(v, 400)}" for v in occurrences)),
                ("as evaluated", f"\"{dup.key}\": {render(dup.kept, 400)}"),
            ) + ((("lost condition keys", ", ".join(lost_keys)),) if lost_keys else ()),
            key=f"{dup.path}:{dup.key}",
            **located(dup.position),
        )


def _earlier(dup: DuplicateKey) -> str:
    return "the earlier one" if len(dup.dropped) == 1 else f"the {len(dup.dropped)} earlier ones"


def _rendered(values: tuple[object, ...]) -> str:
    return "; ".join(render(v) for v in values)


def _object_name(dup: DuplicateKey) -> str:
    if dup.path == "(document)":
        return "the top-level object"
    tail = dup.path.rsplit(".", 1)[-1] if "." in dup.path else ""
    return f"the {tail} object" if tail and not tail.startswith("Statement") else "the statement"


def _lost_condition_keys(dup: DuplicateKey) -> list[str] | None:
    """For a repeated condition operator: the condition keys only the dropped objects held.

    None when the repeated key is not a condition operator."""
    if not dup.path.endswith(".Condition") or not isinstance(dup.kept, dict):
        return None
    kept = {k.lower() for k in dup.kept}
    lost: dict[str, None] = {}
    for dropped in dup.dropped:
        if isinstance(dropped, dict):
            for key in dropped:
                if key.lower() not in kept:
                    lost.setdefault(key, None)
    return list(lost)
