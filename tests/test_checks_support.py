"""Helpers for the check tests (lint one document, build small inventories), and tests of the
analysis helpers the checks share."""
from __future__ import annotations

import json

from auditor.analysis.conditions import dead_service_call_clauses, restrictions
from auditor.analysis.resources import Breadth, breadth, single_project
from auditor.engine import Selection, lint_policy, run_inventory_checks
from auditor.model.finding import PolicyType
from auditor.model.inventory import Group, Inventory, ManagedPolicy, PolicyRef, Principal, PrincipalType
from auditor.model.policy import PolicyKind
from auditor.parse.policy import parse_policy
from auditor.registry import CheckOptions

ACCOUNT = "111122223333"
PROJECT = "810c7aab86d42fb2b56c8c966example"


def doc(*statements: dict, version: str = "2012-10-17") -> dict:
    return {"Version": version, "Statement": list(statements)}


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def lint(document, check_id: str, *, kind: str = "identity", account: str = ACCOUNT, partition: str = "aws",
         options: CheckOptions | None = None, name: str = "policy.json"):
    """Findings of one check for one document (a dict, or text kept as written)."""
    text = document if isinstance(document, (str, bytes)) else json.dumps(document)
    policy = parse_policy(text if isinstance(text, bytes) else text.encode(), with_positions=True)
    return lint_policy(policy, PolicyKind(kind), file=name, account_id=account, partition=partition,
                       options=options or CheckOptions(), selection=Selection(only=frozenset({check_id})))


def ids(findings) -> list[str]:
    return [f.check_id for f in findings]


def managed(name: str, document: dict, *, attachments: int = 1, aws: bool = False) -> ManagedPolicy:
    arn = f"arn:aws:iam::{'aws' if aws else ACCOUNT}:policy/{name}"
    ref = PolicyRef(name, arn, PolicyType.AWS_MANAGED if aws else PolicyType.MANAGED, parse_policy(json.dumps(document)))
    return ManagedPolicy(arn, name, "/", "v1", aws, attachments, ref)


def inline(owner_arn: str, name: str, document: dict) -> PolicyRef:
    return PolicyRef(name, "", PolicyType.INLINE, parse_policy(json.dumps(document)), owner_arn)


def user(name: str, *, managed_arns=(), inline_docs: dict | None = None, groups=(), boundary: str | None = None) -> Principal:
    arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    refs = tuple(inline(arn, n, d) for n, d in (inline_docs or {}).items())
    return Principal(PrincipalType.USER, name, arn, f"AIDA{name.upper()}", "/", refs, tuple(managed_arns),
                     tuple(groups), boundary)


def role(name: str, trust: dict, *, managed_arns=(), path: str = "/") -> Principal:
    arn = f"arn:aws:iam::{ACCOUNT}:role{path}{name}"
    trust_ref = PolicyRef("trust", "", PolicyType.TRUST, parse_policy(json.dumps(trust)), arn)
    return Principal(PrincipalType.ROLE, name, arn, f"AROA{name.upper()}", path, (), tuple(managed_arns),
                     trust_policy=trust_ref)


def group(name: str, *, managed_arns=(), inline_docs: dict | None = None) -> Group:
    arn = f"arn:aws:iam::{ACCOUNT}:group/{name}"
    refs = tuple(inline(arn, n, d) for n, d in (inline_docs or {}).items())
    return Group(name, arn, refs, tuple(managed_arns))


def inventory(**fields) -> Inventory:
    base = {"account_id": ACCOUNT, "partition": "aws", "regions": ("us-east-1",), "source": "test"}
    return Inventory(**{**base, **fields})


def scan(inv: Inventory, check_id: str, options: CheckOptions | None = None):
    return run_inventory_checks(inv, options or CheckOptions(), Selection(only=frozenset({check_id})))


# --- the shared analysis helpers --------------------------------------------------------------


def test_breadth_uses_the_catalogue_formats():
    assert breadth("*") is Breadth.ALL
    assert breadth(f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:*") is Breadth.SERVICE_WIDE
    assert breadth(f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/*") is Breadth.TYPE_WIDE
    assert breadth(f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}/*") is Breadth.SPECIFIC
    assert breadth(f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:reports") is Breadth.SPECIFIC  # a singleton type
    assert breadth("arn:aws:s3:::my-bucket/*") is Breadth.SPECIFIC  # one bucket's objects
    assert breadth("arn:aws:s3:::*/*") is Breadth.TYPE_WIDE
    assert breadth("arn:aws:iam::*:user/${aws:username}") is Breadth.SPECIFIC


def test_single_project():
    arn = f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}"
    assert single_project((arn, arn + "/*")) == PROJECT
    assert single_project((arn, f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/other")) is None
    assert single_project((f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/*",)) is None


def _statement(condition: dict):
    return parse_policy(json.dumps(doc(allow("ses:SendEmail", Condition=condition)))).statements[0]


def test_restrictions_follow_the_evaluators_absent_key_rules():
    assert restrictions(_statement({"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}))
    assert not restrictions(_statement({"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}))
    assert not restrictions(_statement({"StringLike": {"aws:PrincipalOrgID": "*"}}))
    assert not restrictions(_statement({"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}))
    assert not restrictions(_statement({"Null": {"aws:PrincipalOrgID": "false"}}))
    assert not restrictions(_statement({"ArnLike": {"aws:SourceArn": "arn:aws:mobiletargeting:*:*:apps/*"}}))
    assert restrictions(_statement({"ArnLike": {"aws:SourceArn": f"arn:aws:mobiletargeting:*:{ACCOUNT}:apps/*"}}))


def test_dead_service_call_clauses():
    assert dead_service_call_clauses(_statement({"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert dead_service_call_clauses(_statement({"Null": {"aws:SourceArn": "false"}}))
    assert not dead_service_call_clauses(_statement({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}))
    assert not dead_service_call_clauses(_statement({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert not dead_service_call_clauses(_statement({"ForAllValues:StringEquals": {"aws:SourceOrgPaths": "o-a/"}}))
