"""The data block of findings.html: compact enough that 100,000 findings stay a few tens of MB.

Every repeated string (ARNs, names, actions, statement text...) is stored once in a string table
and referred to by index; findings and principals are positional arrays whose layout the page's
script reads from `columns`. The script renders rows lazily, so the page never holds a DOM node
per finding.

The block is written as a stream: the string table comes first in the document but is complete
only once every row is encoded, so the rows are spilled to scratch files as they are encoded and
copied in after the table. Nothing holds all the rows at once.
"""
from __future__ import annotations

import functools
import io
import json
import re
import shutil
from json.encoder import encode_basestring  # the C escaper json.dumps(ensure_ascii=False) uses
from typing import Any, Callable, ContextManager, Iterable, Iterator, TextIO

from auditor.hidden import HIDDEN_CLASS
from auditor.iam.arns import split_arn
from auditor.model.access import SERVICE_LABELS, PrincipalAccess
from auditor.model.finding import Finding
from auditor.model.result import ScanResult
from auditor.report.html_access import AccessTable
from auditor.report.html_strings import ListTexts, PairListTexts, StringTable
from auditor.report.records import ENUM_TEXT, ReportData

# Finding fields in the order the script reads them (see PageRows.finding). `services` is derived.
FINDING_COLUMNS: tuple[str, ...] = (
    "fingerprint", "check_id", "severity", "message", "account_id", "region", "resource_type", "resource_arn",
    "principal_type", "principal_name", "principal_arn", "policy_name", "policy_arn", "policy_type",
    "statement_index", "statement_sid", "actions", "resources", "condition_keys", "status", "suppressed_by",
    "file", "line", "column", "evidence", "services",
)
PRINCIPAL_COLUMNS: tuple[str, ...] = (
    "account_id", "principal_type", "principal_name", "principal_arn", "archetype", "nearest_archetype",
    "excess", "services", "suggested_policy", "declared_archetype", "excess_scopes",
)
BATCH = 512  # rows joined per write
COPY_CHUNK = 1 << 20

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
Scratch = Callable[[], ContextManager[TextIO]]


def finding_services(f: Finding) -> tuple[str, ...]:
    """Services a finding is about: its actions' prefixes, else its resource's service."""
    names = _action_services(f.actions)
    return _arn_services(f.resource_arn, f.resources) if names is None else names


@functools.lru_cache(maxsize=16384)
def _action_services(actions: tuple[str, ...]) -> tuple[str, ...] | None:
    """Sorted prefixes of the actions but "*"; None when no action has a prefix (then the ARNs say).
    Findings repeat the same action lists, so this is cached by the list alone."""
    names = set(map(_prefix, actions))
    names.discard(None)
    if not names:
        return None
    names.discard("*")
    return tuple(sorted(names))


@functools.lru_cache(maxsize=16384)
def _arn_services(resource_arn: str, resources: tuple[str, ...]) -> tuple[str, ...]:
    names = set()
    for arn in (resource_arn, *resources):
        parts = split_arn(arn)
        if parts is not None and parts.service:
            names.add(parts.service)
    names.discard("*")
    return tuple(sorted(names))


@functools.lru_cache(maxsize=16384)
def _prefix(action: str) -> str | None:
    """The lower-case service prefix of an action, None without one."""
    return action.split(":", 1)[0].lower() if ":" in action else None


_FINDING_ROW = "[" + ",".join(["{}"] * len(FINDING_COLUMNS)) + "]"
_PRINCIPAL_ROW = "[{},{},{},{},{},{},{},[{}],{},{},{}]"


class PageRows:
    """Rows of the data block as JSON text, each string entering the table in document order: the
    fields of a row left to right (`format` evaluates its arguments in that order), rows in order.
    Index lists repeat across rows (the same action lists, excess lists...), so each distinct one is
    made once (ListTexts)."""

    def __init__(self, data: ReportData, emit_block: Callable[[str], Any]) -> None:
        self.strings = StringTable()
        self.lists = ListTexts(self.strings)
        self.pairs = PairListTexts(self.strings)
        self.access = AccessTable(self.strings, self.lists, data, emit_block)

    def finding(self, f: Finding) -> str:
        """One finding in FINDING_COLUMNS order. Fingerprint and message are unique per finding, so
        they are stored as they are (a table entry would only add an index)."""
        get, lists = self.strings.__getitem__, self.lists.__getitem__
        return _FINDING_ROW.format(
            _string_json(f.fingerprint), get(f.check_id), int(f.severity), _string_json(f.message),
            get(f.account_id), get(f.region), get(f.resource_type), get(f.resource_arn), get(f.principal_type),
            get(f.principal_name), get(f.principal_arn), get(f.policy_name), get(f.policy_arn),
            get(ENUM_TEXT[f.policy_type]), _json(f.statement_index), get(f.statement_sid), lists(f.actions),
            lists(f.resources), lists(f.condition_keys), get(ENUM_TEXT[f.status]), get(f.suppressed_by),
            get(f.file), _json(f.line), _json(f.column), self.pairs[f.evidence], lists(finding_services(f)),
        )

    def principal(self, p: PrincipalAccess) -> str:
        suggested = getattr(p, "suggested_policy", None)
        if suggested is not None and not isinstance(suggested, str):
            suggested = json.dumps(suggested, indent=2, ensure_ascii=False)
        get, lists = self.strings.__getitem__, self.lists.__getitem__
        return _PRINCIPAL_ROW.format(
            get(p.account_id), get(p.principal_type), get(p.principal_name), get(p.principal_arn),
            get(p.archetype), get(p.nearest_archetype), lists(tuple(p.excess)),
            ",".join(map(str, map(self.access, p.services))), get(suggested) if suggested else "null",
            get(getattr(p, "declared_archetype", "") or ""),
            lists(tuple(getattr(p, "excess_scopes", ()) or ())),
        )


