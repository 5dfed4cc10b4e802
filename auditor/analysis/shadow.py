"""Conditioned Allows that an unconditioned Allow already covers (check IAM007).

For every request (action, resource) a conditioned statement could allow, the evaluator's static
matching is asked whether the *other* statements allow it outright: some Allow matches with no
condition left, no Deny matches at all, and every boundary allows it the same way. If so the
condition restricts nothing there.

A request stands for every resource its action can reach through the candidate's Resource
(`resources.request_arns`): for `*`, the action's resource formats, so an unconditioned Allow whose
NotResource leaves out some of them (or whose Resource names only some) does not cover it.

That answer splits by document (an unconditioned Allow is one statement; any matching Deny
blocks), so each document's answers for a candidate are computed once, as bit masks over the
candidate's requests, and combined per principal with a few integer operations: principals
share most of their documents.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

from auditor.analysis.actions import covered, grants_every_action
from auditor.analysis.memo import BoundedCache, IdentityCache, per_object
from auditor.analysis.resources import ANY, may_name, request_arns
from auditor.evaluate.compiled import compiled_statement
from auditor.evaluate.static import Tri, statement_matches
from auditor.iam.knowledge import knowledge
from auditor.model.policy import Effect, Policy, Statement

# Statements allowing every action are compared as the pseudo-action "*:*", which only patterns
# that themselves cover every action match (18,000 expanded actions would say the same, slower).
_EVERY_ACTION = "*:*"


@dataclass(frozen=True)
class Shadow:
    policy_index: int
    statement: Statement  # the conditioned Allow
    actions: tuple[str, ...]  # its actions that are allowed anyway, on all its resources
    total: int  # how many actions it can allow on its resources in all
    by: tuple[tuple[int, Statement], ...]  # (policy index, unconditioned Allow) that cover them

    @property
    def complete(self) -> bool:
        return len(self.actions) == self.total


@dataclass(frozen=True)
class _Requests:
    """A candidate's requests: (action, resource) pairs, numbered for the bit masks."""

    actions: tuple[str, ...]  # actions with at least one request
    masks: tuple[int, ...]  # per action, the bits of its requests
    pairs: tuple[tuple[str, str], ...]
    spans: tuple[range, ...]  # per action, the numbers of its requests (consecutive)
    action_of: tuple[int, ...]  # per request, the position of its action


def is_candidate(statement: Statement) -> bool:
    return (statement.effect is Effect.ALLOW and bool(statement.conditions) and not statement.not_action
            and not statement.not_resource and bool(statement.resources))


def _outright(statement: Statement) -> bool:
    return statement.effect is Effect.ALLOW and not statement.conditions


@functools.lru_cache(maxsize=16384)
def _request_arns(action: str, patterns: tuple[str, ...], partition: str) -> tuple[str, ...]:
    if action == _EVERY_ACTION:
        # Every resource of every service: the patterns themselves, what they leave open as placeholders.
        return tuple(dict.fromkeys(p.replace("*", ANY) for p in patterns))
    info = knowledge().action(action)
    if info is None:
        return ()
    return tuple(dict.fromkeys(arn for p in patterns for arn in request_arns(info, p, partition)))


def _content(candidate: Statement, partition: str) -> tuple:
    # What a candidate's requests depend on: candidates are Allows with Action and Resource, so
    # two with the same lists (in different inline copies) ask the same questions. The partition
    # is that of the requests a `*` stands for.
    return candidate.actions, candidate.not_action, candidate.resources, partition


def _requests(statement: Statement, partition: str) -> _Requests:
    return _REQUESTS.get(_content(statement, partition), lambda: _compute_requests(statement, partition))


def _compute_requests(statement: Statement, partition: str) -> _Requests:
    names = (_EVERY_ACTION,) if grants_every_action(statement) else tuple(a.full for a in covered(statement))
    actions: list[str] = []
    masks: list[int] = []
    spans: list[range] = []
    pairs: list[tuple[str, str]] = []
    for action in names:
        arns = _request_arns(action, tuple(statement.resources or ()), partition)
        if not arns:
            continue  # the statement cannot allow this action on its resources at all
        start = len(pairs)
        pairs.extend((action, arn) for arn in arns)
        actions.append(action)
        masks.append(((1 << len(arns)) - 1) << start)
        spans.append(range(start, len(pairs)))
    action_of = tuple(i for i, span in enumerate(spans) for _ in span)
    return _Requests(tuple(actions), tuple(masks), tuple(pairs), tuple(spans), action_of)


_REQUESTS = BoundedCache(16384)


