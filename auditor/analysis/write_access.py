"""Which write actions a set of policies really lets a principal use (check USR001).

Each candidate (action, resource) comes from an Allow statement and is confirmed with the
evaluator's static mode over all the principal's policies and its boundary, with what is known of
the principal's own console requests: no service-call keys, and the MFA state of the session.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from auditor.analysis.actions import covered
from auditor.analysis.resources import request_arns
from auditor.evaluate.static import Tri, static_access
from auditor.iam.global_keys import SERVICE_CALL_ONLY_KEYS
from auditor.iam.knowledge import AccessLevel, ActionInfo
from auditor.model.policy import Effect, Policy, Statement

WRITE_LEVELS = (AccessLevel.WRITE, AccessLevel.PERMISSIONS, AccessLevel.TAGGING)


def own_request_context(mfa: bool) -> dict[str, tuple[str, ...]]:
    """What every request a principal makes itself is known to carry (or lack)."""
    known: dict[str, tuple[str, ...]] = {key: () for key in SERVICE_CALL_ONLY_KEYS}
    known["aws:multifactorauthpresent"] = ("true" if mfa else "false",)
    return known


def write_access(policies: Sequence[Policy], boundaries: Sequence[Policy], services: Sequence[str],
                 known: Mapping[str, tuple[str, ...]], per_service: int = 3,
                 partition: str = "aws") -> dict[str, tuple[str, ...]]:
    """Up to `per_service` write actions per service that the policies allow (YES or only-if)."""
    found: dict[str, list[str]] = {}
    for policy in policies:
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW or not statement.resources:
                continue
            for action in covered(statement, services):
                got = found.setdefault(action.service, [])
                if action.access_level not in WRITE_LEVELS or len(got) >= per_service or action.full in got:
                    continue
                if any(static_access(policies, action.full, arn, boundaries=boundaries,
                                     known_context=known).tri is not Tri.NO
                       for arn in _requests(statement, action, partition)):
                    got.append(action.full)
    return {s: tuple(v) for s, v in found.items() if v}


def _requests(statement: Statement, action: ActionInfo, partition: str) -> tuple[str, ...]:
    """The resources of `action`'s requests that the statement may allow. The evaluator reads
    the request ARN literally, so a Resource pattern is not itself a request: CreateApp's one
    resource is `...:apps/*` (design §2), which a project's `apps/ID/*` does not name. A
    NotResource statement may allow any resource of the action (the evaluator judges each)."""
    patterns = ("*",) if statement.not_resource else statement.resources or ()
    return tuple(dict.fromkeys(arn for p in patterns for arn in request_arns(action, p, partition)))
