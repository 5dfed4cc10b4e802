"""What the Deny statements of the same document take back from one of its Allow statements.

The grant checks judge one Allow statement, but a Deny beside it in the same document can take
part of that grant back: `Allow *` with `Deny NotAction [ses:*, mobiletargeting:*]` grants SES and
Pinpoint, not administrator access; `Allow iam:PassRole` with `Deny iam:PassRole` grants nothing.

Only a Deny whose effect is certain for every request the Allow covers takes anything back: one
without a Condition (a conditioned Deny may not apply, so the whole Allow is reported: the
conservative answer), with a Resource element that names every resource the Allow's Resource can
name (`*`, or a pattern containing each of the Allow's), and without NotResource. Denies of other
documents reaching the same principal are left to the effective-access computation (IAM009).

A wildcard grant also covers the actions AWS adds later. Whether a Deny takes those too decides
whether what is left is still a wildcard grant: `Allow *` minus `Deny iam:*` is still everything
but IAM (IAM001), while `Allow *` minus `Deny NotAction [ses:*]` is SES alone (IAM002).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from auditor.analysis.actions import covers_action, matches_every_name
from auditor.analysis.memo import per_object
from auditor.evaluate.matching import arn_matches
from auditor.iam.arns import is_star
from auditor.iam.knowledge import ActionInfo
from auditor.iam.wildcards import glob_match, has_wildcard
from auditor.model.policy import Effect, Policy, Statement


@dataclass(frozen=True)
class CarveOut:
    """The unconditioned Denies of one document that cover all of one Allow's resources."""

    denies: tuple[Statement, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.denies)

    def denies_action(self, action: str) -> bool:
        return any(covers_action(d, action) for d in self.denies)

    def keeps(self, actions: Iterable[ActionInfo]) -> tuple[ActionInfo, ...]:
        """The actions no Deny here takes back."""
        if not self.denies:
            return tuple(actions)
        return tuple(a for a in actions if not self.denies_action(a.full))

    def touching(self, actions: Iterable[ActionInfo]) -> CarveOut:
        """Only the Denies that take one of `actions` back (the ones worth naming about them)."""
        actions = tuple(actions)
        return CarveOut(tuple(d for d in self.denies if any(covers_action(d, a.full) for a in actions)))

    def closes(self, service: str | None) -> bool:
        """Whether the Denies also take the actions AWS adds to `service` later (with None: the
        actions of a service AWS adds later). A grant they close is no longer open-ended."""
        return any(_takes_future(d, service) for d in self.denies)

    @property
    def label(self) -> str:
        """`statement #2 (NotAction ses:*, mobiletargeting:*)`: the Denies, as a reviewer finds them."""
        return " and ".join(
            f"statement {d.label} ({'NotAction' if d.not_action else 'Action'} {', '.join(d.actions)})"
            for d in self.denies
        )


NO_CARVE_OUT = CarveOut()


def carve_out(policy: Policy, statement: Statement) -> CarveOut:
    """The Denies of `policy` that certainly apply wherever the Allow `statement` grants."""
    denies = _unconditioned_denies(policy)
    if not denies or statement.resources is None:
        return NO_CARVE_OUT
    found = tuple(d for d in denies if _covers(d.resources, statement))
    return CarveOut(found) if found else NO_CARVE_OUT


@per_object()
def _unconditioned_denies(policy: Policy) -> tuple[Statement, ...]:
    # Most documents have none: asked for every Allow, answered once per document.
    return tuple(
        s for s in policy.statements
        if s.effect is Effect.DENY and not s.conditions and s.resources and not s.not_resource
    )


def _covers(deny_resources: tuple[str, ...], allow: Statement) -> bool:
    if allow.not_resource:
        # "Every resource except ..." is covered only by a Deny on every resource.
        return any(is_star(d) for d in deny_resources)
    return all(any(_contains(d, r) for d in deny_resources) for r in allow.resources)


def _contains(outer: str, inner: str) -> bool:
    """Whether every ARN the Resource pattern `inner` names is named by `outer` too.

    With only `*` as wildcard in `outer`, that holds exactly when `outer` matches `inner` read as
    literal text (the `*` of `outer` that takes a `*` of `inner` takes whatever it stands for).
    A `?` takes one character where `inner`'s wildcard may stand for many: not sure, so no."""
    if is_star(outer):
        return True
    if has_wildcard(inner) and "?" in outer:
        return False
    return arn_matches(outer, inner)


def _takes_future(deny: Statement, service: str | None) -> bool:
    takes = any(_pattern_takes_future(p, service) for p in deny.actions)
    # A NotAction Deny takes every action its patterns do not match, future ones included.
    return not takes if deny.not_action else takes


def _pattern_takes_future(pattern: str, service: str | None) -> bool:
    svc, sep, name = pattern.strip().lower().partition(":")
    if not sep:
        return is_star(svc)
    if not matches_every_name(name):
        return False
    return matches_every_name(svc) if service is None else glob_match(svc, service.lower())
