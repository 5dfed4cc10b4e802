"""Runs registered checks and turns their hits into Findings. Pure: no I/O, no printing."""
from __future__ import annotations

import functools
import hashlib
import pickle
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from auditor.forked import Claims, fork_available, open_outbox, run_soon
from auditor.model.finding import Finding, PolicyType, Severity, fingerprint
from auditor.model.inventory import Inventory, PolicyRef
from auditor.model.policy import Policy, PolicyKind
from auditor.analysis.describe import policy_ref
from auditor.analysis.memo import IdentityCache, clear_caches, per_object
from auditor.analysis.subjects import managed_policy_subject, principal_subject, with_policy
from auditor.parse.render import EVIDENCE_KEY, statement_json
from auditor.registry import Check, CheckOptions, Hit, PolicyContext, Scope, Subject, load_checks


@dataclass(frozen=True)
class Selection:
    """Which checks run and with which severity."""

    only: frozenset[str] | None = None
    skip: frozenset[str] = frozenset()
    severity_overrides: Mapping[str, Severity] = field(default_factory=dict)

    def selects(self, check_id: str) -> bool:
        return (self.only is None or check_id in self.only) and check_id not in self.skip

    def checks(self, scope: Scope) -> list[Check]:
        registry = load_checks()
        return [c for cid, c in registry.items() if c.meta.scope is scope and self.selects(cid)]


def to_finding(check: Check, hit: Hit, subject: Subject, selection: Selection) -> Finding:
    meta = check.meta
    s = hit.subject or subject
    severity = hit.severity if hit.severity is not None else meta.severity
    if meta.id in selection.severity_overrides:
        severity = selection.severity_overrides[meta.id]
    statement = hit.statement
    statement_ref = ""
    if statement is not None:
        statement_ref = statement.sid or _content_ref(statement)
    fp = fingerprint(
        meta.id,
        account_id=s.account_id,
        resource_arn=s.resource_arn,
        principal_arn=s.principal_arn,
        policy_ref=s.policy_ref or s.policy_arn or s.policy_name or s.file,
        statement=statement_ref,
        evidence=hit.key or sorted(hit.actions),
    )
    line, column = hit.line, hit.column
    if line is None and statement is not None and statement.position is not None:
        line, column = statement.position.line, statement.position.column
    return Finding(
        fingerprint=fp,
        check_id=meta.id,
        check_name=meta.name,
        severity=severity,
        title=meta.title,
        message=hit.message,
        account_id=s.account_id,
        region=s.region,
        resource_type=s.resource_type,
        resource_arn=s.resource_arn,
        principal_type=s.principal_type,
        principal_name=s.principal_name,
        principal_arn=s.principal_arn,
        policy_name=s.policy_name,
        policy_arn=s.policy_arn,
        policy_type=s.policy_type,
        statement_index=statement.index if statement is not None else None,
        statement_sid=(statement.sid or "") if statement is not None else "",
        actions=hit.actions,
        resources=hit.resources,
        condition_keys=hit.condition_keys,
        remediation=meta.remediation,
        doc_url=meta.doc_url,
        file=s.file,
        line=line,
        column=column,
        evidence=_with_statement(hit.evidence, statement),
    )


def _with_statement(evidence: tuple[tuple[str, str], ...], statement) -> tuple[tuple[str, str], ...]:
    # Reports show (and highlight) the statement a finding is about; the text is not in the fingerprint.
    if statement is None or any(k == EVIDENCE_KEY for k, _ in evidence):
        return evidence
    return evidence + ((EVIDENCE_KEY, _statement_text(statement)),)


@per_object()
def _content_ref(statement) -> str:
    # A statement without a Sid is named in the fingerprint by what it says, not by where it
    # stands: a statement inserted before it must not make its findings look new (design.md: no
    # position in a fingerprint). Two identical statements of one document are one finding's.
    return "=" + hashlib.sha256(_statement_text(statement).encode("utf-8")).hexdigest()[:16]


