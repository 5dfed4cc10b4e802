"""Errors that end a command with exit code 2 and one clear line on stderr (no traceback)."""
from __future__ import annotations

import sys


class AuditorError(Exception):
    """Base of every error the CLI turns into one line and an exit code."""

    exit_code = 2


class UsageError(AuditorError):
    """The command line or config is wrong."""


class InputError(AuditorError):
    """An input file cannot be used at all (unreadable, not JSON, not a GAAD or snapshot)."""


class CollectionError(AuditorError):
    """AWS could not be reached at all (no credentials, expired token, role not assumable)."""


def read_bytes(path, what: str = "", error: type[AuditorError] = InputError, label: str | None = None) -> bytes:
    """A file's bytes, or `error` with one line ("PATH: cannot read WHAT: reason") that the CLI prints."""
    from pathlib import Path

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        thing = f" {what}" if what else ""
        raise error(f"{label or path}: cannot read{thing}: {exc.strerror or exc}") from None


def json_value_problem(exc: ValueError) -> str:
    """What a ValueError from json.loads that is not a JSONDecodeError means, for the one line: an
    integer literal beyond Python's digit limit (Python's own text advises calling a function)."""
    if "integer string conversion" in str(exc):
        return f"a number has more than {sys.get_int_max_str_digits()} digits"
    return str(exc)
