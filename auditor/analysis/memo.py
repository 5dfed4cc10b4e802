"""Caches for results about shared immutable policy objects, bounded, and emptied together.

A managed policy (and an inline document stamped on many principals) is one parsed object that
many principals share; results about its statements are computed once. Identity keys hold the
objects themselves, so an id is never confused with a later object's. Every cache drops its
oldest entries beyond a bound so a long-running process does not grow without limit, and
`clear_caches()` empties them all once a scan's checks are done.
"""
from __future__ import annotations

import functools
import weakref
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

from auditor.iam.arns import split_arn
from auditor.iam.knowledge import forget_answers

T = TypeVar("T")

_MISSING = object()  # a cached value may itself be None
_LIVE: weakref.WeakSet = weakref.WeakSet()  # every cache below, for clear_caches()


class BoundedCache:
    """Values by a hashable key (content, not identity), oldest dropped beyond `size`."""

    def __init__(self, size: int = 65536):
        self._size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        _LIVE.add(self)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        value = self._data.get(key, _MISSING)
        if value is not _MISSING:
            return value
        value = compute()
        self._data[key] = value
        self._trim()
        return value

    def _trim(self) -> None:
        if len(self._data) > self._size:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class IdentityCache(BoundedCache):
    """Values by the identity of some objects (plus hashable extras); holds the objects."""

    def get(self, objects: tuple, extra: tuple, compute: Callable[[], T]) -> T:  # type: ignore[override]
        key = tuple(map(id, objects)) + extra
        hit = self._data.get(key)
        if hit is not None and _same(hit[0], objects):
            return hit[1]
        return self._store(key, objects, compute)

    def get_one(self, obj: object, extra: tuple, compute: Callable[[], T]) -> T:
        """`get((obj,), extra, compute)` without building the tuples (the common, hot case)."""
        key = (id(obj), *extra)
        hit = self._data.get(key)
        if hit is not None and hit[0] is obj:
            return hit[1]
        return self._store(key, obj, compute)

    def _store(self, key: tuple, held: object, compute: Callable[[], T]) -> T:
        # The held objects stay alive with the entry, so their ids cannot be reused meanwhile.
        value = compute()
        self._data[key] = (held, value)
        self._trim()
        return value


def _same(held: tuple, objects: tuple) -> bool:
    for a, b in zip(held, objects):
        if a is not b:
            return False
    return True


def per_object(size: int = 65536):
    """Memoise `func(obj, *args)` by the identity of `obj` and the (hashable) other arguments."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        cache = IdentityCache(size)

        @functools.wraps(func)
        def wrapper(obj, *args):
            key = (id(obj), *args)
            hit = cache._data.get(key)
            if hit is not None and hit[0] is obj:
                return hit[1]
            return cache.get_one(obj, args, lambda: func(obj, *args))

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate


def per_content(key: Callable[[Any], Hashable], size: int = 65536):
    """Memoise `func(statement, *args)` by `key(statement)` and the other arguments: for answers
    that depend on a few of the statement's fields only (its Action list, say), which thousands of
    distinct documents repeat. The answer must not hold the statement itself."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        cache = BoundedCache(size)

        @functools.wraps(func)
        def wrapper(obj, *args):
            return cache.get((key(obj), *args), lambda: func(obj, *args))

        wrapper.cache = cache  # type: ignore[attr-defined]
        return wrapper

    return decorate


def action_list(statement) -> tuple:
    """What an answer about the Action element depends on."""
    return statement.actions, statement.not_action


def action_and_resource_lists(statement) -> tuple:
    return statement.actions, statement.not_action, statement.resources, statement.not_resource


def clear_caches() -> None:
    """Empty every analysis cache: the policy objects they hold (and results about them) are
    released once a scan's checks are done. Later calls simply recompute."""
    for cache in list(_LIVE):
        cache.clear()
    forget_answers()
    split_arn.cache_clear()  # 26,000 split ARNs at 20,000 principals: 12 MB the reports can use
