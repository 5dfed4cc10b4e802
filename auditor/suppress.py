"""Suppressions from the config (`[[suppress]]`), applied after the checks, as prowler's mutelist.

A suppressed finding stays in every report, marked with the reason; an expired suppression stops
applying and is listed so that nobody mistakes "expired" for "fixed".
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Sequence

from auditor.config import Suppression
from auditor.evaluate.matching import compile_source, glob_source
from auditor.model.finding import Finding, Status
from auditor.model.result import ExpiredSuppression


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    """ARN globs as AWS writes them: only `*` and `?` are wildcards, everything else is literal
    (so `[` in a name is not a character class) and matching is case-sensitive."""
    return compile_source(glob_source(((pattern, True),)))


def glob_match(pattern: str, value: str) -> bool:
    if "*" not in pattern and "?" not in pattern:
        return pattern == value
    return _glob(pattern).fullmatch(value) is not None


@dataclass(frozen=True)
class _Rule:
    suppression: Suppression
    check: str  # lower case

    def matches(self, f: Finding) -> bool:
        s = self.suppression
        if s.account and s.account != f.account_id:
            return False
        if not (glob_match(self.check, f.check_id.lower()) or glob_match(self.check, f.check_name.lower())):
            return False
        targets = (f.resource_arn, f.principal_arn, f.policy_arn, f.file)
        return any(t and glob_match(s.resource, t) for t in targets)

    @property
    def label(self) -> str:
        s = self.suppression
        return f"{s.reason} (until {s.expires.isoformat()})" if s.expires else s.reason


def apply_suppressions(
    findings: Sequence[Finding], suppressions: Sequence[Suppression], today: dt.date
) -> tuple[list[Finding], list[ExpiredSuppression]]:
    """Mark findings matched by a live suppression; the first matching suppression names the reason.

    Checks match by id or name, case-insensitively (globs allowed, as `IAM00*`); the resource is an
    exact ARN or a glob tried against the finding's resource, principal and policy ARNs (and the
    file for lint findings); `account` narrows to one account. Findings keep their order.
    """
    live: list[_Rule] = []
    expired: list[ExpiredSuppression] = []
    for s in suppressions:
        if s.expired(today):
            expired.append(ExpiredSuppression(s.check, s.resource, s.reason,
                                              s.expires.isoformat() if s.expires else ""))
        else:
            live.append(_Rule(s, s.check.strip().lower()))
    if not live:
        return list(findings), expired
    out: list[Finding] = []
    for f in findings:
        rule = next((r for r in live if r.matches(f)), None)
        if rule is not None:
            f = f.replace(status=Status.SUPPRESSED, suppressed_by=rule.label)
        out.append(f)
    return out, expired
