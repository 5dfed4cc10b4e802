"""Organization scan: every selected account scanned through an assumed role, a few at a time,
one account's failure a coverage gap and never the end of the run."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from auditor.collect.ratelimit import TokenBucket
from auditor.config import Config
from auditor.errors import CollectionError, UsageError
from auditor.merge import DOCUMENT_NAME, combine, summary_line
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.model.result import ScanResult
from auditor.org.accounts import Account, list_accounts, select
from auditor.org.gaps import GapReporter
from auditor.org.options import OrgOptions, resolve_options
from auditor.org.sessions import assumed_session, caller_session, guarded_client, role_arn, share_rate_cap

ScanOne = Callable[[Any, str], ScanResult]  # (boto3 Session in the account, account id) -> result
Echo = Callable[[str], None]

ASSUME_FAMILY = "sts:AssumeRole"
SCAN_FAMILY = "auditor:ScanAccount"
SOURCE = "organization"
ACCOUNTS_DIR = "accounts"


@dataclass(frozen=True)
class AccountOutcome:
    account: Account
    result: ScanResult  # the account's own result, or an empty one holding its coverage gap
    failed: bool


@dataclass(frozen=True)
class OrgScan:
    result: ScanResult  # every account combined
    outcomes: tuple[AccountOutcome, ...]  # one per scanned account, in account id order


def run_org_scan(args: argparse.Namespace, config: Config, scan_one: ScanOne, *,
                 session: Any = None, echo: Echo | None = None) -> int:
    """The whole organization scan of `auditor scan --org|--accounts`: per-account findings.json
    under OUTPUT/accounts/<id>/, the combined reports in OUTPUT, the history row if --history,
    and the exit code. `echo` receives progress and summary lines (the command prints them)."""
    from auditor.report import write_reports

    out = Path(getattr(args, "output_dir", None) or config.output.dir)
    formats = _formats(getattr(args, "format", None), config.output.formats)

    def write_account(outcome: AccountOutcome) -> None:
        write_reports(outcome.result, out / ACCOUNTS_DIR / outcome.account.id, ["json"])

    scan = scan_organization(args, config, scan_one, session=session, echo=echo, on_account=write_account)
    prune_accounts(out / ACCOUNTS_DIR, keep=set(scan.result.run.account_ids))
    written = write_reports(scan.result, out, formats)
    if getattr(args, "history", None):
        from auditor.history import record_run

        record_run(args.history, scan.result)
    if echo:
        echo(f"auditor: {summary_line(scan.result, written)}")
    fail_on = getattr(args, "fail_on", None) or config.output.fail_on
    new_only = bool(getattr(args, "fail_on_new", False)) or config.output.fail_on_new
    from auditor.pipeline import exit_code

    return int(exit_code(scan.result, fail_on, new_only))


def prune_accounts(accounts_dir: Path, keep: set[str]) -> None:
    """Remove the per-account findings.json of accounts this run did not cover (closed, excluded,
    moved out of the shard) from an output directory used before: `auditor merge` reads every
    findings.json it finds, and a stale one would bring back findings of an account long gone.
    Only files this scanner writes there are touched."""
    if not accounts_dir.is_dir():
        return
    for d in accounts_dir.iterdir():
        if d.is_dir() and len(d.name) == 12 and d.name.isdigit() and d.name not in keep:
            (d / DOCUMENT_NAME).unlink(missing_ok=True)
            try:
                d.rmdir()
            except OSError:
                pass  # something else lives there: leave it


def scan_organization(args: argparse.Namespace, config: Config, scan_one: ScanOne, *, session: Any = None,
                      echo: Echo | None = None, on_account: Callable[[AccountOutcome], None] | None = None) -> OrgScan:
    """Select the accounts, scan them concurrently and combine the results (no files written
    here except through `on_account`, called as each account finishes)."""
    options = resolve_options(args, config)
    started = _now()
    bucket = TokenBucket(options.rate_limit)
    if session is None:
        session = caller_session(getattr(args, "profile", None) or config.scan.profile, _first_region(args, config),
                                 bucket)
    else:
        share_rate_cap(session, bucket)
    sts = guarded_client(session, "sts")
    hop = getattr(args, "role_arn", None) or config.scan.role_arn
    if hop:
        # Role chaining: the scan starts in (say) the management account through --role-arn, and
        # the member roles are assumed from there.
        try:
            session = assumed_session(sts, hop, external_id=getattr(args, "external_id", None) or config.scan.external_id,
                                      session_name=options.session_name, region=session.region_name, bucket=bucket)
        except Exception as exc:
            from auditor.collect.coverage import classify

            raise CollectionError(f"cannot assume {hop}: {classify(exc)[1]}") from None
        sts = guarded_client(session, "sts")
    if options.use_organizations:
        selection = select(options, list_accounts(_GuardedSession(session)))
    else:
        partition = sts.get_caller_identity()["Arn"].split(":")[1]
        selection = select(options, None, partition)
    if not selection.accounts and options.shard is None and not selection.gaps:
        raise UsageError("no account left to scan after --accounts / --exclude-accounts and the config")

    total = len(selection.accounts)
    gaps = GapReporter(config, SOURCE, getattr(args, "baseline", None))

    def one(numbered: tuple[int, Account]) -> AccountOutcome:
        n, account = numbered
        outcome = _scan_account(account, options, sts, session.region_name, bucket, scan_one, gaps)
        if on_account is not None:
            on_account(outcome)
        if echo:
            echo(f"auditor: [{n}/{total}] {account.id}: {_describe(outcome)}")
        return outcome

    with ThreadPoolExecutor(max_workers=options.concurrency, thread_name_prefix="auditor-org") as pool:
        outcomes = tuple(pool.map(one, enumerate(selection.accounts, 1)))
    parts = [o.result for o in outcomes]
    if selection.gaps:
        parts.append(gaps.result(selection.gaps, [g.account_id for g in selection.gaps], selection.partition, _now()))
    result = combine(parts, source=SOURCE, started=started, finished=_now())
    return OrgScan(dataclasses.replace(result, notes=result.notes + selection.notes), outcomes)


def _scan_account(account: Account, options: OrgOptions, sts: Any, region: str, bucket: TokenBucket,
                  scan_one: ScanOne, gaps: GapReporter) -> AccountOutcome:
    from auditor.collect.coverage import classify

    def failed(family: str, exc: Exception, context: str = "") -> AccountOutcome:
        status, text = classify(exc)
        gap = CoverageEntry(family, "global", status, f"{context}{text}", account.id)
        return AccountOutcome(account, gaps.result([gap], [account.id], account.partition, _now()), True)

    arn = role_arn(account.partition, account.id, options.role_name)
    try:
        member = assumed_session(sts, arn, external_id=options.external_id, session_name=options.session_name,
                                 region=region, bucket=bucket)
    except Exception as exc:  # any failure to get in is this account's gap, not the run's end
        return failed(ASSUME_FAMILY, exc, f"cannot assume {arn}: ")
    try:
        result = scan_one(member, account.id)
    except Exception as exc:  # a collector bug or a dead account must not stop the other accounts
        return failed(SCAN_FAMILY, exc)
    return AccountOutcome(account, _own(result, account.id), False)


def _own(result: ScanResult, account_id: str) -> ScanResult:
    """The account's result with its coverage labelled and only its own resolved findings: the
    pipeline may have compared it with an organization-wide baseline, whose other accounts'
    findings are not resolved by this account's scan."""
    coverage = tuple(c if c.account_id else dataclasses.replace(c, account_id=account_id) for c in result.coverage)
    resolved = tuple(f for f in result.resolved if f.account_id == account_id)
    return dataclasses.replace(result, coverage=coverage, resolved=resolved)


def _describe(outcome: AccountOutcome) -> str:
    if outcome.failed:
        return f"NOT SCANNED ({outcome.result.coverage[0].error})"
    n = len(outcome.result.findings)
    gaps = sum(1 for c in outcome.result.coverage if c.status is not CoverageStatus.OK and not c.accepted)
    return f"{n} finding{'s' if n != 1 else ''}" + (f", {gaps} coverage gaps" if gaps else "")


class _GuardedSession:
    """Hands out allowlist-guarded clients to code that expects a session."""

    def __init__(self, session: Any):
        self._session = session

    def client(self, service: str) -> Any:
        return guarded_client(self._session, service)


def _first_region(args: argparse.Namespace, config: Config) -> str:
    regions = getattr(args, "region", None) or config.scan.regions
    if isinstance(regions, str):
        return regions
    return regions[0] if regions else ""


def _formats(value: Any, default: Sequence[str]) -> tuple[str, ...]:
    if not value:
        return tuple(default)
    items = value.split(",") if isinstance(value, str) else [x for v in value for x in str(v).split(",")]
    return tuple(dict.fromkeys(x.strip().lower() for x in items if x.strip()))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
