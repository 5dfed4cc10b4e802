"""Which write actions a set of policies really lets a principal use (check USR001).

Each candidate (action, resource) comes from an Allow statement and is confirmed with the
evaluator's static mode over all the principal's policies and its boundary, with what is known of
the principal's own console requests: no service-call keys, and the MFA state of the session.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from auditor.analysis.actions import covered
from auditor.evaluate.static import Tri, static_access
from auditor.iam.global_keys import SERVICE_CALL_ONLY_KEYS
from auditor.iam.knowledge import AccessLevel, knowledge
from auditor.model.policy import Effect, Policy

WRITE_LEVELS = (AccessLevel.WRITE, AccessLevel.PERMISSIONS, AccessLevel.TAGGING)


def own_request_context(mfa: bool) -> dict[str, tuple[str, ...]]:
    """What every request a principal makes itself is known to carry (or lack)."""
    known: dict[str, tuple[str, ...]] = {key: () for key in SERVICE_CALL_ONLY_KEYS}
    known["aws:multifactorauthpresent"] = ("true" if mfa else "false",)
    return known


def write_access(policies: Sequence[Policy], boundaries: Sequence[Policy], services: Sequence[str],
                 known: Mapping[str, tuple[str, ...]], per_service: int = 3) -> dict[str, tuple[str, ...]]:
    """Up to `per_service` write actions per service that the policies allow (YES or only-if)."""
    k = knowledge()
    found: dict[str, list[str]] = {}
    for policy in policies:
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW or statement.not_resource or not statement.resources:
                continue
            for action in covered(statement, services):
                got = found.setdefault(action.service, [])
                if action.access_level not in WRITE_LEVELS or len(got) >= per_service or action.full in got:
                    continue
                for resource in statement.resources:
                    if not k.action_applies_to_arn(action, resource):
                        continue
                    if static_access(policies, action.full, resource, boundaries=boundaries,
                                     known_context=known).tri is not Tri.NO:
                        got.append(action.full)
                        break
    return {s: tuple(v) for s, v in found.items() if v}
