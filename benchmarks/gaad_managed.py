"""AWS managed policies for the synthetic account: real documents from the shared corpus when it is there,
else a small built-in set, so the generator also works outside this workspace."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

# Policies most accounts attach, in rough order of popularity; the rest of the corpus follows.
POPULAR = (
    "ReadOnlyAccess", "AWSLambdaBasicExecutionRole", "AmazonSSMManagedInstanceCore", "AdministratorAccess",
    "AmazonS3ReadOnlyAccess", "AmazonECSTaskExecutionRolePolicy", "ViewOnlyAccess", "PowerUserAccess",
    "CloudWatchReadOnlyAccess", "AmazonSESFullAccess", "AmazonSESReadOnlyAccess", "AmazonS3FullAccess",
    "IAMReadOnlyAccess", "AmazonDynamoDBReadOnlyAccess", "SupportUser", "AmazonEC2ReadOnlyAccess",
    "CloudWatchLogsReadOnlyAccess", "AmazonSQSReadOnlyAccess", "AmazonSNSReadOnlyAccess", "SystemAdministrator",
)
JOB_FUNCTIONS = frozenset({"ViewOnlyAccess", "SupportUser", "SystemAdministrator", "DatabaseAdministrator",
                           "NetworkAdministrator", "DataScientist", "Billing"})
SERVICE_ROLE = frozenset({"AWSLambdaBasicExecutionRole", "AmazonECSTaskExecutionRolePolicy",
                          "AWSLambdaVPCAccessExecutionRole"})


@dataclass(frozen=True, eq=False)
class AwsManaged:
    name: str
    version_id: str
    document: dict

    @property
    def path(self) -> str:
        if self.name in JOB_FUNCTIONS:
            return "/job-function/"
        if self.name in SERVICE_ROLE:
            return "/service-role/"
        if self.name.endswith("ServiceRolePolicy"):
            return "/aws-service-role/"
        return "/"

    def arn(self, partition: str) -> str:
        return f"arn:{partition}:iam::aws:policy{self.path}{self.name}"


def default_corpus_path() -> Path:
    shared = os.environ.get("AUDITOR_SHARED")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return base / "corpus" / "aws-managed-policies.jsonl"


def load_aws_managed(corpus: Path | None) -> tuple[AwsManaged, ...]:
    """Popular policies first, then the others by name, so that picks by rank are stable."""
    if corpus is not None and corpus.is_file():
        with corpus.open(encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        policies = [AwsManaged(r["PolicyName"], r["VersionId"], r["Document"]) for r in rows]
    else:
        policies = list(_BUILT_IN)
    rank = {name: i for i, name in enumerate(POPULAR)}
    return tuple(sorted(policies, key=lambda p: (rank.get(p.name, len(rank)), p.name)))


def _stmt(actions, resource="*", effect="Allow", **extra) -> dict:
    return {"Effect": effect, "Action": actions, "Resource": resource, **extra}


_BUILT_IN = (
    AwsManaged("AdministratorAccess", "v1", {"Version": "2012-10-17", "Statement": [_stmt("*")]}),
    AwsManaged("ReadOnlyAccess", "v1", {"Version": "2012-10-17", "Statement": [
        _stmt(["ec2:Describe*", "s3:Get*", "s3:List*", "iam:Get*", "iam:List*", "mobiletargeting:Get*",
               "mobiletargeting:List*", "ses:Get*", "ses:List*", "sms-voice:Describe*", "logs:Get*"])]}),
    AwsManaged("PowerUserAccess", "v5", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        _stmt(["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
               "organizations:DescribeOrganization", "account:ListRegions"])]}),
    AwsManaged("AmazonS3ReadOnlyAccess", "v3", {"Version": "2012-10-17", "Statement": [
        _stmt(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"])]}),
    AwsManaged("AWSLambdaBasicExecutionRole", "v1", {"Version": "2012-10-17", "Statement": [
        _stmt(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])]}),
    AwsManaged("AmazonSESFullAccess", "v1", {"Version": "2012-10-17", "Statement": [_stmt(["ses:*"])]}),
    AwsManaged("AmazonSSMManagedInstanceCore", "v2", {"Version": "2012-10-17", "Statement": [
        _stmt(["ssm:DescribeAssociation", "ssm:GetDocument", "ssm:UpdateInstanceInformation",
               "ssmmessages:CreateControlChannel", "ec2messages:GetMessages"])]}),
    AwsManaged("AmazonECSTaskExecutionRolePolicy", "v1", {"Version": "2012-10-17", "Statement": [
        _stmt(["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
               "ecr:BatchGetImage", "logs:CreateLogStream", "logs:PutLogEvents"])]}),
    AwsManaged("AmazonSESServiceRolePolicy", "v1", {"Version": "2012-10-17", "Statement": [
        _stmt(["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces"])]}),
)
