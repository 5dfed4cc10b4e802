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


_GLOB_TOKENS = re.compile(r"([*?])")
_ARN_TOKENS = re.compile(r"([*?]+|:)")


def glob_source(chunks: Iterable[tuple[str, bool]]) -> str:
    """Regex source for a StringLike-style glob: `*` and `?` cross every character.

    `chunks` are (text, wild) pairs: wild text carries pattern syntax, other text (a policy
    variable's value, an escape) is matched literally.
    """
    out: list[str] = []
    for text, wild in chunks:
        if not wild:
            out.append(re.escape(text))
            continue
        for token in _GLOB_RUNS.split(text):
            if token:
                out.append(_run_source(token, ".", spans=True) if token[0] in "*?" else re.escape(token))
    return "".join(out)


# Runs of wildcards become one quantifier each: `?*?*?*x` as `.?.*` pieces in a row backtracks
# exponentially on a near miss (a hostile policy could stall a scan); `.{3,}x` cannot.
_GLOB_RUNS = re.compile(r"([*?]+)")


def _run_source(run: str, one: str, *, spans: bool) -> str:
    """A run of `*` and `?`: `one` (the class of a character it may take) exactly as many times
    as it has `?`, then any number more when it has a `*` (`.` more once `spans`)."""
    exactly = run.count("?")
    if "*" not in run:
        return one if exactly == 1 else f"{one}{{{exactly}}}"
    if spans and one != ".":
        return (f"{one}{{{exactly}}}" if exactly else "") + ".*"
    return f"{one}*" if not exactly else f"{one}{{{exactly},}}"


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
        if not wild:
            out.append(re.escape(token))
        elif token == ":":
            segment += 1
            out.append(":")
        elif token[0] in "*?":
            if segment >= spanning_from:
                out.append(_run_source(token, ".", spans=True))
                continue
            # IAM: "If the * wildcard is the last character of a resource ARN segment, it can
            # expand to match beyond the colon boundaries."
            last = ends_span and (tokens[i + 1] == (":", True) if i + 1 < len(tokens) else whole)
            out.append(_run_source(token, "[^:]", spans=last and token[-1] == "*"))
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
