"""SES identity (sending-authorization) policies: which identity, whose, and what sending needs."""
from __future__ import annotations

from typing import Iterator

from auditor.analysis.walk import statements
from auditor.iam.arns import ArnParts, split_arn
from auditor.iam.wildcards import has_wildcard
from auditor.model.policy import PolicyKind, Statement
from auditor.registry import PolicyContext

# What a delegate needs to send through an identity (SES v1 and v2 API names).
SENDING_ACTIONS: tuple[str, ...] = (
    "ses:SendEmail", "ses:SendRawEmail", "ses:SendTemplatedEmail", "ses:SendBulkTemplatedEmail", "ses:SendBulkEmail",
)
SENDING = frozenset(a.lower() for a in SENDING_ACTIONS)


def _ses_arn(text: str) -> ArnParts | None:
    parts = split_arn(text)
    return parts if parts is not None and parts.service == "ses" else None


def is_ses_policy(ctx: PolicyContext) -> bool:
    """A resource policy on an SES identity: attached to one (scan), or naming SES (lint)."""
    if ctx.kind is not PolicyKind.RESOURCE:
        return False
    if ctx.owner_arn:
        return _ses_arn(ctx.owner_arn) is not None
    for statement in ctx.policy.statements:
        if any(p.lower().startswith(("ses:", "*")) for p in statement.actions):
            return True
        if any(_ses_arn(r) for r in statement.resources or ()):
            return True
    return False


def ses_statements(ctx: PolicyContext) -> Iterator[Statement]:
    """The Allow statements of an SES identity policy (nothing for any other document)."""
    if is_ses_policy(ctx):
        yield from statements(ctx, PolicyKind.RESOURCE)


def owner_account(ctx: PolicyContext) -> str:
    parts = split_arn(ctx.owner_arn) if ctx.owner_arn else None
    return parts.account if parts is not None and parts.account else ctx.account_id


def identity_arns(ctx: PolicyContext, statement: Statement) -> tuple[ArnParts, ...]:
    """The identity the statement protects: the one it is attached to, else the SES identity ARNs
    it names (a lint of a lone document)."""
    if ctx.owner_arn:
        parts = split_arn(ctx.owner_arn)
        return (parts,) if parts is not None else ()
    found = (_ses_arn(r) for r in statement.resources or ())
    return tuple(p for p in found if p is not None)


def concrete(field: str) -> bool:
    return bool(field) and not has_wildcard(field) and "${" not in field
