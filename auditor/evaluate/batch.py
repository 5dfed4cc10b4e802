"""`simulate --batch`: one JSON case in, one JSON decision out, for a stream of cases.

Pure: the command does the reading and writing. Each distinct policy text is parsed and compiled
once for the whole stream (cases usually share most of their policies). A bad case becomes an
`Error` line naming what is wrong; it never stops the stream.

Two ways through, with the same answers (tests/test_simulate_golden.py holds the bytes written
before the first existed):
- the common layout (see caseread): a line whose policy members were all seen before is read
  without decoding them, its request decoded alone, and decided against a PolicySet kept per
  distinct set of policies; a case whose policies or request are not right goes the general way,
  which then names the problem;
- the general way: CaseReader (policy texts kept), else json.loads; `decide(case)`.
`python -m benchmarks.bench_simulate --phases` shows what each step costs per case; a policy never
seen before adds its parse (auditor.parse), the largest cost left when many cases bring one.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from auditor.errors import json_value_problem
from auditor.evaluate.compiled import CompiledPolicy, compiled_policy
from auditor.evaluate.caseread import CaseReader, KnownTexts, Sections, read_common, read_known
from auditor.evaluate.engine import RESOURCE_POLICY_LABEL, PolicySet, decide, default_labels
from auditor.evaluate.request import Decision, Request
from auditor.model.policy import Policy
from auditor.parse.policy import parse_policy

ERROR = "Error"
_POLICY_CACHE_LIMIT = 100_000
_SECTION_LIMIT = 8192
_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_encode_string = json.encoder.encode_basestring  # C-accelerated


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
    return Request(*request_parts(raw))


def request_parts(raw: Any) -> tuple[str, str, str, dict[str, tuple[str, ...]], str | None]:
    """(principal, action, resource, context, resource_account) of a decoded request object:
    the fields of `Request`, without building one."""
    principal, action, resource, raw_context, owner = request_fields(raw)
    return principal, action, resource, request_context(raw_context), owner


def request_fields(raw: Any) -> tuple[str, str, str, dict, str | None]:
    """`request_parts` with the context as given: checked (CaseError as request_parts), but its
    keys not yet in lower case nor its values in tuples (see request_context)."""
    if type(raw) is not dict:
        raise CaseError("request must be an object with principal, action, resource and context")
    action, resource = raw.get("action"), raw.get("resource")
    principal, owner = raw.get("principal") or "", raw.get("resource_account") or None
    if type(action) is not str or type(resource) is not str or type(principal) is not str or (
            owner is not None and type(owner) is not str):
        for key, required in (("action", True), ("resource", True), ("principal", False),
                              ("resource_account", False)):
            _text(raw, key, "request", required=required)  # raises with the precise message
    if ":" not in action:
        raise CaseError(f"request.action {action!r} is not service:Action")
    raw_context = raw.get("context") or {}
    if type(raw_context) is not dict:
        raise CaseError("request.context must be an object")
    for value in raw_context.values():
        if type(value) is not str:
            _context(raw_context)  # raises for the first value that is not a string or strings
            break
    return principal, action, resource, raw_context, owner


def request_context(raw_context: dict) -> dict[str, tuple[str, ...]]:
    """The context of `request_fields` as a Request holds it."""
    context: dict[str, tuple[str, ...]] = {}
    for key, value in raw_context.items():
        lowered = _lower_keys.get(key)
        if type(value) is not str or lowered is None or lowered in context:
            return _context(raw_context)  # not the usual context
        context[lowered] = (value,)
    return context


def _context(raw_context: dict) -> dict[str, tuple[str, ...]]:
    """The request context: keys in lower case (keys differing only in case add up their
    values), each value a tuple of strings."""
    context: dict[str, tuple[str, ...]] = {}
    for key, value in raw_context.items():
        lowered = _lower_keys.get(key) or _lower_key(key)
        values = (value,) if type(value) is str else _strings(value, f"request.context[{key!r}]")
        context[lowered] = context[lowered] + values if lowered in context else values
    return context


# Context keys in lower case, per key as written: cases repeat the same few keys, and a lower-
# case text already made (with its hash) is cheaper to store than a new one.
_lower_keys: dict[str, str] = {}


def _lower_key(key: str) -> str:
    if len(_lower_keys) >= 4096:
        _lower_keys.clear()
    lowered = _lower_keys[key] = key.lower()
    return lowered


def _encode_id(case_id: Any) -> str:
    if type(case_id) is int:
        return str(case_id)
    if type(case_id) is str:
        return _utf8(_encode_string(case_id))
    return _utf8(_encode(case_id))


def output_line(case_id: Any, decision: str, detail: str) -> str:
    """The JSON output line, built directly: this runs once per case."""
    return f'{{"id": {_encode_id(case_id)}, "decision": "{decision}", "detail": {_utf8(_encode_string(detail))}}}'


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8(encoded: str) -> str:
    """JSON text as UTF-8 can hold it: non-ASCII characters are kept, but a lone surrogate (which
    only a `\\udXXX` escape in the input makes) is written as that escape again."""
    if encoded.isascii() or _SURROGATE.search(encoded) is None:
        return encoded
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


# The output line between the id and the detail, per decision value (a string key: hashing the
# enum member itself runs Python code).
_AFTER_ID = {d.value: f', "decision": "{d.value}", "detail": ' for d in Decision}


def _policy_set(identities: list[CompiledPolicy], resource_policy: CompiledPolicy | None,
                boundaries: list[CompiledPolicy]) -> PolicySet:
    """A case's policies with the labels its details name them by (`identity_policies[0]`...)."""
    id_labels, b_labels = default_labels(len(identities), len(boundaries))
    return PolicySet(identities, resource_policy, boundaries, id_labels, RESOURCE_POLICY_LABEL, b_labels)


