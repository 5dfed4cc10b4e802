"""IAM006, IAM008, IAM012: conditions that do not do what their author meant."""
from __future__ import annotations

import re
from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.conditions import dead_service_call_clauses, names_value
from auditor.analysis.describe import conditions_text, where
from auditor.analysis.walk import statement_hit, statements
from auditor.iam.wildcards import has_wildcard
from auditor.model.finding import Severity
from auditor.model.policy import ConditionClause, Effect, Policy, PolicyKind, Statement
from auditor.engine import policy_contexts
from auditor.registry import Hit, PolicyContext, check, scan_variant


@check(
    "IAM006", "dead-condition-key", Severity.MEDIUM, "Condition on a key the principal's own requests never carry",
    rationale=(
        "aws:SourceAccount, aws:SourceArn, aws:SourceOrgID and aws:SourceOrgPaths are set only when an AWS "
        "service calls another service on behalf of a resource (SES writing to S3, Pinpoint sending through "
        "SES). A user's or role's own requests - console, CLI, SDK - never carry them, so in an identity "
        "policy a statement that requires them never applies: an Allow grants nothing (the console "
        "policies of the documented examples stop working), a Deny protects nothing."
    ),
    remediation=(
        "Delete the condition from identity policies. To keep a principal inside its own account use "
        "aws:ResourceAccount; to limit by tag use aws:ResourceTag; keep aws:SourceAccount/aws:SourceArn "
        "for resource and trust policies that name a service principal."
    ),
    doc_url=docs.SOURCE_ACCOUNT_KEY,
)
def dead_condition_key(ctx: PolicyContext) -> Iterator[Hit]:
    variables = ctx.policy.supports_variables
    for statement in statements(ctx, PolicyKind.IDENTITY, effect=None):
        dead = dead_service_call_clauses(statement, variables)
        if not dead:
            continue
        keys = tuple(dict.fromkeys(c.key for c in dead))
        if statement.effect is Effect.ALLOW:
            outcome = ("so this statement never allows anything for the user or role that holds the policy: "
                       "the console and API calls it was written for are denied")
        else:
            outcome = "so this Deny never applies to the user's or role's own requests and protects nothing"
        message = (
            f"{where(ctx.subject, statement)} requires {conditions_text(dead)}. AWS sets {', '.join(keys)} only "
            f"when a service calls on a resource's behalf, never on a principal's own requests, {outcome}. "
            "Remove the condition (use aws:ResourceAccount or aws:ResourceTag to limit what it reaches)."
        )
        yield statement_hit(message, statement, condition_keys=keys, evidence=(("condition", conditions_text(dead)),),
                            key=",".join(k.lower() for k in keys))


