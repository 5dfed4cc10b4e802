"""The snapshot: everything one collection read, as one versioned JSON document (design.md section 3).

The IAM part keeps the shape of `get-account-authorization-details` (UserDetailList, GroupDetailList,
RoleDetailList, Policies) with every policy document as the raw text AWS returned, so duplicate keys
survive; SES identity policies stay the raw strings SES returned.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from auditor import __version__
from auditor.errors import UsageError
from auditor.model.inventory import CoverageEntry
from auditor.atomic import atomic_write

SCHEMA_VERSION = 1
GAAD_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
# The credential report columns kept; the report holds no secrets, and nothing else is needed.
CREDENTIAL_COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
)


@dataclass(frozen=True)
class Snapshot:
    """One account's collected (or loaded) data, before parsing.

    `iam` holds only the GAAD lists the input had: an offline file written with one `--filter`
    lacks the others, and the inventory builder must know "absent" from "empty".
    """

    account_id: str
    partition: str
    source: str  # "live", "demo", "snapshot:PATH", "gaad:PATH" (comma-joined for several files)
    regions: tuple[str, ...] = ()
    collected_at: str = ""
    iam: Mapping[str, list] = field(default_factory=dict)
    credential_report: tuple[Mapping[str, str], ...] = ()
    ses: Mapping[str, list] = field(default_factory=dict)  # region -> identities
    pinpoint: Mapping[str, list] = field(default_factory=dict)  # region -> projects
    coverage: tuple[CoverageEntry, ...] = ()
    load_errors: tuple[tuple[str, str], ...] = ()  # broken items found while reading the input
    notes: tuple[str, ...] = ()  # what the reader of the report must know about this input

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "auditor", "version": __version__},
            "collected_at": self.collected_at,
            "account_id": self.account_id,
            "partition": self.partition,
            "regions": list(self.regions),
            "credential_report": [dict(row) for row in self.credential_report],
            "ses": {region: items for region, items in self.ses.items()},
            "pinpoint": {region: items for region, items in self.pinpoint.items()},
            "coverage": [
                {"family": c.family, "region": c.region, "status": c.status.value, "error": c.error,
                 "account_id": c.account_id}
                for c in self.coverage
            ],
        }
        doc.update({name: self.iam[name] for name in GAAD_LISTS if name in self.iam})
        return doc


def to_json_bytes(snapshot: Snapshot) -> bytes:
    # Sorted keys: two collections of an unchanged account differ only in collected_at.
    return json.dumps(snapshot.to_document(), sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")


def write_snapshot(snapshot: Snapshot, path: str | Path) -> Path:
    """Write atomically (temp file beside it, then rename): a reader never sees half a snapshot."""
    target = Path(path)
    try:
        atomic_write(target, to_json_bytes(snapshot))
    except OSError as exc:
        raise UsageError(f"cannot write snapshot {target}: {exc.strerror or exc}") from None
    return target


def plain(value: Any) -> Any:
    """A boto3 answer as JSON data: datetimes become ISO 8601 UTC text, so what the collector keeps
    in memory is exactly what a snapshot file gives back."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso(value)
    return value


def iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def utc_now() -> str:
    return iso(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
