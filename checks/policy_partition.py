"""POL010: an ARN whose partition is not the account's (arn:aws-us-gov in an aws account)."""
from __future__ import annotations

from typing import Iterator

from auditor.iam.arns import split_arn
from auditor.iam.wildcards import has_wildcard
from auditor.model.finding import Severity
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import IAM_DOC, arn_values, where

# Region name prefixes that exist in one partition only (AWS "Regions and zones" lists).
REGION_PARTITIONS: tuple[tuple[str, str], ...] = (
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
)


def region_partition(region: str) -> str | None:
    """The partition a concrete region belongs to; None for wildcards and empty regions."""
    if not region or has_wildcard(region) or "${" in region:
        return None
    for prefix, partition in REGION_PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


@check(
    "POL010", "partition-mismatch", Severity.HIGH, "ARN partition differs from the account's partition",
    rationale="An ARN names a resource in one partition (aws, aws-us-gov, aws-cn). A policy in an account of "
              "another partition can never match it: the AWS GovCloud variant of the Pinpoint sending policy "
              "(arn:aws-us-gov:...) in a commercial account leaves the condition or resource unmatched, so the "
              "grant or the confused-deputy protection silently does nothing.",
    remediation="Write ARNs with the account's partition and one of its regions (arn:aws:... in commercial "
                "regions, arn:aws-us-gov:... in GovCloud, arn:aws-cn:... in China), or arn:${AWS::Partition} in "
                "templates.",
    doc_url=f"{IAM_DOC}/reference-arns.html",
)
def partition_mismatch(ctx: PolicyContext) -> Iterator[Hit]:
    own = ctx.partition
    if not own:
        return
    for statement in ctx.policy.statements:
        for element, value in dict.fromkeys(arn_values(statement)):
            arn = split_arn(value)
            if arn is None or not arn.partition or has_wildcard(arn.partition) or "${" in arn.partition:
                continue
            if arn.partition != own:
                problem = f"is in partition {arn.partition}, but the account is in {own}"
            elif region_partition(arn.region) not in (None, own):
                problem = (f"names region {arn.region}, which exists only in partition "
                           f"{region_partition(arn.region)}, not in {own}")
            else:
                continue
            yield Hit(
                message=f"{where(statement)}: {element} \"{value}\" {problem}, so it can never match anything "
                        f"here. Use an arn:{own}: ARN in one of the account's regions.",
                statement=statement,
                resources=(value,) if element.endswith("Resource") else (),
                evidence=(("ARN partition", arn.partition), ("account partition", own)),
                key=f"{element}:{value}",
            )
