"""Reporters: every format is one `write(data, files)` function behind a registry.

A format streams each of its files into `files.open(name)`: `write_reports` hands out fsynced temp
files beside the targets and renames them all over the old files only when every format succeeded
(an error in one formatter never leaves a mixed set of old and new files), and no report is ever
held whole in memory. `render_reports` gives the same bytes in memory, for tests and small results.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, ContextManager, Iterator, Protocol, Sequence, TextIO

from auditor.atomic import StagedFiles, discard_left_by
from auditor.forked import Done, Forked, run_soon
from auditor.errors import UsageError
from auditor.model.result import ScanResult
from auditor.model.access import PrincipalAccess
from auditor.report.records import BlockFacts, ReportData

# Text is encoded and handed to the file in pieces this large: few system calls for a 300 MB report.
WRITE_CHUNK = 1 << 20


class ReportFiles(Protocol):
    def open(self, name: str) -> ContextManager[TextIO]:
        """A UTF-8 text stream for the report file `name` (no newline translation)."""

    def scratch(self) -> ContextManager[TextIO]:
        """A temporary text file, readable after seek(0), gone when the block ends: a format that
        produces a file's parts out of order spills them there instead of keeping them in memory."""


Writer = Callable[[ReportData, ReportFiles], None]


@dataclass(frozen=True)
class Formatter:
    """One output format: its name on the command line and the module whose `write` makes it.

    Modules load lazily so that a JSON-only run never imports jinja2.
    """

    name: str
    module: str
    description: str
    cost: float  # relative time to write, for sharing formats out between processes
    reads_access: bool = True  # reads the principals' access blocks (see BlockFacts)

    def write(self, data: ReportData, files: ReportFiles) -> None:
        writer: Writer = importlib.import_module(self.module).write
        writer(data, files)

    def warm_up(self) -> None:
        """Whatever this format prepares before writing (imports, a compiled template), done now."""
        warm = getattr(importlib.import_module(self.module), "warm_up", None)
        if warm is not None:
            warm()

    def render(self, result: ScanResult) -> dict[str, bytes]:
        """This format's files in memory, keyed by file name."""
        files = MemoryFiles()
        self.write(ReportData(result), files)
        return files.contents


FORMATTERS: dict[str, Formatter] = {
    f.name: f
    for f in (
        Formatter("html", "auditor.report.html_report", "findings.html: self-contained interactive report", 6),
        Formatter("csv", "auditor.report.csv_report", "findings.csv and principals.csv for spreadsheets", 2),
        Formatter("json", "auditor.report.json_report", "findings.json: machine-readable, the next baseline", 3),
        Formatter("sarif", "auditor.report.sarif", "findings.sarif: SARIF 2.1.0 for code-scanning tools", 3,
                  reads_access=False),
    )
}


def formatter(name: str) -> Formatter:
    try:
        return FORMATTERS[name.strip().lower()]
    except KeyError:
        raise UsageError(f"unknown report format {name!r} (known: {', '.join(FORMATTERS)})") from None


def report_formats(option: str | None, default: Sequence[str]) -> tuple[str, ...]:
    """The formats a --format option names (`default`, the config's, without it), each known, in
    order, once. One naming none (`,`, blanks, "") is a usage error: a run that writes no report
    and exits 0 or 1 would look fine."""
    if option is None:
        return tuple(default)
    formats = tuple(dict.fromkeys(x.strip().lower() for x in option.split(",") if x.strip()))
    if not formats:
        raise UsageError(f"--format {option!r} names no format (choose from {','.join(FORMATTERS)})")
    for name in formats:
        formatter(name)  # an unknown one fails here, before any AWS call
    return formats


def _chosen(formats: Sequence[str]) -> list[Formatter]:
    if not formats:  # a run that writes nothing would still look like a successful one
        raise UsageError(f"no report format given (known: {', '.join(FORMATTERS)})")
    return [FORMATTERS[n] for n in dict.fromkeys(formatter(name).name for name in formats)]


# A lone surrogate (a `\ud800` escape in the input JSON, kept by json.loads) cannot be encoded as
# UTF-8; written as the six characters `\ud800` instead, every format stays whole: in findings.json,
# SARIF and the HTML data block (all JSON strings) that is the JSON escape of the same character,
# and in CSV and HTML text it shows what was there. Nothing else is affected: UTF-8 encodes every
# other character.
ENCODE_ERRORS = "backslashreplace"


@contextlib.contextmanager
def _text(raw: BinaryIO) -> Iterator[TextIO]:
    text = io.TextIOWrapper(raw, encoding="utf-8", errors=ENCODE_ERRORS, newline="")
    text._CHUNK_SIZE = WRITE_CHUNK  # type: ignore[attr-defined]  # documented tunable of TextIOWrapper
    yield text
    text.flush()
    text.detach()  # the binary file stays open for its owner to finish (fsync, getvalue)