@per_object()
def _statement_text(statement) -> str:
    # By identity: hashing a Statement (its conditions and principals) for each finding costs more
    # than the text, and many findings point at the same statement.
    return statement_json(statement)


def run_policy_checks(ctx: PolicyContext, selection: Selection, *, in_scan: bool = False,
                      checks: Sequence[Check] | None = None, reuse: dict | None = None) -> list[Finding]:
    """Run the policy-scope checks on one document.

    `reuse` (a dict kept for one scan) lets the checks run once per distinct document: a managed
    policy, or an inline policy stamped on thousands of principals by infrastructure as code, is
    judged once and its hits are given to every holder (see `_reused_hits`)."""
    policy_type = ctx.subject.policy_type
    chosen = None if reuse is None else reuse.get(policy_type)
    if chosen is None:
        chosen = _applicable(selection.checks(Scope.POLICY) if checks is None else checks, policy_type, in_scan)
        if reuse is not None:
            reuse[policy_type] = chosen  # the same for every document of this type in one scan
    if reuse is None:
        pairs: Iterable[tuple[Check, Hit]] = ((c, h) for c in chosen for h in c.func(ctx))
    else:
        pairs = _reused_hits(chosen, ctx, reuse)
    return [to_finding(check, hit, ctx.subject, selection) for check, hit in pairs]


def _applicable(checks: Sequence[Check], policy_type: PolicyType, in_scan: bool) -> list[Check]:
    out = []
    for check in checks:
        if in_scan and check.scan_func is not None:
            continue  # its account-wide form runs once in run_inventory_checks
        authoring = check.meta.id.startswith(AUTHORING_PREFIX)
        if policy_type is PolicyType.AWS_MANAGED and authoring:
            continue  # the account cannot edit AWS's documents; their grants are still judged
        if policy_type is PolicyType.BOUNDARY and not authoring:
            continue  # a boundary only limits: its Allows grant nothing by themselves
        out.append(check)
    return out


def _reused_hits(chosen: Sequence[Check], ctx: PolicyContext, reuse: dict) -> Iterator[tuple[Check, Hit]]:
    """The checks' hits on this document, computed once per distinct document (and, for a check
    with a `subject_key`, per value of it). Authoring checks never look at the holder; the others
    name it in their messages, which are renamed from the first holder to this one. When a message
    cannot be renamed safely (the old holder shows anywhere but the leading `policy "X" of role
    R`), the check runs again for this holder. Checks without hits cost nothing per holder."""
    # Only a resource policy's meaning depends on the resource it is attached to.
    owner = ctx.owner_arn if ctx.kind is PolicyKind.RESOURCE else ""
    document = (id(ctx.policy), ctx.kind, ctx.region, owner, ctx.subject.policy_type)
    entry = reuse.get(document)
    if entry is None:
        found = [(c, hits) for c in chosen if c.meta.subject_key is None and (hits := tuple(c.func(ctx)))]
        reuse[document] = (ctx.subject, found)
        for check, hits in found:
            for hit in hits:
                yield check, hit
    else:
        first, found = entry
        for check, hits in found:
            if first != ctx.subject and not check.meta.id.startswith(AUTHORING_PREFIX):
                hits = _renamed(hits, first, ctx.subject) or tuple(check.func(ctx))
            for hit in hits:
                yield check, hit
    for check in chosen:
        if check.meta.subject_key is None:
            continue
        key = (check.meta.id, *document, check.meta.subject_key(ctx.subject))
        hits = reuse.get(key)
        if hits is None:
            hits = reuse[key] = (ctx.subject, tuple(check.func(ctx)))
        first, hits = hits
        if hits and first != ctx.subject:
            hits = _renamed(hits, first, ctx.subject) or tuple(check.func(ctx))
        for hit in hits:
            yield check, hit


