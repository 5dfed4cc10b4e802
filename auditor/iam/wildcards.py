"""IAM wildcard matching: only `*` (any run of characters) and `?` (one character) are special.

`fnmatch` is not used because it also treats `[...]` as a character class, which IAM does not.
"""
from __future__ import annotations

import functools
import re

# has_wildcard is the evaluator's, named here too for the analysis modules that import it from here.
from auditor.evaluate.matching import compile_source, glob_source, has_wildcard  # noqa: F401


@functools.lru_cache(maxsize=8192)
def glob_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """A compiled full-match regex for an IAM glob, linear in the text for any pattern (see
    auditor.evaluate.matching: the evaluator compiles its globs the same way)."""
    return compile_source(glob_source(((pattern, True),)), ignore_case)


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
    return _product_accepts(a, b)


def _product_accepts(a: str, b: str) -> bool:
    """Whether the two globs' product automaton reaches the end of both, walked one character of
    the shorter pattern at a time with the states of the longer as the bits of an int.

    A state is how much of `a` has been read; the bits move together, so the cost is
    len(shorter) * len(longer) / word size (a 1 MB Resource against a resource-type format stays
    well under a second), where a set of (i, j) pairs would take seconds and gigabytes.
    """
    if len(a) < len(b):
        a, b = b, a  # the relation is symmetric: bits for the longer one
    masks = _CharMasks(a)
    end = 1 << len(a)
    stars, marks = masks.of("*"), masks.of("?")
    one_char = (end - 1) & ~stars  # a position of `a` that takes exactly one character
    close = _star_closure(stars)
    states = close(1)
    for ch in b:
        if ch == "*":
            # `b`'s star takes any characters of `a` and `a`'s stars take nothing: from the
            # lowest state, every later one is reached.
            states = (end << 1) - (states & -states)
        else:
            takes = one_char if ch == "?" else (marks | masks.of(ch))
            # `a`'s stars take this character and stay; a matching position moves on by one.
            states = close((states & stars) | ((states & takes) << 1))
        if not states:
            return False
    return bool(states & end)


class _CharMasks:
    """Bit i set where text[i] is the character: one C-speed translate per character asked for."""

    def __init__(self, text: str):
        self.reversed = text[::-1]  # int(..., 2) reads the lowest bit last
        self.zeros = dict.fromkeys(map(ord, set(text)), "0")
        self.cache: dict[str, int] = {}

    def of(self, ch: str) -> int:
        mask = self.cache.get(ch)
        if mask is None:
            table = self.zeros if ord(ch) not in self.zeros else {**self.zeros, ord(ch): "1"}
            mask = self.cache[ch] = int(self.reversed.translate(table) or "0", 2)
        return mask


def _star_closure(stars: int):
    """states -> states plus every state reached by letting `*`s take nothing.

    Each run of stars (first bit `starts`) and the position after it (`after`) form a block; a
    state in a run reaches the rest of its block. Subtracting `starts` from states | after
    borrows up to the lowest state of each block only (the `after` bit stops it), so the bits
    that flip above it are the ones to add (the bit-parallel closure of Navarro and Raffinot)."""
    starts = stars & ~(stars << 1)
    after = (stars << 1) & ~stars
    blocks = stars | after

    def close(states: int) -> int:
        with_after = states | after
        return states | (blocks & (~(with_after - starts) ^ with_after))

    return close


def _first_wildcard(text: str) -> int:
    star, mark = text.find("*"), text.find("?")
    if star < 0:
        return len(text) if mark < 0 else mark
    return star if mark < 0 else min(star, mark)


def _last_wildcard(text: str) -> int:
    return max(text.rfind("*"), text.rfind("?"))
