"""Statements compiled once into matchers, so that many requests against one policy stay cheap.

Compiled forms are cached by the identity of the (immutable) Policy or Statement object: hashing a
whole frozen policy on every request would cost more than evaluating it. The cache keeps the
object alive beside its compiled form, so an id is never confused with a later object's.
"""
from __future__ import annotations

import enum
import functools
import re
from typing import Callable, Generic, Iterable, Mapping, TypeVar

from auditor.evaluate.conditions import CompiledClause, compile_clause
from auditor.evaluate.matching import (
    arn_segments, arn_source, compile_source, glob_source, has_wildcard, trailing_star_prefix,
)
from auditor.evaluate.variables import (
    Chunk, PartKind, Template, parse_template, resolvable, resolve, variable_value,
)
from auditor.model.policy import Effect, Policy, PrincipalEntry, Statement

Context = Mapping[str, tuple[str, ...]]
_CACHE_LIMIT = 65536
_ACTION_CACHE_LIMIT = 4096


class Tri(enum.Enum):
    """Three-valued match for analysis without a concrete request."""

    NO = 0
    CONDITIONAL = 1
    YES = 2


@functools.lru_cache(maxsize=16384)
def _alternation(sources: tuple[str, ...]) -> Callable[[str], object] | None:
    """One compiled regex for several pattern sources; shared by every statement that has them."""
    if not sources:
        return None
    return re.compile("|".join(f"(?:{s})" for s in sources), re.DOTALL).fullmatch


class _Patterns:
    """Split patterns by the cheapest test that decides them: everything, equality, prefix, regex."""

    __slots__ = ("everything", "exact", "prefixes", "wild")

    def __init__(self, texts: Iterable[str], source: Callable[[str], str]):
        exact: set[str] = set()
        prefixes: list[str] = []
        rest: list[str] = []
        self.everything = False
        for text in texts:
            if text == "*":
                self.everything = True
            elif not has_wildcard(text):
                exact.add(text)
            elif (prefix := trailing_star_prefix(text)) is not None:
                prefixes.append(prefix)
            else:
                rest.append(source(text))
        self.exact = frozenset(exact)
        self.prefixes = tuple(prefixes)
        self.wild = _alternation(tuple(rest))

    def __call__(self, text: str) -> bool:
        return (self.everything or text in self.exact or (bool(self.prefixes) and text.startswith(self.prefixes))
                or (self.wild is not None and self.wild(text) is not None))

    def tester(self) -> Callable[[str], bool]:
        """`self` as the cheapest callable: most statements have only literal ARNs, or only prefixes."""
        if self.everything:
            return _always
        if self.wild is None and not self.prefixes:
            return self.exact.__contains__
        if self.wild is None:
            exact, prefixes = self.exact, self.prefixes
            if not exact:
                return lambda text: text.startswith(prefixes)
            return lambda text: text in exact or text.startswith(prefixes)
        return self


def _always(text: str) -> bool:
    return True


# A statement test that never passes (an identity-policy statement without Resource), told apart
# by identity so that the evaluator skips the call.
NEVER: Callable[[str, Context], bool] = lambda resource, context: False


def _action_source(pattern: str) -> str:
    return glob_source(((pattern, True),))


def _arn_pattern_source(pattern: str) -> str:
    return arn_source(((pattern, True),))


class ActionMatcher(_Patterns):
    """Action patterns of one statement; call with a lower-cased action name."""

    __slots__ = ()

    def __init__(self, patterns: Iterable[str]):
        super().__init__((p.lower() for p in patterns), _action_source)


@functools.lru_cache(maxsize=16384)
def _resolved_arn(chunks: tuple[Chunk, ...]) -> Callable[[str], object]:
    return compile_source(arn_source(chunks)).fullmatch


def _unknowns_as_wildcards(template: Template, known: Context) -> tuple[Chunk, ...] | None:
    """The template with each variable `known` says nothing about standing for any text; None
    when a variable is known to have no value (and no default): then it matches nothing."""
    chunks: list[Chunk] = []
    for part in template.parts:
        if part.kind is not PartKind.VARIABLE:
            chunks.append((part.text, part.kind is PartKind.PATTERN))
        elif part.text not in known:
            chunks.append(("*", True))
        elif (value := variable_value(part, known)) is not None:
            chunks.append((value, False))
        else:
            return None
    return tuple(chunks)


