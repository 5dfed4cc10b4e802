"""`auditor merge DIR...`: one report from the findings.json files of shards or accounts."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from auditor.commands.terminal import visible
from auditor.config import FAIL_ON, FORMATS, load_config
from auditor.merge import merge_paths, summary_line
from auditor.pipeline import exit_code
from auditor.report import report_formats, write_reports


def register(sub, name: str) -> None:
    p = sub.add_parser(
        name, help="combine findings.json files into one report",
        description="Combine the findings.json files found (recursively) under each DIR, or named directly, "
                    "into one report: findings kept once by fingerprint and sorted, coverage of every part "
                    "kept. Exit codes as for scan.")
    p.add_argument("paths", nargs="+", metavar="DIR", help="directory searched for findings.json, or a findings.json")
    p.add_argument("--output-dir", metavar="DIR", help="where the merged report goes (default: config, else ./auditor-report)")
    p.add_argument("--format", metavar="LIST", help=f"comma-separated: {','.join(FORMATS)} (default: config, else html,csv,json)")
    p.add_argument("--fail-on", choices=FAIL_ON, help="exit 1 at or above this severity (default: config, else high)")
    p.add_argument("--fail-on-new", action="store_true", help="only findings new against the baseline count")
    p.add_argument("--history", metavar="PATH", help="also record the merged run in this SQLite history")
    p.add_argument("--config", metavar="FILE", help="config file (output settings)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    out = Path(args.output_dir or config.output.dir)
    formats = report_formats(args.format, config.output.formats)
    result = merge_paths(args.paths, exclude=out)
    written = write_reports(result, out, formats)
    if args.history:
        from auditor.history import record_run

        record_run(args.history, result)
    if not args.quiet:
        print(visible(f"auditor: merged {summary_line(result, written)}"), file=sys.stderr)
    new_only = args.fail_on_new or config.output.fail_on_new
    return int(exit_code(result, args.fail_on or config.output.fail_on, new_only))
