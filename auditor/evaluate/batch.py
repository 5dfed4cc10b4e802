"""`simulate --batch`: one JSON case in, one JSON decision out, for a stream of cases.

Pure: the command does the reading and writing. Each distinct policy text is parsed and compiled
once for the whole stream (cases usually share most of their policies). A bad case becomes an
`Error` line naming what is wrong; it never stops the stream.
"""
from __future__ import annotations

import json
from typing import Any

from auditor.evaluate.engine import evaluate
from auditor.evaluate.request import Request
from auditor.model.policy import Policy
from auditor.parse.policy import parse_policy

ERROR = "Error"
_POLICY_CACHE_LIMIT = 100_000
_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


class CaseError(ValueError):
    """The case cannot be decided; the message says why."""


def unusable_reason(policy: Policy) -> str | None:
    """Why AWS would refuse this document (the first fatal parse issue), or None."""
    for issue in policy.issues:
        if issue.fatal:
            where = f" ({issue.position})" if issue.position is not None else ""
            return f"{issue.code} {issue.message}{where}"
    return None


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, (int, float)):
        return (str(value),)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise CaseError(f"{what} must be a string or a list of strings")


def _text(obj: dict, key: str, where: str, *, required: bool) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise CaseError(f"{where}.{key} is missing")
        return ""
    if not isinstance(value, str):
        raise CaseError(f"{where}.{key} must be a string")
    return value


def make_request(raw: Any) -> Request:
    if not isinstance(raw, dict):
        raise CaseError("request must be an object with principal, action, resource and context")
    action = _text(raw, "action", "request", required=True)
    if ":" not in action:
        raise CaseError(f"request.action {action!r} is not service:Action")
    resource = _text(raw, "resource", "request", required=True)
    principal = _text(raw, "principal", "request", required=False)
    owner = _text(raw, "resource_account", "request", required=False) or None
    raw_context = raw.get("context") or {}
    if not isinstance(raw_context, dict):
        raise CaseError("request.context must be an object")
    context: dict[str, tuple[str, ...]] = {}
    for key, value in raw_context.items():
        lowered = key.lower()
        context[lowered] = context.get(lowered, ()) + _strings(value, f"request.context[{key!r}]")
    return Request(principal, action, resource, context, owner)


class BatchRunner:
    def __init__(self):
        self._policies: dict[str, Policy | str] = {}

    def policy(self, raw: Any, where: str) -> Policy:
        """A case's policy (object or JSON string), parsed once per distinct canonical text."""
        if isinstance(raw, str):
            key = raw
        elif isinstance(raw, dict):
            key = json.dumps(raw, sort_keys=True, separators=(",", ":"))
        else:
            raise CaseError(f"{where} must be a policy object or a JSON string")
        hit = self._policies.get(key)
        if hit is None:
            policy = parse_policy(key)
            hit = unusable_reason(policy) or policy
            if len(self._policies) >= _POLICY_CACHE_LIMIT:
                self._policies.clear()
            self._policies[key] = hit
        if isinstance(hit, str):
            raise CaseError(f"{where}: {hit}")
        return hit

    def _policies_of(self, case: dict, field: str) -> list[Policy]:
        raw = case.get(field)
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise CaseError(f"{field} must be a list of policies")
        return [self.policy(p, f"{field}[{i}]") for i, p in enumerate(raw)]

    def decide(self, case: Any) -> tuple[str, str]:
        """(decision, detail) for one decoded case; raises CaseError."""
        if not isinstance(case, dict):
            raise CaseError("a case must be a JSON object")
        identities = self._policies_of(case, "identity_policies")
        raw_resource_policy = case.get("resource_policy")
        resource_policy = (
            None if raw_resource_policy is None else self.policy(raw_resource_policy, "resource_policy")
        )
        boundaries = self._policies_of(case, "permission_boundaries")
        request = make_request(case.get("request"))
        evaluation = evaluate(request, identities, resource_policy, boundaries)
        return evaluation.decision.value, evaluation.detail

    def run_line(self, line: str | bytes, number: int) -> str | None:
        """The output line (without newline) for one input line; None for a blank line."""
        if not line.strip():
            return None
        case_id = None
        try:
            try:
                case = json.loads(line)
            except UnicodeDecodeError:
                raise CaseError(f"line {number} is not UTF-8") from None
            except ValueError as exc:
                raise CaseError(f"line {number} is not JSON: {exc}") from None
            if isinstance(case, dict):
                case_id = case.get("id")
            decision, detail = self.decide(case)
        except CaseError as exc:
            decision, detail = ERROR, str(exc)
        return _encode({"id": case_id, "decision": decision, "detail": detail})