def _literal_tail(template: Template) -> tuple[Callable[[str], object] | None, int]:
    """(head, i) when the template's variables are all in parts[i:] and those parts hold no
    wildcard: a resource then matches when it ends with their text and the rest matches `head`,
    compiled once. Else (None, 0): each set of values compiles its own regex (one per user name
    for `.../user/${aws:username}` patterns is what this avoids)."""
    parts = template.parts
    first = next(i for i, part in enumerate(parts) if part.kind is PartKind.VARIABLE)
    if any(part.kind is PartKind.PATTERN and has_wildcard(part.text) for part in parts[first:]):
        return None, 0
    static = template.static_chunks()  # variables' names stand in: they count no segment
    head = compile_source(arn_source(static[:first], arn_segments(static))).fullmatch
    return head, first


class ResourceMatcher:
    """Resource (or NotResource) patterns; variables are filled in from the request context.

    A variable that cannot be resolved (no value, no default) makes the statement invalid: it
    then applies to no request, so neither the patterns (`__call__`) nor their negation
    (`excludes`) hold, whatever the other patterns of the list say."""

    __slots__ = ("fixed", "escaped", "templates", "required", "_tails", "_tests")

    def __init__(self, patterns: Iterable[str], variables_enabled: bool):
        plain: list[str] = []
        templates: list[Template] = []
        for pattern in patterns:
            if variables_enabled and "${" in pattern:
                templates.append(parse_template(pattern, True))
            else:
                plain.append(pattern)
        self.templates = tuple(t for t in templates if t.has_variables)
        self.required = frozenset().union(*(t.required for t in self.templates))
        self._tails = tuple((t, *_literal_tail(t)) for t in self.templates)
        # Only escapes (${*}): a literal star, so such a template keeps its own regex.
        escaped = tuple(arn_source(t.static_chunks()) for t in templates if not t.has_variables)
        self.fixed = _Patterns(plain, _arn_pattern_source)
        self.escaped = _alternation(escaped)
        self._tests: dict[bool, Callable[[str, Context], bool] | None] = {}

    def _fixed(self, resource: str) -> bool:
        return self.fixed(resource) or (self.escaped is not None and self.escaped(resource) is not None)

    def __call__(self, resource: str, context: Context) -> bool:
        """Whether some pattern matches (the Resource element holds)."""
        if self.required and not resolvable(self.required, context):
            return False
        return self._matches(resource, context)

    def excludes(self, resource: str, context: Context) -> bool:
        """Whether no pattern matches and every variable resolves (the NotResource element holds)."""
        if self.required and not resolvable(self.required, context):
            return False
        return not self._matches(resource, context)

    def _matches(self, resource: str, context: Context) -> bool:
        """Whether some pattern matches, the context resolving every variable."""
        if self._fixed(resource):
            return True
        for template, head, tail_from in self._tails:
            chunks = resolve(template, context)
            if chunks is None:
                continue
            if head is None:
                if _resolved_arn(chunks)(resource) is not None:
                    return True
                continue
            tail = "".join([text for text, _ in chunks[tail_from:]])
            if resource.endswith(tail) and head(resource[: len(resource) - len(tail)]) is not None:
                return True
        return False

    def test(self, negated: bool) -> Callable[[str, Context], bool] | None:
        """`self` (or its negation, for NotResource) as one (resource, context) callable; None
        when it holds for every resource, NEVER when for none. Made once per matcher (matchers
        are shared by the statements with the same patterns)."""
        test = self._tests.get(negated, self._tests)
        if test is self._tests:
            test = self._tests[negated] = self._test(negated)
        return test

    def _test(self, negated: bool) -> Callable[[str, Context], bool] | None:
        if self.templates or self.escaped is not None:
            return self.excludes if negated else self
        fixed = self.fixed.tester()
        if fixed is _always:
            return NEVER if negated else None
        if negated:
            return lambda resource, context: not fixed(resource)
        return lambda resource, context: fixed(resource)

    def applies(self, resource: str, known: Context, negated: bool) -> Tri:
        """`tri` as a statement sees its Resource (negated: NotResource) element: NO when a
        variable is known to have no value (the statement is invalid), at most CONDITIONAL when
        one may have none (a key `known` says nothing about)."""
        resolved = self._resolvable_tri(known)
        if resolved is Tri.NO:
            return Tri.NO
        tri = self.tri(resource, known)
        if negated:
            tri = _OPPOSITE[tri]
        return tri if tri.value <= resolved.value else resolved

    def _resolvable_tri(self, known: Context) -> Tri:
        """YES when `known` gives every variable without a default its one value, NO when it
        gives one none (absent or several), else CONDITIONAL."""
        answer = Tri.YES
        for key in self.required:
            if key not in known:
                answer = Tri.CONDITIONAL
            elif len(known[key]) != 1:
                return Tri.NO
        return answer

    def tri(self, resource: str, known: Context) -> Tri:
        """YES if some pattern matches for sure, CONDITIONAL if one could (depends on a variable).
        Whether the variables resolve at all is `applies`'s concern."""
        if self._fixed(resource):
            return Tri.YES
        best = Tri.NO
        for template in self.templates:
            if template.keys <= known.keys():
                chunks = resolve(template, known)
                if chunks is not None and _resolved_arn(chunks)(resource) is not None:
                    return Tri.YES
            elif (chunks := _unknowns_as_wildcards(template, known)) is not None and \
                    _resolved_arn(chunks)(resource) is not None:
                best = Tri.CONDITIONAL
        return best


