"""Text for a terminal or a log line: what came from an account or a file shown, never obeyed.

Names, Sids, condition values and coverage errors are attacker-controlled. Printed as they are, a
newline forges another finding line, an ANSI escape clears the screen or recolours the summary, and
a bidi override reverses what follows it. Every such character is printed as a visible escape
instead: C0 controls (`\\n`, `\\t`, `\\r`, else `\\x1b`...), DEL and C1 (`\\x7f`, `\\x85`), the line
and paragraph separators, bidi controls (`\\u202e`) and lone surrogates (`\\ud800`, which a UTF-8
stream cannot encode). Backslashes are left alone: paths and patterns stay readable, at the price
that a literal `\\n` typed in a name looks the same as an escaped newline.

No import beyond the standard library and auditor.hidden: the CLI uses this on its error path.
"""
from __future__ import annotations

import re

from auditor.hidden import HIDDEN_CLASS

# The shared set, and what a terminal obeys besides: tab, newline, return and the line and
# paragraph separators (a forged finding line).
_UNSAFE = re.compile(f"[\t\n\r\u2028\u2029{HIDDEN_CLASS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` with every control, separator, bidi control and lone surrogate as a visible escape:
    one line, printed as it reads."""
    return _UNSAFE.sub(_escape, text)
