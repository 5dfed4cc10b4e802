"""Results for what an organization scan could not reach: an account whose role could not be
assumed, or one asked for that the organization does not hold. They carry the coverage gap and
the COV001 finding the collection-gap check makes of it, like any account's own gaps, so the
reports, suppressions and accept_gaps treat them the same way."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from auditor import __version__
from auditor.config import Config
from auditor.model.finding import Finding
from auditor.model.inventory import CoverageEntry, Inventory
from auditor.model.result import RunInfo, ScanResult

if TYPE_CHECKING:
    from auditor.baseline import Baseline

GAP_CHECK = "COV001"


@dataclass(frozen=True)
class GapReporter:
    config: Config
    source: str
    baseline: Baseline | None = None

    def result(self, gaps: Sequence[CoverageEntry], account_ids: Sequence[str], partition: str,
               when: str) -> ScanResult:
        from auditor.baseline import apply_baseline
        from auditor.collect.coverage import mark_accepted
        from auditor.engine import run_inventory_checks
        from auditor.suppress import apply_suppressions

        marked = mark_accepted(gaps, self.config.scan.accept_gaps)
        inventory = Inventory(account_id="", partition=partition, regions=(), source=self.source, coverage=marked)
        # Only the gap check: the rest have nothing to look at, and a config that skips it still wins.
        findings = run_inventory_checks(inventory, self.config.options, self.config.selection((GAP_CHECK,)))
        findings, _expired = apply_suppressions(findings, self.config.suppressions, dt.datetime.now(dt.timezone.utc).date())
        # Marked new or existing like the scanned accounts' findings; nothing is resolved by an
        # account that could not be read.
        findings, _resolved = apply_baseline(findings, self.baseline)
        run = RunInfo(when, when, self.source, tuple(account_ids), (), __version__, "", partition)
        return ScanResult(run, tuple(sorted(findings, key=Finding.sort_key)), marked)
