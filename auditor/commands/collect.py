"""`auditor collect --out SNAPSHOT.json`: read the account and save it, without running checks.

Exit codes as for scan: 0 written, 2 usage or collection impossible, 3 written but incomplete
(unaccepted coverage gaps; the snapshot lists them).
"""
from __future__ import annotations

import argparse
import sys

from auditor.commands.scan import add_live_options, gaps_clause, live_snapshot, open_gaps, progress_printer
from auditor.commands.terminal import visible
from auditor.config import load_config
from auditor.exitcodes import ExitCode


def register(sub, name: str) -> None:
    p = sub.add_parser(name, help="read an account into a snapshot file (no checks)",
                       description="Read IAM, SES and Pinpoint data of one account, read-only, into a snapshot "
                                   "that `auditor scan --input` and `auditor who-can` read.")
    add_live_options(p)
    p.add_argument("--out", required=True, metavar="SNAPSHOT.json", help="where to write the snapshot")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary line on stderr")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from auditor.collect.coverage import mark_accepted
    from auditor.collect.snapshot import write_snapshot

    config = load_config(args.config)
    snapshot = live_snapshot(args, config, progress_printer(args.quiet))
    path = write_snapshot(snapshot, args.out)
    gaps = open_gaps(mark_accepted(snapshot.coverage, config.scan.accept_gaps))
    if not args.quiet:
        iam = snapshot.iam
        counts = ", ".join(f"{len(iam.get(key, []))} {label}" for key, label in (
            ("UserDetailList", "users"), ("RoleDetailList", "roles"), ("GroupDetailList", "groups"),
            ("Policies", "managed policies")))
        ses = sum(len(v) for v in snapshot.ses.values())
        apps = sum(len(v) for v in snapshot.pinpoint.values())
        line = (f"auditor: collected {counts}, {ses} SES identities, {apps} Pinpoint projects from "
                f"{snapshot.account_id} in {len(snapshot.regions)} region(s); snapshot: {path}")
        print(visible(line + gaps_clause(gaps)), file=sys.stderr)
    return int(ExitCode.INCOMPLETE if gaps else ExitCode.OK)
