"""POL004: a Principal element in an identity-based policy."""
from __future__ import annotations

from typing import Iterator

from auditor.model.finding import Severity
from auditor.model.policy import PolicyKind
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import IAM_DOC, name_list, where


@check(
    "POL004", "principal-in-identity-policy", Severity.HIGH, "Principal or NotPrincipal in an identity-based policy",
    rationale="An identity-based policy applies to the user, group or role it is attached to; IAM rejects a "
              "Principal or NotPrincipal element in it. The AWS example that restricts a Pinpoint project by IP "
              "address is printed as an identity policy with \"Principal\": \"*\", so it cannot be attached as "
              "written, and whoever 'fixes' it by moving it elsewhere may grant it to everyone.",
    remediation="Remove the Principal element and attach the policy to the users, groups or roles that need it; "
                "or, if the statement was meant for a resource (a resource-based policy), put it there and name "
                "specific principals instead of \"*\".",
    doc_url=f"{IAM_DOC}/reference_policies_elements_principal.html",
)
def principal_in_identity_policy(ctx: PolicyContext) -> Iterator[Hit]:
    if ctx.kind is not PolicyKind.IDENTITY:
        return
    for statement in ctx.policy.statements:
        if statement.principals is None:
            continue
        element = "NotPrincipal" if statement.not_principal else "Principal"
        shown = [e.value if e.kind == "*" else f"{e.kind}: {e.value}" for e in statement.principals]
        yield Hit(
            message=f"{where(statement)} has a {element} element ({name_list(shown, 3)}), which an "
                    "identity-based policy cannot contain: IAM rejects the policy when it is attached to a user, "
                    f"group or role. Remove {element}, or move the statement to a resource-based policy.",
            statement=statement,
            key=element,
        )
