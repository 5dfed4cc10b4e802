"""IAM001-IAM003: grants that are not least privilege by construction (everything, a whole
service, everything except)."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.actions import PRODUCT_SERVICES, covered, grants_every_action, names, sensitive, whole_services
from auditor.analysis.describe import conditions_text, only_if, plural, short_list, where
from auditor.analysis.holders import allowlisted, holders
from auditor.analysis.memo import action_list, per_content
from auditor.analysis.resources import Breadth, single_project, widest
from auditor.analysis.subjects import managed_policy_subject, principal_subject
from auditor.analysis.walk import statement_hit, statements
from auditor.model.finding import Severity
from auditor.model.policy import Effect, Policy, Statement
from auditor.registry import Hit, PolicyContext, Subject, check, scan_variant


def admin_hit(subject: Subject, statement: Statement) -> Hit | None:
    """IAM001's finding for one Allow statement, or None when it is not `*` on `*`."""
    if not grants_every_action(statement) or statement.not_resource or widest(statement.resources) is not Breadth.ALL:
        return None
    gate = only_if(statement, identity=True)
    message = (
        f"{where(subject, statement)} allows every action on every resource{gate}: full administrator "
        "access, including creating users, changing any policy and deleting every Pinpoint project, "
        "SMS/voice resource and SES identity. Grant the specific actions and resources the job needs."
    )
    return statement_hit(
        message, statement,
        severity=Severity.HIGH if statement.conditions else None,
        evidence=(("grant", "Action * on Resource *"),
                  ("only if", conditions_text(statement.conditions) if statement.conditions else "unconditional")),
        key="full-admin",
    )