class _PolicyProblem(CaseError):
    """A policy cannot be used; the caller adds where it is (`identity_policies[1]`)."""


def _usable(hit: CompiledPolicy | str) -> CompiledPolicy:
    if isinstance(hit, str):
        raise _PolicyProblem(f": {hit}")
    return hit


class BatchRunner:
    def __init__(self):
        self._policies: dict[str, CompiledPolicy | str] = {}
        self._reader = CaseReader()
        # The text of each usable policy of a line -> what `_compiled` answers for it, found in
        # place in the next lines. Cleared with `_policies`, so that it always agrees with it.
        self._texts: KnownTexts[CompiledPolicy] = KnownTexts()
        # The policy members of a line -> their compiled policies and labels (see Sections).
        # Cleared with `_policies` too.
        self._sections: Sections[PolicySet] = Sections(_SECTION_LIMIT)

    def _remember(self, key: str, value: CompiledPolicy | str) -> CompiledPolicy | str:
        if len(self._policies) >= _POLICY_CACHE_LIMIT:
            self._policies.clear()
            self._texts.clear()
            self._sections.clear()
        self._policies[key] = value
        return value

    def policy(self, raw: Any, where: str) -> CompiledPolicy:
        """A case's policy (object, JSON string, or (text, object) from the CaseReader), parsed once
        per distinct text: the text an object was read from, else its canonical (sorted) JSON."""
        try:
            return self._compiled(raw)
        except _PolicyProblem as exc:
            raise CaseError(f"{where}{exc}") from None

    def _compiled(self, raw: Any) -> CompiledPolicy:
        text, value = raw if type(raw) is tuple else (None, raw)
        if value is None and text is not None:  # text the reader recognised without decoding it
            hit = self._policies.get(text)
            if hit is not None:
                return _usable(hit)
            value = json.loads(text)
        if isinstance(value, str):
            key = value
        elif isinstance(value, dict):
            key = text if text is not None else json.dumps(value, sort_keys=True, separators=(",", ":"))
        else:
            raise _PolicyProblem(" must be a policy object or a JSON string")
        hit = self._policies.get(key)
        if hit is None:
            # An object is not decoded twice; the text it came from bounds its size.
            policy = parse_policy(value, source_length=None if text is None else len(text))
            hit = self._remember(key, unusable_reason(policy) or compiled_policy(policy))
        return _usable(hit)

    def _policies_of(self, case: dict, field: str) -> list[CompiledPolicy]:
        raw = case.get(field)
        if raw is None:
            return []
        if type(raw) is not list:
            raise CaseError(f"{field} must be a list of policies")
        try:
            return [self._compiled(p) for p in raw]
        except _PolicyProblem:
            for i, p in enumerate(raw):  # find the culprit again, to name it
                self.policy(p, f"{field}[{i}]")
            raise

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
        principal, action, resource, context, owner = request_parts(case.get("request"))
        decision, detail = decide(principal, action, resource, context, owner,
                                  _policy_set(identities, resource_policy, boundaries), None)
        return decision.value, detail

    def _common(self, line: str) -> str | None:
        """The output line for a line in the common layout whose case can be decided; None
        otherwise (the general path then reads it again, finding its policies cached)."""
        parts = read_common(line, self._texts, self._sections)
        if parts is None:
            return None
        case_id, policies, raw_request, section = parts
        if section is not None:
            try:
                policies = self._section(section, *policies)
            except CaseError:
                return None
        return self._decided(case_id, policies, raw_request)

    def _decided(self, case_id: str, policies: PolicySet, raw_request: Any) -> str | None:
        """The output line of a case read by read_common or read_known; None when its request
        is not right (the general path then says why)."""
        try:
            principal, action, resource, context, owner = request_fields(raw_request)
        except CaseError:
            return None
        plan = policies.plans.get(action) or policies.plan(action)
        if plan[3]:  # some statement the action reaches reads the context; else no need to build it
            context = request_context(context)
        decision, detail = decide(principal, action, resource, context, owner, policies, None)
        detail = _encode_string(detail)
        if not detail.isascii():
            detail = _utf8(detail)
        return f'{{"id": {case_id}{_AFTER_ID[decision._value_]}{detail}}}'

    def _section(self, section: str, identities: list, resource_policy: Any, boundaries: list) -> PolicySet:
        """The compiled policies of a section `read_common` did not know; remembered when all of
        them were known already (a section with a policy seen for the first time is likely seen
        once). Raises CaseError for a policy that cannot be used."""
        slots = [*identities, resource_policy, *boundaries]
        fresh = any(type(slot) is tuple for slot in slots)
        if fresh:
            # In the order the general path takes (identities, resource policy, boundaries), so
            # that the policy cache ends the same; a policy that cannot be used is cached too.
            compiled = [self._decoded(slot) if type(slot) is tuple else slot for slot in slots]
            identities = compiled[: len(identities)]
            resource_policy = compiled[len(identities)]
            boundaries = compiled[len(identities) + 1 :]
        resolved = _policy_set(identities, resource_policy, boundaries)
        if not fresh:
            self._sections.add(section, resolved)
        return resolved

    def _decoded(self, slot: tuple[str, Any]) -> CompiledPolicy:
        """A policy `read_common` decoded from the line, compiled and made known by its text."""
        policy = self._compiled(slot)
        self._texts.add(slot[0], policy)
        return policy

    def run_line(self, line: str | bytes, number: int) -> str | None:
        """The output line (without newline) for one input line; None for a blank line."""
        if type(line) is bytes and number != 1:  # line 1 may start with a byte-order mark
            # A line whose policies are all known is read without decoding it whole.
            parts = read_known(line, self._sections)
            if parts is not None:
                out = self._decided(*parts)
                if out is not None:
                    return out
        return self._general(line, number)

    def run_lines(self, lines: Iterable[str | bytes], number: int) -> list[str]:
        """run_line for consecutive lines, the first numbered `number`: their output lines (a
        blank line gives none). The loop of `simulate --batch`, with run_line's common case
        inline: a method call per line costs as much as a tenth of the line's work."""
        results: list[str] = []
        append, sections, decided = results.append, self._sections, self._decided
        for line in lines:
            if type(line) is bytes and number != 1 and (parts := read_known(line, sections)) is not None \
                    and (out := decided(*parts)) is not None:
                append(out)
            elif (out := self._general(line, number)) is not None:
                append(out)
            number += 1
        return results

    def _general(self, line: str | bytes, number: int) -> str | None:
        """run_line, once a line read as bytes is known not to be in the common layout with known
        policies: decoded, then read in the common layout, else the general way."""
        case_id = None
        try:
            if not isinstance(line, str):
                try:
                    line = line.decode("utf-8")
                except UnicodeDecodeError:
                    raise CaseError(f"line {number} is not UTF-8") from None
            if number == 1:
                line = line.lstrip("\ufeff")  # a byte-order mark some editors write
            if not line or line.isspace():
                return None
            out = self._common(line)
            if out is not None:
                return out
            case = self._reader.read(line)
            if case is None:
                try:
                    case = json.loads(line)
                except ValueError as exc:
                    raise CaseError(f"line {number} is not JSON: {json_value_problem(exc)}") from None
                except RecursionError:
                    raise CaseError(f"line {number} is nested too deeply") from None
            if isinstance(case, dict):
                case_id = case.get("id")
            decision, detail = self.decide(case)
        except CaseError as exc:
            decision, detail = ERROR, str(exc)
        return output_line(case_id, decision, detail)