def _renamed(hits: tuple[Hit, ...], old: Subject, new: Subject) -> tuple[Hit, ...] | None:
    old_ref, new_ref = policy_ref(old), policy_ref(new)
    # Names the new holder shares with the old one may appear anywhere; the others must not.
    telltales = [t for t in {old.principal_name, old.policy_name, old.principal_arn, old.file}
                 if t and t not in (new.principal_name, new.policy_name, new.principal_arn, new.file)]
    out = []
    for hit in hits:
        if hit.subject is not None or not hit.message.startswith(old_ref):
            return None
        rest = hit.message[len(old_ref):]
        for t in telltales:
            if t in rest or any(t in v for _, v in hit.evidence):
                return None
        out.append(replace(hit, message=new_ref + rest))
    return tuple(out)


# Checks whose id starts with this judge how a document is written, not what it grants.
AUTHORING_PREFIX = "POL"

_KIND_BY_TYPE = {
    PolicyType.RESOURCE: PolicyKind.RESOURCE,
    PolicyType.TRUST: PolicyKind.TRUST,
}


# The per-document pass and the account-wide checks that walk every document (IAM007, IAM008)
# share one tuple of contexts per inventory until clear_caches(): 7,200 contexts at 5,000 principals.
_CONTEXTS = IdentityCache(4)


def policy_contexts(inventory: Inventory, options: CheckOptions) -> tuple[PolicyContext, ...]:
    """Every policy document of the account once: a managed policy is checked once however many
    principals attach it; inline, trust and SES identity policies once per owner."""
    return _CONTEXTS.get((inventory, options), (), lambda: tuple(_policy_contexts(inventory, options)))


def _policy_contexts(inventory: Inventory, options: CheckOptions) -> Iterator[PolicyContext]:
    acct, part = inventory.account_id, inventory.partition

    def ctx(ref: PolicyRef, subject: Subject, region: str = "") -> PolicyContext:
        kind = _KIND_BY_TYPE.get(ref.policy_type, PolicyKind.IDENTITY)
        return PolicyContext(ref.policy, kind, acct, part, options, subject, region, ref.owner_arn)

    boundaries = {p.boundary_arn for p in inventory.principals if p.boundary_arn}
    attached = {arn for p in inventory.principals for arn in p.managed_policy_arns}
    attached.update(arn for g in inventory.groups for arn in g.managed_policy_arns)
    for managed in inventory.managed_policies:
        if managed.aws_managed and managed.arn not in attached and managed.arn not in boundaries:
            continue  # AWS's own unused policies are not the account's risk
        # A policy used only as a permissions boundary is judged as one (it grants nothing itself).
        only_boundary = managed.arn in boundaries and managed.arn not in attached
        yield ctx(managed.ref, managed_policy_subject(inventory, managed, PolicyType.BOUNDARY if only_boundary else None))
    for principal in inventory.principals:
        base = principal_subject(inventory, principal)
        for ref in principal.inline_policies:
            yield ctx(ref, with_policy(base, ref))
        if principal.trust_policy is not None:
            yield ctx(principal.trust_policy, with_policy(base, principal.trust_policy))
    for group in inventory.groups:
        base = principal_subject(inventory, group)
        for ref in group.inline_policies:
            yield ctx(ref, with_policy(base, ref))
    for identity in inventory.ses_identities:
        for ref in identity.policies:
            subject = Subject(account_id=identity.account_id, region=identity.region,
                              resource_type="AWS::SES::EmailIdentity", resource_arn=identity.arn,
                              policy_name=ref.name, policy_type=PolicyType.RESOURCE, policy_ref=ref.ref)
            yield ctx(ref, subject, identity.region)


@dataclass(frozen=True)
class ScanContext:
    """What an inventory-scope check sees."""

    inventory: Inventory
    options: CheckOptions

    @functools.cached_property
    def access(self):
        """Effective access of every principal (auditor.access.AccountAccess), computed on first
        use and shared by IAM009 and the reports."""
        from auditor.access import compute_access

        return compute_access(self.inventory, self.options.intended_archetypes)


