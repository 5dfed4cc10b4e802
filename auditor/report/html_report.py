"""findings.html: one self-contained file (template, CSS, script and data inlined).

The page works offline and as an e-mail attachment: no CDN, no fetch. Its Content-Security-Policy
allows only its own style and script (by hash), so even a value that slipped past escaping could
not run. Every value from AWS is attacker-controlled (names, tags, policy text): the template
autoescapes, and the script writes data with textContent only.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from auditor.model.finding import Severity
from auditor.model.result import UNREADABLE_NOTE, ScanResult
from auditor.report.html_data import shown, write_page_data
from auditor.report.json_report import overview
from auditor.report.records import SEVERITY_LABELS, ReportData

if TYPE_CHECKING:
    from auditor.report import ReportFiles

CHART_BAR_MAX = 320  # px of the longest bar in the severity chart
CHART_ROW = 26


def _environment():
    import jinja2  # imported here: only HTML runs pay for jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("report_templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["num"] = "{:,}".format
    return env


def _finalize(value: Any) -> Any:
    """Every `{{ value }}` of the template (coverage errors, notes, account ids...) with its bidi and
    control characters shown as text, as the script shows the data's; the blocks the template marks
    safe (style, script, the data placeholder) are ours and pass as they are."""
    import markupsafe

    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return shown(value)
    return value


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _duration(started: str, finished: str) -> str:
    try:
        seconds = (dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)).total_seconds()
    except (TypeError, ValueError):
        return ""
    if seconds < 0:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs} s"


def _chart(by_severity: dict[str, int]) -> list[dict[str, Any]]:
    top = max(by_severity.values(), default=0) or 1
    return [
        {"label": label, "count": count, "width": round(CHART_BAR_MAX * count / top) if count else 0,
         "y": i * CHART_ROW}
        for i, (label, count) in enumerate(by_severity.items())
    ]


def _checks_table(result: ScanResult, by_check: dict[str, int]) -> list[dict[str, Any]]:
    meta: dict[str, dict[str, Any]] = {}
    for f in result.findings:
        m = meta.setdefault(f.check_id, {"id": f.check_id, "name": f.check_name, "title": f.title,
                                          "severity": Severity.INFO, "count": by_check.get(f.check_id, 0)})
        if f.severity > m["severity"]:
            m["severity"] = f.severity
    rows = sorted(meta.values(), key=lambda m: (-int(m["severity"]), -m["count"], m["id"]))
    return [{**m, "severity": m["severity"].label} for m in rows]


TREND_WIDTH, TREND_HEIGHT, OLDEST_SHOWN = 600, 120, 20


def _trend(history) -> dict | None:
    """Open findings per recorded run (a polyline per severity) and the oldest open findings."""
    if history is None or not history.runs:
        return None
    runs = history.runs
    top = max((r.open_total for r in runs), default=0) or 1
    step = TREND_WIDTH / max(len(runs) - 1, 1)
    lines = []
    for severity in sorted(Severity, reverse=True):
        points = " ".join(
            f"{i * step:.1f},{TREND_HEIGHT - r.count(severity) * TREND_HEIGHT / top:.1f}" for i, r in enumerate(runs))
        lines.append({"label": severity.label, "points": points})
    total = " ".join(f"{i * step:.1f},{TREND_HEIGHT - r.open_total * TREND_HEIGHT / top:.1f}" for i, r in enumerate(runs))
    rows = [{"started": r.started, "open": r.open_total, "incomplete": r.incomplete,
             "counts": [r.count(s) for s in sorted(Severity, reverse=True)]} for r in runs]
    return {"lines": lines, "total": total, "width": TREND_WIDTH, "height": TREND_HEIGHT, "runs": rows,
            "max": top, "oldest": list(history.ages[:OLDEST_SHOWN]), "open_ages": len(history.ages)}


UNREADABLE_SHOWN = 50  # unreadable input items named on the page; findings.json names them all


def shown_notes(notes: list[str]) -> list[str]:
    """The notes, with at most UNREADABLE_SHOWN of the unreadable-item ones: thousands of broken
    items would bury the other notes (the page's job is to be read, the JSON's to be complete)."""
    kept: list[str] = []
    unreadable = 0
    for note in notes:
        if note.startswith(UNREADABLE_NOTE):
            unreadable += 1
            if unreadable > UNREADABLE_SHOWN:
                continue
        kept.append(note)
    if unreadable > UNREADABLE_SHOWN:
        kept.append(f"... and {unreadable - UNREADABLE_SHOWN} more unreadable input items, all named in findings.json.")
    return kept


@functools.cache
def _page() -> tuple[Any, str, str]:
    """The compiled page template, its style sheet and its script: made once per process."""
    env = _environment()
    return env.get_template("report.html.j2"), env.loader.get_source(env, "report.css")[0], \
        env.loader.get_source(env, "report.js")[0]


def warm_up() -> None:
    """Import jinja2 and compile the page template now (see auditor.report.warm_up)."""
    _page()


def write(data: ReportData, files: ReportFiles) -> None:
    result = data.result
    template, css, script = _page()
    info = overview(result)
    info["notes"] = shown_notes(info["notes"])
    summary = info["summary"]
    gaps = [c for c in info["coverage"] if c["status"] != "ok"]
    # The page is rendered around a placeholder for the data block, which is then streamed in its place.
    placeholder = f"\x00report-data-{secrets.token_hex(8)}\x00"
    page = template.render(
        info=info,
        summary=summary,
        gaps=gaps,
        duration=_duration(result.run.started, result.run.finished),
        chart=_chart(summary["by_severity"]),
        chart_height=len(SEVERITY_LABELS) * CHART_ROW,
        chart_bar_max=CHART_BAR_MAX,
        checks=_checks_table(result, summary["by_check"]),
        severities=SEVERITY_LABELS,
        css=css,
        script=script,
        csp=f"default-src 'none'; img-src data:; style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
            "base-uri 'none'; form-action 'none'",
        data_json=placeholder,
        trend=_trend(result.history),
    )
    before, after = page.split(placeholder)  # exactly once: the template embeds the data in one place
    with files.open("findings.html") as out:
        out.write(before)
        write_page_data(data, out, files.scratch)
        out.write(after)
