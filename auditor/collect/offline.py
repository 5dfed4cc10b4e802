"""Offline input: snapshots written by `auditor collect`, and `aws iam get-account-authorization-details`
output (whole, or one `--filter` per file), several files merged into one account.

A file that cannot serve at all (unreadable, not UTF-8, not JSON, nested absurdly deep, the wrong
shape or wrong types at the top) is an InputError naming the file and the problem. Problems inside
one item are left to the inventory builder, which reports them and keeps the rest.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from auditor.collect.coverage import CoverageLog
from auditor.collect.snapshot import GAAD_LISTS, SCHEMA_VERSION, Snapshot
from auditor.errors import InputError, json_value_problem, read_bytes
from auditor.iam.arns import split_arn
from auditor.model.inventory import CoverageStatus

IAM_ONLY_NOTE = ("The input holds IAM data only: SES identity policies, Pinpoint projects and the credential "
                 "report (password, MFA and access key checks) were not part of it.")


def load_inputs(paths: Sequence[str | Path]) -> Snapshot:
    """Read and merge the files of `scan --input`."""
    if not paths:
        raise InputError("no input file given")
    return merge([read_input(p) for p in paths])


def read_input(path: str | Path) -> Snapshot:
    label = str(path)
    document = _read_json(Path(path), label)
    if not isinstance(document, dict):
        raise InputError(f"{label}: expected a JSON object (a snapshot or get-account-authorization-details "
                         f"output), found {_kind(document)}")
    if "schema_version" in document:
        return _snapshot(document, label)
    if any(name in document for name in GAAD_LISTS):
        return _gaad(document, label)
    raise InputError(f"{label}: not a snapshot or get-account-authorization-details output "
                     f"(it has none of schema_version, {', '.join(GAAD_LISTS)})")


def _read_json(path: Path, label: str) -> Any:
    data = read_bytes(path, label=label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    if not text.strip():
        raise InputError(f"{label}: the file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise InputError(f"{label}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{hint}") from None
    except RecursionError:
        raise InputError(f"{label}: JSON nested too deeply to be a snapshot or authorization details") from None
    except ValueError as exc:  # an integer literal beyond Python's digit limit: no IAM document has one
        raise InputError(f"{label}: not usable JSON: {json_value_problem(exc)}") from None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _field(document: dict, key: str, expected: type, label: str, default: Any) -> Any:
    value = document.get(key, default)
    if value is None:
        return default
    if not isinstance(value, expected) or isinstance(value, bool) and expected is not bool:
        want = {list: "a list", dict: "an object", str: "a string", int: "a whole number"}[expected]
        raise InputError(f"{label}: {key} must be {want}, not {_kind(value)}")
    return value


def _nulls(document: dict, keys: Iterable[str], label: str) -> tuple[tuple[str, str], ...]:
    """A load error for each of `keys` that is present but null: read as empty, but said, since
    a null where a list belongs is a broken input, not an account without such items."""
    return tuple((f"{label} {key}", f"{key} is null, not a list or object: read as empty")
                 for key in keys if key in document and document[key] is None)


_SNAPSHOT_PARTS = ("regions", "coverage", "credential_report", "ses", "pinpoint")


def _iam_lists(document: dict, label: str) -> dict[str, list]:
    return {name: _field(document, name, list, label, []) for name in GAAD_LISTS if name in document}


def _regional(document: dict, key: str, label: str) -> dict[str, list]:
    by_region = _field(document, key, dict, label, {})
    for region, items in by_region.items():
        if not isinstance(items, list):
            raise InputError(f"{label}: {key}.{region} must be a list, not {_kind(items)}")
    return by_region


def _snapshot(document: dict, label: str) -> Snapshot:
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise InputError(f"{label}: schema_version must be a whole number, not {_kind(version)}")
    if version > SCHEMA_VERSION or version < 1:
        raise InputError(f"{label}: snapshot schema version {version} is not supported (this auditor reads "
                         f"version {SCHEMA_VERSION}); use the auditor version that wrote it")
    iam = _iam_lists(document, label)
    account = _field(document, "account_id", str, label, "")
    partition = _field(document, "partition", str, label, "")
    if not account or not partition:
        found_account, found_partition = account_from_arns(iam)
        account, partition = account or found_account, partition or found_partition
    regions = _field(document, "regions", list, label, [])
    if not all(isinstance(r, str) for r in regions):
        raise InputError(f"{label}: regions must be a list of region names")
    coverage, errors = _coverage(_field(document, "coverage", list, label, []), account)
    return Snapshot(
        account_id=account,
        partition=partition or "aws",
        source=f"snapshot:{label}",
        regions=tuple(regions),
        collected_at=_field(document, "collected_at", str, label, ""),
        iam=iam,
        credential_report=tuple(_field(document, "credential_report", list, label, [])),
        ses=_regional(document, "ses", label),
        pinpoint=_regional(document, "pinpoint", label),
        coverage=coverage,
        load_errors=tuple((f"{label} coverage[{i}]", msg) for i, msg in errors)
        + _nulls(document, (*GAAD_LISTS, *_SNAPSHOT_PARTS), label),
    )


def _coverage(items: list, account: str) -> tuple[tuple, list[tuple[int, str]]]:
    """Coverage entries of a snapshot. An unreadable entry counts as an error gap: the snapshot can
    no longer vouch that its data is complete."""
    log = CoverageLog(account)
    errors = []
    statuses = {s.value: s for s in CoverageStatus}
    for i, item in enumerate(items):
        ok = (isinstance(item, dict) and isinstance(item.get("family"), str) and isinstance(item.get("region"), str)
              and item.get("status") in statuses)
        if not ok:
            errors.append((i, "unreadable coverage entry (needs family, region and a known status)"))
            log.add("snapshot:coverage", "global", CoverageStatus.ERROR, f"coverage entry {i} is unreadable")
            continue
        error = item.get("error")
        log.add(item["family"], item["region"], statuses[item["status"]], error if isinstance(error, str) else "")
    return log.entries(), errors


def _gaad(document: dict, label: str) -> Snapshot:
    iam = _iam_lists(document, label)
    account, partition = account_from_arns(iam)
    return Snapshot(account_id=account, partition=partition, source=f"gaad:{label}", iam=iam,
                    notes=(IAM_ONLY_NOTE,), load_errors=_nulls(document, GAAD_LISTS, label))


def account_from_arns(iam: dict[str, list]) -> tuple[str, str]:
    """The account and partition most ARNs of the IAM lists name (AWS managed policies, whose
    account field is "aws", do not count)."""
    seen: Counter = Counter()
    for items in iam.values():
        for item in items[:1000]:  # a sample is plenty: one account's ARNs all agree
            arn = item.get("Arn") if isinstance(item, dict) else None
            parts = split_arn(arn) if isinstance(arn, str) else None
            if parts and parts.account.isdigit():
                seen[(parts.account, parts.partition)] += 1
    if not seen:
        return "", "aws"
    return seen.most_common(1)[0][0]


def merge(snapshots: Iterable[Snapshot]) -> Snapshot:
    """One account from several files: lists concatenated, an entity seen twice kept once."""
    snaps = list(snapshots)
    if len(snaps) == 1:
        return snaps[0]
    accounts = {s.account_id: s.source for s in snaps if s.account_id}
    if len(accounts) > 1:
        (a, src_a), (b, src_b) = list(accounts.items())[:2]
        raise InputError(f"the inputs are from different accounts ({a} in {src_a.split(':', 1)[1]}, "
                         f"{b} in {src_b.split(':', 1)[1]}): scan one account at a time")
    iam: dict[str, list] = {}
    for name in GAAD_LISTS:
        present = [s.iam[name] for s in snaps if name in s.iam]
        if present:
            iam[name] = _unique(present, lambda item: item.get("Arn") if isinstance(item, dict) else None)
    log = CoverageLog(next(iter(accounts), ""))
    for snap in snaps:
        for entry in snap.coverage:
            log.add(entry.family, entry.region, entry.status, entry.error)
    notes = tuple(dict.fromkeys(n for s in snaps for n in s.notes))
    if any(s.credential_report or s.ses or s.pinpoint for s in snaps):
        notes = tuple(n for n in notes if n != IAM_ONLY_NOTE)  # another input brought that data
    return Snapshot(
        account_id=next(iter(accounts), ""),
        partition=next((s.partition for s in snaps if s.account_id), snaps[0].partition),
        source=",".join(s.source for s in snaps),
        regions=tuple(sorted({r for s in snaps for r in s.regions})),
        collected_at=min((s.collected_at for s in snaps if s.collected_at), default=""),
        iam=iam,
        credential_report=tuple(_unique([list(s.credential_report) for s in snaps],
                                        lambda row: row.get("arn") if isinstance(row, dict) else None)),
        ses=_merge_regional([s.ses for s in snaps], "IdentityName"),
        pinpoint=_merge_regional([s.pinpoint for s in snaps], "Id"),
        coverage=log.entries(),
        load_errors=tuple(e for s in snaps for e in s.load_errors),
        notes=notes,
    )


def _unique(lists: Iterable[list], key) -> list:
    seen: set = set()
    out = []
    for items in lists:
        for item in items:
            k = key(item)
            if k is not None:
                if k in seen:
                    continue
                seen.add(k)
            out.append(item)
    return out


def _merge_regional(parts: Iterable[dict[str, list]], key: str) -> dict[str, list]:
    regions: dict[str, list[list]] = {}
    for part in parts:
        for region, items in part.items():
            regions.setdefault(region, []).append(items)
    return {region: _unique(lists, lambda item: item.get(key) if isinstance(item, dict) else None)
            for region, lists in sorted(regions.items())}
