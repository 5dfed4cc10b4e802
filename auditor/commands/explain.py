"""`auditor explain ID`: the long description of one check."""
from __future__ import annotations

import argparse
import textwrap

from auditor.errors import UsageError
from auditor.registry import load_checks, resolve


def register(sub, name: str) -> None:
    p = sub.add_parser(name, help="explain one check", description="Print a check's rationale, remediation and documentation link.")
    p.add_argument("check_id", metavar="CHECK_ID", help="check id (POL001) or name (invalid-json)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        (check_id,) = resolve([args.check_id])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    meta = load_checks()[check_id].meta

    def para(text: str) -> str:
        return textwrap.fill(" ".join(text.split()), width=88, initial_indent="  ", subsequent_indent="  ")

    print(f"{meta.id} {meta.name} ({meta.severity.label})")
    print(f"  {meta.title}\n")
    print("Why it matters:")
    print(para(meta.rationale) + "\n")
    print("What to do:")
    print(para(meta.remediation) + "\n")
    print(f"Documentation: {meta.doc_url}")
    return 0
