"""Who takes part in a principal's decisions, and which principals can share one computation.

Two principals get the same answer for every cell when the same statements (from the same
policies, under the same labels) reach them, within the same boundary, and no statement depends on
who they are. The group key says exactly that, so 20,000 principals with a few dozen policy sets
cost a few dozen evaluations; principals whose policies never touch the audited services all fall
into the one empty group.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from auditor.access.grants import Inputs, ResourceSource, Source, Universe
from auditor.evaluate.compiled import GrantKind, compiled_statement
from auditor.model.inventory import Inventory, PolicyRef, Principal, PrincipalType
from auditor.model.policy import Effect, Statement

# Condition keys whose value is a property of the calling principal.
_PRINCIPAL_KEYS = frozenset({"aws:username", "aws:userid", "aws:principalarn", "aws:principaltype",
                             "aws:principalaccount"})


def source_label(ref: PolicyRef) -> str:
    where = ref.via.replace("group:", "group ") if ref.via else ""
    return f"{ref.name} (via {where})" if where else ref.name


def _personal(statement: Statement, variables: bool) -> bool:
    """Whether the statement's answer depends on who asks (variables, principal keys)."""
    for clause in statement.conditions:
        key = clause.key.lower()
        if key in _PRINCIPAL_KEYS or key.startswith("aws:principaltag/"):
            return True
        if variables and any("${" in v for v in clause.values):
            return True
    return variables and any("${" in r for r in statement.resources or ())


def principal_context(principal: Principal) -> dict[str, tuple[str, ...]]:
    """What is known about every request the principal makes by itself."""
    is_user = principal.type is PrincipalType.USER
    known: dict[str, tuple[str, ...]] = {
        "aws:principalarn": (principal.arn,),
        "aws:principalaccount": (principal.account_id,),
        "aws:principaltype": ("User" if is_user else "AssumedRole",),
        "aws:username": (principal.name,) if is_user else (),
    }
    if is_user and principal.principal_id:
        known["aws:userid"] = (principal.principal_id,)
    for key, value in principal.tags:
        known[f"aws:principaltag/{key.lower()}"] = (value,)
    return known


@dataclass(frozen=True, slots=True)
class _ResourceStatement:
    label: str
    statement: Statement
    variables: bool
    owner_arn: str


class ResourcePolicies:
    """SES identity policies, indexed by the principals they name so a principal costs a lookup."""

    def __init__(self, inventory: Inventory, u: Universe):
        self.generic: list[_ResourceStatement] = []  # name everyone, an account, or use NotPrincipal
        self.named: dict[str, list[_ResourceStatement]] = {}  # principal ARN -> statements naming it
        self.role_names: dict[tuple[str, str], list[_ResourceStatement]] = {}
        for identity in inventory.ses_identities:
            for ref in identity.policies:
                for statement in ref.policy.statements:
                    if statement.principals is None or not u.actions_of(statement):
                        continue
                    self._index(_ResourceStatement(
                        f"{ref.name} (policy of {identity.name}) {statement.sid or f'#{statement.index}'}",
                        _own_resource(statement, identity.arn), ref.policy.supports_variables, identity.arn))

    def _index(self, rs: _ResourceStatement) -> None:
        matcher = compiled_statement(rs.statement, rs.variables).principals
        if rs.statement.not_principal or matcher.everyone or matcher.accounts:
            self.generic.append(rs)
        for arn in matcher.direct | matcher.roles:
            self.named.setdefault(arn, []).append(rs)
        for pair in matcher.role_names:
            self.role_names.setdefault(pair, []).append(rs)

    def for_principal(self, principal: Principal, has_boundary: bool) -> tuple[ResourceSource, ...]:
        candidates = list(self.generic)
        candidates.extend(self.named.get(principal.arn, ()))
        if principal.type is PrincipalType.ROLE:
            candidates.extend(self.role_names.get((principal.account_id, principal.name), ()))
        out: list[ResourceSource] = []
        seen: set[int] = set()
        for rs in candidates:
            if id(rs) in seen:
                continue
            seen.add(id(rs))
            compiled = compiled_statement(rs.statement, rs.variables)
            grant = compiled.principal_grant(principal.arn, principal.account_id, has_boundary)
            if grant is None or (grant is GrantKind.ACCOUNT and rs.statement.effect is Effect.ALLOW):
                continue  # naming the account only delegates to the identity policies
            public = compiled.principals.everyone and not rs.statement.not_principal
            out.append(ResourceSource(rs.label, rs.statement, rs.variables, grant, rs.owner_arn, public))
        return tuple(out)


def _own_resource(statement: Statement, owner_arn: str) -> Statement:
    """A resource-policy statement without Resource means the resource it is attached to."""
    if statement.resources is not None:
        return statement
    return replace(statement, resources=(owner_arn,), not_resource=False)


@dataclass(frozen=True, slots=True)
class Group:
    key: tuple
    inputs: Inputs
    members: tuple[Principal, ...]

    @property
    def empty(self) -> bool:
        return not self.inputs.identity and not any(
            r.statement.effect is Effect.ALLOW for r in self.inputs.resource)

    def own_inputs(self) -> Inputs | None:
        """The inputs without resource-policy grants to everyone, or None if there are none: what
        everybody may do says nothing about which documented example this principal follows."""
        if not any(r.public for r in self.inputs.resource):
            return None
        return replace(self.inputs, resource=tuple(r for r in self.inputs.resource if not r.public))


def group_principals(inventory: Inventory, u: Universe,
                     principals: tuple[Principal, ...] | None = None) -> list[Group]:
    """Principals grouped by everything that decides their access, in first-seen order."""
    resource_policies = ResourcePolicies(inventory, u)
    groups: dict[tuple, tuple[Inputs, list[Principal]]] = {}
    for principal in inventory.principals if principals is None else principals:
        key, inputs = _inputs(inventory, u, resource_policies, principal)
        entry = groups.get(key)
        if entry is None:
            groups[key] = (inputs, [principal])
        else:
            entry[1].append(principal)
    return [Group(key, inputs, tuple(members)) for key, (inputs, members) in groups.items()]


def _inputs(inventory: Inventory, u: Universe, resource_policies: ResourcePolicies,
            principal: Principal) -> tuple[tuple, Inputs]:
    personal = False
    identity: list[Source] = []
    for ref in inventory.policies_for(principal):
        statements = u.relevant(ref.policy)
        if statements:
            identity.append(Source(source_label(ref), ref.policy))
            personal = personal or any(_personal(s, ref.policy.supports_variables) for s in statements)
    boundary_ref = inventory.boundary_for(principal)
    boundary = None
    if boundary_ref is not None:
        boundary = Source(f"{boundary_ref.name} (boundary)", boundary_ref.policy)
        personal = personal or any(_personal(s, boundary_ref.policy.supports_variables)
                                   for s in u.relevant(boundary_ref.policy))
    resource = resource_policies.for_principal(principal, boundary is not None)
    personal = personal or any(_personal(r.statement, r.variables) for r in resource)
    if not identity and not any(r.statement.effect is Effect.ALLOW for r in resource):
        return ("nothing",), Inputs(())  # nothing grants: boundary and denies cannot add access
    key: tuple = (
        tuple((s.label, id(s.policy)) for s in identity),
        None if boundary is None else (boundary.label, id(boundary.policy)),
        tuple((r.label, r.grant) for r in resource),
        principal.arn if personal else None,
    )
    known = principal_context(principal) if personal else {}
    return key, Inputs(tuple(identity), boundary, resource, known, principal.arn if personal else None)
