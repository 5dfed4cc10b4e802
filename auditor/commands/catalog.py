"""`auditor checks`: the check catalog."""
from __future__ import annotations

import argparse
import json
import sys

from auditor.registry import load_checks


def register(sub, name: str) -> None:
    p = sub.add_parser(name, help="list the check catalog", description="List every check: id, name, severity, title.")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    registry = load_checks()
    if args.format == "json":
        rows = [
            {"id": c.meta.id, "name": c.meta.name, "severity": c.meta.severity.label, "title": c.meta.title,
             "scope": c.meta.scope.value, "doc_url": c.meta.doc_url}
            for c in registry.values()
        ]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    width = max((len(c.meta.name) for c in registry.values()), default=10)
    for c in registry.values():
        print(f"{c.meta.id}  {c.meta.name:<{width}}  {c.meta.severity.label:<8}  {c.meta.title}")
    return 0
