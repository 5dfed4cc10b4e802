"""The characters that text from an account must never get to act on where it is shown.

Names, Sids, condition values and coverage errors are attacker-controlled. Shown as they are, a
C0 control, DEL or C1 character can forge lines or drive a terminal, a bidi control (the Arabic
letter mark, LRM/RLM, embeddings, overrides, isolates) reverses what follows it (a policy named
"ReadOnly" + U+202E turns the message after it around), and a lone surrogate is no character at
all. The terminal (auditor.commands.terminal) and the HTML report (auditor.report.html_data, and
report_templates/report.js, which repeats the set in JavaScript) show each of them as an escape;
each adds what its own medium needs on top (the terminal also escapes tab, newline and return).

Standard library only: the CLI uses this on its error path.
"""
from __future__ import annotations

# A regex character-class body: C0 controls but tab, newline and return; DEL and C1; bidi
# controls; lone surrogates.
HIDDEN_CLASS = ("\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                "\ud800-\udfff")
