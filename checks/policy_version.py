"""POL003: a missing or legacy Version turns policy variables into literal text."""
from __future__ import annotations

from typing import Iterator

from auditor.model.finding import Severity
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import IAM_DOC, name_list

CURRENT = "2012-10-17"
LEGACY = "2008-10-17"


@check(
    "POL003", "version-missing-or-legacy", Severity.MEDIUM, "Policy Version is missing or 2008-10-17",
    rationale="Without \"Version\": \"2012-10-17\" IAM reads the policy with the 2008 language, where "
              "${aws:username} and other policy variables are plain text: a Resource such as "
              "user/${aws:username} then names a user literally called \"${aws:username}\" and grants nothing "
              "(or, in a Deny, protects nothing). Without variables the old version works but is a trap for "
              "the next edit.",
    remediation="Add \"Version\": \"2012-10-17\" as the first element of the policy.",
    doc_url=f"{IAM_DOC}/reference_policies_elements_version.html",
)
def version_missing_or_legacy(ctx: PolicyContext) -> Iterator[Hit]:
    policy = ctx.policy
    if not policy.usable or policy.version == CURRENT:
        return
    if policy.version not in (None, LEGACY):
        return  # an unknown version string is a grammar error (POL011)
    stated = "has no Version element (IAM assumes 2008-10-17)" if policy.version is None else (
        f"uses Version {LEGACY}")
    with_vars = [(s, v) for s in policy.statements for v in _variable_values(s)]
    if with_vars:
        values = [v for _, v in with_vars]
        yield Hit(
            message=f"The policy {stated}, so its policy variables are literal text: {name_list(values, 4)} "
                    f"will only match those exact characters. Set \"Version\": \"{CURRENT}\".",
            statement=with_vars[0][0],
            resources=tuple(dict.fromkeys(values)),
            key="variables",
        )
        return
    yield Hit(
        message=f"The policy {stated}. It uses no policy variables, so it works as written, but any "
                f"${{...}} added later would be read as literal text. Set \"Version\": \"{CURRENT}\".",
        severity=Severity.INFO,
        key="legacy",
    )


def _variable_values(statement) -> list[str]:
    values = list(statement.resources or ())
    values.extend(v for clause in statement.conditions for v in clause.values)
    return [v for v in values if "${" in v]
