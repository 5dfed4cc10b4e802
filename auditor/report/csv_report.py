"""findings.csv and principals.csv: for spreadsheets, so every cell is inert text.

RFC 4180 (comma, double quotes, CRLF), UTF-8, header always, no timestamps in rows, rows sorted:
the same input gives the same bytes.
"""
from __future__ import annotations

import csv
import enum
from collections import Counter, defaultdict
from dataclasses import fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TextIO

from auditor.model.access import SERVICES, PrincipalAccess, ServiceAccess
from auditor.model.finding import CSV_FIELDS, Finding
from auditor.report.records import ENUM_TEXT, SEVERITY_LABELS, ReportData, is_open

if TYPE_CHECKING:
    from auditor.report import ReportFiles

LIST_SEPARATOR = "; "
LINE_TERMINATOR = "\r\n"
# Characters that make Excel, LibreOffice or Sheets treat a cell as a formula (OWASP CSV injection).
_FORMULA_START = frozenset("=+-@\t\r")
PRINCIPAL_FIELDS: tuple[str, ...] = (
    "account_id", "principal_type", "principal_name", "principal_arn",
    "pinpoint", "sms_voice", "ses", "archetype", "nearest_archetype", "excess",
) + SEVERITY_LABELS
_SERVICE_COLUMNS = dict(zip(SERVICES, ("pinpoint", "sms_voice", "ses")))


def neutralise(text: str) -> str:
    """Prefix a quote to a cell a spreadsheet would execute, also behind leading blanks."""
    if text and (text[0] in _FORMULA_START or (text[0].isspace() and text.lstrip()[:1] in _FORMULA_START)):
        return "'" + text
    return text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        value = LIST_SEPARATOR.join(map(str, value))
    elif isinstance(value, enum.Enum):  # not `in ENUM_TEXT`: Severity is an IntEnum, 1 == LOW
        value = ENUM_TEXT[value]
    return neutralise(str(value))


def _csv_converter(name: str) -> Callable[[Any], str]:
    kind = next(f.type for f in fields(Finding) if f.name == name)
    if kind == "str":
        return neutralise
    if name in ("severity", "status", "policy_type"):
        return ENUM_TEXT.__getitem__  # enum texts are fixed words, never formulas
    return cell


_CSV_GET = attrgetter(*CSV_FIELDS)
_CSV_CONVERT = tuple(_csv_converter(n) for n in CSV_FIELDS)


def finding_rows(findings: Iterable[Finding]) -> Iterator[list[str]]:
    """Cells of findings.csv, in the order given (the caller sorts)."""
    for f in findings:
        yield [convert(v) for convert, v in zip(_CSV_CONVERT, _CSV_GET(f))]


def principal_rows(principals: Iterable[PrincipalAccess], findings: Iterable[Finding],
                   summary: Callable[[ServiceAccess], str] = attrgetter("summary")) -> Iterator[list[str]]:
    """Cells of principals.csv, in the order given; `summary` may serve each block's cell from a cache."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for f in findings:
        if f.principal_arn and is_open(f):
            counts[f.principal_arn][f.severity.label] += 1
    for p in principals:
        access = {_SERVICE_COLUMNS[s.service]: summary(s) for s in p.services if s.service in _SERVICE_COLUMNS}
        values: dict[str, Any] = {
            "account_id": p.account_id, "principal_type": p.principal_type, "principal_name": p.principal_name,
            "principal_arn": p.principal_arn, "archetype": p.archetype, "nearest_archetype": p.nearest_archetype,
            "excess": p.excess,
            **{col: access.get(col, "none") for col in _SERVICE_COLUMNS.values()},
            **{label: counts[p.principal_arn][label] for label in SEVERITY_LABELS},
        }
        yield [cell(values[name]) for name in PRINCIPAL_FIELDS]


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[list[str]]) -> None:
    """RFC 4180 as pandas' DataFrame.to_csv wrote it before (which drives this same C writer): quotes
    only where needed, doubled inside, CRLF after every row. Every value is already a string."""
    writer = csv.writer(out, lineterminator=LINE_TERMINATOR, quoting=csv.QUOTE_MINIMAL, doublequote=True,
                        quotechar='"', delimiter=",")
    writer.writerow(header)
    writer.writerows(rows)


def write(data: ReportData, files: ReportFiles) -> None:
    with files.open("findings.csv") as out:
        write_csv(out, CSV_FIELDS, finding_rows(data.findings))
    with files.open("principals.csv") as out:
        write_csv(out, PRINCIPAL_FIELDS, principal_rows(data.principals, data.result.findings,
                                                        lambda s: data.overview(s).summary))
