"""A client-side cap on the request rate, shared by every client and thread of one collection.

botocore's adaptive retry mode slows a client down after AWS throttles it; this bucket keeps the
whole scan under a fixed rate from the start, so concurrent regions cannot burst past the account's
API limits (which other workloads share).
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up. `acquire` blocks until one is free."""

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
            # Sleep outside the lock so other threads can refill and check in the meantime.
            self._sleep(wait)

    def install(self, client: Any) -> None:
        """Take a token before every HTTP attempt of `client`, retries included."""

        def before_send(**_: Any) -> None:
            self.acquire()

        # First, so that it runs before any handler that answers the request itself.
        client.meta.events.register_first("before-send", before_send)
