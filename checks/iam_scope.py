"""IAM004 and IAM010: actions granted on every resource where they could have been scoped."""
from __future__ import annotations

from typing import Iterator, Sequence

from auditor.analysis import docs
from auditor.analysis.actions import can_be_scoped, covered, grants_every_action, names, whole_services
from auditor.analysis.carveouts import carve_out
from auditor.analysis.describe import only_if, short_list, where
from auditor.analysis.memo import action_and_resource_lists, per_content
from auditor.analysis.resources import Breadth, breadth
from auditor.analysis.walk import grants_resources, statement_hit, statements
from auditor.iam.knowledge import AccessLevel, ActionInfo, knowledge
from auditor.model.finding import Severity
from auditor.model.policy import Statement
from auditor.registry import Hit, PolicyContext, Subject, check

_CHANGES = (AccessLevel.WRITE, AccessLevel.TAGGING, AccessLevel.PERMISSIONS)

# Reads that return customer data rather than configuration: object and message content, secrets,
# and recipients' addresses. The catalogue's Read level alone would also catch harmless
# configuration reads (ses:GetAccount), so the data plane is named here, one family per line.
DATA_READS = frozenset(name.lower() for name in (
    "s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions",  # objects and their names
    "ses:GetArchiveMessage", "ses:GetArchiveMessageContent", "ses:GetArchiveSearchResults",  # archived mail
    "ses:GetArchiveExport", "ses:GetMessageInsights",
    "ses:GetContact", "ses:ListContacts", "ses:GetMemberOfAddressList",  # recipients' addresses
    "ses:ListMembersOfAddressList", "ses:GetSuppressedDestination", "ses:ListSuppressedDestinations",
    "ses:GetEmailAddressInsights",
    "secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",  # secrets
    "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory",
    "kms:Decrypt",  # plaintext of anything encrypted with the key
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",  # table rows
    "kinesis:GetRecords", "sqs:ReceiveMessage",  # stream and queue payloads
    "logs:GetLogEvents", "logs:FilterLogEvents",  # log lines
))


def _broad_grants(statement: Statement, wanted, at_least: Breadth) -> tuple[tuple[ActionInfo, ...], tuple[str, ...]]:
    """Actions passing `wanted` that the statement grants on Resource patterns at least `at_least`
    broad, and those patterns. Services granted whole are IAM002's finding, not repeated here."""
    if statement.not_action or grants_every_action(statement):
        return (), ()
    broad = tuple(r for r in grants_resources(statement) if breadth(r) >= at_least)
    if not broad:
        return (), ()
    whole = whole_services(statement)
    k = knowledge()
    found = [
        a for a in covered(statement)
        if a.service not in whole and wanted(a) and any(k.action_applies_to_arn(a, r) for r in broad)
    ]
    return tuple(found), broad


@per_content(action_and_resource_lists)
def _writes_on_all(statement: Statement):
    # Every resource of one type (`network-interface/*`) is how a Create is scoped when the new
    # ARN is not known yet, usually with a request-tag condition: only `*` and account-wide count.
    return _broad_grants(statement, lambda a: a.access_level in _CHANGES and can_be_scoped(a), Breadth.SERVICE_WIDE)


@per_content(action_and_resource_lists)
def _data_reads_on_all(statement: Statement):
    # Every secret or every object (`secret:*`, `*/*`) reads as much data as `*`.
    return _broad_grants(statement, lambda a: a.full.lower() in DATA_READS, Breadth.TYPE_WIDE)


def _hit(subject: Subject, statement: Statement, actions: Sequence[ActionInfo], broad: tuple[str, ...], *,
         what: str, advice: str, key: str, severity: Severity | None = None) -> Hit:
    listed = names(actions)
    message = (
        f"{where(subject, statement)} allows {what} {short_list(listed)} on {', '.join(broad)}"
        f"{only_if(statement, identity=True)}. {advice}"
    )
    return statement_hit(message, statement, actions=listed, resources=broad,
                         severity=severity, evidence=(("actions", ", ".join(listed)), ("resources", ", ".join(broad))), key=key)


@check(
    "IAM004", "write-on-all-resources", Severity.MEDIUM, "Write or Tagging actions on every resource",
    rationale=(
        "Write and Tagging actions that work on specific resource types can be limited to the resources "
        "a job touches (one Pinpoint project, one configuration set). Granting them on `*` or on every "
        "resource of the account lets a mistake or a stolen session change everything, including "
        "resources created later. Permissions management actions (resource policies, IAM) on every "
        "resource are high: they change who can do what."
    ),
    remediation=(
        "Name the resource ARNs (for Pinpoint, arn:aws:mobiletargeting:REGION:ACCOUNT:apps/PROJECT and "
        "apps/PROJECT/*, as in the single-project examples)."
    ),
    doc_url=docs.SEED_PAGE,
)
def write_on_all_resources(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        actions, broad = _writes_on_all(statement)
        actions = carve_out(ctx.policy, statement).keeps(actions)  # what a Deny beside it takes back
        permissions = [a for a in actions if a.access_level is AccessLevel.PERMISSIONS]
        writes = [a for a in actions if a.access_level is not AccessLevel.PERMISSIONS]
        if permissions:
            yield _hit(ctx.subject, statement, permissions, broad, what="Permissions management actions",
                       advice="They change who can access what; name the resources they may change.",
                       key="permissions", severity=Severity.HIGH)
        if writes:
            yield _hit(ctx.subject, statement, writes, broad, what="Write/Tagging actions",
                       advice="These actions can be limited to specific resources; name them.", key="write")


@check(
    "IAM010", "sensitive-read-on-all", Severity.MEDIUM, "Data-reading actions on every resource",
    rationale=(
        "Wildcards such as s3:List* and ses:Get* look like harmless console reads but expand to reading "
        "customer data: listing every object of every bucket, archived mail content, message insights "
        "and recipients' addresses. The documented console policies grant them on `*`; on a real "
        "account that is read access to all mail archives and buckets."
    ),
    remediation=(
        "Grant the configuration reads the console needs by name (ses:GetAccount, s3:ListAllMyBuckets) "
        "and the data reads only on the buckets, archives or contact lists the job uses."
    ),
    doc_url=docs.SEED_PAGE,
)
def sensitive_read_on_all(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        actions, broad = _data_reads_on_all(statement)
        actions = carve_out(ctx.policy, statement).keeps(actions)
        if actions:
            yield _hit(ctx.subject, statement, actions, broad, what="reading customer data with",
                       advice="That reads or lists every object, message or secret they reach; grant data reads on named "
                              "resources only.",
                       key="data-read")
