"""IAM wildcard matching: only `*` (any run of characters) and `?` (one character) are special.

`fnmatch` is not used because it also treats `[...]` as a character class, which IAM does not.
"""
from __future__ import annotations

import functools
import re

WILDCARDS = frozenset("*?")


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@functools.lru_cache(maxsize=8192)
def glob_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """A compiled full-match regex for an IAM glob."""
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def glob_match(pattern: str, text: str, ignore_case: bool = False) -> bool:
    if not has_wildcard(pattern):
        return pattern.lower() == text.lower() if ignore_case else pattern == text
    if not ignore_case and "?" not in pattern:
        # Policy ARNs are mostly distinct: compiling a regex for each costs more than this.
        return _stars_match(pattern.split("*"), text)
    return glob_regex(pattern, ignore_case).fullmatch(text) is not None


def _stars_match(pieces: list[str], text: str) -> bool:
    """Whether `text` matches the glob `*`.join(pieces): the first piece starts it, the last
    ends it, and the others occur in order in between (leftmost first is always safe)."""
    first, last = pieces[0], pieces[-1]
    end = len(text) - len(last)
    if end < len(first) or not text.startswith(first) or not text.endswith(last):
        return False
    pos = len(first)
    for piece in pieces[1:-1]:
        found = text.find(piece, pos, end)
        if found < 0:
            return False
        pos = found + len(piece)
    return True


@functools.lru_cache(maxsize=65536)
def globs_overlap(a: str, b: str) -> bool:
    """Whether some string matches both globs.

    Both sides may hold wildcards (a policy ARN such as `apps/*` against a resource-type format
    such as `apps/${AppId}` turned into `apps/*`), so this walks the product of the two patterns
    instead of testing one against the other as text.
    """
    # A string matching both starts with both literal prefixes and ends with both literal
    # suffixes, so the shorter of each must agree: most pairs are decided here.
    head = min(_first_wildcard(a), _first_wildcard(b))
    if a[:head] != b[:head]:
        return False
    tail = min(len(a) - 1 - _last_wildcard(a), len(b) - 1 - _last_wildcard(b))
    if tail and a[-tail:] != b[-tail:]:
        return False
    if not has_wildcard(a):
        return glob_match(b, a)
    if not has_wildcard(b):
        return glob_match(a, b)
    if "?" not in a and "?" not in b:
        # Both hold a `*` and no `?`: the shared literal prefix, then every middle piece of `a`,
        # then every middle piece of `b`, then the shared literal suffix is matched by both (each
        # side's stars take the other side's pieces). The prefix and suffix were checked above.
        return True
    la, lb = len(a), len(b)
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        if i == la and j == lb:
            return True
        a_star = i < la and a[i] == "*"
        b_star = j < lb and b[j] == "*"
        if a_star:
            stack.append((i + 1, j))  # the star matches nothing
        if b_star:
            stack.append((i, j + 1))
        if i < la and j < lb:
            ca, cb = a[i], b[j]
            if ca in WILDCARDS or cb in WILDCARDS or ca == cb:
                stack.append((i if a_star else i + 1, j if b_star else j + 1))
    return False


def _first_wildcard(text: str) -> int:
    star, mark = text.find("*"), text.find("?")
    if star < 0:
        return len(text) if mark < 0 else mark
    return star if mark < 0 else min(star, mark)


def _last_wildcard(text: str) -> int:
    return max(text.rfind("*"), text.rfind("?"))
