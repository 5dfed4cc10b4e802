"""Exit codes of every command (design.md section 2; README's table)."""
import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3
    # An unexpected exception: a bug in auditor, not a finding and not the user's input. Its own code
    # so that a scheduled job never reads a crash as "findings" (1) or "fix your command" (2).
    INTERNAL = 4