class MemoryFiles:
    """Report files kept in memory."""

    def __init__(self) -> None:
        self.contents: dict[str, bytes] = {}

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        raw = io.BytesIO()
        with _text(raw) as text:
            yield text
        self.contents[name] = raw.getvalue()

    @contextlib.contextmanager
    def scratch(self) -> Iterator[TextIO]:
        with io.StringIO() as buffer:
            yield buffer


class StagedReportFiles:
    """Report files staged beside their targets in one directory (see auditor.atomic.StagedFiles)."""

    def __init__(self, directory: Path, staged: StagedFiles) -> None:
        self.directory = directory
        self.staged = staged

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[TextIO]:
        with self.staged.open(self.directory / name) as raw, _text(raw) as text:
            yield text

    @contextlib.contextmanager
    def scratch(self) -> Iterator[TextIO]:
        # Beside the reports (where the user made room), unnamed where the OS allows: nothing to clean up.
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors=ENCODE_ERRORS, newline="",
                                    dir=self.directory) as fh:
            yield fh


def render_reports(result: ScanResult, formats: Sequence[str]) -> dict[str, bytes]:
    """Every file of the asked formats, in memory, keyed by file name."""
    files = MemoryFiles()
    data = ReportData(result)
    for fmt in _chosen(formats):
        fmt.write(data, files)
    return files.contents


def _forked_format(chosen: Sequence[Formatter], fork: bool) -> Formatter | None:
    """The format a forked child writes: the costliest, when there is another for this process."""
    return max(chosen, key=lambda f: f.cost) if fork and len(chosen) > 1 else None


def warm_up(formats: Sequence[str], *, fork: bool = False, blocks: BlockFacts | None = None,
            principals: Sequence[PrincipalAccess] = ()) -> None:
    """Prepare, in this process, what write_reports(fork=fork) will need: what the format handed to a
    forked child needs first (jinja2 and the compiled page for HTML: 0.035 s), and `blocks` filled
    from `principals` (each access block's overview: 0.09 s at 5,000 principals), so that the child
    and this process inherit them ready instead of each starting with them. A scan does this while
    its checks are shared out between two processes, where it costs half as much wall time."""
    chosen = _chosen(formats)
    aside = _forked_format(chosen, fork)
    if aside is not None:
        aside.warm_up()
    if blocks is not None and any(f.reads_access for f in chosen):
        blocks.warm(principals)


def write_reports(result: ScanResult, output_dir: Path, formats: Sequence[str], *, fork: bool = False,
                  blocks: BlockFacts | None = None) -> list[Path]:
    """Write the asked reports into `output_dir` (created if needed); returns the paths written.

    `fork`: the costliest format is written by a forked child (auditor.forked) while this process
    writes the others; all are still published together or not at all. `blocks`: the facts of the
    result's access blocks, if some were derived already (see warm_up)."""
    chosen = _chosen(formats)  # unknown names fail first
    out = Path(output_dir)
    staged = StagedFiles()
    try:
        out.mkdir(parents=True, exist_ok=True)
        data = ReportData(result, blocks)  # what several formats derive (sorted findings...) is derived once
        aside = _forked_format(chosen, fork)
        with _aside(aside, data, out) as pending:
            files = StagedReportFiles(out, staged)
            at = 0
            for fmt in chosen:
                if fmt is aside:
                    at = len(staged.staged)  # its files keep their place in the list of paths written
                else:
                    fmt.write(data, files)
            staged.staged[at:at] = pending.result()
        staged.publish()
    except OSError as exc:
        staged.discard()
        raise UsageError(f"cannot write reports to {out}: {exc.strerror or exc}") from None
    except BaseException:
        staged.discard()
        raise
    return staged.targets


@contextlib.contextmanager
def _aside(fmt: Formatter | None, data: ReportData, out: Path) -> Iterator:
    """A forked child staging `fmt`'s files (None: nothing to do); whatever the child left staged
    is removed if the block fails before taking them over."""
    if fmt is None:
        yield Done(list)
        return
    pending = run_soon(functools.partial(_staged, fmt, data, out), fork=True)
    try:
        with pending:
            yield pending
    except BaseException:
        if isinstance(pending, Forked):  # killed mid-file, or finished but not taken over
            discard_left_by(out, pending.pid)
        raise


def _staged(fmt: Formatter, data: ReportData, out: Path) -> list[tuple[Path, Path]]:
    """One format's files staged (not published); their temp files are handed back."""
    staged = StagedFiles()
    try:
        fmt.write(data, StagedReportFiles(out, staged))
        staged.synced()  # on disk before this process ends and the parent renames them into place
    except BaseException:
        staged.discard()
        raise
    return staged.staged


__all__ = ["FORMATTERS", "BlockFacts", "Formatter", "MemoryFiles", "ReportFiles", "StagedReportFiles", "formatter",
           "render_reports", "warm_up", "write_reports"]
