"""`auditor who-can ACTION [--resource ARN] --input SNAPSHOT`: the principals allowed, and how."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from auditor.commands.terminal import visible
from auditor.errors import UsageError
from auditor.exitcodes import ExitCode


def register(sub, name: str) -> None:
    p = sub.add_parser(
        name, help="list the principals allowed an action (on a resource, or on any)",
        description="Evaluate every user and role of a saved account (or the demo) for one action: who is "
                    "allowed always, who only if conditions hold, and through which policy and statement.")
    p.add_argument("action", metavar="ACTION", help="service:Action, e.g. mobiletargeting:DeleteApp")
    p.add_argument("--resource", metavar="ARN", help="the resource asked about (default: any resource)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", action="extend", nargs="+", metavar="SNAPSHOT", default=[],
                        help="a snapshot from `auditor collect` or get-account-authorization-details output "
                             "(repeatable; files of one account are merged)")
    source.add_argument("--demo", action="store_true", help="ask about the embedded demo account")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text for people, json for machines")
    p.add_argument("--config", metavar="FILE", help="TOML config (default $AUDITOR_CONFIG)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from auditor.access.whocan import resolve_action, who_can
    from auditor.collect.inventory_builder import build_inventory
    from auditor.config import load_config

    load_config(args.config)  # a broken config is an error here as everywhere
    action = resolve_action(args.action)
    if action is None:
        raise UsageError(f"{args.action!r} is not a known action (give one service:Action, no wildcards)")
    if args.resource is not None and not args.resource.startswith("arn:"):
        raise UsageError(f"--resource {args.resource!r} is not an ARN")
    if args.demo:
        from auditor.demo import demo_snapshot

        snapshot = demo_snapshot()
    else:
        from auditor.collect.offline import load_inputs

        snapshot = load_inputs(args.input)
    allowed = who_can(build_inventory(snapshot), action, args.resource)
    if args.format == "json":
        print(json.dumps(_document(action.full, args.resource, allowed), indent=2))
    else:
        _print_text(action.full, args.resource, allowed)
    return int(ExitCode.OK)


def _document(action: str, resource: str | None, allowed: Sequence) -> dict:
    return {
        "action": action,
        "resource": resource,
        "principals": [
            {"type": a.principal_type, "name": a.principal_name, "arn": a.principal_arn, "decision": a.decision,
             "conditions": list(a.conditions), "via": list(a.via),
             "resources": list(a.resources) if resource is None else [resource]}
            for a in allowed
        ],
    }


def _print_text(action: str, resource: str | None, allowed: Sequence) -> None:
    def say(text: str) -> None:
        # Names, ARNs and conditions come from the account: one visible line each, never a forged one.
        print(visible(text), file=sys.stdout)

    target = resource or "any resource"
    if not allowed:
        say(f"No principal is allowed {action} on {target}.")
        return
    say(f"Allowed {action} on {target}:")
    for a in allowed:
        decision = "always" if a.always else "only if " + "; ".join(a.conditions)
        say(f"  {a.principal_type} {a.principal_name} ({a.principal_arn})")
        say(f"      {decision}")
        say(f"      via {'; '.join(a.via)}")
        if resource is None:
            say(f"      on {', '.join(a.resources) if a.resources else 'every resource'}")
    count = len(allowed)
    say(f"{count} principal{'s' if count != 1 else ''}.")
