"""Role trust policies for the synthetic account, one builder per kind of role."""
from __future__ import annotations

import enum
import random

from benchmarks.gaad_shapes import Document, Facts


class RoleKind(enum.Enum):
    LAMBDA = "lambda"
    ECS = "ecs"
    EC2 = "ec2"
    SSO = "sso"
    CROSS_ACCOUNT = "cross-account"
    CI = "ci"
    HUMAN = "human"
    SERVICE_LINKED = "service-linked"


SERVICE_PRINCIPALS = {
    RoleKind.LAMBDA: "lambda.amazonaws.com",
    RoleKind.ECS: "ecs-tasks.amazonaws.com",
    RoleKind.EC2: "ec2.amazonaws.com",
}


def _trust(principal: dict, action: str = "sts:AssumeRole", condition: dict | None = None) -> Document:
    statement: dict = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def trust_document(kind: RoleKind, rng: random.Random, f: Facts, name: str, service: str = "") -> Document:
    part, acct = f.partition, f.account_id
    if kind in SERVICE_PRINCIPALS:
        return _trust({"Service": SERVICE_PRINCIPALS[kind]})
    if kind is RoleKind.SERVICE_LINKED:
        return _trust({"Service": service})
    if kind is RoleKind.SSO:
        provider = f"arn:{part}:iam::{acct}:saml-provider/AWSSSO_{f.account_id[:4]}c0ffee_DO_NOT_DELETE"
        return _trust({"Federated": provider}, ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                      {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})
    if kind is RoleKind.CI:
        provider = f"arn:{part}:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"
        return _trust({"Federated": provider}, "sts:AssumeRoleWithWebIdentity",
                      {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                       "StringLike": {"token.actions.githubusercontent.com:sub": f"repo:example-org/{name}:*"}})
    if kind is RoleKind.CROSS_ACCOUNT:
        partner = rng.choice(f.partner_accounts)
        roll = rng.random()
        if roll < 0.5:
            return _trust({"AWS": f"arn:{part}:iam::{partner}:root"}, condition={
                "StringEquals": {"sts:ExternalId": f"{rng.getrandbits(64):016x}"}})
        if roll < 0.85:
            return _trust({"AWS": f"arn:{part}:iam::{partner}:root"})
        if roll < 0.97:
            return _trust({"AWS": "*"}, condition={"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}})
        return _trust({"AWS": "*"})
    # HUMAN: people of this account assume it, some only with MFA
    condition = {"Bool": {"aws:MultiFactorAuthPresent": "true"}} if rng.random() < 0.6 else None
    return _trust({"AWS": f"arn:{part}:iam::{acct}:root"}, condition=condition)
