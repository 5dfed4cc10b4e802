"""Errors that end a command with exit code 2 and one clear line on stderr (no traceback)."""
from __future__ import annotations


class AuditorError(Exception):
    """Base of every error the CLI turns into one line and an exit code."""

    exit_code = 2


class UsageError(AuditorError):
    """The command line or config is wrong."""


class InputError(AuditorError):
    """An input file cannot be used at all (unreadable, not JSON, not a GAAD or snapshot)."""


class CollectionError(AuditorError):
    """AWS could not be reached at all (no credentials, expired token, role not assumable)."""
