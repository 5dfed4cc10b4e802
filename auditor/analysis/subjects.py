"""Subjects of inventory-scope findings: a principal (with the policy that grants), or a policy."""
from __future__ import annotations

from auditor.model.finding import PolicyType
from auditor.model.inventory import Group, Inventory, ManagedPolicy, PolicyRef, Principal
from auditor.registry import Subject

_RESOURCE_TYPES = {"user": "AWS::IAM::User", "role": "AWS::IAM::Role", "group": "AWS::IAM::Group"}


def principal_subject(inventory: Inventory, principal: Principal | Group, ref: PolicyRef | None = None) -> Subject:
    kind = "group" if isinstance(principal, Group) else principal.type.value
    subject = Subject(account_id=inventory.account_id, resource_type=_RESOURCE_TYPES[kind],
                      resource_arn=principal.arn, principal_type=kind, principal_name=principal.name,
                      principal_arn=principal.arn)
    return with_policy(subject, ref) if ref is not None else subject


def with_policy(subject: Subject, ref: PolicyRef) -> Subject:
    """The subject with the policy `ref` (dataclasses.replace, spelled out: it runs for every
    policy of every principal, and replace costs several times this)."""
    return Subject(account_id=subject.account_id, region=subject.region, resource_type=subject.resource_type,
                   resource_arn=subject.resource_arn, principal_type=subject.principal_type,
                   principal_name=subject.principal_name, principal_arn=subject.principal_arn, policy_name=ref.name,
                   policy_arn=ref.arn, policy_type=ref.policy_type, policy_ref=ref.ref, file=subject.file)


def managed_policy_subject(inventory: Inventory, managed: ManagedPolicy,
                           policy_type: PolicyType | None = None) -> Subject:
    """`policy_type` overrides the policy's own (a policy used only as a permissions boundary)."""
    ref = managed.ref
    return Subject(account_id=inventory.account_id, resource_type="AWS::IAM::ManagedPolicy", resource_arn=managed.arn,
                   policy_name=managed.name, policy_arn=managed.arn, policy_type=policy_type or ref.policy_type,
                   policy_ref=ref.ref)


def via_text(ref: PolicyRef) -> str:
    """`policy "X"` or `policy "X" (through group G)`."""
    through = f" (through {ref.via.replace(':', ' ', 1)})" if ref.via else ""
    return f'policy "{ref.name}"{through}'
