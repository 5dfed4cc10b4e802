"""Organization scans: many accounts through an assumed role in each, sharded if asked.

What the scan command uses: `add_org_arguments(parser)`, `wants_org_scan(args)` and
`run_org_scan(args, config, scan_one)`. boto3 is imported only when a scan runs, so building the
command line stays fast.
"""
from __future__ import annotations

from typing import Any

from auditor.org.options import Shard, add_org_arguments, wants_org_scan


def run_org_scan(args, config, scan_one, *, session: Any = None, echo=None) -> int:
    """See auditor.org.runner.run_org_scan."""
    from auditor.org.runner import run_org_scan as run

    return run(args, config, scan_one, session=session, echo=echo)


__all__ = ["Shard", "add_org_arguments", "run_org_scan", "wants_org_scan"]
