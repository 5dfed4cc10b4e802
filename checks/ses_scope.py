"""SES003, SES005, SES006: what an SES identity policy grants, and whether its source conditions
point at the identity's own account, partition, region and existing projects."""
from __future__ import annotations

import re
from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.actions import covered, names, sensitive
from auditor.analysis.conditions import SOURCE_ACCOUNT, SOURCE_ARN, values_for
from auditor.analysis.describe import grant_text, plural, short_list, where
from auditor.analysis.principals import principals_of
from auditor.analysis.resources import reaches
from auditor.analysis.ses import SENDING, SENDING_ACTIONS, concrete, identity_arns, owner_account, ses_statements
from auditor.analysis.walk import statement_hit
from auditor.iam.arns import split_arn
from auditor.model.finding import PolicyType, Severity
from auditor.model.inventory import CoverageStatus, Inventory
from auditor.model.policy import Effect, Statement
from auditor.registry import Hit, PolicyContext, Scope, Subject, check


def _beyond_sending(statement: Statement, partition: str):
    # Action or NotAction (every SES action but those listed), on the statement's Resource or NotResource.
    granted = [a for a in covered(statement, ("ses",)) if reaches(statement, a, partition)]
    return tuple(a for a in granted if a.full.lower() not in SENDING)


@check(
    "SES003", "broad-identity-actions", Severity.MEDIUM, "SES identity policy grants more than sending",
    rationale=(
        "A delegate (another account, or Amazon Pinpoint) only needs to send through the identity. The "
        "documented Pinpoint example grants ses:*, which on an identity ARN also covers deleting the "
        "identity, changing its DKIM and MAIL FROM settings and rewriting its policies."
    ),
    remediation='Grant only the sending actions: "Action": ["ses:SendEmail", "ses:SendRawEmail"].',
    doc_url=docs.SEED_PAGE,
)
def broad_identity_actions(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ses_statements(ctx):
        extra = _beyond_sending(statement, ctx.partition or "aws")
        if not extra:
            continue
        listed = names(sensitive(extra)) + tuple(n for n in names(extra) if n not in names(sensitive(extra)))
        who = ", ".join(p.value for p in principals_of(statement)) or "the principals"
        message = (
            f"{where(ctx.subject, statement)} grants {who} {grant_text(statement)}: "
            f"{plural(len(extra), 'action')} beyond sending, such as "
            f"{short_list(listed, 5)}. Sending needs only {SENDING_ACTIONS[0]} and {SENDING_ACTIONS[1]}."
        )
        yield statement_hit(message, statement, actions=listed, condition_keys=(),
                            evidence=(("beyond sending", ", ".join(listed)), ("suggested", ", ".join(SENDING_ACTIONS[:2]))),
                  key="beyond-sending")


def _mismatches(ctx: PolicyContext, statement: Statement) -> list[str]:
    own, trusted = owner_account(ctx), ctx.options.trusted_accounts
    identities = identity_arns(ctx, statement)
    partitions = {p.partition for p in identities} or ({ctx.partition} if ctx.partition else set())
    regions = {p.region for p in identities if concrete(p.region)}
    problems: list[str] = []

    def foreign(account: str) -> bool:
        return bool(own) and concrete(account) and account != own and account not in trusted

    for clause, value in values_for(statement, SOURCE_ACCOUNT):
        if foreign(value):
            problems.append(f"aws:SourceAccount {value} is not the identity's owner account {own}")
    for clause, value in values_for(statement, SOURCE_ARN):
        parts = split_arn(value)
        if parts is None:
            continue
        if foreign(parts.account):
            problems.append(f"aws:SourceArn {value} is in account {parts.account}, not the owner account {own}")
        if partitions and concrete(parts.partition) and parts.partition not in partitions:
            problems.append(f"aws:SourceArn {value} is in partition {parts.partition}, the identity in {', '.join(sorted(partitions))}")
        if regions and concrete(parts.region) and parts.region not in regions:
            problems.append(f"aws:SourceArn {value} is in region {parts.region}, the identity in {', '.join(sorted(regions))}")
    return problems


@check(
    "SES005", "source-condition-mismatch", Severity.HIGH, "aws:SourceAccount/aws:SourceArn do not match the identity",
    rationale=(
        "aws:SourceAccount and aws:SourceArn should name the account (and the Pinpoint projects) that send "
        "through the identity. Another account there delegates your identity to it; an ARN in another "
        "partition or region can never match a Pinpoint project that uses this identity, so the intended "
        "sender is refused (as when the GovCloud example is copied into a commercial-region identity)."
    ),
    remediation=(
        "Use the identity owner's account id and the ARN of its own Pinpoint projects, in the identity's "
        "partition and region (arn:aws:mobiletargeting:REGION:ACCOUNT:apps/PROJECT)."
    ),
    doc_url=docs.SEED_PAGE,
)
def source_condition_mismatch(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ses_statements(ctx):
        problems = _mismatches(ctx, statement)
        if problems:
            message = (
                f"{where(ctx.subject, statement)}: {'; '.join(problems)}. The condition must name the identity's "
                "own account and projects in its partition and region."
            )
            yield statement_hit(message, statement, evidence=tuple(("mismatch", p) for p in problems),
                                key="|".join(problems))


_PROJECT = re.compile(r"^apps/([^/*?$]+)(?:/.*)?$")


def _projects_known(inventory: Inventory, region: str) -> bool:
    """Whether the inventory read the Pinpoint projects of `region` completely."""
    entries = [c for c in inventory.coverage if c.family.lower().startswith("pinpoint:getapps") and c.region == region]
    if entries:
        return all(c.status is CoverageStatus.OK for c in entries)
    return region in inventory.regions


@check(
    "SES006", "stale-source-arn", Severity.LOW, "aws:SourceArn names a Pinpoint project that does not exist",
    rationale=(
        "An identity policy that allows a project that was deleted (or never existed) is a leftover: it "
        "no longer serves the sender it was written for, and the reader cannot tell which project should "
        "send through the identity."
    ),
    remediation="Point aws:SourceArn at the project that sends through this identity, or remove the statement.",
    doc_url=docs.SEED_PAGE,
    scope=Scope.INVENTORY,
)
def stale_source_arn(scan) -> Iterator[Hit]:
    inventory: Inventory = scan.inventory
    existing = {(p.account_id, p.region, p.app_id) for p in inventory.pinpoint_projects}
    for identity in inventory.ses_identities:
        for ref in identity.policies:
            subject = Subject(account_id=identity.account_id, region=identity.region,
                              resource_type="AWS::SES::EmailIdentity", resource_arn=identity.arn,
                              policy_name=ref.name, policy_type=PolicyType.RESOURCE, policy_ref=ref.ref)
            for statement in ref.policy.statements:
                if statement.effect is not Effect.ALLOW:
                    continue
                for _, value in values_for(statement, SOURCE_ARN):
                    parts = split_arn(value)
                    m = _PROJECT.match(parts.resource) if parts is not None and parts.service == "mobiletargeting" else None
                    if m is None or parts.account != inventory.account_id or not concrete(parts.region):
                        continue
                    if (parts.account, parts.region, m.group(1)) in existing or not _projects_known(inventory, parts.region):
                        continue
                    message = (
                        f'SES identity {identity.name} policy "{ref.name}" statement {statement.label} allows '
                        f"Pinpoint project {m.group(1)} (aws:SourceArn {value}), but account {parts.account} has no "
                        f"such project in {parts.region}. Point it at the project that sends, or remove the statement."
                    )
                    yield Hit(message, statement, resources=(value,), condition_keys=("aws:SourceArn",),
                              evidence=(("missing project", m.group(1)), ("region", parts.region)),
                              subject=subject, key=value)
