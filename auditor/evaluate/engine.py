"""The decision for one concrete request: AWS policy evaluation logic for identity policies, one
resource policy and permissions boundaries (no SCPs, RCPs or session policies).

What is implemented, and why:
- An explicit Deny in any policy that applies (identity, boundary, or a resource-policy statement
  naming the principal) wins.
- Identity side: some identity-policy Allow, and an Allow in every permissions boundary given.
  Identity and boundary statements ignore Principal (an identity policy with one is refused by
  AWS; POL004 reports it) and a statement without Resource matches nothing.
- Resource policy: a statement applies when its Principal names the request principal
  (NotPrincipal: when it does not; a Deny with NotPrincipal always applies to a principal that has
  a boundary, as the IAM boundaries page warns). A resource-policy statement without Resource
  means the resource the policy is attached to.
- Same account (owner = `request.resource_account`, else the ARN's account, else the principal's):
  a resource-policy Allow that names the principal itself (user ARN, role-session ARN, service,
  `*`) allows on its own, boundary or not; one that names an IAM role ARN allows on its own but
  stays limited by the role's boundary; one that names only the account (id or `:root`) delegates
  to the identity side, which must allow. This follows the IAM evaluation-logic and boundaries
  pages (role ARN vs role-session ARN).
- Different owner (cross-account): the identity side must allow AND a resource-policy statement must
  grant the principal (by ARN, account or `*`).
A principal that is not an ARN (`pinpoint.amazonaws.com`) has no account and is never
cross-account; an empty principal stands for an unnamed principal of the resource's account.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

from auditor.evaluate.compiled import CompiledPolicy, CompiledStatement, GrantKind, compiled_policy
from auditor.evaluate.request import Decision, Request
from auditor.model.policy import Policy, Statement


@dataclass(frozen=True, slots=True)
class MatchedStatement:
    policy_label: str
    statement: Statement


@dataclass(frozen=True, slots=True)
class Evaluation:
    decision: Decision
    matched: tuple[MatchedStatement, ...]
    detail: str  # which statement decided (policy label + statement index/Sid), or why nothing did


def arn_account(arn: str) -> str | None:
    if not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    return (parts[4] or None) if len(parts) == 6 else None


def principal_account(principal: str) -> str | None:
    if principal.isdigit():
        return principal
    return arn_account(principal)


@functools.lru_cache(maxsize=256)
def _default_labels(identities: int, boundaries: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(f"identity_policies[{i}]" for i in range(identities)),
        tuple(f"permission_boundaries[{i}]" for i in range(boundaries)),
    )


def _labels(labels: Sequence[str] | None, identities: int, has_resource: bool, boundaries: int):
    """`labels` name the identity policies, or every policy: identities, resource policy, boundaries."""
    default_ids, default_bounds = _default_labels(identities, boundaries)
    if labels is None:
        return default_ids, "resource_policy", default_bounds
    labels = tuple(labels)
    if len(labels) == identities:
        return labels, "resource_policy", default_bounds
    if len(labels) == identities + has_resource + boundaries:
        rest = labels[identities:]
        resource_label = rest[0] if has_resource else "resource_policy"
        return labels[:identities], resource_label, rest[has_resource:]
    raise ValueError(f"{len(labels)} labels for {identities} identity policies, "
                     f"{int(has_resource)} resource policy and {boundaries} boundaries")


def _where(label: str, statement: Statement) -> str:
    return f"{label} statement {statement.label}"


class _Tally:
    """What the statements that apply to the request said."""

    __slots__ = ("matched", "deny", "allow")

    def __init__(self):
        self.matched: list[MatchedStatement] = []
        self.deny: tuple[str, Statement] | None = None
        self.allow: tuple[str, Statement] | None = None

    def note(self, label: str, st: CompiledStatement) -> None:
        self.matched.append(MatchedStatement(label, st.statement))
        if st.deny:
            if self.deny is None:
                self.deny = (label, st.statement)

    def scan(self, label: str, policy: CompiledPolicy, action: str, request: Request) -> bool:
        """Apply an identity or boundary policy; True when one of its Allows matched."""
        allowed = False
        resource, context = request.resource, request.context
        for st in policy.candidates(action):
            if st.resource_ok(resource, context, False) and st.conditions_ok(context):
                self.note(label, st)
                if not st.deny:
                    allowed = True
                    if self.allow is None:
                        self.allow = (label, st.statement)
        return allowed


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy],
    resource_policy: Policy | None = None,
    boundaries: Sequence[Policy] = (),
    *,
    labels: Sequence[str] | None = None,
) -> Evaluation:
    return evaluate_compiled(
        request,
        [compiled_policy(p) for p in identity_policies],
        None if resource_policy is None else compiled_policy(resource_policy),
        [compiled_policy(p) for p in boundaries],
        labels=labels,
    )


def evaluate_compiled(
    request: Request,
    identity_policies: Sequence[CompiledPolicy],
    resource_policy: CompiledPolicy | None = None,
    boundaries: Sequence[CompiledPolicy] = (),
    *,
    labels: Sequence[str] | None = None,
) -> Evaluation:
    """`evaluate` for callers that keep compiled policies (the batch runner, the scan)."""
    id_labels, rp_label, b_labels = _labels(labels, len(identity_policies), resource_policy is not None,
                                            len(boundaries))
    action = request.action.lower()
    tally = _Tally()
    for label, policy in zip(id_labels, identity_policies):
        tally.scan(label, policy, action, request)
    identity_allow = tally.allow
    outside_boundary = None
    for label, policy in zip(b_labels, boundaries):
        if not tally.scan(label, policy, action, request) and outside_boundary is None:
            outside_boundary = label

    principal = request.principal
    account = principal_account(principal)
    owner = request.resource_account or arn_account(request.resource) or account
    if account is None and not principal:
        account = owner
    grant: tuple[GrantKind, str, Statement] | None = None
    if resource_policy is not None:
        resource, context = request.resource, request.context
        for st in resource_policy.candidates(action):
            kind = st.principal_grant(principal, account, bool(boundaries))
            if kind is None or not (st.resource_ok(resource, context, True) and st.conditions_ok(context)):
                continue
            tally.note(rp_label, st)
            if not st.deny and (grant is None or kind > grant[0]):
                grant = (kind, rp_label, st.statement)

    matched = tuple(tally.matched)
    if tally.deny is not None:
        return Evaluation(Decision.EXPLICIT_DENY, matched, "explicitly denied by " + _where(*tally.deny))
    identity_ok = identity_allow is not None and outside_boundary is None
    if account is not None and owner is not None and account != owner:
        return _cross_account(matched, account, owner, identity_allow, identity_ok, outside_boundary, grant)
    if grant is not None and (
        grant[0] is GrantKind.DIRECT or (grant[0] is GrantKind.ROLE and outside_boundary is None)
    ):
        return Evaluation(Decision.ALLOWED, matched,
                          f"allowed by {_where(grant[1], grant[2])}, which names the principal")
    if identity_ok:
        within = " within the permissions boundary" if boundaries else ""
        return Evaluation(Decision.ALLOWED, matched, f"allowed by {_where(*identity_allow)}{within}")
    if identity_allow is not None:
        reason = f"{_where(*identity_allow)} allows it but permissions boundary {outside_boundary} does not"
    elif grant is not None and outside_boundary is not None and grant[0] is GrantKind.ROLE:
        reason = (f"{_where(grant[1], grant[2])} names the role but permissions boundary "
                  f"{outside_boundary} does not allow it")
    elif grant is not None:
        reason = (f"{_where(grant[1], grant[2])} names only the account, "
                  "which also needs an identity-policy allow; none allows it")
    else:
        reason = f"no statement allows {request.action} on {request.resource}"
    return Evaluation(Decision.IMPLICIT_DENY, matched, reason)


def _cross_account(matched, account, owner, identity_allow, identity_ok, outside_boundary, grant) -> Evaluation:
    head = f"cross-account request (principal account {account}, resource account {owner})"
    if identity_ok and grant is not None:
        return Evaluation(Decision.ALLOWED, matched,
                          f"{head}: allowed by {_where(*identity_allow)} and {_where(grant[1], grant[2])}")
    if identity_allow is not None and outside_boundary is not None:
        identity_side = f"permissions boundary {outside_boundary} does not allow it"
    elif identity_allow is None:
        identity_side = "no identity policy allows it"
    else:
        identity_side = f"{_where(*identity_allow)} allows it"
    resource_side = (f"{_where(grant[1], grant[2])} grants it" if grant is not None
                     else "no resource-policy statement grants it to the principal")
    return Evaluation(Decision.IMPLICIT_DENY, matched, f"{head} needs both sides: {identity_side}; {resource_side}")
