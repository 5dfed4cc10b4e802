"""IAM005: actions that let a principal give itself (or another identity it controls) more access."""
from __future__ import annotations

import re
from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.actions import covered
from auditor.analysis.carveouts import carve_out
from auditor.analysis.describe import only_if, short_list, where
from auditor.analysis.memo import action_and_resource_lists, per_content
from auditor.analysis.resources import Breadth, breadth
from auditor.analysis.walk import grants_resources, statement_hit, statements
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.model.finding import Severity
from auditor.model.policy import Statement
from auditor.registry import Hit, PolicyContext, check

# The well-known IAM escalation primitives, with why each one escalates. Matched against the
# catalogue's expansion of the statement, so iam:*, iam:Put* or iam:*Policy* all count.
WHY = {
    "iam:passrole": "hand any role to a service (EC2, Lambda, ...) and act with that role's permissions",
    "iam:createpolicyversion": "rewrite a managed policy and make the new version the default",
    "iam:setdefaultpolicyversion": "switch a managed policy back to a broader old version",
    "iam:attachuserpolicy": "attach AdministratorAccess to a user",
    "iam:attachgrouppolicy": "attach AdministratorAccess to a group",
    "iam:attachrolepolicy": "attach AdministratorAccess to a role",
    "iam:putuserpolicy": "write an inline policy granting anything to a user",
    "iam:putgrouppolicy": "write an inline policy granting anything to a group",
    "iam:putrolepolicy": "write an inline policy granting anything to a role",
    "iam:createaccesskey": "create access keys for other users and act as them",
    "iam:createloginprofile": "set a console password for other users and sign in as them",
    "iam:updateloginprofile": "reset other users' console passwords",
    "iam:updateassumerolepolicy": "let itself assume any role",
    "iam:addusertogroup": "join a more privileged group",
    "iam:putuserpermissionsboundary": "replace a user's permissions boundary with a wider one",
    "iam:putrolepermissionsboundary": "replace a role's permissions boundary with a wider one",
    "iam:deleteuserpermissionsboundary": "remove a user's permissions boundary",
    "iam:deleterolepermissionsboundary": "remove a role's permissions boundary",
    "sts:assumerole": "assume every role that trusts this account",
}
# Escalate only when granted on every role (a named role is an intended hand-over).
_ON_ALL_ONLY = frozenset({"iam:passrole", "sts:assumerole"})
# Harmless on the caller's own user (arn:aws:iam::*:user/${aws:username}), as AWS's
# "manage your own credentials" examples grant them.
_SELF_SERVICE = frozenset({"iam:createaccesskey", "iam:createloginprofile", "iam:updateloginprofile"})
_OWN_USER = re.compile(r":user/(?:[^*?]*/)?\$\{aws:username\}$", re.IGNORECASE)


def _escalates(action: ActionInfo, resources: tuple[str, ...]) -> bool:
    name = action.full.lower()
    k = knowledge()
    reached = [r for r in resources if k.action_applies_to_arn(action, r)]
    if not reached:
        return False
    if name in _ON_ALL_ONLY:
        return any(breadth(r) >= Breadth.TYPE_WIDE for r in reached)
    if name in _SELF_SERVICE:
        # Under 2008-10-17 the variable is literal text and names no user at all: not others either.
        return not all(_OWN_USER.search(r) for r in reached)
    return True


@per_content(action_and_resource_lists)
def escalation_actions(statement: Statement) -> tuple[ActionInfo, ...]:
    resources = grants_resources(statement)
    if not resources:
        return ()
    return tuple(a for a in covered(statement, ("iam", "sts")) if a.full.lower() in WHY and _escalates(a, resources))


@check(
    "IAM005", "privilege-escalation", Severity.HIGH, "Actions that let a principal raise its own privileges",
    rationale=(
        "Some IAM actions are as good as administrator access: whoever can attach or write policies, "
        "publish policy versions, pass any role, change trust policies, join groups or create "
        "credentials for other users can grant themselves anything. A least-privilege policy for "
        "Pinpoint, SMS/voice or SES work never needs them on arbitrary identities. iam:PassRole on every "
        "role but kept to named services by iam:PassedToService is medium: those services can still be "
        "handed any role."
    ),
    remediation=(
        "Remove these actions, or limit them to named resources (iam:PassRole to the one service role, "
        "with iam:PassedToService); give IAM administration to a separate, MFA-protected role."
    ),
    doc_url=docs.PERMISSIONS_BOUNDARIES,
)
def privilege_escalation(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        found = escalation_actions(statement)
        if found:
            # What an unconditioned Deny of the same document takes back cannot escalate.
            found = carve_out(ctx.policy, statement).keeps(found)
        if not found:
            continue
        listed = tuple(a.full for a in found)
        services = passed_to(statement)
        why = {a.full: _why(a, services) for a in found}
        message = (
            f"{where(ctx.subject, statement)} allows {short_list(listed)} on "
            f"{', '.join(grants_resources(statement))}{only_if(statement, identity=True)}: with "
            f"{found[0].full} alone the holder can {why[found[0].full]}, i.e. grant itself more than this policy "
            "gives. Remove these actions or limit them to named resources."
        )
        # PassRole kept to named services still hands them any role, but only what those services
        # do with a role is at stake, not everything the holder could run itself.
        confined = bool(services) and all(a.full.lower() == "iam:passrole" for a in found)
        yield statement_hit(message, statement, actions=listed, resources=grants_resources(statement),
                            severity=Severity.MEDIUM if confined else None,
                            evidence=tuple(why.items()), key="escalation")


_PASSED_TO_SERVICE = "iam:passedtoservice"


def passed_to(statement: Statement) -> tuple[str, ...]:
    """The services an `iam:PassedToService` condition keeps iam:PassRole to (positive operators
    only: StringNotEquals would allow every other service), or () when none does."""
    found: list[str] = []
    for clause in statement.conditions:
        if clause.key.lower() == _PASSED_TO_SERVICE and clause.base_operator in ("StringEquals", "StringLike") \
                and not clause.if_exists:
            found.extend(v for v in clause.values if v.strip("*"))
    return tuple(dict.fromkeys(found))


def _why(action: ActionInfo, services: tuple[str, ...]) -> str:
    if action.full.lower() == "iam:passrole" and services:
        return f"hand any role to {', '.join(services)} and let it act with that role's permissions"
    return WHY[action.full.lower()]
