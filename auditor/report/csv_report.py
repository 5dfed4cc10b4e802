"""findings.csv and principals.csv: for spreadsheets, so every cell is inert text.

RFC 4180 (comma, double quotes, CRLF), UTF-8, header always, no timestamps in rows, rows sorted:
the same input gives the same bytes. The lines are put together here rather than by the csv module
(or pandas, which drives it): its writer examines every character through a function call, which
made 140 MB of CSV cost four seconds. The bytes are the same; the tests compare the two.
"""
from __future__ import annotations

import enum
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TextIO

from auditor.model.access import SERVICES, PrincipalAccess, ServiceAccess
from auditor.model.finding import CSV_FIELDS, Finding, Severity
from auditor.report.memo import TextMemo
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
_MOST_SEVERE = max(Severity)  # a severity's count goes to column _MOST_SEVERE - severity of SEVERITY_LABELS
# A principal's text cells: its own fields, then the service columns' summaries, put in the order of
# PRINCIPAL_FIELDS by position (one tuple per principal, reordered in C).
_SERVICE_NAMES = tuple(_SERVICE_COLUMNS.values())
_TEXT_FIELDS = PRINCIPAL_FIELDS[:-len(SEVERITY_LABELS)]
_OWN_FIELDS = tuple(f for f in _TEXT_FIELDS if f not in _SERVICE_NAMES)
_OWN = attrgetter(*_OWN_FIELDS)
_TEXT_ORDER = tuple((_OWN_FIELDS + _SERVICE_NAMES).index(f) for f in _TEXT_FIELDS)


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


def quote(text: str) -> str:
    """One RFC 4180 field as the csv module writes it with QUOTE_MINIMAL and a CRLF line end: in
    quotes (doubled inside) when it holds a quote, a comma, CR or LF; else as it is."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def _field(value: Any) -> str:
    return quote(cell(value))


def _unique_field(value: Any) -> str:
    return quote(neutralise(value)) if type(value) is str else _field(value)


_ENUM_FIELDS = {member: quote(text) for member, text in ENUM_TEXT.items()}  # fixed words, never formulas


def _finding_encoders(fields_memo: TextMemo) -> tuple[Callable[[Any], str], ...]:
    """Per CSV column: value -> its field text. Most values recur across findings (names, ARNs,
    action lists...), so they come from the memo; fingerprint and message are unique."""

    def encoder(name: str) -> Callable[[Any], str]:
        if name in ("fingerprint", "message"):
            return _unique_field
        if name in ("severity", "status", "policy_type"):
            return _ENUM_FIELDS.__getitem__
        if name == "statement_index":
            return _field
        return fields_memo.__getitem__  # str and tuple[str, ...] values: they never compare equal

    return tuple(encoder(name) for name in CSV_FIELDS)


_CSV_GET = attrgetter(*CSV_FIELDS)


def finding_lines(findings: Iterable[Finding]) -> Iterator[str]:
    """Lines of findings.csv (CRLF-terminated), in the order given (the caller sorts)."""
    encoders = _finding_encoders(TextMemo(_field))
    for f in findings:
        yield ",".join([encode(v) for encode, v in zip(encoders, _CSV_GET(f))]) + LINE_TERMINATOR


def principal_lines(principals: Iterable[PrincipalAccess], findings: Iterable[Finding],
                    summary: Callable[[ServiceAccess], str] = attrgetter("summary")) -> Iterator[str]:
    """Lines of principals.csv, in the order given; `summary` may serve each block's cell from a cache."""
    # Open findings per principal, one count per severity in the columns' order (most severe first).
    counts: dict[str, list[int]] = {}
    for f in findings:
        if f.principal_arn and is_open(f):
            row = counts.get(f.principal_arn)
            if row is None:
                row = counts[f.principal_arn] = [0] * len(SEVERITY_LABELS)
            row[_MOST_SEVERE - f.severity] += 1
    none = (0,) * len(SEVERITY_LABELS)
    memo = TextMemo(_field)
    field = memo.__getitem__
    for p in principals:
        access = dict.fromkeys(_SERVICE_NAMES, "none")
        for s in p.services:
            if s.service in _SERVICE_COLUMNS:
                access[_SERVICE_COLUMNS[s.service]] = summary(s)
        values = _OWN(p) + tuple(access.values())
        # A count is a plain number, never a formula or quoted.
        yield ",".join([*map(field, map(values.__getitem__, _TEXT_ORDER)),
                        *map(str, counts.get(p.principal_arn, none))]) + LINE_TERMINATOR


BATCH = 512  # lines joined per write


def write_lines(out: TextIO, header: Sequence[str], lines: Iterable[str]) -> None:
    out.write(",".join(map(quote, header)) + LINE_TERMINATOR)
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            out.write("".join(batch))
            batch = []
    out.write("".join(batch))


def write(data: ReportData, files: ReportFiles) -> None:
    with files.open("findings.csv") as out:
        write_lines(out, CSV_FIELDS, finding_lines(data.findings))
    with files.open("principals.csv") as out:
        write_lines(out, PRINCIPAL_FIELDS, principal_lines(data.principals, data.result.findings,
                                                           lambda s: data.overview(s).summary))
