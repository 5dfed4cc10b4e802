"""Caches keyed by object identity, for results about shared immutable policy objects.

A managed policy (and an inline document stamped on many principals) is one parsed object that
many principals share; results about its statements are computed once. Keys hold the objects
themselves, so an id is never confused with a later object's, and the oldest entries are dropped
beyond a bound so a long-running process does not grow without limit.
"""
from __future__ import annotations

import functools
from collections import OrderedDict
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class IdentityCache:
    def __init__(self, size: int = 65536):
        self._size = size
        self._data: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()

    def get(self, objects: tuple, extra: tuple, compute: Callable[[], T]) -> T:
        key = tuple(id(o) for o in objects) + extra
        hit = self._data.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], objects)):
            return hit[1]
        value = compute()
        self._data[key] = (objects, value)
        if len(self._data) > self._size:
            self._data.popitem(last=False)
        return value


def per_object(size: int = 65536):
    """Memoise `func(obj, *args)` by the identity of `obj` and the (hashable) other arguments."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        cache = IdentityCache(size)

        @functools.wraps(func)
        def wrapper(obj, *args):
            return cache.get((obj,), args, lambda: func(obj, *args))

        return wrapper

    return decorate