def _answers(policy: Policy, candidate: Statement, partition: str) -> tuple[tuple[tuple[Statement, int], ...], int]:
    """For one document: each unconditioned Allow with the candidate's requests it allows for
    sure, and the requests any Deny may refuse. Conditioned Allows (the candidate among them)
    decide nothing outright, so only the other statements are matched."""

    def compute():
        if not _overlap(_document_services(policy), _services(candidate)):
            return (), 0  # no Deny or unconditioned Allow of this document reaches its services
        requests = _requests(candidate, partition)
        variables = policy.supports_variables
        allows: list[tuple[int, int, Statement, int]] = []
        denied = 0
        for position, st in enumerate(policy.statements):
            deny = st.effect is Effect.DENY
            if not deny and st.conditions:
                continue
            bits = _statement_bits(st, variables, candidate, requests, partition)
            if not bits:
                continue
            if deny:
                denied |= bits
            else:
                # In the order the requests reach them: by the first request allowed, then as written.
                allows.append((requests.action_of[(bits & -bits).bit_length() - 1], position, st, bits))
        allows.sort(key=lambda item: item[:2])
        return tuple((st, bits) for _, _, st, bits in allows), denied

    return _DOCUMENT_ANSWERS.get_one(policy, _content(candidate, partition), compute)


def _statement_bits(st: Statement, variables: bool, candidate: Statement, requests: _Requests, partition: str) -> int:
    """The candidate's requests that one statement allows for sure (an unconditioned Allow) or
    may refuse (a Deny). It depends on the statement's content only, which inline copies and
    per-application policies repeat across thousands of documents: computed once per content."""
    if not _overlap(_services(st), _services(candidate)):
        return 0  # another service's statement (most of a document) decides none of its requests
    key = (st.effect, st.actions, st.not_action, st.resources, st.not_resource, st.conditions, variables,
           _content(candidate, partition))
    return _STATEMENT_BITS.get(key, lambda: _compute_bits(st, variables, candidate, requests, partition))


def _compute_bits(st: Statement, variables: bool, candidate: Statement, requests: _Requests, partition: str) -> int:
    deny = st.effect is Effect.DENY
    pairs = requests.pairs
    bits = 0
    # Once its Action covers the action, a statement's match depends on the ARN only (Resource and
    # Condition), and the candidate's actions share most of their ARNs: each ARN is matched once.
    decided: dict[str, bool] = {}
    for i in _covered_positions(st, variables, candidate, requests, partition):
        action = requests.actions[i]
        for k in requests.spans[i]:
            arn = pairs[k][1]
            hit = decided.get(arn)
            if hit is None:
                tri = statement_matches(st, action, arn, variables_enabled=variables).tri
                hit = tri is Tri.YES or (deny and tri is not Tri.NO)
                if hit and not deny and st.not_resource and "${" in arn:
                    # The request stands for many resources; the evaluator read its placeholders
                    # as text, so a NotResource that leaves out only some of them still passed.
                    hit = not any(may_name(p, arn) for p in st.resources or ())
                decided[arn] = hit
            if hit:
                bits |= 1 << k
    return bits


def _covered_positions(st: Statement, variables: bool, candidate: Statement, requests: _Requests,
                       partition: str) -> tuple[int, ...]:
    """Which of the candidate's actions the statement's Action/NotAction covers: the same for every
    statement with the same Action list (per-project copies differ only in Resource)."""
    def compute() -> tuple[int, ...]:
        compiled = compiled_statement(st, variables)
        return tuple(i for i, action in enumerate(requests.actions) if compiled.action_ok(action.lower()))

    return _COVERED.get((st.actions, st.not_action, _content(candidate, partition)), compute)


_COVERED = BoundedCache(65536)
_STATEMENT_BITS = BoundedCache(65536)
_DOCUMENT_ANSWERS = IdentityCache()


def _boundary_allows(boundary: Policy, candidate: Statement, partition: str) -> int:
    allows, denied = _answers(boundary, candidate, partition)
    granted = 0
    for _, bits in allows:
        granted |= bits
    return granted & ~denied


def shadow_of(policies: Sequence[Policy], index: int, statement: Statement,
              boundaries: Sequence[Policy] = (), partition: str = "aws") -> Shadow | None:
    """How much of `statement` (in policies[index], a candidate: see `is_candidate`) the other
    statements allow outright, for requests in the account's `partition`."""
    if not any(_outright(st) for p in policies for st in p.statements if st is not statement):
        return None  # nothing grants without a condition, so nothing can shadow
    requests = _requests(statement, partition)
    if not requests.pairs:
        return None
    granted = denied = 0
    holders: list[tuple[int, Statement, int]] = []
    for i, policy in enumerate(policies):
        allows, deny_bits = _answers(policy, statement, partition)
        denied |= deny_bits
        for st, bits in allows:
            granted |= bits
            holders.append((i, st, bits))
    sure = granted & ~denied
    for boundary in boundaries:
        sure &= _boundary_allows(boundary, statement, partition)
    shadowed = [(a, m) for a, m in zip(requests.actions, requests.masks) if m & sure == m]
    if not shadowed:
        return None
    covered_bits = 0
    for _, mask in shadowed:
        covered_bits |= mask
    by = tuple((i, st) for i, st, bits in holders if bits & covered_bits)
    return Shadow(index, statement, tuple(a for a, _ in shadowed), len(requests.actions), by)


