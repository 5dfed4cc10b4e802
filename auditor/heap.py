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
from typing import Iterator


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
