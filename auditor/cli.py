"""Command-line entry point: parses arguments and dispatches to `auditor.commands.<name>`.

Each command module exposes `register(subparsers)` and `run(args) -> int`. Modules are imported
lazily by name so that `auditor --help` stays fast and nothing runs at import time.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from auditor import __version__
from auditor.errors import AuditorError
from auditor.exitcodes import ExitCode

# (command, module) in help order
COMMANDS: tuple[tuple[str, str], ...] = (
    ("scan", "scan"),
    ("collect", "collect"),
    ("lint", "lint"),
    ("simulate", "simulate"),
    ("who-can", "who_can"),
    ("checks", "catalog"),
    ("explain", "explain"),
    ("merge", "merge"),
    ("history", "history"),
    ("config", "config_cmd"),
)


def _version() -> str:
    try:
        from auditor.iam.knowledge import data_version

        data = data_version()
    except Exception:  # the version line must never fail
        data = "unknown"
    return f"auditor {__version__} (IAM data {data})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Least-privilege audit of Amazon Pinpoint, End User Messaging (SMS/voice) and SES access.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module in COMMANDS:
        mod = importlib.import_module(f"auditor.commands.{module}")
        mod.register(sub, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for usage errors, 0 for --help
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except AuditorError as exc:
        print(f"auditor: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
