"""`auditor simulate`: decide one request against policy files, or a JSONL stream of cases."""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from typing import Iterable, TextIO

from auditor.errors import InputError, UsageError, read_bytes
from auditor.evaluate.batch import BatchRunner, unusable_reason
from auditor.evaluate.engine import Evaluation, evaluate
from auditor.evaluate.request import Request
from auditor.heap import cycle_collection_paused
from auditor.model.policy import Policy
from auditor.parse.policy import parse_policy

FLUSH_EVERY = 256  # lines: a consumer reading the pipe sees results while the run goes on
READ_BUFFER = 1 << 16  # bytes: a case line is about a kilobyte; fewer reads than the default 8 KiB
_SINGLE_OPTIONS = ("policy", "resource_policy", "boundary", "action", "resource", "principal", "context")


def register(sub, name: str) -> None:
    p = sub.add_parser(
        name,
        help="decide a request against policies (AWS evaluation logic)",
        description="Decide whether a request is Allowed, ImplicitlyDenied or ExplicitlyDenied by the given "
        "identity policies, resource policy and permissions boundary. Prints one JSON line.",
    )
    p.add_argument("--policy", action="append", default=[], metavar="FILE", help="identity policy (repeatable)")
    p.add_argument("--resource-policy", metavar="FILE", help="resource-based policy of the resource")
    p.add_argument("--boundary", action="append", default=[], metavar="FILE", help="permissions boundary")
    p.add_argument("--action", metavar="SERVICE:ACTION")
    p.add_argument("--resource", metavar="ARN")
    p.add_argument("--principal", metavar="ARN", default="",
                   help="who asks: a user, role or assumed-role session ARN, or a service such as "
                   "pinpoint.amazonaws.com (default: an unnamed principal of the resource's account)")
    p.add_argument("--resource-account", metavar="ID", help="resource owner when the ARN has no account")
    p.add_argument("--context", action="append", default=[], metavar="KEY=VALUE",
                   help="request context; repeat a key to give it several values")
    p.add_argument("--explain", action="store_true", help="also list every statement that matched")
    p.add_argument("--batch", metavar="CASES.jsonl", help="JSONL cases from a file or - (stdin); one decision per line")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.batch is not None:
        given = [f"--{o.replace('_', '-')}" for o in _SINGLE_OPTIONS if getattr(args, o)]
        if given:
            raise UsageError(f"--batch takes everything from its cases; remove {', '.join(given)}")
        return _run_batch(args.batch)
    if not args.action or not args.resource:
        raise UsageError("simulate needs --action and --resource (or --batch FILE)")
    if ":" not in args.action:
        raise UsageError(f"--action {args.action!r} is not SERVICE:ACTION")
    if not args.policy and not args.resource_policy:
        raise UsageError("simulate needs at least one --policy or --resource-policy")
    identities = [_load(path) for path in args.policy]
    resource_policy = _load(args.resource_policy) if args.resource_policy else None
    boundaries = [_load(path) for path in args.boundary]
    request = Request.make(args.principal, args.action, args.resource, _context(args.context), args.resource_account)
    labels = [*args.policy, *([args.resource_policy] if args.resource_policy else []), *args.boundary]
    evaluation = evaluate(request, identities, resource_policy, boundaries, labels=labels)
    print(json.dumps(_output(evaluation, args.explain)))
    return 0


def _load(path: str) -> Policy:
    data = read_bytes(path, "policy file")
    policy = parse_policy(data, with_positions=True)
    reason = unusable_reason(policy)
    if reason is not None:
        raise InputError(f"policy file {path} does not parse: {reason}")
    return policy


def _context(pairs: list[str]) -> dict[str, list[str]]:
    context: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--context {pair!r} is not KEY=VALUE")
        context.setdefault(key, []).append(value)
    return context


def _output(evaluation: Evaluation, explain: bool) -> dict:
    out: dict = {"decision": evaluation.decision.value, "detail": evaluation.detail}
    if explain:
        out["matched"] = [
            {"policy": m.policy_label, "statement": m.statement.index, "sid": m.statement.sid,
             "effect": m.statement.effect.value}
            for m in evaluation.matched
        ]
    return out


def _run_batch(source: str) -> int:
    runner = BatchRunner()
    if source == "-":
        stream = getattr(sys.stdin, "buffer", sys.stdin)
        return _stream(runner, stream)
    try:
        with open(source, "rb", buffering=READ_BUFFER) as stream:
            return _stream(runner, stream)
    except OSError as exc:
        raise InputError(f"cannot read cases file {source}: {exc.strerror or exc}") from None


def _stream(runner: BatchRunner, lines) -> int:
    write_decisions(runner, lines, sys.stdout)
    return 0


def write_decisions(runner: BatchRunner, lines: Iterable[bytes | str], out: TextIO) -> None:
    """One output line per case line, in order (what `--batch` runs; the benchmark times it)."""
    # Lines are decided FLUSH_EVERY at a time and their results written in one call, except to a
    # line-buffered stream (a terminal), where each answer shows as soon as it is known.
    every = 1 if getattr(out, "line_buffering", False) else FLUSH_EVERY
    # A case leaves no reference cycle behind (tests/test_simulate_gc.py makes sure), and what
    # outlives a case is the runner's caches of compiled policies, which are never garbage (a
    # policy is dropped only when its cache is cleared, and holds no cycle). So the automatic
    # collector, which would walk the young objects of every few cases for nothing, is paused
    # while the batch runs (auditor.heap; even a periodic collection of the young generation
    # costs more than it could find), and what exists is frozen after: the command exits right
    # after, and the collection at exit would walk every cached policy once more.
    with cycle_collection_paused():
        lines = iter(lines)
        number = 1
        while chunk := list(itertools.islice(lines, every)):
            results = runner.run_lines(chunk, number)
            number += len(chunk)
            if results:
                _write(out, results)
        out.flush()


def _write(out: TextIO, lines: list[str]) -> None:
    lines.append("")
    out.write("\n".join(lines))
    out.flush()
    lines.clear()