@check(
    "IAM001", "full-admin", Severity.CRITICAL, "Allow * on *",
    rationale=(
        "A statement allowing every action on every resource makes its holder an administrator of the "
        "account: any leaked key or compromised session controls everything, and least-privilege review "
        "of Pinpoint, SMS/voice and SES access becomes meaningless. A condition (MFA, source IP) narrows "
        "when it applies but not what it grants, so a conditional grant is still reported (high)."
    ),
    remediation=(
        "Replace the statement with the actions and resources the job needs (start from the documented "
        "examples for Pinpoint, SMS/voice and SES). Keep full administrators few, list them in the "
        "config's admin_allowlist, and protect them with MFA."
    ),
    doc_url=docs.BEST_PRACTICES,
)
def full_admin(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        hit = admin_hit(ctx.subject, statement)
        if hit is not None:
            yield hit


def _admin_statements(policy: Policy) -> tuple[Statement, ...]:
    return tuple(s for s in policy.statements if s.effect is Effect.ALLOW and admin_hit(Subject(), s) is not None)


@scan_variant("IAM001")
def full_admin_in_account(scan) -> Iterator[Hit]:
    """Per principal, skipping the config's admin_allowlist and noting a limiting boundary; plus
    customer managed policies attached to nobody (one attachment away from an administrator)."""
    inventory = scan.inventory
    admin: dict[int, tuple[Statement, ...]] = {}  # per document: principals share most of them

    def admin_statements(policy: Policy) -> tuple[Statement, ...]:
        found = admin.get(id(policy))
        if found is None:
            found = admin[id(policy)] = _admin_statements(policy)
        return found

    for holder in holders(inventory):
        limited = holder.boundary is not None and not admin_statements(holder.boundary.policy)
        for ref in holder.policies:
            for statement in admin_statements(ref.policy):
                for principal in holder.principals:
                    if allowlisted(principal.arn, scan.options.admin_allowlist):
                        continue
                    hit = admin_hit(principal_subject(inventory, principal, ref), statement)
                    if ref.via:
                        hit = replace(hit, message=f"{hit.message} ({principal.name} has it through {ref.via.replace(':', ' ', 1)}.)")
                    if limited:
                        hit = replace(hit, severity=Severity.HIGH, message=(
                            f"{hit.message} Its permissions boundary \"{holder.boundary.name}\" caps what it can use."))
                    yield replace(hit, subject=principal_subject(inventory, principal, ref))
    boundaries = {p.boundary_arn for p in inventory.principals if p.boundary_arn}
    for managed in inventory.managed_policies:
        if managed.aws_managed or managed.attachment_count or managed.arn in boundaries:
            continue  # a boundary that allows everything caps nothing, but grants nothing either
        subject = managed_policy_subject(inventory, managed)
        for statement in _admin_statements(managed.ref.policy):
            hit = admin_hit(subject, statement)
            yield replace(hit, subject=subject, message=f"{hit.message} (Attached to nobody today; delete it.)")


@check(
    "IAM002", "service-wildcard", Severity.HIGH, "Allow svc:* (every action of a service)",
    rationale=(
        "`svc:*` grants every present and future action of the service, including Permissions management "
        "(sms-voice:PutResourcePolicy) and destructive actions (mobiletargeting:DeleteApp). The documented "
        "administrator examples do this on purpose; everyone else needs a list. Limited to one Pinpoint "
        "project (as in the IP- and tag-restricted examples) the blast radius is one project: medium."
    ),
    remediation=(
        "List the actions the job needs (for example mobiletargeting:Get*, List*, Create*, Update*, Put* "
        "as in the limited-write example) and scope Resource to the project ARNs. Reserve svc:* for the "
        "few administrators of that service."
    ),
    doc_url=docs.SEED_PAGE,
)
def service_wildcard(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        if grants_every_action(statement):
            continue  # IAM001's case
        for service, patterns in whole_services(statement).items():
            yield _service_hit(ctx.subject, statement, service, patterns)


@per_content(action_list)
def _expansion(statement: Statement, service: str) -> tuple[int, tuple[str, ...]]:
    every = covered(statement, (service,))
    return len(every), names(sensitive(every))


def _service_hit(subject: Subject, statement: Statement, service: str, patterns: tuple[str, ...]) -> Hit:
    count, risky = _expansion(statement, service)
    project = single_project(statement.resources)
    scope = f"project {project} only" if project else widest(statement.resources).label
    gate = only_if(statement, identity=True)
    message = (
        f"{where(subject, statement)} allows every {service} action ({' '.join(patterns)}: "
        f"{plural(count, 'action')}, including {short_list(risky, 5) or 'all writes'}) on "
        f"{', '.join(statement.resources or ('(no resource)',))}{gate}. List only the actions the job needs."
    )
    return statement_hit(
        message, statement, actions=patterns + risky,
        severity=Severity.MEDIUM if project else None,
        evidence=(("service", service), ("expanded actions", str(count)),
                  ("sensitive actions", ", ".join(risky)), ("scope", scope)),
        key=service,
    )


@check(
    "IAM003", "allow-not-action-or-resource", Severity.HIGH, "Allow with NotAction or NotResource",
    rationale=(
        "An Allow with NotAction grants every action that is not listed, including actions of services "
        "the author never thought about and actions AWS adds later; an Allow with NotResource grants the "
        "actions on every resource except those listed, including resources created later."
    ),
    remediation="Rewrite the statement with Action and Resource lists; use a separate Deny statement for exceptions.",
    doc_url=docs.NOT_ACTION,
)
def allow_not_action(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in statements(ctx):
        if statement.not_action:
            yield _not_action_hit(ctx.subject, statement)
        if statement.not_resource:
            yield _not_resource_hit(ctx.subject, statement)


def _not_action_hit(subject: Subject, statement: Statement) -> Hit:
    left = covered(statement, PRODUCT_SERVICES)
    counts = ", ".join(
        f"{sum(1 for a in left if a.service == s)} {s}" for s in PRODUCT_SERVICES
    )
    risky = names(sensitive(left))
    resources = statement.resources or ()
    on = "every resource except " if statement.not_resource else ""
    message = (
        f"{where(subject, statement)} allows every action except {', '.join(statement.actions)} on "
        f"{on}{', '.join(resources) or '(no resource)'}{only_if(statement, identity=True)}: that is every action of "
        f"every other service, including {counts} actions (for example {short_list(risky, 5) or 'none sensitive'}). "
        "List the actions that are needed instead."
    )
    return statement_hit(message, statement, actions=risky,
                         evidence=(("NotAction", ", ".join(statement.actions)), ("product actions left in", counts),
                                   ("sensitive actions", ", ".join(risky))),
                         key="NotAction")


def _not_resource_hit(subject: Subject, statement: Statement) -> Hit:
    resources = statement.resources or ()
    message = (
        f"{where(subject, statement)} allows {', '.join(statement.actions)} on every resource except "
        f"{', '.join(resources)}{only_if(statement, identity=True)}, including resources created later. "
        "Name the resources that are needed instead."
    )
    return statement_hit(message, statement, evidence=(("NotResource", ", ".join(resources)),), key="NotResource")
