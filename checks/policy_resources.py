"""POL006: a Resource entry that no action of its statement can apply to."""
from __future__ import annotations

from typing import Iterator

from auditor.analysis.memo import per_object
from auditor.iam.arns import is_star
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.model.finding import Severity
from auditor.model.policy import Effect, Statement
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import IAM_DOC, matches_everything, name_list, statement_actions, where


@check(
    "POL006", "resource-mismatch", Severity.MEDIUM, "No action of the statement applies to this resource",
    rationale="Each action is authorised against specific resource types (GetApp against a project, GetApps "
              "against the account's apps collection, actions without resource types only against \"*\"). A "
              "Resource entry whose ARN matches none of the statement's actions' resource types grants (or, in a "
              "Deny, blocks) nothing, which usually means the wrong ARN format or a missing action.",
    remediation="Use the ARN format of the resource types that the actions list in the Service Authorization "
                "Reference, or \"*\" for actions that support no resource-level permissions.",
    doc_url=f"{IAM_DOC}/reference_policies_elements_resource.html",
)
def resource_mismatch(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ctx.policy.statements:
        yield from _mismatches(statement)


@per_object()
def _mismatches(statement: Statement) -> tuple[Hit, ...]:
    # The hits depend on the statement alone; an inline copy shared by many owners is judged once.
    if statement.not_resource or not statement.resources or matches_everything(statement):
        return ()
    actions = statement_actions(statement)
    if not actions:
        return ()  # NotAction, or only unknown actions (POL005)
    k = knowledge()
    found: list[Hit] = []
    for arn in dict.fromkeys(statement.resources):
        if is_star(arn):
            continue
        if not arn.startswith("arn:"):
            found.append(_hit(statement, arn, actions, "is neither \"*\" nor an ARN (IAM rejects it)."))
            continue
        if any(k.action_applies_to_arn(a, arn) for a in actions):
            continue
        found.append(_hit(statement, arn, actions, f"{_names(arn)}. {_expected(actions)}".rstrip()))
    return tuple(found)


def _hit(statement: Statement, arn: str, actions: tuple[ActionInfo, ...], detail: str) -> Hit:
    effect = "blocks nothing there" if statement.effect is Effect.DENY else "grants nothing"
    return Hit(
        message=f"{where(statement)}: no action of the statement ({name_list([a.full for a in actions], 4)}) "
                f"applies to Resource \"{arn}\", which {detail} This entry {effect}.",
        statement=statement,
        actions=tuple(a.full for a in actions),
        resources=(arn,),
        key=arn,
    )


def _names(arn: str) -> str:
    types = knowledge().resource_types_for_arn(arn)
    if not types:
        return "matches no resource type in the IAM catalogue"
    shown = [f"{t.service}:{t.key}" for t in types]
    return f"names resource type {name_list(shown, 4)}"


def _expected(actions: tuple[ActionInfo, ...]) -> str:
    """What the first actions expect, so the reader sees the right format."""
    k = knowledge()
    examples: list[str] = []
    for action in actions:
        if not action.resource_types:
            examples.append(f"{action.full} needs \"*\"")
        else:
            rt = action.resource_types[0]
            rtype = next((t for t in k.resource_types(action.service) if t.key.lower() == rt.name.lower()), None)
            if rtype is not None:
                examples.append(f"{action.full} needs {rtype.arn_format}")
        if len(examples) == 2:
            break
    return ("Expected, e.g.: " + "; ".join(examples) + ".") if examples else ""
