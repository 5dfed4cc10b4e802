"""IAM001-IAM003: grants that are not least privilege by construction (everything, a whole
service, everything except)."""
from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.actions import (
    PRODUCT_SERVICES, covered, grants_every_action, is_write, matches_every_action, names, sensitive,
    services_on_resources, whole_services,
)
from auditor.analysis.carveouts import NO_CARVE_OUT, CarveOut, carve_out
from auditor.analysis.describe import conditions_text, only_if, plural, short_list, where
from auditor.analysis.holders import allowlisted, holders
from auditor.analysis.memo import action_and_resource_lists, action_list, per_content
from auditor.analysis.resources import Breadth, request_arns, single_project, widest
from auditor.analysis.subjects import managed_policy_subject, principal_subject
from auditor.analysis.walk import statement_hit, statements
from auditor.iam.arns import is_star
from auditor.iam.knowledge import ActionInfo, knowledge
from auditor.model.finding import Severity
from auditor.model.policy import Effect, Policy, Statement
from auditor.registry import Hit, PolicyContext, Subject, check, scan_variant


def is_admin(statement: Statement, carve: CarveOut = NO_CARVE_OUT) -> bool:
    """`*` on `*`, still open-ended after the same document's Denies: a Deny of some services
    (`iam:*`) leaves an administrator of everything else, including services AWS adds later; a
    Deny of every service but some (`NotAction ses:*`) leaves grants of those services (IAM002)."""
    return (grants_every_action(statement) and not statement.not_resource
            and widest(statement.resources) is Breadth.ALL and not carve.closes(None))


def admin_hit(subject: Subject, statement: Statement, carve: CarveOut = NO_CARVE_OUT) -> Hit | None:
    """IAM001's finding for one Allow statement, or None when it is not `*` on `*`."""
    if not is_admin(statement, carve):
        return None
    gate = only_if(statement, identity=True)
    if carve:
        message = (
            f"{where(subject, statement)} allows every action on every resource except what {carve.label} "
            f"denies{gate}: administrator access to everything else, including every service AWS adds later. "
            "Grant the specific actions and resources the job needs."
        )
    else:
        message = (
            f"{where(subject, statement)} allows every action on every resource{gate}: full administrator "
            "access, including creating users, changing any policy and deleting every Pinpoint project, "
            "SMS/voice resource and SES identity. Grant the specific actions and resources the job needs."
        )
    evidence = (("grant", "Action * on Resource *"),
                ("only if", conditions_text(statement.conditions) if statement.conditions else "unconditional"))
    if carve:
        evidence += (("except", carve.label),)
    return statement_hit(
        message, statement,
        severity=Severity.HIGH if statement.conditions else None,
        evidence=evidence,
        key="full-admin",
    )