_OPPOSITE = {Tri.YES: Tri.NO, Tri.NO: Tri.YES, Tri.CONDITIONAL: Tri.CONDITIONAL}


class GrantKind(enum.IntEnum):
    """How a resource-policy statement names the principal; higher grants more on its own."""

    ACCOUNT = 1  # account id or :root — delegates to the account's identity policies
    ROLE = 2  # an IAM role ARN — the role's permissions boundary still applies
    DIRECT = 3  # user, role session, service, "*", federated/canonical user


def _aws_principal_parts(value: str) -> list[str] | None:
    parts = value.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


class PrincipalMatcher:
    __slots__ = ("everyone", "accounts", "direct", "roles", "role_names", "services")

    def __init__(self, entries: Iterable[PrincipalEntry]):
        self.everyone = False
        accounts: set[str] = set()
        direct: set[str] = set()
        roles: set[str] = set()
        role_names: set[tuple[str, str]] = set()
        services: set[str] = set()
        for entry in entries:
            value = entry.value
            if entry.kind == "*" or (entry.kind == "AWS" and value == "*"):
                self.everyone = True
            elif entry.kind == "Service":
                services.add(value.lower())
            elif entry.kind == "AWS" and value.isdigit():
                accounts.add(value)
            elif entry.kind == "AWS" and (parts := _aws_principal_parts(value)) and parts[2] == "iam":
                if parts[5] == "root":
                    accounts.add(parts[4])
                elif parts[5].startswith("role/"):
                    roles.add(value)
                    role_names.add((parts[4], parts[5].rsplit("/", 1)[-1]))
                else:
                    direct.add(value)
            else:
                direct.add(value)
        self.accounts = frozenset(accounts)
        self.direct = frozenset(direct)
        self.roles = frozenset(roles)
        self.role_names = frozenset(role_names)
        self.services = frozenset(services)

    def match(self, principal: str, account: str | None) -> GrantKind | None:
        if self.everyone or principal in self.direct or (self.services and principal.lower() in self.services):
            return GrantKind.DIRECT
        if principal in self.roles:
            return GrantKind.ROLE
        if self.role_names and principal.startswith("arn:"):
            parts = principal.split(":", 5)
            if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
                role = parts[5].split("/")
                if len(role) >= 2 and (parts[4], role[1]) in self.role_names:
                    return GrantKind.ROLE
        if account is not None and account in self.accounts:
            return GrantKind.ACCOUNT
        return None


def _statement_test(resource_test: Callable[[str, Context], bool] | None,
                    conditions: tuple[CompiledClause, ...]) -> Callable[[str, Context], bool] | None:
    """Resource test and conditions as one callable (None: always true, NEVER: never)."""
    if resource_test is NEVER or not conditions:
        return resource_test
    tests = tuple(c.test for c in conditions)
    if len(tests) == 1:  # the usual case, without a generator per call
        only = tests[0]
        if resource_test is None:
            return lambda resource, context: only(context)
        return lambda resource, context: resource_test(resource, context) and only(context)
    if resource_test is None:
        return lambda resource, context: all(t(context) for t in tests)
    return lambda resource, context: resource_test(resource, context) and all(t(context) for t in tests)


# Matchers are immutable and shared by every statement with the same patterns: policies written
# per project or per user repeat the same Action lists and often the same Resource lists, and a
# batch of cases brings a new such policy in every few cases.
_action_matcher = functools.lru_cache(maxsize=16384)(ActionMatcher)
_resource_matcher = functools.lru_cache(maxsize=16384)(ResourceMatcher)
_principal_matcher = functools.lru_cache(maxsize=4096)(PrincipalMatcher)


