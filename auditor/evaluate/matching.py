"""Wildcard matching of actions and ARNs, each pattern compiled once to a regex.

Only `*` and `?` are wildcards (IAM has no `[...]` classes). Actions compare case-insensitively;
ARNs case-sensitively and segment by segment: a wildcard in the partition, service, region or
account segment stays inside that segment, except a `*` that ends its segment, which IAM lets
expand beyond the colon (`arn:aws:mobiletargeting:*:apps/*` covers every region and account); one
in the resource segment may cross ':' and '/'. A pattern with fewer than six segments
(`arn:aws:s3:*`, `*`) lets the wildcards of its last segment cover the rest of the ARN, so a short
pattern is never narrower than its author meant.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable

ARN_SEGMENTS = 6  # arn:partition:service:region:account:resource
RESOURCE_SEGMENT = 5


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


_ARN_TOKENS = re.compile(r"([*?]+|:)")


def glob_source(chunks: Iterable[tuple[str, bool]]) -> str:
    """Regex source for a StringLike-style glob: `*` and `?` cross every character.

    `chunks` are (text, wild) pairs: wild text carries pattern syntax, other text (a policy
    variable's value, an escape) is matched literally.
    """
    glob = _LinearGlob()
    for text, wild in chunks:
        if wild:
            glob.add_pattern(text)
        else:
            glob.add_piece(re.escape(text))
    return glob.source()


_GLOB_RUNS = re.compile(r"([*?]+)")


class _LinearGlob:
    """Regex source for a glob (every wildcard crossing every character) that matches in time
    linear in the text, whatever the pattern.

    A `.*` per `*` lets a hostile pattern (`ses:?*?*?*...zzz`, `*a*a*a...b`) backtrack
    exponentially on a near miss: a policy could stall a scan. So each run of wildcards becomes one
    quantifier (k `?` and no `*`: `.{k}`, part of the fixed-length piece around it; k `?` and a
    `*`: a gap of at least k), and the piece after every gap but the last is found at its leftmost
    place and never revisited (an atomic group): a piece has a fixed length, so its leftmost place
    leaves the most room for the rest and is never the wrong choice.
    """

    def __init__(self) -> None:
        self.pieces = [""]  # regex of the fixed-length pieces between gaps
        self.gaps: list[int] = []  # the least characters each gap takes

    def add_piece(self, regex: str) -> None:
        self.pieces[-1] += regex

    def add_pattern(self, text: str) -> None:
        for token in _GLOB_RUNS.split(text):
            if not token:
                continue
            if token[0] not in "*?":
                self.add_piece(re.escape(token))
            elif "*" not in token:
                self.add_piece("." if len(token) == 1 else f".{{{len(token)}}}")
            else:
                self.gaps.append(token.count("?"))
                self.pieces.append("")

    def source(self) -> str:
        parts = [self.pieces[0]]
        parts += [f"(?>{_at_least(k)}?{piece})" for k, piece in zip(self.gaps[:-1], self.pieces[1:-1])]
        if self.gaps:
            parts.append(_at_least(self.gaps[-1]) + self.pieces[-1])
        return "".join(parts)


def _at_least(k: int) -> str:
    return ".*" if k == 0 else f".{{{k},}}"


def _run_source(run: str, *, spans: bool) -> str:
    """A run of `*` and `?` inside one segment of an ARN: a character other than `:` exactly as
    many times as it has `?`, then any number more when it has a `*` (of any character once
    `spans`). Segments are short: no hostile backtracking to guard against here."""
    exactly = run.count("?")
    if "*" not in run:
        return "[^:]" if exactly == 1 else f"[^:]{{{exactly}}}"
    if spans:
        return (f"[^:]{{{exactly}}}" if exactly else "") + ".*"
    return "[^:]*" if not exactly else f"[^:]{{{exactly},}}"


def arn_segments(chunks: Iterable[tuple[str, bool]]) -> int:
    """How many segments an ARN pattern has: its `:` in pattern text (a variable's value or an
    escape never adds one)."""
    return 1 + sum(text.count(":") for text, wild in chunks if wild)


def arn_source(chunks: Iterable[tuple[str, bool]], total: int | None = None, *, ends_span: bool = True) -> str:
    """Regex source for an ARN pattern given as (text, wild) chunks (see `glob_source`).

    `total`: the segments of the whole pattern when `chunks` are only its beginning (the end of
    the chunks is then not the end of a segment). `ends_span`: whether a `*` ending a segment may
    cross colons, as in a Resource element; the Arn condition operators check "each of the six
    colon-delimited components of the ARN separately"."""
    chunks = tuple(chunks)
    whole = total is None
    if total is None:
        total = arn_segments(chunks)
    spanning_from = RESOURCE_SEGMENT if total >= ARN_SEGMENTS else total - 1
    tokens: list[tuple[str, bool]] = []
    for text, wild in chunks:
        if not wild:
            tokens.append((text, False))
        else:
            tokens.extend((token, True) for token in _ARN_TOKENS.split(text) if token)
    out: list[str] = []
    segment = 0
    for i, (token, wild) in enumerate(tokens):
        if wild and segment >= spanning_from:
            # From here on every wildcard crosses everything (the resource segment, or the last
            # segment of a short pattern): a glob, where a hostile pattern has room to backtrack.
            return "".join(out) + glob_source(tokens[i:])
        if not wild:
            out.append(re.escape(token))
        elif token == ":":
            segment += 1
            out.append(":")
        elif token[0] in "*?":
            # IAM: "If the * wildcard is the last character of a resource ARN segment, it can
            # expand to match beyond the colon boundaries."
            last = ends_span and (tokens[i + 1] == (":", True) if i + 1 < len(tokens) else whole)
            out.append(_run_source(token, spans=last and token[-1] == "*"))
        else:
            out.append(re.escape(token))
    return "".join(out)


def trailing_star_prefix(pattern: str) -> str | None:
    """`abc*` -> `abc` when the final `*` is the only wildcard: a prefix test is then enough.

    For ARNs too: a final `*` is either in the resource segment or ends a short pattern, and
    both may span the rest of the ARN.
    """
    if pattern.endswith("*") and not has_wildcard(pattern[:-1]):
        return pattern[:-1]
    return None


@functools.lru_cache(maxsize=16384)
def compile_source(source: str, ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile(source, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@functools.lru_cache(maxsize=16384)
def _action_regex(pattern_lower: str) -> re.Pattern[str]:
    return re.compile(glob_source(((pattern_lower, True),)), re.DOTALL)


def action_matches(pattern: str, action: str) -> bool:
    """`mobiletargeting:Get*` matches `MobileTargeting:GetApp`: actions are case-insensitive."""
    p = pattern.lower()
    if p == "*":
        return True
    if not has_wildcard(p):
        return p == action.lower()
    return _action_regex(p).fullmatch(action.lower()) is not None


@functools.lru_cache(maxsize=16384)
def arn_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(arn_source(((pattern, True),)), re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    """Case-sensitive ARN match; a request ARN containing `*` is compared as literal text."""
    if pattern == "*":
        return True
    if not has_wildcard(pattern):
        return pattern == arn
    return arn_regex(pattern).fullmatch(arn) is not None
