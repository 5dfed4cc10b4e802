"""`auditor scan`: collect (live, --input files or --demo), run the checks, write the reports.
With --org or --accounts, the live scan runs in every selected account (auditor.org).

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config/input error, 3 incomplete
(some data could not be read and the gap is not accepted), 4 internal error (auditor.cli). 3 wins
over 1: a scan that missed data cannot promise that what it did not see is harmless.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from auditor.commands.terminal import visible
from auditor.config import FAIL_ON, FORMATS, Config, load_config
from auditor.errors import UsageError
from auditor.forked import AUTO_WORKER_MAX_PRINCIPALS
from auditor.model.finding import Severity, Status
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.model.result import ScanResult
from auditor.org import add_org_arguments, wants_org_scan

LIVE_OPTIONS = ("profile", "region", "role_arn", "external_id", "session_name")


def register(sub, name: str) -> None:
    p = sub.add_parser(
        name, help="scan an account (live, saved files or the demo) and write reports",
        description="Scan one AWS account live through boto3, offline from saved files (--input), or the "
                    "embedded demo account (--demo), and write HTML, CSV, JSON and SARIF reports.")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--input", action="extend", nargs="+", metavar="FILE", default=[],
                        help="offline: a snapshot from `auditor collect` or `aws iam get-account-authorization-details` "
                             "output (repeatable; files of one account are merged)")
    source.add_argument("--demo", action="store_true", help="scan the embedded demo account (no AWS needed)")
    add_live_options(p)
    p.add_argument("--output-dir", metavar="DIR",
                   help="where the reports go (default ./auditor-report, or $AUDITOR_OUTPUT_DIR)")
    p.add_argument("--format", metavar="LIST", help=f"report formats, comma-separated: {','.join(FORMATS)} "
                   "(default html,csv,json)")
    p.add_argument("--fail-on", choices=FAIL_ON, help="exit 1 when a finding is at or above this severity (default high)")
    p.add_argument("--fail-on-new", action="store_true", help="with --baseline: only new findings count for --fail-on")
    p.add_argument("--baseline", metavar="FILE", help="an earlier findings.json: mark findings new or existing")
    p.add_argument("--checks", action="append", default=[], metavar="IDS", help="run only these checks (ids or names, comma-separated)")
    p.add_argument("--skip-checks", action="append", default=[], metavar="IDS", help="skip these checks")
    p.add_argument("--jobs", type=int, choices=(0, 1, 2), metavar="N",
                   help="processes for a single account's checks and reports: 1; 2 (a forked worker, on "
                        "Linux; more memory); 0 = 2 when two CPUs are available and the account has at most "
                        f"{AUTO_WORKER_MAX_PRINCIPALS:,} principals (default: scan.jobs, 0)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary line on stderr")
    add_org_arguments(p)
    p.set_defaults(run=run)


def add_live_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    p.add_argument("--region", action="append", default=[], metavar="REGION",
                   help="region to read (repeatable; default scan.regions, else every enabled region)")
    p.add_argument("--role-arn", metavar="ARN", help="assume this role first")
    p.add_argument("--external-id", metavar="ID", help="external id for --role-arn")
    p.add_argument("--session-name", metavar="NAME", help="role session name for --role-arn (default auditor)")
    p.add_argument("--config", metavar="FILE", help="TOML config (default $AUDITOR_CONFIG)")


def _regions(args: argparse.Namespace, config: Config) -> tuple[str, ...]:
    return tuple(dict.fromkeys(args.region)) or config.scan.regions


def _collect_options(config: Config):
    from auditor.collect.collector import CollectOptions

    return CollectOptions(rate_limit=config.scan.rate_limit, max_attempts=config.scan.max_attempts)


def live_snapshot(args: argparse.Namespace, config: Config, progress: Callable[[str], None] | None):
    from auditor.collect.collector import collect_live
    from auditor.collect.session import AwsTarget

    scan = config.scan
    target = AwsTarget(
        profile=args.profile or scan.profile,
        role_arn=args.role_arn or scan.role_arn,
        external_id=args.external_id or scan.external_id,
        session_name=args.session_name or scan.session_name,
        regions=_regions(args, config),
    )
    if target.external_id and not target.role_arn:
        raise UsageError("--external-id needs --role-arn")
    return collect_live(target, _collect_options(config), progress=progress)


def account_scanner(args: argparse.Namespace, config: Config) -> Callable[[Any, str], ScanResult]:
    """What an organization scan runs in each member account: the single-account scan, through the
    session of the role assumed there."""
    from auditor.collect.collector import collect_live
    from auditor.collect.inventory_builder import build_inventory
    from auditor.collect.session import AwsTarget
    from auditor.pipeline import analyse

    target, options = AwsTarget(regions=_regions(args, config)), _collect_options(config)

    def scan_one(session: Any, account_id: str) -> ScanResult:
        snapshot = collect_live(target, options, session=session)
        return analyse(build_inventory(snapshot), config, only=_split(args.checks), skip=_split(args.skip_checks),
                       baseline=args.baseline, notes=snapshot.notes)

    return scan_one


def progress_printer(quiet: bool) -> Callable[[str], None] | None:
    """Progress only for a person watching a terminal; a cron job's log gets the summary alone."""
    if quiet or not sys.stderr.isatty():
        return None
    return lambda message: print(visible(f"auditor: {message}"), file=sys.stderr, flush=True)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def run(args: argparse.Namespace) -> int:
    from auditor.collect.inventory_builder import build_inventory
    from auditor.collect.snapshot import utc_now
    from auditor.commands.config_cmd import check_names
    from auditor.forked import wants_worker
    from auditor.heap import cycle_collection_paused, leave_to_exit
    from auditor.pipeline import analyse, exit_code
    from auditor.report import BlockFacts, report_formats, warm_up, write_reports

    config = load_config(args.config)
    check_names(config)  # a misspelt check id in a suppression is an error, before any AWS call
    formats = report_formats(args.format, config.output.formats)  # before any AWS call, for every kind of scan
    if args.baseline:
        from auditor.baseline import read_baseline

        args.baseline = read_baseline(args.baseline)  # read once, before any AWS call: a wrong path fails first
    if wants_org_scan(args):
        if args.input or args.demo:
            raise UsageError("--org and --accounts scan live accounts, not --input or --demo")
        if args.jobs is not None:
            raise UsageError("--jobs applies to a single-account scan (an organization scan runs its accounts "
                             "in a thread pool; org.concurrency sets its size)")
        from auditor.org import run_org_scan

        echo = None if args.quiet else (lambda line: print(visible(line), file=sys.stderr, flush=True))
        return run_org_scan(args, config, account_scanner(args, config), echo=echo)
    if args.input or args.demo:
        given = [f"--{o.replace('_', '-')}" for o in LIVE_OPTIONS if getattr(args, o)]
        if given:
            raise UsageError(f"{given[0]} applies to a live scan, not to {'--demo' if args.demo else '--input'}")
    output_dir = Path(args.output_dir or config.output.dir)
    fail_on = args.fail_on or config.output.fail_on
    started = utc_now()
    progress = progress_printer(args.quiet)

    # A live collection makes boto3's cyclic garbage, left to the collector as usual; reading a
    # file and everything after the snapshot is in memory runs with it paused (auditor.heap).
    with cycle_collection_paused(when=bool(args.demo or args.input)):
        snapshot = _snapshot(args, config, progress)
    with cycle_collection_paused():
        inventory = build_inventory(snapshot)
        fork = wants_worker(config.scan.jobs if args.jobs is None else args.jobs, len(inventory.principals))
        notes = snapshot.notes
        del snapshot  # the raw AWS-shaped data can go: a large account's checks and reports need the room
        blocks = BlockFacts()  # the access blocks' facts, derived in `aside` while the checks run
        result = analyse(inventory, config, only=_split(args.checks), skip=_split(args.skip_checks),
                         baseline=args.baseline, started=started, notes=notes, fork=fork,
                         aside=lambda scan_ctx: warm_up(formats, fork=fork, blocks=blocks,
                                                        principals=scan_ctx.access.principals))
        if args.history:
            from auditor.history import record_run, trend

            record_run(args.history, result)
            result = dataclasses.replace(result, history=trend(args.history, limit=HISTORY_RUNS_SHOWN))
        written = write_reports(result, output_dir, formats, fork=fork, blocks=blocks)
        leave_to_exit(result, inventory)
    if not args.quiet:
        print(summary_line(result, written, len(inventory.load_errors)), file=sys.stderr)
    return int(exit_code(result, fail_on, args.fail_on_new or config.output.fail_on_new))