@check(
    "IAM001", "full-admin", Severity.CRITICAL, "Allow * on *",
    rationale=(
        "A statement allowing every action on every resource makes its holder an administrator of the "
        "account: any leaked key or compromised session controls everything, and least-privilege review "
        "of Pinpoint, SMS/voice and SES access becomes meaningless. A condition (MFA, source IP) narrows "
        "when it applies but not what it grants, so a conditional grant is still reported (high). An "
        "unconditioned Deny of the same document that leaves every service AWS adds later allowed "
        "(`Deny iam:*`) leaves an administrator of everything else, reported with that exception; one that "
        "leaves only some services (`Deny NotAction ses:*`) leaves grants of those services (IAM002)."
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
        hit = admin_hit(ctx.subject, statement, carve_out(ctx.policy, statement))
        if hit is not None:
            yield hit


def _admin_statements(policy: Policy) -> tuple[Statement, ...]:
    return tuple(s for s in policy.statements if s.effect is Effect.ALLOW and is_admin(s, carve_out(policy, s)))


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
                    hit = admin_hit(principal_subject(inventory, principal, ref), statement, carve_out(ref.policy, statement))
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
            hit = admin_hit(subject, statement, carve_out(managed.ref.policy, statement))
            yield replace(hit, subject=subject, message=f"{hit.message} (Attached to nobody today; delete it.)")


@check(
    "IAM002", "service-wildcard", Severity.HIGH, "Allow svc:* (every action of a service)",
    rationale=(
        "`svc:*` grants every present and future action of the service, including Permissions management "
        "(sms-voice:PutResourcePolicy) and destructive actions (mobiletargeting:DeleteApp). The documented "
        "administrator examples do this on purpose; everyone else needs a list. Limited to one Pinpoint "
        "project (as in the IP- and tag-restricted examples) the blast radius is one project: medium. "
        "`*` on one service's ARNs (arn:aws:ses:*:*:*) grants every action of that service there, and "
        "counts too. A prefix such as `svc:Get*` names a kind of action, not the service, even where it "
        "happens to cover every action. What an unconditioned Deny of the same document takes back is "
        "subtracted; a Deny that keeps only a list of the service's actions closes the wildcard."
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
        carve = carve_out(ctx.policy, statement)
        if is_admin(statement, carve):
            continue  # IAM001's case
        for service, patterns, granted, risky in _service_grants(statement, carve):
            kept = carve.keeps(granted)
            # Nothing left, or no longer open-ended (the Deny also takes the actions AWS adds
            # later, leaving a closed list): not a grant of the whole service any more.
            if not kept or carve.closes(service):
                continue
            taken = NO_CARVE_OUT
            if len(kept) < len(granted):
                risky = _sensitive_names(kept)
                taken = carve.touching(granted)
            yield _service_hit(ctx.subject, statement, service, patterns, kept, risky, taken)


Grant = tuple[str, tuple[str, ...], tuple[ActionInfo, ...], tuple[str, ...]]  # service, patterns, actions, sensitive


def _service_grants(statement: Statement, carve: CarveOut) -> Iterator[Grant]:
    """The services the statement grants whole, before the Denies: through service wildcards
    (`ses:*`), or through `*` where Resource keeps it to some services' ARNs (`arn:aws:ses:*:*:*`),
    or, for `*` on `*` whose Denies leave only some services open, those services."""
    if not grants_every_action(statement):
        for service in whole_services(statement):
            yield _expansion(statement, service)
        return
    if statement.not_resource or not statement.resources:
        return  # every action on every resource except some: IAM003's finding
    every = tuple(p for p in statement.actions if matches_every_action(p))
    if widest(statement.resources) is not Breadth.ALL:
        for service, actions in services_on_resources(statement).items():
            yield service, every, actions, _sensitive_names(actions)
        return
    k = knowledge()
    for service in k.services():
        if not carve.closes(service):  # asked first: only the few services left open are loaded
            actions = k.actions_for_service(service)
            yield service, every, actions, _sensitive_names(actions)


@per_content(action_list)
def _expansion(statement: Statement, service: str) -> Grant:
    every = covered(statement, (service,))
    return service, whole_services(statement)[service], every, _sensitive_names(every)


def _sensitive_names(actions: tuple[ActionInfo, ...]) -> tuple[str, ...]:
    return names(sensitive(actions))


def _service_hit(subject: Subject, statement: Statement, service: str, patterns: tuple[str, ...],
                 granted: tuple[ActionInfo, ...], risky: tuple[str, ...], carve: CarveOut) -> Hit:
    resources = statement.resources or ()
    if statement.not_resource:
        # NotResource: every resource except those listed, so never "one project".
        project = None
        on = scope = f"every resource except {', '.join(resources)}"
    else:
        project = single_project(resources)
        scope = f"project {project} only" if project else widest(resources).label
        on = ", ".join(resources or ("(no resource)",))
    if risky:
        including = f"including {short_list(risky, 5)}"
    elif any(is_write(a) for a in granted):
        including = "including all writes"
    else:
        including = "all of them Read or List"
    but = f" but those {carve.label} denies" if carve else ""
    gate = only_if(statement, identity=True)
    message = (
        f"{where(subject, statement)} allows every {service} action{but} ({' '.join(patterns)}: "
        f"{plural(len(granted), 'action')}, {including}) on {on}{gate}. List only the actions the job needs."
    )
    evidence = (("service", service), ("expanded actions", str(len(granted))),
                ("sensitive actions", ", ".join(risky)), ("scope", scope))
    if carve:
        evidence += (("except", carve.label),)
    return statement_hit(
        message, statement, actions=patterns + risky,
        severity=Severity.MEDIUM if project else None,
        evidence=evidence,
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
    left, anywhere = _left_in(statement)
    per_service = [(s, sum(1 for a in left if a.service == s)) for s in PRODUCT_SERVICES]
    # On named resources only the services whose actions can work there are worth naming.
    counts = ", ".join(f"{n} {s}" for s, n in per_service if anywhere or n) or "no mobiletargeting, sms-voice or ses"
    risky = names(sensitive(left))
    resources = statement.resources or ()
    on = "every resource except " if statement.not_resource else ""
    what = "every action of every other service" if anywhere else "every other action that can work on it"
    message = (
        f"{where(subject, statement)} allows every action except {', '.join(statement.actions)} on "
        f"{on}{', '.join(resources) or '(no resource)'}{only_if(statement, identity=True)}: that is {what}, "
        f"including {counts} actions (for example {short_list(risky, 5) or 'none sensitive'}). "
        "List the actions that are needed instead."
    )
    return statement_hit(message, statement, actions=risky,
                         evidence=(("NotAction", ", ".join(statement.actions)), ("product actions left in", counts),
                                   ("sensitive actions", ", ".join(risky))),
                         key="NotAction")


@per_content(action_and_resource_lists)
def _left_in(statement: Statement) -> tuple[tuple[ActionInfo, ...], bool]:
    """The product actions the NotAction statement leaves in that its Resource can reach, and
    whether it reaches every resource. A project ARN never names an SES identity or an SMS/voice
    pool, so on `apps/abc` what is left is Pinpoint's actions on a project (request_arns also
    drops GetApps, whose one request ARN is `apps/*`, not `apps/abc`)."""
    left = covered(statement, PRODUCT_SERVICES)
    resources = statement.resources
    if not resources or statement.not_resource or any(is_star(r) for r in resources):
        return left, True
    return tuple(a for a in left if any(request_arns(a, r) for r in resources)), False


def _not_resource_hit(subject: Subject, statement: Statement) -> Hit:
    resources = statement.resources or ()
    message = (
        f"{where(subject, statement)} allows {', '.join(statement.actions)} on every resource except "
        f"{', '.join(resources)}{only_if(statement, identity=True)}, including resources created later. "
        "Name the resources that are needed instead."
    )
    return statement_hit(message, statement, evidence=(("NotResource", ", ".join(resources)),), key="NotResource")
