"""Command-line entry point: parses arguments and dispatches to `auditor.commands.<name>`.

Each command module exposes `register(subparsers)` and `run(args) -> int`. Modules are imported
lazily by name so that `auditor --help` stays fast and nothing runs at import time.
"""
from __future__ import annotations

import argparse
import codecs
import contextlib
import importlib
import logging
import os
import sys
import traceback
from typing import NoReturn

from auditor import __version__
from auditor.commands.terminal import visible
from auditor.errors import AuditorError
from auditor.exitcodes import ExitCode
from auditor.heap import end_without_teardown

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


def entry() -> NoReturn:
    """The `auditor` command: main(), then the process ends at once (os._exit) after flushing its
    output. What is left is memory the operating system takes back faster than the interpreter
    frees it (auditor.heap.leave_to_exit); reports are renamed into place before main returns, and
    any child process has been waited for."""
    end_without_teardown()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe or stream: nothing more can be said
            stream.flush()
    # Worker processes that answered are reaped before the end (long gone by now): whoever
    # started this command (a benchmark, a scheduler) sees their CPU time in its own accounts.
    if "auditor.forked" in sys.modules:  # else this command started none
        sys.modules["auditor.forked"].reap_ended(wait=True)
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    argv, verbosity = _take_verbosity(sys.argv[1:] if argv is None else list(argv))
    _configure_logging(verbosity)
    _tolerate_unencodable_output()
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for usage errors, 0 for --help
        return int(exc.code or 0)
    try:
        return int(args.run(args))
    except AuditorError as exc:
        # The message may quote an account's data (an account id, a file's label): one visible line.
        print(visible(f"auditor: error: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as exc:  # a bug: never exit 1, which a cron job or CI reads as "findings"
        print(internal_error_line(exc, verbose=verbosity > 0), file=sys.stderr)
        if verbosity > 0:
            traceback.print_exception(exc, file=sys.stderr)
        return int(ExitCode.INTERNAL)


INTERNAL_MESSAGE_MAX = 300  # characters of the exception's own text kept in the one line


def internal_error_line(exc: BaseException, verbose: bool = False) -> str:
    """One line for an unexpected exception: its type, its text and the innermost auditor frame,
    which is enough to recognise a known bug; -v adds the whole traceback."""
    text = str(exc)
    if len(text) > INTERNAL_MESSAGE_MAX:
        text = text[:INTERNAL_MESSAGE_MAX] + "..."
    where = _innermost_own_frame(exc)
    return visible(f"auditor: internal error: {type(exc).__name__}{': ' + text if text else ''}"
                   f"{' (at ' + where + ')' if where else ''}; this is a bug in auditor: please report it"
                   f"{' with the traceback below' if verbose else ' with the traceback that -v prints'}")


_OWN_PACKAGES = ("/auditor/", "/checks/")


def _innermost_own_frame(exc: BaseException) -> str:
    """`auditor/x.py:12 in f` of the deepest frame in auditor's own code (the standard library's
    frames below it say less about which of our calls went wrong)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = frame.filename.replace("\\", "/")
        at = max(path.rfind(package) for package in _OWN_PACKAGES)
        if at >= 0:
            return f"{path[at + 1:]}:{frame.lineno} in {frame.name}"
    return ""


def _tolerate_unencodable_output() -> None:
    """Text that stdout's encoding cannot take (a lone surrogate from a `\\ud800` JSON escape, or any
    non-ASCII character on an ASCII console) is written as a `\\u00e9`-style escape instead of failing
    the command after half its output. Inside a JSON string (`lint --format json`, `simulate`) that
    escape is valid JSON for the same character; in text it reads as what it stands for."""
    codecs.register_error(UNICODE_ESCAPE, _unicode_escape)  # at run time: importing changes nothing
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        # A closed or unusual stream (no reconfigure, or one that refuses) is left as it is.
        with contextlib.suppress(ValueError, OSError):
            if reconfigure is not None:
                reconfigure(errors=UNICODE_ESCAPE)


UNICODE_ESCAPE = "auditor.unicode-escape"


def _unicode_escape(exc: UnicodeError) -> tuple[str, int]:
    """The codec error handler: each character that cannot be encoded as a `\\u` escape of four hex digits (a surrogate pair
    for one beyond U+FFFF), which is what JSON and readers of escapes expect; `backslashreplace`
    would give `\\xe9` for some, which is not JSON."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    units = exc.object[exc.start:exc.end].encode("utf-16-be", "surrogatepass")
    return "".join(f"\\u{units[i] << 8 | units[i + 1]:04x}" for i in range(0, len(units), 2)), exc.end


if __name__ == "__main__":
    entry()
