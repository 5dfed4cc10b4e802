"""The Finding record: what every check emits and every reporter reads."""
from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from dataclasses import dataclass

from auditor.model.slotinit import slot_init


class Severity(enum.IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {text!r} (expected one of: {', '.join(s.label for s in cls)})"
            ) from None


class Status(enum.Enum):
    NEW = "new"
    EXISTING = "existing"
    SUPPRESSED = "suppressed"


class PolicyType(enum.Enum):
    INLINE = "inline"
    MANAGED = "managed"
    AWS_MANAGED = "aws-managed"
    BOUNDARY = "boundary"
    RESOURCE = "resource"
    TRUST = "trust"
    NONE = ""


@slot_init
@dataclass(frozen=True, slots=True)
class Finding:
    """One finding. Field order is the CSV column order of design.md section 3."""

    fingerprint: str
    check_id: str
    check_name: str
    severity: Severity
    title: str
    message: str
    account_id: str = ""
    region: str = ""
    resource_type: str = ""
    resource_arn: str = ""
    principal_type: str = ""
    principal_name: str = ""
    principal_arn: str = ""
    policy_name: str = ""
    policy_arn: str = ""
    policy_type: PolicyType = PolicyType.NONE
    statement_index: int | None = None
    statement_sid: str = ""
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    condition_keys: tuple[str, ...] = ()
    remediation: str = ""
    doc_url: str = ""
    status: Status = Status.NEW
    suppressed_by: str = ""
    # Not part of the CSV contract: where in a linted file, and structured extras for reports.
    file: str = ""
    line: int | None = None
    column: int | None = None
    evidence: tuple[tuple[str, str], ...] = ()

    def replace(self, **changes) -> "Finding":
        return dataclasses.replace(self, **changes)

    def sort_key(self) -> tuple:
        return (
            -int(self.severity),
            self.check_id,
            self.account_id,
            self.resource_arn,
            self.principal_arn,
            self.policy_arn or self.policy_name,
            -1 if self.statement_index is None else self.statement_index,
            self.fingerprint,
        )


CSV_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Finding) if f.name not in {"file", "line", "column", "evidence"}
)


def fingerprint(
    check_id: str,
    *,
    account_id: str = "",
    resource_arn: str = "",
    principal_arn: str = "",
    policy_ref: str = "",
    statement: str = "",
    evidence: object = (),
) -> str:
    """Stable identity of a finding: no message, time or position in it, so wording changes and
    re-ordering of a document do not make an old finding look new."""
    payload = _FINGERPRINT_JSON([check_id, account_id, resource_arn, principal_arn, policy_ref, statement, evidence])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


# json.dumps(value, sort_keys=True, default=str, separators=(",", ":")), without making an encoder per call.
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, default=str, separators=(",", ":")).encode