def _json(value: Any) -> str:
    return "null" if value is None else _encode(value)


def _string_json(value: Any) -> str:
    return encode_basestring(shown(value)) if type(value) is str else _encode(value)


# Characters a page must not obey (auditor.hidden); tab, newline and return stay, so that policy
# text keeps its lines. Every value from the account shows them as visible `\u202e`-style text.
_HIDDEN = re.compile(f"[{HIDDEN_CLASS}]")


def _escape_hidden(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def shown(text: str) -> str:
    """`text` with the characters of `_HIDDEN` as `\\u` escapes: the same escape JSON uses, so policy
    text stays the same JSON, and the page's script shows it as it is."""
    # Every character of `_HIDDEN` is one Python calls unprintable (a control, format or surrogate
    # character; tested), and the test runs in C over the text: most texts need no regex pass.
    return text if text.isprintable() else _HIDDEN.sub(_escape_hidden, text)


def _checks(result: ScanResult) -> dict[str, dict[str, str]]:
    checks: dict[str, dict[str, str]] = {}
    for f in (*result.findings, *result.resolved):
        checks.setdefault(f.check_id, {"name": f.check_name, "title": f.title, "remediation": f.remediation,
                                       "doc_url": f.doc_url})
    return dict(sorted(checks.items()))


def _joined(texts: Iterable[str]) -> Iterator[str]:
    """The texts joined by commas, a batch at a time."""
    batch: list[str] = []
    first = True
    for text in texts:
        batch.append(text)
        if len(batch) == BATCH:
            yield ("" if first else ",") + ",".join(batch)
            batch, first = [], False
    if batch:
        yield ("" if first else ",") + ",".join(batch)


def _copy(source: TextIO, out: TextIO) -> None:
    source.seek(0)
    shutil.copyfileobj(source, out, COPY_CHUNK)


def write_page_data(data: ReportData, out: TextIO, scratch: Scratch) -> None:
    """The data block's JSON (escaped by `escape_script_text`) written to `out`: the same text as
    `embed_json` of the whole document, without ever holding the whole document."""
    result = data.result
    with scratch() as rows, scratch() as blocks:
        # Access blocks and principal rows are numbers (indices into the string table), brackets and
        # commas only: nothing in them to escape (tested). Findings carry texts and are escaped.
        page = PageRows(data, _CommaSeparated(blocks.write))
        # findings, resolved and principals, in document order; strings enter the table as they go
        for key, items, encode_row, escape in (
            ("findings", data.findings, page.finding, escape_script_text),
            ("resolved", data.resolved, page.finding, escape_script_text),
            ("principals", data.principals, page.principal, None),
        ):
            rows.write(("" if key == "findings" else "],") + _encode(key) + ":[")
            for text in _joined(map(encode_row, items)):
                rows.write(text if escape is None else escape(text))
        head = {
            "columns": list(FINDING_COLUMNS),
            "principal_columns": list(PRINCIPAL_COLUMNS),
            "service_labels": SERVICE_LABELS,
            "checks": _checks(result),
            "strings": [],
        }
        out.write(escape_script_text(_encode(head)[:-3]) + "[")  # the table goes between the brackets
        for text in _joined(map(_string_json, page.strings)):
            out.write(escape_script_text(text))
        out.write("],")
        del page
        _copy(rows, out)
        out.write('],"access":[')
        _copy(blocks, out)
        out.write("]}")


class _CommaSeparated:
    """Writes items with a comma between them."""

    def __init__(self, write: Callable[[str], Any]) -> None:
        self.write = write
        self.first = True

    def __call__(self, text: str) -> None:
        self.write(text if self.first else "," + text)
        self.first = False


def page_data(result: ScanResult) -> dict[str, Any]:
    """The data block as Python values (what the page's script sees)."""
    from auditor.report import MemoryFiles  # the package imports the formats lazily, not at import time

    out = io.StringIO()
    write_page_data(ReportData(result), out, MemoryFiles().scratch)
    return json.loads(out.getvalue())


def escape_script_text(text: str) -> str:
    """JSON text that cannot end its <script> element early: `<`, `>` and `&` become \\u escapes, so
    no `</script>` or `<!--` can appear, and U+2028/2029 are escaped for older parsers. Each character
    is replaced on its own, so the text may be escaped in pieces."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def embed_json(data: Any) -> str:
    """`data` as JSON safe to embed in a <script> element (see escape_script_text)."""
    return escape_script_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
