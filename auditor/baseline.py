"""Baselines: compare this run with an earlier findings.json by fingerprint, as bandit does.

Fingerprints carry no message, time or position, so re-ordering a policy or rewording a check does
not make an old finding look new.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from auditor.errors import InputError
from auditor.model.finding import Finding, Status
from auditor.report.json_report import load_findings_document
from auditor.report.records import RecordError, finding_from_record


@dataclass(frozen=True)
class Baseline:
    """An earlier run's findings, read once: a scan reads its --baseline before any other work
    (a wrong path must not cost a whole collection first), and an organization scan compares
    every account with the same one."""

    findings: tuple[Finding, ...]


def read_baseline(path: str | Path) -> Baseline:
    return Baseline(tuple(load_baseline(path)))


def load_baseline(path: str | Path) -> list[Finding]:
    """The findings of an earlier run; InputError with one line if the file cannot serve."""
    doc = load_findings_document(path)
    out: list[Finding] = []
    for i, record in enumerate(doc["findings"]):
        try:
            out.append(finding_from_record(record))
        except RecordError as exc:
            raise InputError(f"{path}: baseline findings[{i}]: {exc}") from None
    return out


def apply_baseline(
    findings: Sequence[Finding], baseline: Baseline | str | Path | None,
    examined: Callable[[Finding], bool] | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """Mark each finding NEW or EXISTING (suppressed ones stay SUPPRESSED) and return the
    baseline's findings that are gone now (resolved): of those `examined` says this run looked
    at again, all when it is None. Without a baseline nothing changes."""
    if baseline is None:
        return list(findings), []
    if not isinstance(baseline, Baseline):
        baseline = read_baseline(baseline)
    previous = {f.fingerprint: f for f in baseline.findings}
    current = {f.fingerprint for f in findings}
    # A finding the baseline had suppressed, and this run does not (its suppression expired or
    # was removed), is new: it was never accepted as open, and --fail-on-new must see it.
    open_before = {fp for fp, f in previous.items() if f.status is not Status.SUPPRESSED}
    marked = [
        f if f.status is Status.SUPPRESSED
        else f.replace(status=Status.EXISTING if f.fingerprint in open_before else Status.NEW)
        for f in findings
    ]
    resolved = [f for fp, f in previous.items() if fp not in current and (examined is None or examined(f))]
    return marked, resolved
