"""Command-line entry point: parses arguments and dispatches to `auditor.commands.<name>`.

Each command module exposes `register(subparsers)` and `run(args) -> int`. Modules are imported
lazily by name so that `auditor --help` stays fast and nothing runs at import time.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

from auditor import __version__
from auditor.errors import AuditorError
from auditor.exitcodes import ExitCode

# (command, module, one-line help) in help order
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("scan", "scan", "scan an account (live, --input FILE or --demo) and write reports"),
    ("collect", "collect", "collect the inventory into a snapshot, without checks"),
    ("lint", "lint", "check policy documents from files or stdin"),
    ("simulate", "simulate", "evaluate requests against policies"),
    ("who-can", "who_can", "list the principals allowed to perform an action"),
    ("checks", "catalog", "list the check catalog"),
    ("explain", "explain", "explain one check"),
    ("merge", "merge", "merge findings.json files into one report"),
    ("history", "history", "list past runs recorded with --history"),
    ("config", "config_cmd", "validate a configuration file"),
)


def _version() -> str:
    try:
        from auditor.iam.knowledge import data_version

        data = data_version()
    except Exception:  # the version line must never fail
        data = "unknown"
    return f"auditor {__version__} (IAM data {data})"


class _VersionAction(argparse.Action):
    """--version, with the IAM data's version read only when asked: every other run (a cron
    scan, a `simulate --batch` in a pipeline) would otherwise import the catalogue for nothing."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version of auditor and of its IAM data, then exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(_version())
        parser.exit()


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """With `argv`, only the command being run is imported (startup stays fast for cron and CI) and
    the others get a placeholder entry so `auditor --help` still lists them; without, all of them."""
    wanted = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Least-privilege audit of Amazon Pinpoint, End User Messaging (SMS/voice) and SES access.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.epilog = "Add -v (stages) or -vv (also every AWS call) to any command for logs on stderr."
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module, help_text in COMMANDS:
        if wanted is None or name == wanted:
            importlib.import_module(f"auditor.commands.{module}").register(sub, name)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _take_verbosity(argv: list[str]) -> tuple[list[str], int]:
    """-v / -vv / --verbose anywhere on the line, for every command alike."""
    level, rest = 0, []
    for arg in argv:
        if arg == "--verbose":
            level += 1
        elif len(arg) > 1 and arg.startswith("-") and not arg.startswith("--") and set(arg[1:]) == {"v"}:
            level += len(arg) - 1
        else:
            rest.append(arg)
    return rest, level


def _configure_logging(level: int) -> None:
    # Logs go to stderr and never into reports; -v shows auditor's stages, -vv also botocore's calls.
    if level <= 0:
        return
    logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=logging.DEBUG if level > 1 else logging.WARNING)
    logging.getLogger("auditor").setLevel(logging.DEBUG if level > 1 else logging.INFO)


def main(argv: list[str] | None = None) -> int:
    argv, verbosity = _take_verbosity(sys.argv[1:] if argv is None else list(argv))
    _configure_logging(verbosity)
    parser = build_parser(argv)
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