# Tag keys whose value is a person: a literal there usually meant "the caller".
_OWNER_TAGS = frozenset({
    "owner", "owners", "ownedby", "owned-by", "owned_by", "createdby", "created-by", "created_by", "creator",
    "user", "username", "user-name", "user_name", "author", "requester", "requestedby", "requested-by",
})
_TAG_KEY = re.compile(r"^[a-z0-9-]+:(?:resourcetag|requesttag)/(.+)$", re.IGNORECASE)
_PLACEHOLDERS = frozenset({"username", "user-name", "user_name", "<username>", "<user-name>", "your-user-name"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PERSON = re.compile(r"^[A-Za-z][A-Za-z0-9]+(?:[.\-_][A-Za-z][A-Za-z0-9]+){1,2}$")
# Parts that mark a team, environment or system rather than a person.
_NOT_PEOPLE = frozenset({
    "team", "group", "dept", "ops", "devops", "admin", "admins", "prod", "production", "dev", "test", "staging",
    "qa", "app", "service", "svc", "system", "platform", "security", "marketing", "sales", "support", "data",
    "infra", "finance", "engineering", "eng", "mobile", "web", "api", "bot", "org", "unit", "project",
})


def _person_like(value: str) -> str | None:
    """Why a literal looks like a user name, or None."""
    if value.lower() in _PLACEHOLDERS:
        return "the documentation placeholder for a user name"
    if _EMAIL.match(value):
        return "an e-mail address"
    if _PERSON.match(value) and not any(p.lower() in _NOT_PEOPLE for p in re.split(r"[.\-_]", value)):
        return "a person's user name"
    return None


def _literal_owner_values(clause: ConditionClause, users: frozenset[str]) -> tuple[tuple[str, str], ...]:
    m = _TAG_KEY.match(clause.key)
    if m is None or m.group(1).lower() not in _OWNER_TAGS or not names_value(clause):
        return ()
    out = []
    for value in clause.values:
        if "${" in value or has_wildcard(value):
            continue
        why = "the name of an IAM user of this account" if value in users else _person_like(value)
        if why is not None:
            out.append((value, why))
    return tuple(out)


def _literal_hits(ctx: PolicyContext, users: frozenset[str] = frozenset(),
                  holders: frozenset[str] = frozenset()) -> Iterator[Hit]:
    """`users`: the account's user names (a scan knows them); `holders`: the users and roles that
    hold the document, when known. An inline policy's literal naming its own user is that user's
    own name; a managed policy can be attached to anyone later, so it is still reported."""
    own = ctx.subject.principal_name if ctx.subject.principal_type == "user" else ""
    for statement in statements(ctx):
        for clause in statement.conditions:
            for value, why in _literal_owner_values(clause, users):
                if value == own:
                    continue
                version = "" if ctx.policy.supports_variables else ' (and set "Version": "2012-10-17", or the variable stays literal text)'
                today = (f" Today only {value} holds it; whoever it is attached to next gets {value}'s resources."
                         if holders == {value} else "")
                message = (
                    f'{where(ctx.subject, statement)} requires {clause.key} to be "{value}", {why}. If the intent '
                    f"is each caller's own resources, write \"${{aws:username}}\"{version}: as written everyone who "
                    f'holds this policy gets the resources tagged {clause.key.split("/", 1)[1]}={value}, and nobody '
                    f"gets their own.{today}"
                )
                yield statement_hit(message, statement, condition_keys=(clause.key,), subject=ctx.subject,
                                    evidence=(("literal", value), ("looks like", why)), key=f"{clause.key.lower()}={value}")


@check(
    "IAM008", "literal-instead-of-variable", Severity.LOW, "Tag condition compares to a literal user name",
    rationale=(
        "The documented tag-based examples mean 'resources whose Owner tag is the caller's own user name'. "
        "That is ${aws:username} (Version 2012-10-17). Filled in with one fixed name, the policy gives every "
        "user, group and role that holds it that one person's resources, and not their own. A scan also "
        "recognises the account's own user names; only an inline policy of that very user is left alone."
    ),
    remediation=(
        'Use "aws:ResourceTag/Owner": "${aws:username}" with "Version": "2012-10-17"; if one fixed owner is '
        "really intended, attach the policy to that user only."
    ),
    doc_url=docs.SEED_PAGE,
    subject_key=lambda subject: (subject.principal_type, subject.principal_name),  # its own user's name is fine
    cost=2,
)
def literal_instead_of_variable(ctx: PolicyContext) -> Iterator[Hit]:
    return _literal_hits(ctx)


@scan_variant("IAM008")
def literal_instead_of_variable_in_account(scan) -> Iterator[Hit]:
    inventory = scan.inventory
    users = frozenset(u.name for u in inventory.users)
    holding: dict[str, set[str]] = {}
    for principal in inventory.principals:
        for ref in inventory.policies_for(principal):
            holding.setdefault(ref.ref, set()).add(principal.name)
    for pctx in policy_contexts(inventory, scan.options):
        yield from _literal_hits(pctx, users, frozenset(holding.get(pctx.subject.policy_ref, ())))


_SOURCE_IP = "aws:sourceip"
_SERVICE_PATH_KEYS = frozenset({"aws:viaawsservice", "aws:calledvia", "aws:calledviafirst", "aws:calledvialast"})


def _has_service_path(policy: Policy) -> bool:
    return any(c.key_lower in _SERVICE_PATH_KEYS for s in policy.statements for c in s.conditions)


def _ip_clauses(statement: Statement) -> tuple[ConditionClause, ...]:
    return tuple(c for c in statement.conditions if c.key_lower == _SOURCE_IP)


@check(
    "IAM012", "ip-condition-without-service-path", Severity.LOW, "aws:SourceIp restriction without an aws:ViaAWSService path",
    rationale=(
        "When an AWS service acts on a principal's behalf (CloudFormation creating a project, the console's "
        "calls to other services, Athena reading S3), the request comes from an AWS address, not the "
        "user's. An Allow limited to the office's IP ranges then refuses those calls, and a Deny outside "
        "them blocks them, unless the policy lets requests made through AWS services pass."
    ),
    remediation=(
        'Add "Bool": {"aws:ViaAWSService": "false"} to the Deny\'s conditions, or a path for service calls '
        '("aws:ViaAWSService": "true") beside the IP-limited Allow.'
    ),
    doc_url=docs.VIA_AWS_SERVICE_KEY,
)
def ip_condition_without_service_path(ctx: PolicyContext) -> Iterator[Hit]:
    if _has_service_path(ctx.policy):
        return
    for statement in statements(ctx, PolicyKind.IDENTITY, PolicyKind.RESOURCE, effect=None):
        clauses = _ip_clauses(statement)
        if not clauses:
            continue
        effect = "allows requests only" if statement.effect is Effect.ALLOW else "denies requests"
        message = (
            f"{where(ctx.subject, statement)} {effect} by source address ({conditions_text(clauses)}) with no "
            "aws:ViaAWSService path: calls AWS services make on the principal's behalf come from AWS addresses "
            'and are refused. Add "aws:ViaAWSService" to let them through.'
        )
        yield statement_hit(message, statement, condition_keys=tuple(dict.fromkeys(c.key for c in clauses)),
                            evidence=(("condition", conditions_text(clauses)),), key="sourceip")
