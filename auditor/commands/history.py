"""`auditor history --history PATH`: the runs recorded by scans run with --history."""
from __future__ import annotations

import argparse
import json
import sys

from auditor.commands.terminal import visible
from auditor.history import SEVERITIES, RunRecord, list_runs, trend


def register(sub, name: str) -> None:
    p = sub.add_parser(name, help="list past runs recorded with --history",
                       description="List the runs a scheduled scan recorded in its SQLite history "
                                   "(auditor scan --history PATH), oldest first, with open findings by severity.")
    p.add_argument("--history", required=True, metavar="PATH", help="the SQLite history file")
    p.add_argument("--limit", type=_positive, metavar="N", help="only the N most recent runs")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json adds the age in days of every finding open in the latest run")
    p.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    if args.format == "json":
        t = trend(args.history, args.limit)
        doc = {
            "runs": [_run_record(r) for r in t.runs],
            "open_findings": [
                {"fingerprint": a.fingerprint, "check_id": a.check_id, "severity": a.severity.label,
                 "account_id": a.account_id, "resource_arn": a.resource_arn, "principal_arn": a.principal_arn,
                 "title": a.title, "first_seen": a.first_seen, "days_open": a.days_open}
                for a in t.ages
            ],
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    runs = list_runs(args.history, args.limit)
    header = ["run", "started", "accounts", "total", *(s.label for s in SEVERITIES), "suppressed", "new",
              "resolved", "complete"]
    rows = [header] + [
        [str(r.id), visible(r.started), visible(_accounts(r)), str(r.total), *(str(r.count(s)) for s in SEVERITIES),
         str(r.suppressed), str(r.new), str(r.resolved), "no" if r.incomplete else "yes"]
        for r in runs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def _accounts(r: RunRecord) -> str:
    ids = r.account_ids
    return ids[0] if len(ids) == 1 else f"{len(ids)} accounts"


def _run_record(r: RunRecord) -> dict:
    return {
        "id": r.id, "started": r.started, "finished": r.finished, "source": r.source,
        "account_ids": list(r.account_ids), "regions": list(r.regions), "tool_version": r.tool_version,
        "incomplete": r.incomplete, "total": r.total, "open": {s.label: n for s, n in r.open_counts},
        "suppressed": r.suppressed, "new": r.new, "resolved": r.resolved,
    }
