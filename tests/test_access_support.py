"""Helpers for the effective-access, archetype and who-can tests: small inventories holding the seed
examples, and the cell sets behind a principal's access."""
from __future__ import annotations

import json

from auditor.access.compute import build_universe
from auditor.access.grants import Universe, evaluate
from auditor.access.principals import group_principals
from auditor.model.finding import PolicyType
from auditor.model.inventory import (
    Group,
    Inventory,
    ManagedPolicy,
    PinpointProject,
    PolicyRef,
    Principal,
    PrincipalType,
    SesIdentity,
)
from auditor.parse.policy import parse_policy
from conftest import SEED_DIR

ACCOUNT = "111122223333"
REGION = "us-east-1"
PROJECT = "810c7aab86d42fb2b56c8c966example"
PROJECT_ARN = f"arn:aws:mobiletargeting:{REGION}:{ACCOUNT}:apps/{PROJECT}"
OTHER_PROJECT = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT_ARN = f"arn:aws:mobiletargeting:{REGION}:{ACCOUNT}:apps/{OTHER_PROJECT}"
IDENTITY = "sender@example.com"
IDENTITY_ARN = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{IDENTITY}"

# Seed file -> the archetype a principal holding only that example must show.
SEED_ARCHETYPES = {
    "01_console_readonly.json": "console-readonly",
    "02_single_project_readonly.json": "project-readonly",
    "03_project_limited_write.json": "project-limited-write",
    "04_tag_based_view.corrected.json": "tag-view",
    "06_api_readonly.json": "api-readonly",
    "07_api_admin.json": "api-admin",
    "08_sms_voice_readonly.json": "smsvoice-readonly",
    "09_sms_voice_admin.corrected.json": "smsvoice-admin",
    "10_ip_restricted_project.json": "project-ip-restricted",
    "11_tag_based_project_modify.json": "project-tag-owner",
    "12_ses_identity_for_pinpoint.json": "ses-pinpoint-sending",
}


def seed_doc(name: str) -> dict:
    return json.loads((SEED_DIR / name).read_text())


def doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def policy_ref(name: str, document: dict | str, *, kind: PolicyType = PolicyType.INLINE, owner: str = "",
               arn: str = "") -> PolicyRef:
    text = document if isinstance(document, str) else json.dumps(document)
    return PolicyRef(name, arn, kind, parse_policy(text), owner)


def managed(name: str, document: dict) -> ManagedPolicy:
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
    return ManagedPolicy(arn, name, "/", "v1", False, 1, policy_ref(name, document, kind=PolicyType.MANAGED, arn=arn))


def user(name: str, *, inline: dict | None = None, managed_arns=(), groups=(), boundary: str | None = None,
         tags=()) -> Principal:
    arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    refs = tuple(policy_ref(n, d, owner=arn) for n, d in (inline or {}).items())
    return Principal(PrincipalType.USER, name, arn, f"AIDA{name.upper()}", "/", refs, tuple(managed_arns),
                     tuple(groups), boundary, tuple(tags))


def role(name: str, *, inline: dict | None = None, managed_arns=(), boundary: str | None = None) -> Principal:
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    refs = tuple(policy_ref(n, d, owner=arn) for n, d in (inline or {}).items())
    return Principal(PrincipalType.ROLE, name, arn, f"AROA{name.upper()}", "/", refs, tuple(managed_arns),
                     (), boundary)


def group(name: str, *, inline: dict | None = None, managed_arns=()) -> Group:
    arn = f"arn:aws:iam::{ACCOUNT}:group/{name}"
    refs = tuple(policy_ref(n, d, owner=arn) for n, d in (inline or {}).items())
    return Group(name, arn, refs, tuple(managed_arns))


def project(app_id: str = PROJECT, region: str = REGION) -> PinpointProject:
    return PinpointProject(ACCOUNT, region, app_id, f"project-{app_id[:6]}",
                           f"arn:aws:mobiletargeting:{region}:{ACCOUNT}:apps/{app_id}")


def identity(name: str = IDENTITY, region: str = REGION, policies: dict | None = None) -> SesIdentity:
    arn = f"arn:aws:ses:{region}:{ACCOUNT}:identity/{name}"
    refs = tuple(policy_ref(n, d, kind=PolicyType.RESOURCE, owner=arn) for n, d in (policies or {}).items())
    return SesIdentity(ACCOUNT, region, name, arn, "EMAIL_ADDRESS", True, refs)


def account(*principals: Principal, groups=(), managed_policies=(), projects=None, identities=None,
            regions=(REGION,)) -> Inventory:
    users = tuple(p for p in principals if p.type is PrincipalType.USER)
    roles = tuple(p for p in principals if p.type is PrincipalType.ROLE)
    return Inventory(ACCOUNT, "aws", tuple(regions), "test", users=users, roles=roles, groups=tuple(groups),
                     managed_policies=tuple(managed_policies),
                     pinpoint_projects=(project(), project(OTHER_PROJECT)) if projects is None else tuple(projects),
                     ses_identities=(identity(),) if identities is None else tuple(identities))


def seed_account(**extra) -> Inventory:
    """One user per seed example (the example as its only inline policy), named after the file."""
    users = [user(f"u{name[:2]}", inline={name: seed_doc(name)}) for name in SEED_ARCHETYPES]
    return account(*users, **extra)


def reached_cells(inv: Inventory, u: Universe | None = None) -> tuple[Universe, dict[str, frozenset[int]]]:
    """Principal ARN -> the cells it is allowed (for sure or only-if)."""
    u = u or build_universe(inv)
    out: dict[str, frozenset[int]] = {}
    for g in group_principals(inv, u):
        cells = frozenset() if g.empty else evaluate(u, g.inputs).any
        for member in g.members:
            out[member.arn] = cells
    return u, out


def pairs(u: Universe, cells: frozenset[int]) -> set[tuple[str, str]]:
    return {(u.cells[i].action.full, u.cells[i].target.arn) for i in cells}


def test_helpers_build_one_user_per_seed_example():
    inv = seed_account()
    assert len(inv.users) == len(SEED_ARCHETYPES)
    assert all(p.inline_policies[0].policy.statements for p in inv.users)
