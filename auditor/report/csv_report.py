"""findings.csv and principals.csv: for spreadsheets, so every cell is inert text.

RFC 4180 (comma, double quotes, CRLF), UTF-8, header always, no timestamps in rows, rows sorted:
the same input gives the same bytes.
"""
from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from typing import Any, Iterable, Sequence

from auditor.model.access import SERVICES, PrincipalAccess
from auditor.model.finding import CSV_FIELDS, Finding
from auditor.model.result import ScanResult
from auditor.report.records import SEVERITY_LABELS, is_open, sorted_findings, sorted_principals

LIST_SEPARATOR = "; "
LINE_TERMINATOR = "\r\n"
# Characters that make Excel, LibreOffice or Sheets treat a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PRINCIPAL_FIELDS: tuple[str, ...] = (
    "account_id", "principal_type", "principal_name", "principal_arn",
    "pinpoint", "sms_voice", "ses", "archetype", "nearest_archetype", "excess",
) + SEVERITY_LABELS
_SERVICE_COLUMNS = dict(zip(SERVICES, ("pinpoint", "sms_voice", "ses")))


def neutralise(text: str) -> str:
    """Prefix a quote to a cell a spreadsheet would execute, also behind leading blanks."""
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        value = LIST_SEPARATOR.join(map(str, value))
    elif hasattr(value, "label"):  # Severity
        value = value.label
    elif hasattr(value, "value"):  # Status, PolicyType
        value = value.value
    return neutralise(str(value))


def finding_rows(findings: Iterable[Finding]) -> list[list[str]]:
    return [[cell(getattr(f, name)) for name in CSV_FIELDS] for f in sorted_findings(findings)]


def principal_rows(principals: Iterable[PrincipalAccess], findings: Sequence[Finding]) -> list[list[str]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        if f.principal_arn and is_open(f):
            counts[f.principal_arn][f.severity.label] += 1
    rows = []
    for p in sorted_principals(principals):
        access = {_SERVICE_COLUMNS[s.service]: s.summary for s in p.services if s.service in _SERVICE_COLUMNS}
        values: dict[str, Any] = {
            "account_id": p.account_id, "principal_type": p.principal_type, "principal_name": p.principal_name,
            "principal_arn": p.principal_arn, "archetype": p.archetype, "nearest_archetype": p.nearest_archetype,
            "excess": p.excess,
            **{col: access.get(col, "none") for col in _SERVICE_COLUMNS.values()},
            **{label: counts[p.principal_arn][label] for label in SEVERITY_LABELS},
        }
        rows.append([cell(values[name]) for name in PRINCIPAL_FIELDS])
    return rows


def to_csv(header: Sequence[str], rows: list[list[str]]) -> bytes:
    """Every value is already a string, so pandas writes it as is (no float or date guessing)."""
    import pandas as pd  # imported here: only CSV runs pay for pandas

    frame = pd.DataFrame(rows, columns=list(header), dtype=object)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator=LINE_TERMINATOR, quoting=csv.QUOTE_MINIMAL,
                 doublequote=True, quotechar='"', sep=",")
    return buffer.getvalue().encode("utf-8")


def render(result: ScanResult) -> dict[str, bytes]:
    return {
        "findings.csv": to_csv(CSV_FIELDS, finding_rows(result.findings)),
        "principals.csv": to_csv(PRINCIPAL_FIELDS, principal_rows(result.principals, result.findings)),
    }
