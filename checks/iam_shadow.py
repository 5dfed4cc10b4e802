"""IAM007: a conditioned Allow that an unconditioned Allow already covers."""
from __future__ import annotations

from typing import Callable, Iterator

from auditor.analysis import docs
from auditor.analysis.describe import conditions_text, short_list, statement_ref, where
from auditor.analysis.holders import holders
from auditor.analysis.memo import per_object
from auditor.analysis.shadow import Shadow, is_candidate, shadow_within, shadows_across
from auditor.analysis.subjects import principal_subject, via_text
from auditor.analysis.walk import statement_hit, statements
from auditor.engine import policy_contexts
from auditor.model.finding import Severity
from auditor.model.policy import Statement
from auditor.registry import Hit, PolicyContext, Subject, check, scan_variant


def _described(shadow: Shadow, name_by: Callable[[int, Statement], str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What covers the statement, and the evidence: the same for every principal of one holder."""
    by = "; ".join(name_by(i, st) for i, st in shadow.by) or "other statements"
    return by, (("covered by", by), ("actions allowed anyway", ", ".join(shadow.actions)))


@per_object()
def _described_within(shadow: Shadow) -> tuple[str, tuple[tuple[str, str], ...]]:
    # One document's shadow is shared by every holder of the document (shadow_within caches it).
    return _described(shadow, lambda i, st: statement_ref(st))


def _hit(subject: Subject, shadow: Shadow, described: tuple[str, tuple[tuple[str, str], ...]]) -> Hit:
    s = shadow.statement
    actions = shadow.actions
    share = "all" if shadow.complete else f"{len(actions)} of the {shadow.total}"
    by, evidence = described
    message = (
        f"{where(subject, s)} allows its actions only if {conditions_text(s.conditions)}, but {by} already "
        f"allows {share} of them ({short_list(actions, 5)}) on {', '.join(s.resources or ())} with no condition, "
        "so the condition restricts nothing there. Narrow or remove the unconditioned grant (or give it the same "
        "condition)."
    )
    return statement_hit(message, s, actions=actions, severity=None if shadow.complete else Severity.MEDIUM,
                         evidence=evidence, key="shadowed", subject=subject)


@check(
    "IAM007", "shadowed-condition", Severity.HIGH, "Conditioned Allow covered by an unconditioned Allow",
    rationale=(
        "A condition (a tag, an IP range, MFA) protects only if nothing else allows the same request "
        "without it; when only some of the statement's actions are covered, the finding is medium. In the documented tag-based view example, statement ListResources already allows "
        "mobiletargeting:Get* and List* on every resource, so ViewResourceIfOwner's Owner-tag condition "
        "restricts nothing. The same happens across policies: a group policy or a second managed policy "
        "can silently cancel a carefully conditioned one."
    ),
    remediation=(
        "Narrow the unconditioned statement to what must work without the condition (for the console: "
        "mobiletargeting:GetApps on arn:aws:mobiletargeting:REGION:ACCOUNT:*), or give it the same condition."
    ),
    doc_url=docs.SEED_PAGE,
    cost=8,  # its account-wide form matches every conditioned Allow against every principal's policies
)
def shadowed_condition(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        if not is_candidate(statement):
            continue
        shadow = shadow_within(ctx.policy, statement, ctx.partition or "aws")
        if shadow is not None:
            yield _hit(ctx.subject, shadow, _described_within(shadow))


@scan_variant("IAM007")
def shadowed_condition_in_account(scan) -> Iterator[Hit]:
    """Each document on its own (as lint does), then across the policies reaching each principal,
    within its permissions boundary."""
    for pctx in policy_contexts(scan.inventory, scan.options):
        yield from shadowed_condition(pctx)
    partition = scan.inventory.partition or "aws"
    for holder in holders(scan.inventory):
        for shadow in shadows_across(holder.documents, holder.boundaries, partition):
            ref = holder.policies[shadow.policy_index]
            described = _described(shadow, lambda i, st: f"{via_text(holder.policies[i])} {statement_ref(st)}")
            for principal in holder.principals:
                yield _hit(principal_subject(scan.inventory, principal, ref), shadow, described)
