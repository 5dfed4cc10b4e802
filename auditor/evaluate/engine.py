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
from typing import Any, Sequence

from auditor.evaluate.compiled import NEVER, CompiledPolicy, CompiledStatement, Context, GrantKind, compiled_policy
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


_ACCOUNT_CACHE_LIMIT = 65536
# Account of a principal or resource ARN, per text: a batch asks about the same few thousand
# principals and resources again and again.
_accounts: dict[str, str | None] = {}
_principal_accounts: dict[str, str | None] = {}
_UNKNOWN: Any = object()  # not in the cache yet (None is a cached answer)


def arn_account(arn: str) -> str | None:
    account = _accounts.get(arn, _UNKNOWN)
    if account is _UNKNOWN:
        account = _remember_account(_accounts, arn, _arn_account(arn))
    return account


def _arn_account(arn: str) -> str | None:
    if not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    return (parts[4] or None) if len(parts) == 6 else None


def principal_account(principal: str) -> str | None:
    account = _principal_accounts.get(principal, _UNKNOWN)
    if account is _UNKNOWN:
        account = _remember_account(_principal_accounts, principal,
                                    principal if principal.isdigit() else _arn_account(principal))
    return account


def _remember_account(cache: dict[str, str | None], text: str, account: str | None) -> str | None:
    if len(cache) >= _ACCOUNT_CACHE_LIMIT:
        cache.clear()
    cache[text] = account
    return account