class CompiledStatement:
    __slots__ = (
        "statement", "deny", "actions", "not_action", "resources", "not_resource",
        "principals", "not_principal", "conditions", "identity_test", "reads_context",
    )

    def __init__(self, statement: Statement, variables_enabled: bool):
        self.statement = statement
        self.deny = statement.effect is Effect.DENY
        self.actions = _action_matcher(statement.actions)
        self.not_action = statement.not_action
        self.resources = (
            None if statement.resources is None else _resource_matcher(statement.resources, variables_enabled)
        )
        self.not_resource = statement.not_resource
        self.principals = None if statement.principals is None else _principal_matcher(statement.principals)
        self.not_principal = statement.not_principal
        self.conditions: tuple[CompiledClause, ...] = tuple(
            compile_clause(c, variables_enabled) for c in statement.conditions
        )
        # resource_ok(resource, context, False) and conditions_ok(context), as one callable for
        # the evaluator's hot loop; a statement without Resource grants an identity nothing.
        self.identity_test = _statement_test(
            NEVER if self.resources is None else self.resources.test(self.not_resource), self.conditions)
        # Whether deciding the statement looks at the request context (a condition, a Resource
        # with a policy variable): the batch runner builds a case's context only when one does.
        self.reads_context = bool(self.conditions) or (self.resources is not None and bool(self.resources.templates))

    def action_ok(self, action_lower: str) -> bool:
        return self.actions(action_lower) is not self.not_action

    def resource_ok(self, resource: str, context: Context, absent_matches: bool) -> bool:
        """`absent_matches`: what a statement without Resource means (nothing for identity policies,
        the policy's own resource for resource policies)."""
        if self.resources is None:
            return absent_matches
        if self.not_resource:  # not `not resources(...)`: an unresolvable variable fails both
            return self.resources.excludes(resource, context)
        return self.resources(resource, context)

    def conditions_ok(self, context: Context) -> bool:
        for clause in self.conditions:
            if not clause.test(context):
                return False
        return True

    def principal_grant(self, principal: str, account: str | None, has_boundary: bool) -> GrantKind | None:
        if self.principals is None:
            return None  # a resource-policy statement must name its principals
        kind = self.principals.match(principal, account)
        if not self.not_principal:
            return kind
        # AWS: a Deny with NotPrincipal always applies to principals that have a boundary.
        if kind is None or (self.deny and has_boundary):
            return GrantKind.DIRECT
        return None


class CompiledPolicy:
    """A policy's statements compiled as they are needed: a statement is compiled the first time
    an action it covers is asked about (a batch of cases brings many policies that are asked
    about one action only; most of their statements are never needed)."""

    __slots__ = ("policy", "_variables", "_statements", "by_action")

    def __init__(self, policy: Policy):
        self.policy = policy
        self._variables = policy.supports_variables
        self._statements: tuple[CompiledStatement, ...] | None = None
        # candidates() per lower-case action; the evaluator reads it directly, calling
        # candidates() only for an action not seen yet.
        self.by_action: dict[str, tuple[CompiledStatement, ...]] = {}

    @property
    def statements(self) -> tuple[CompiledStatement, ...]:
        """Every statement, compiled."""
        if self._statements is None:
            self._statements = tuple(compiled_statement(s, self._variables) for s in self.policy.statements)
        return self._statements

    def candidates(self, action_lower: str) -> tuple[CompiledStatement, ...]:
        """The statements whose Action/NotAction covers the action (cached per action)."""
        hit = self.by_action.get(action_lower)
        if hit is None:
            if len(self.by_action) >= _ACTION_CACHE_LIMIT:
                self.by_action.clear()
            variables = self._variables
            hit = tuple(compiled_statement(s, variables) for s in self.policy.statements
                        if _action_matcher(s.actions)(action_lower) is not s.not_action)  # action_ok
            self.by_action[action_lower] = hit
        return hit


V = TypeVar("V")


class _IdentityCache(Generic[V]):
    """Compiled forms keyed by object identity, holding the object so its id stays unique."""

    def __init__(self, build: Callable[..., V]):
        self._build = build
        self._items: dict[tuple[int, bool], tuple[object, V]] = {}

    def get(self, obj: object, flag: bool) -> V:
        item = self._items.get((id(obj), flag))
        if item is not None and item[0] is obj:
            return item[1]
        if len(self._items) >= _CACHE_LIMIT:
            self._items.clear()
        value = self._build(obj, flag)
        self._items[(id(obj), flag)] = (obj, value)
        return value


_policies: _IdentityCache[CompiledPolicy] = _IdentityCache(lambda policy, _: CompiledPolicy(policy))
_statements: _IdentityCache[CompiledStatement] = _IdentityCache(CompiledStatement)


def compiled_policy(policy: Policy) -> CompiledPolicy:
    return _policies.get(policy, False)


def compiled_statement(statement: Statement, variables_enabled: bool) -> CompiledStatement:
    return _statements.get(statement, variables_enabled)