def _snapshot(args: argparse.Namespace, config: Config, progress: Callable[[str], None] | None):
    if args.demo:
        from auditor.demo import demo_snapshot

        return demo_snapshot(progress)
    if args.input:
        from auditor.collect.offline import load_inputs

        return load_inputs(args.input)
    return live_snapshot(args, config, progress)


HISTORY_RUNS_SHOWN = 30  # the trend in the HTML report: the last month of daily runs


def summary_line(result: ScanResult, written: Sequence[Path], unreadable: int = 0) -> str:
    active = [f for f in result.findings if f.status is not Status.SUPPRESSED]
    counts = [(s.label, sum(1 for f in active if f.severity is s)) for s in sorted(Severity, reverse=True)]
    detail = ", ".join(f"{n} {label}" for label, n in counts if n)
    suppressed = len(result.findings) - len(active)
    if suppressed:
        detail = f"{detail}, {suppressed} suppressed" if detail else f"{suppressed} suppressed"
    accounts = ", ".join(result.run.account_ids) or "an unknown account"
    text = f"auditor: {len(active)} finding{'s' if len(active) != 1 else ''}"
    text += f" ({detail})" if detail else ""
    text += f" in {accounts}"
    if unreadable:
        text += f"; {unreadable} input item{'s' if unreadable != 1 else ''} unreadable (listed in the report's notes)"
    if written:
        text += f"; report: {_display(report_to_show(written))}"
    # Account ids and coverage errors come from the input: shown, never obeyed by the terminal.
    return visible(text + gaps_clause(open_gaps(result.coverage)))


def open_gaps(coverage: Sequence[CoverageEntry]) -> list[CoverageEntry]:
    return [c for c in coverage if c.status is not CoverageStatus.OK and not c.accepted]


def gaps_clause(gaps: Sequence[CoverageEntry]) -> str:
    if not gaps:
        return ""
    first = gaps[0]
    # The error text is AWS's (or a snapshot file's): the callers print the whole line through
    # visible(), so a newline or an escape in it cannot forge or hide the rest of the line.
    return (f"; INCOMPLETE: {len(gaps)} coverage gap{'s' if len(gaps) != 1 else ''} "
            f"(first: {first.family}@{first.region} {first.status.value}: {first.error})")


def report_to_show(written: Sequence[Path]) -> Path:
    for suffix in (".html", ".json", ".csv", ".sarif"):
        for path in written:
            if path.suffix == suffix:
                return path
    return written[0]


def _display(path: Path) -> str:
    """Relative to the working directory when it is below it, as the user most likely typed it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative
