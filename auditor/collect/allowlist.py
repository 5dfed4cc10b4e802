"""The only AWS operations the collector may call, and the guard that enforces it on every client.

The guard runs before botocore builds a request, so a call outside the list never leaves the
process. docs/scanner-policy.json grants exactly the IAM actions named here; a test keeps the two
in step.
"""
from __future__ import annotations

from typing import Any

# (botocore service name, operation name) -> the IAM action that authorises it.
ALLOWED_OPERATIONS: dict[tuple[str, str], str] = {
    ("sts", "GetCallerIdentity"): "sts:GetCallerIdentity",
    # Only used with --role-arn; it is granted by the caller's own policy, not the scanner's.
    ("sts", "AssumeRole"): "sts:AssumeRole",
    ("iam", "GetAccountAuthorizationDetails"): "iam:GetAccountAuthorizationDetails",
    ("iam", "GenerateCredentialReport"): "iam:GenerateCredentialReport",
    ("iam", "GetCredentialReport"): "iam:GetCredentialReport",
    ("ec2", "DescribeRegions"): "ec2:DescribeRegions",
    ("sesv2", "ListEmailIdentities"): "ses:ListEmailIdentities",
    ("sesv2", "GetEmailIdentity"): "ses:GetEmailIdentity",
    ("pinpoint", "GetApps"): "mobiletargeting:GetApps",
    ("pinpoint", "ListTagsForResource"): "mobiletargeting:ListTagsForResource",
}

# Actions that need no grant in the scanner's policy: STS answers GetCallerIdentity for anyone, and
# AssumeRole is a permission of the identity that starts the scan.
NOT_IN_SCANNER_POLICY = frozenset({"sts:GetCallerIdentity", "sts:AssumeRole"})


def scanner_policy_actions() -> tuple[str, ...]:
    """The IAM actions the scanner's own least-privilege policy must grant, sorted."""
    return tuple(sorted(set(ALLOWED_OPERATIONS.values()) - NOT_IN_SCANNER_POLICY))


class ForbiddenOperation(RuntimeError):
    """A programming error: code tried an AWS operation outside the read-only allowlist."""


def _guard(model: Any, **_: Any) -> None:
    service = model.service_model.service_name
    if (service, model.name) not in ALLOWED_OPERATIONS:
        raise ForbiddenOperation(f"{service}:{model.name} is not in the collector's read-only allowlist")


def install_guard(client: Any) -> None:
    """Refuse every operation of `client` that is not in ALLOWED_OPERATIONS."""
    client.meta.events.register_first("before-call", _guard)
