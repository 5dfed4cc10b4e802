"""When the cycle collector runs during a scan.

An offline scan builds millions of small, acyclic, long-lived objects (parsed policies, analysis
caches, access rows, findings) and drops them only at the end. Reference counting frees what
becomes garbage; the cycle collector finds nothing to free but, as the heap grows, walks all of it
again and again: a fifth of a 20,000-principal scan. So between collection and the written
reports it is paused; what is built there leaves only a few cycles behind (a caught exception's
traceback), reclaimed once it runs again.
"""
from __future__ import annotations

import contextlib
import gc
from typing import Any, Iterator

# Objects kept until the process ends (see leave_to_exit); a list only while the console entry
# point is the caller, so that in-process callers (tests, embedding) free what they make.
_left: list[Any] | None = None


def end_without_teardown() -> None:
    """Called by the console entry point, which ends the process with os._exit once the command
    returns: from then on leave_to_exit keeps what it is given instead of letting it be freed."""
    global _left
    _left = []


def leave_to_exit(*objects: Any) -> None:
    """Keep a finished scan's objects alive to the end of the process, when the command line runs.

    Freeing millions of objects one reference at a time, and then the interpreter's own teardown,
    cost 0.05 s of a 2.3 s scan of 5,000 principals and more with size, for memory the operating
    system takes back at once when the process ends. Everything a user sees is written (reports
    renamed into place, streams flushed) before that end."""
    if _left is not None:
        _left.extend(objects)


@contextlib.contextmanager
def cycle_collection_paused(when: bool = True) -> Iterator[None]:
    """Pause automatic cycle collection for the block, if `when` (restored after, even on error)."""
    was_enabled = gc.isenabled()
    if when:
        gc.disable()
    try:
        yield
    finally:
        if when:
            # Everything made while paused waits in the youngest generation: left there, the first
            # collections after the pause would walk all of it, several times. Frozen, it is never
            # walked again (acyclic garbage among it is still freed when its last reference goes).
            gc.freeze()
        if was_enabled:
            gc.enable()
