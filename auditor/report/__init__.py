"""Reporters: every format is one `render(result) -> {file name: bytes}` function behind a registry.

`write_reports` renders one format at a time into fsynced temp files (so only one format's bytes are
in memory), and renames them all over the old files only when every format succeeded: an error in
one formatter never leaves a mixed set of old and new files.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from auditor.errors import UsageError
from auditor.model.result import ScanResult
from auditor.atomic import discard, publish, stage

Renderer = Callable[[ScanResult], Mapping[str, bytes]]


@dataclass(frozen=True)
class Formatter:
    """One output format: its name on the command line and the module whose `render` makes it.

    Modules load lazily so that a JSON-only run never imports pandas or jinja2.
    """

    name: str
    module: str
    description: str

    def render(self, result: ScanResult) -> Mapping[str, bytes]:
        renderer: Renderer = importlib.import_module(self.module).render
        return renderer(result)


FORMATTERS: dict[str, Formatter] = {
    f.name: f
    for f in (
        Formatter("html", "auditor.report.html_report", "findings.html: self-contained interactive report"),
        Formatter("csv", "auditor.report.csv_report", "findings.csv and principals.csv for spreadsheets"),
        Formatter("json", "auditor.report.json_report", "findings.json: machine-readable, the next baseline"),
        Formatter("sarif", "auditor.report.sarif", "findings.sarif: SARIF 2.1.0 for code-scanning tools"),
    )
}


def formatter(name: str) -> Formatter:
    try:
        return FORMATTERS[name.strip().lower()]
    except KeyError:
        raise UsageError(f"unknown report format {name!r} (known: {', '.join(FORMATTERS)})") from None


def render_reports(result: ScanResult, formats: Sequence[str]) -> dict[str, bytes]:
    """Every file of the asked formats, in memory, keyed by file name."""
    files: dict[str, bytes] = {}
    for fmt in dict.fromkeys(formatter(name).name for name in formats):
        files.update(FORMATTERS[fmt].render(result))
    return files


def write_reports(result: ScanResult, output_dir: Path, formats: Sequence[str]) -> list[Path]:
    """Write the asked reports into `output_dir` (created if needed); returns the paths written."""
    chosen = list(dict.fromkeys(formatter(name).name for name in formats))  # unknown names fail first
    out = Path(output_dir)
    staged: list[tuple[Path, Path]] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for fmt in chosen:
            rendered = FORMATTERS[fmt].render(result)
            for name, data in rendered.items():
                staged.append((stage(out / name, data), out / name))
            rendered = data = None  # free this format's bytes before rendering the next
        publish(staged)
    except OSError as exc:
        discard([tmp for tmp, _ in staged])
        raise UsageError(f"cannot write reports to {out}: {exc.strerror or exc}") from None
    except BaseException:
        discard([tmp for tmp, _ in staged])
        raise
    return [target for _, target in staged]


__all__ = ["FORMATTERS", "Formatter", "formatter", "render_reports", "write_reports"]