def shadow_within(policy: Policy, statement: Statement, partition: str = "aws") -> Shadow | None:
    """`shadow_of` within one document, once per document (a managed policy has many owners)."""
    return _WITHIN.get((policy, statement), (partition,), lambda: shadow_of((policy,), 0, statement, (), partition))


_WITHIN = IdentityCache(16384)


def shadows(policies: Sequence[Policy], boundaries: Sequence[Policy] = (), *, across_only: bool = False,
            partition: str = "aws") -> list[Shadow]:
    """Every shadowed conditioned Allow; with `across_only`, only those another document helps
    cover (a document that shadows itself is reported per document). Documents that cannot
    decide any of a candidate's services outright are skipped."""
    found = []
    for index, policy in enumerate(policies):
        for statement in policy.statements:
            if not is_candidate(statement):
                continue
            wanted = _services(statement)
            relevant = [i for i, p in enumerate(policies) if i == index or _overlap(_document_services(p), wanted)]
            if across_only and len(relevant) < 2:
                continue
            chosen = tuple(policies[i] for i in relevant)
            local = relevant.index(index)
            # Principals reach the same candidate through many sets that differ only in
            # documents it is not about: answer it once per set of the ones it is about.
            shadow = _SHADOW_OF.get((statement,) + chosen + tuple(boundaries), (len(chosen), local, partition),
                                    lambda: shadow_of(chosen, local, statement, boundaries, partition))
            if shadow is None:
                continue
            by = tuple((relevant[j], st) for j, st in shadow.by)
            if across_only and all(i == index for i, _ in by):
                continue
            found.append(Shadow(index, statement, shadow.actions, shadow.total, by))
    return found


def shadows_across(policies: Sequence[Policy], boundaries: Sequence[Policy] = (),
                   partition: str = "aws") -> list[Shadow]:
    """`shadows(..., across_only=True)`, computed once per distinct set of the documents that
    matter: those holding a conditioned Allow and those that can decide one of their services
    (a per-application S3 inline policy does not make a new set unless a candidate is about S3).
    Results are the same as over all the documents, with indices into `policies`."""
    wanted: set[str] = set()
    for policy in policies:
        wanted |= _candidate_services(policy)
    if not wanted:
        return []
    wanted_set = frozenset(wanted)
    keep = tuple(i for i, p in enumerate(policies)
                 if _candidate_services(p) or _overlap(_document_services(p), wanted_set))
    kept = tuple(policies[i] for i in keep)
    local = _ACROSS.get(kept + tuple(boundaries), (len(kept), partition),
                        lambda: shadows(kept, boundaries, across_only=True, partition=partition))
    return [Shadow(keep[s.policy_index], s.statement, s.actions, s.total, tuple((keep[j], st) for j, st in s.by))
            for s in local]


_ACROSS = IdentityCache(16384)
_SHADOW_OF = IdentityCache(16384)


@per_object()
def _candidate_services(policy: Policy) -> frozenset[str]:
    """Services of the document's conditioned Allows (empty: it holds none)."""
    found: set[str] = set()
    for st in policy.statements:
        if is_candidate(st):
            found |= _services(st) or {""}  # a candidate without actions still counts as one
    return frozenset(found)


def _service_of(pattern: str) -> str:
    service = pattern.partition(":")[0].lower()
    return "*" if not service or "*" in service or "?" in service else service


@per_object()
def _services(statement: Statement) -> frozenset[str]:
    """Services the statement's action patterns can reach ("*" for any)."""
    if statement.not_action:
        return frozenset({"*"})
    return frozenset(_service_of(p) for p in statement.actions)


@per_object()
def _document_services(policy: Policy) -> frozenset[str]:
    """Services whose requests the document can decide outright: those of its unconditioned
    Allows and of its Denies ("*" for any). A document with none cannot shadow anything."""
    found: set[str] = set()
    for st in policy.statements:
        if st.effect is Effect.DENY or not st.conditions:
            found |= _services(st)
    return frozenset(found)


def _overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and ("*" in a or "*" in b or bool(a & b))
