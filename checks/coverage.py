"""COV001-COV002: what the scan could not see, so that silence is never mistaken for safety."""
from __future__ import annotations

from typing import Iterator

from auditor.analysis import docs
from auditor.model.finding import Severity
from auditor.model.inventory import CoverageStatus, Inventory
from auditor.registry import Hit, Scope, Subject, check

_WHY = {
    CoverageStatus.DENIED: "the scanner's role is not allowed to call it",
    CoverageStatus.THROTTLED: "AWS kept throttling it after every retry",
    CoverageStatus.UNAVAILABLE: "the service is not available there",
    CoverageStatus.ERROR: "it failed",
}


@check(
    "COV001", "collection-gap", Severity.HIGH, "Part of the account could not be read",
    rationale=(
        "A call family that could not be read (denied, throttled, unavailable) means the findings for it are "
        "missing, not absent: no finding there is not a clean bill of health. Gaps the config accepts are "
        "reported as info."
    ),
    remediation=(
        "Give the scanner's role the read-only permissions of its documented policy, retry throttled scans "
        "later, or accept the gap in the config (scan.accept_gaps) if the region or service is not used."
    ),
    doc_url=docs.BEST_PRACTICES,
    scope=Scope.INVENTORY,
)
def collection_gap(scan) -> Iterator[Hit]:
    inventory: Inventory = scan.inventory
    for entry in inventory.coverage:
        if entry.status is CoverageStatus.OK:
            continue
        account = entry.account_id or inventory.account_id
        error = f": {entry.error}" if entry.error else ""
        accepted = " The config accepts this gap." if entry.accepted else ""
        message = (f"{entry.family} in {entry.region} could not be read ({entry.status.value}: {_WHY[entry.status]}"
                   f"{error}), so findings for it are missing in account {account}.{accepted}")
        yield Hit(message, severity=Severity.INFO if entry.accepted else None,
                  subject=Subject(account_id=account, region=entry.region, resource_type="AWS::API::CallFamily",
                                  resource_arn=entry.family),
                  evidence=(("family", entry.family), ("region", entry.region), ("status", entry.status.value),
                            ("error", entry.error)),
                  key=f"{entry.family}@{entry.region}")


@check(
    "COV002", "raw-text-unavailable", Severity.INFO, "Policy text already decoded: duplicate keys cannot be seen",
    rationale=(
        "`aws iam get-account-authorization-details` output has been decoded by the AWS CLI, which keeps only "
        "the last of repeated JSON keys. A policy with two StringEquals blocks (as in the tag-based example) "
        "looks correct there, so POL002 cannot report it."
    ),
    remediation="Scan live or from an `auditor collect` snapshot, which keeps the policy text as IAM returned it.",
    doc_url=docs.SEED_PAGE,
    scope=Scope.INVENTORY,
)
def raw_text_unavailable(scan) -> Iterator[Hit]:
    inventory: Inventory = scan.inventory
    if inventory.raw_text_available:
        return
    yield Hit(f"The input ({inventory.source}) holds already-decoded IAM policies: repeated JSON keys were dropped "
              "before the scan, so duplicate-key problems (POL002) cannot be detected. Use `auditor collect` for a "
              "snapshot that keeps the raw text.",
              subject=Subject(account_id=inventory.account_id), key="decoded-input")