@functools.lru_cache(maxsize=256)
def default_labels(identities: int, boundaries: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The labels of unnamed policies: `identity_policies[0]`, ..., `permission_boundaries[0]`, ..."""
    return (
        tuple(f"identity_policies[{i}]" for i in range(identities)),
        tuple(f"permission_boundaries[{i}]" for i in range(boundaries)),
    )


def _labels(labels: Sequence[str] | None, identities: int, has_resource: bool, boundaries: int):
    """`labels` name the identity policies, or every policy: identities, resource policy, boundaries."""
    default_ids, default_bounds = default_labels(identities, boundaries)
    if labels is None:
        return default_ids, RESOURCE_POLICY_LABEL, default_bounds
    labels = tuple(labels)
    if len(labels) == identities:
        return labels, RESOURCE_POLICY_LABEL, default_bounds
    if len(labels) == identities + has_resource + boundaries:
        rest = labels[identities:]
        resource_label = rest[0] if has_resource else RESOURCE_POLICY_LABEL
        return labels[:identities], resource_label, rest[has_resource:]
    raise ValueError(f"{len(labels)} labels for {identities} identity policies, "
                     f"{int(has_resource)} resource policy and {boundaries} boundaries")


RESOURCE_POLICY_LABEL = "resource_policy"


_ALLOWED, _IMPLICIT_DENY, _EXPLICIT_DENY = Decision.ALLOWED, Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY
_DIRECT, _ROLE = GrantKind.DIRECT, GrantKind.ROLE


def _where(label: str, statement: Statement) -> str:
    return f"{label} statement {statement.label}"


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
    policies = PolicySet(identity_policies, resource_policy, boundaries, id_labels, rp_label, b_labels)
    matched: list[MatchedStatement] = []
    decision, detail = decide(request.principal, request.action, request.resource, request.context,
                              request.resource_account, policies, matched)
    return Evaluation(decision, tuple(matched), detail)


_PLAN_LIMIT = 32  # actions whose plan a PolicySet keeps (cases of a set of policies use few actions)


class PolicySet:
    """The compiled policies a request is decided against, with the labels details name them by.

    What an action needs of them (each policy's candidate statements) is worked out once per
    action as written: the batch runner keeps one set per distinct set of policies of its cases,
    and most of their policies have no statement for most actions.
    """

    __slots__ = ("identities", "resource_policy", "boundaries", "id_labels", "rp_label", "b_labels", "plans")

    def __init__(self, identities: Sequence[CompiledPolicy], resource_policy: CompiledPolicy | None,
                 boundaries: Sequence[CompiledPolicy], id_labels: Sequence[str], rp_label: str,
                 b_labels: Sequence[str]):
        self.identities, self.resource_policy, self.boundaries = identities, resource_policy, boundaries
        self.id_labels, self.rp_label, self.b_labels = id_labels, rp_label, b_labels
        self.plans: dict[str, _Plan] = {}  # read directly by decide

    def plan(self, action: str) -> _Plan:
        """(identity policies with candidates, every boundary, resource-policy candidates, whether
        one of them reads the request context): the first two as (label, candidates) pairs."""
        lower = action.lower()
        identities = []
        reads = False
        for label, policy in zip(self.id_labels, self.identities):
            candidates = policy.by_action.get(lower)
            if candidates is None:
                candidates = policy.candidates(lower)
            if candidates:
                identities.append((label, candidates))
                reads = reads or _reads_context(candidates)
        boundaries = []
        for label, policy in zip(self.b_labels, self.boundaries):
            candidates = policy.candidates(lower)
            boundaries.append((label, candidates))
            reads = reads or _reads_context(candidates)
        resource = ()
        if self.resource_policy is not None:
            resource = self.resource_policy.candidates(lower)
            reads = reads or _reads_context(resource)
        if len(self.plans) >= _PLAN_LIMIT:
            self.plans.clear()
        plan = self.plans[action] = (identities, boundaries, resource, reads)
        return plan


_Plan = tuple


def _reads_context(candidates: Sequence[CompiledStatement]) -> bool:
    for st in candidates:
        if st.reads_context:
            return True
    return False


def decide(
    principal: str,
    action: str,
    resource: str,
    context: Context,
    resource_account: str | None,
    policies: PolicySet,
    matched: list[MatchedStatement] | None,
) -> tuple[Decision, str]:
    """The decision and its detail for a request given as its parts (see `Request`): the batch
    runner calls this once per case, without building a Request or an Evaluation. `matched`,
    when not None, receives every statement that applied, in evaluation order. Only statements
    that read the context look at `context` (the plan of the action says whether one does): a
    caller that knows none does need not build it."""
    plan = policies.plans.get(action)
    if plan is None:
        plan = policies.plan(action)
    identity_plan, boundary_plan, resource_candidates, _ = plan
    deny: tuple[str, Statement] | None = None
    identity_allow: tuple[str, Statement] | None = None
    for label, candidates in identity_plan:
        denied, allowed = _applying(label, candidates, resource, context, matched)
        if denied is not None and deny is None:
            deny = (label, denied)
        if allowed is not None and identity_allow is None:
            identity_allow = (label, allowed)
    outside_boundary = None
    for label, candidates in boundary_plan:
        denied, allowed = _applying(label, candidates, resource, context, matched) if candidates else (None, None)
        if denied is not None and deny is None:
            deny = (label, denied)
        if allowed is None and outside_boundary is None:
            outside_boundary = label

    account = _principal_accounts.get(principal, _UNKNOWN)
    if account is _UNKNOWN:
        account = principal_account(principal)
    owner = resource_account
    if not owner:
        owner = _accounts.get(resource, _UNKNOWN)
        if owner is _UNKNOWN:
            owner = arn_account(resource)
        owner = owner or account
    if account is None and not principal:
        account = owner
    grant: tuple[GrantKind, str, Statement] | None = None
    if resource_candidates:
        rp_label, has_boundary = policies.rp_label, bool(boundary_plan)
        for st in resource_candidates:
            kind = st.principal_grant(principal, account, has_boundary)
            if kind is None or not (st.resource_ok(resource, context, True) and st.conditions_ok(context)):
                continue
            if matched is not None:
                matched.append(MatchedStatement(rp_label, st.statement))
            if st.deny:
                if deny is None:
                    deny = (rp_label, st.statement)
            elif grant is None or kind > grant[0]:
                grant = (kind, rp_label, st.statement)

    if deny is not None:
        return _EXPLICIT_DENY, "explicitly denied by " + _where(*deny)
    identity_ok = identity_allow is not None and outside_boundary is None
    if account is not None and owner is not None and account != owner:
        return _cross_account(account, owner, identity_allow, identity_ok, outside_boundary, grant)
    if grant is not None and (
        grant[0] is _DIRECT or (grant[0] is _ROLE and outside_boundary is None)
    ):
        return _ALLOWED, f"allowed by {_where(grant[1], grant[2])}, which names the principal"
    if identity_ok:
        within = " within the permissions boundary" if boundary_plan else ""
        return _ALLOWED, f"allowed by {_where(*identity_allow)}{within}"
    if identity_allow is not None:
        reason = f"{_where(*identity_allow)} allows it but permissions boundary {outside_boundary} does not"
    elif grant is not None and outside_boundary is not None and grant[0] is _ROLE:
        reason = (f"{_where(grant[1], grant[2])} names the role but permissions boundary "
                  f"{outside_boundary} does not allow it")
    elif grant is not None:
        reason = (f"{_where(grant[1], grant[2])} names only the account, "
                  "which also needs an identity-policy allow; none allows it")
    else:
        reason = f"no statement allows {action} on {resource}"
    return _IMPLICIT_DENY, reason


def _applying(label: str, candidates: Sequence[CompiledStatement], resource: str, context: Context,
              matched: list[MatchedStatement] | None) -> tuple[Statement | None, Statement | None]:
    """The first Deny and the first Allow among an identity or boundary policy's candidate
    statements that apply to the request (a statement's Principal is not looked at)."""
    deny = allow = None
    for st in candidates:
        # identity_test: None when the statement applies to every request, NEVER when to none.
        test = st.identity_test
        if test is not None and (test is NEVER or not test(resource, context)):
            continue
        if matched is not None:
            matched.append(MatchedStatement(label, st.statement))
        if st.deny:
            if deny is None:
                deny = st.statement
        elif allow is None:
            allow = st.statement
    return deny, allow


def _cross_account(account, owner, identity_allow, identity_ok, outside_boundary, grant) -> tuple[Decision, str]:
    head = f"cross-account request (principal account {account}, resource account {owner})"
    if identity_ok and grant is not None:
        return _ALLOWED, f"{head}: allowed by {_where(*identity_allow)} and {_where(grant[1], grant[2])}"
    if identity_allow is not None and outside_boundary is not None:
        identity_side = f"permissions boundary {outside_boundary} does not allow it"
    elif identity_allow is None:
        identity_side = "no identity policy allows it"
    else:
        identity_side = f"{_where(*identity_allow)} allows it"
    resource_side = (f"{_where(grant[1], grant[2])} grants it" if grant is not None
                     else "no resource-policy statement grants it to the principal")
    return _IMPLICIT_DENY, f"{head} needs both sides: {identity_side}; {resource_side}"