def run_inventory_checks(inventory: Inventory, options: CheckOptions, selection: Selection,
                         scan_ctx: ScanContext | None = None, *, fork: bool = False,
                         aside: Callable[[ScanContext], object] | None = None) -> list[Finding]:
    """The findings of every selected check, deduplicated and in report order (Finding.sort_key).

    `scan_ctx`: pass one to read its `access` afterwards without computing it twice.

    `fork`: a forked child (auditor.forked) starts on the checks that do not read the access while
    this process computes the access and runs the checks that read it, then joins the child. The
    findings are the same. `aside(scan_ctx)`: work only this process can usefully do (what a later
    fork of it should inherit), done after the access, before it takes its share of the rest; a
    worker takes a piece more. It may read `scan_ctx.access`."""
    scan_ctx = scan_ctx or ScanContext(inventory, options)
    account_subject = Subject(account_id=inventory.account_id)
    inventory_funcs = [(c, c.func) for c in selection.checks(Scope.INVENTORY)]
    inventory_funcs += [(c, c.scan_func) for c in selection.checks(Scope.POLICY) if c.scan_func is not None]

    def run(funcs: list) -> list[Finding]:
        return [to_finding(check, hit, account_subject, selection) for check, func in funcs for hit in func(scan_ctx)]

    outbox = open_outbox() if fork and fork_available() else None
    if outbox is None:
        # One process: the account-wide checks in catalog order, the access among them (computed
        # after the per-document caches are gone: the smallest peak).
        return dedupe_sorted(_document_findings(inventory, options, selection) + run(inventory_funcs))

    # Everything that does not read the access is handed out in pieces, to whichever process is
    # free first: the account-wide checks costliest first, then the per-document checks in groups
    # of documents. The worker starts on them at once, this process joins after the access. Many
    # small pieces instead of one block per side keep either process from idling while the other
    # finishes a long one.
    shared = [(c, f) for c, f in inventory_funcs if not c.meta.reads_access]
    policy_checks = selection.checks(Scope.POLICY)
    reuse: dict = {}  # each process fills its own copy

    # The documents' contexts and their pieces are made after the fork, by each process the first
    # time it takes a piece: this process starts on the access at once, and often takes no piece.
    # Both make the same pieces: the same documents (made before the fork, so at the same ids) in
    # the same order. The number of piece tasks is fixed beforehand: fewer groups are padded with
    # empty ones.
    @functools.cache
    def pieces() -> list[list[int]]:
        groups = _document_pieces(policy_contexts(inventory, options), DOCUMENT_PIECES)
        return groups + [[] for _ in range(DOCUMENT_PIECES - len(groups))]

    def task(i: int) -> list:
        if i < len(shared):
            return run([shared[i]])
        contexts = policy_contexts(inventory, options)
        return [(p, run_policy_checks(contexts[p], selection, in_scan=True, checks=policy_checks, reuse=reuse))
                for p in pieces()[i - len(shared)]]

    def send_claimed(claims: Claims) -> None:
        # The worker sends each task's findings as soon as it has them: the main process unpickles
        # them between its own tasks, not all (7 MB at 5,000 principals) after the worker's last.
        while (i := claims.take()) is not None:
            outbox.send(i, pickle.dumps(task(i), pickle.HIGHEST_PROTOCOL))

    order = sorted(range(len(shared)), key=lambda i: -shared[i][0].meta.cost)
    order += range(len(shared), len(shared) + DOCUMENT_PIECES)
    done: dict[int, list] = {}

    def receive(parts: list[tuple[int, bytes]]) -> None:
        done.update((i, pickle.loads(packed)) for i, packed in parts)

    with Claims(order) as claims, outbox, run_soon(functools.partial(send_claimed, claims), fork=True) as pending:
        outbox.receive_only()
        on_access = run([(c, f) for c, f in inventory_funcs if c.meta.reads_access])
        if aside is not None:
            aside(scan_ctx)
        receive(outbox.ready())
        while (i := claims.take()) is not None:
            done[i] = task(i)
            receive(outbox.ready())
        receive(outbox.rest())
        pending.result()  # the worker's error, if it failed
    # Put back in the order one process gives them (documents in context order, then the
    # account-wide checks in catalog order): after dedupe_sorted, the same list.
    by_context = sorted((pair for i in range(len(shared), len(order)) for pair in done[i]), key=itemgetter(0))
    documents = [f for _, found in by_context for f in found]
    return dedupe_sorted(documents + [f for i in range(len(shared)) for f in done[i]] + on_access)


