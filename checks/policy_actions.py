"""POL005: an Action or NotAction entry that matches no action in the IAM catalogue."""
from __future__ import annotations

import difflib
import functools
from typing import Iterator

from auditor.iam.knowledge import data_version, knowledge
from auditor.iam.wildcards import has_wildcard
from auditor.model.finding import Severity
from auditor.model.policy import Effect, Statement
from auditor.registry import Hit, PolicyContext, check
from checks.policy_common import SAR_DOC, where


@check(
    "POL005", "unknown-action", Severity.MEDIUM, "Action matches no known action",
    rationale="IAM accepts any text in Action, so a typo (mobiletargeting:GetApplication), a retired action "
              "or a wrong service prefix is silently ignored: an Allow grants less than its author thinks, a "
              "Deny protects nothing, and a NotAction entry excludes nothing, so the statement covers more.",
    remediation="Correct the action name using the Service Authorization Reference (names are "
                "case-insensitive, only * and ? are wildcards), or remove the entry.",
    doc_url=f"{SAR_DOC}/reference_policies_actions-resources-contextkeys.html",
)
def unknown_action(ctx: PolicyContext) -> Iterator[Hit]:
    for statement in ctx.policy.statements:
        for pattern in dict.fromkeys(statement.actions):
            problem = _problem(pattern)
            if problem is None:
                continue
            yield Hit(
                message=f"{where(statement)}: {_element(statement)} entry \"{pattern}\" {problem} "
                        f"{_consequence(statement)}",
                statement=statement,
                actions=(pattern,),
                severity=Severity.HIGH if statement.effect is Effect.DENY and not statement.not_action else None,
                key=pattern.strip().lower(),
            )


def _element(statement: Statement) -> str:
    return "NotAction" if statement.not_action else "Action"


def _consequence(statement: Statement) -> str:
    if statement.not_action:
        return "It excludes nothing, so the statement applies to more actions than intended."
    if statement.effect is Effect.DENY:
        return "This Deny blocks nothing for it."
    return "It grants nothing."


@functools.lru_cache(maxsize=16384)
def _problem(pattern: str) -> str | None:
    """Why the entry matches nothing, with a suggestion; None when it matches something."""
    k = knowledge()
    text = pattern.strip()
    if set(text) == {"*"}:
        return None
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        return "is not of the form service:action."
    if k.expand(text):
        return None
    catalogue = f"(IAM data {data_version()})"
    if not has_wildcard(service) and not k.service_exists(service):
        hint = _suggest(service.lower(), k.services())
        return (f"names the service prefix \"{service}\", which is not in the IAM catalogue {catalogue}: "
                f"a typo, or a retired service.{hint}")
    if has_wildcard(service):
        return f"matches no action of any service {catalogue}."
    names = [a.name for a in k.actions_for_service(service)]
    hint = _suggest(name, names, prefix=f"{service.lower()}:")
    what = "pattern" if has_wildcard(name) else "action"
    return f"matches no {what} of {service.lower()} {catalogue}: a typo, or a retired action.{hint}"


def _suggest(word: str, candidates, prefix: str = "") -> str:
    target = word.lower().replace("*", "").replace("?", "")
    # difflib is slow over hundreds of names; a typo keeps the first letter and about the length.
    by_lower = {c.lower(): c for c in candidates
                if c[:1].lower() == target[:1] and abs(len(c) - len(target)) <= max(3, len(target) // 3)}
    close = difflib.get_close_matches(target, list(by_lower), n=3, cutoff=0.75)
    if not close:
        return ""
    return " Did you mean " + " or ".join(f"{prefix}{by_lower[c]}" for c in close) + "?"