# Tasks of per-document checks handed out between the two processes of a forked scan, each a group
# of documents (an account with fewer documents than this has fewer groups: its other tasks are empty).
DOCUMENT_PIECES = 24
# Measured on the benchmark's accounts: a document's first holder costs about 30 times what each
# later one does (its hits are renamed, not computed).
FIRST_HOLDER_WEIGHT = 30


def _document_pieces(contexts: Sequence[PolicyContext], pieces: int) -> list[list[int]]:
    """Positions in `contexts`, in about `pieces` groups of similar cost. Every holder of a document
    is in the group of its first holder, in context order: its checks run once, for the same first
    holder as in one process, and the others get its hits renamed (see `_reused_hits`)."""
    holders: dict[int, list[int]] = {}
    for position, ctx in enumerate(contexts):
        holders.setdefault(id(ctx.policy), []).append(position)
    # A document weighs FIRST_HOLDER_WEIGHT for its first holder and 1 for each other one.
    target = (len(holders) * (FIRST_HOLDER_WEIGHT - 1) + len(contexts)) / max(pieces, 1)
    groups: list[list[int]] = []
    current: list[int] = []
    load = 0
    for found in holders.values():
        current.extend(found)
        load += FIRST_HOLDER_WEIGHT - 1 + len(found)
        if load >= target * (len(groups) + 1):  # cut where the running total passes each share
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _document_findings(inventory: Inventory, options: CheckOptions, selection: Selection) -> list[Finding]:
    findings: list[Finding] = []
    policy_checks = selection.checks(Scope.POLICY)
    reuse: dict = {}  # keyed by id() of Policies the inventory keeps alive for the whole loop
    for pctx in policy_contexts(inventory, options):
        findings.extend(run_policy_checks(pctx, selection, in_scan=True, checks=policy_checks, reuse=reuse))
    clear_caches()  # per-statement answers of the document checks: the account-wide ones need others
    return findings


def dedupe_sorted(findings: Iterable[Finding]) -> list[Finding]:
    unique: dict[str, Finding] = {}
    for f in findings:
        unique.setdefault(f.fingerprint, f)
    return sorted(unique.values(), key=Finding.sort_key)


def lint_policy(policy: Policy, kind: PolicyKind, *, file: str, account_id: str, partition: str,
                options: CheckOptions, selection: Selection) -> list[Finding]:
    subject = Subject(account_id=account_id, policy_name=file, policy_type=_lint_policy_type(kind), file=file,
                      policy_ref=file)
    ctx = PolicyContext(policy, kind, account_id, partition, options, subject)
    return dedupe_sorted(run_policy_checks(ctx, selection))


def _lint_policy_type(kind: PolicyKind) -> PolicyType:
    return {PolicyKind.IDENTITY: PolicyType.MANAGED, PolicyKind.RESOURCE: PolicyType.RESOURCE,
            PolicyKind.TRUST: PolicyType.TRUST}[kind]


def build_selection(select: Iterable[str] = (), skip: Iterable[str] = (),
                    severity: Iterable[tuple[str, Severity]] = ()) -> Selection:
    """Selection from ids or names; raises ValueError naming an unknown check."""
    from auditor.registry import resolve

    select = list(select)
    only = frozenset(resolve(select)) if select else None
    overrides: dict[str, Severity] = {}
    for selector, level in severity:
        for cid in resolve([selector]):
            overrides[cid] = level
    return Selection(only, frozenset(resolve(skip)), overrides)
