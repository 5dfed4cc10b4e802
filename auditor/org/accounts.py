"""Which accounts an organization scan covers: listed from AWS Organizations, then selected."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from auditor.errors import CollectionError
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.org.options import OrgOptions

LIST_FAMILY = "organizations:ListAccounts"


@dataclass(frozen=True)
class Account:
    id: str
    name: str = ""
    status: str = "ACTIVE"
    partition: str = "aws"


@dataclass(frozen=True)
class Selection:
    """The accounts to scan, and the explicitly requested ones that cannot be (coverage gaps)."""

    accounts: tuple[Account, ...]
    gaps: tuple[CoverageEntry, ...] = ()
    notes: tuple[str, ...] = ()
    partition: str = "aws"


def list_accounts(session: Any) -> list[Account]:
    """Every account of the organization (all pages), whatever its status."""
    from botocore.exceptions import BotoCoreError, ClientError

    from auditor.collect.coverage import classify

    client = session.client("organizations")
    out: list[Account] = []
    try:
        for page in client.get_paginator("list_accounts").paginate():
            for a in page.get("Accounts", []):
                # Newer API versions say State (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED), older Status.
                status = str(a.get("State") or a.get("Status") or "").upper()
                out.append(Account(a["Id"], a.get("Name", ""), status, _partition(a.get("Arn", ""))))
    except (ClientError, BotoCoreError) as exc:
        _, text = classify(exc)
        raise CollectionError(f"cannot list the organization's accounts ({text}); run from the management or a "
                              "delegated administrator account, or name the accounts with --accounts") from None
    return out


def _partition(arn: str) -> str:
    parts = arn.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def select(options: OrgOptions, listed: Iterable[Account] | None, partition: str = "aws") -> Selection:
    """Apply --accounts / --exclude-accounts / config and the shard to the listed accounts.

    `listed` is None when the accounts come from --accounts alone (no Organizations access): they
    are then taken as given. A requested account that the organization lists as not ACTIVE, or
    does not list at all, is a coverage gap: it was asked for and not scanned.
    """
    gaps: list[CoverageEntry] = []
    notes: list[str] = []
    listed = None if listed is None else list(listed)
    if listed is None:
        candidates = [Account(a, partition=partition) for a in options.accounts]
    else:
        by_id = {a.id: a for a in listed}
        if options.accounts:
            candidates = []
            for wanted in options.accounts:
                account = by_id.get(wanted)
                if account is not None and account.status == "ACTIVE":
                    candidates.append(account)
                elif wanted not in options.exclude_accounts:
                    why = f"account is {account.status} in the organization" if account else "account is not in the organization"
                    gaps.append(CoverageEntry(LIST_FAMILY, "global", CoverageStatus.UNAVAILABLE, why, wanted))
        else:
            candidates = [a for a in by_id.values() if a.status == "ACTIVE"]
            inactive = len(by_id) - len(candidates)
            if inactive:
                notes.append(f"{inactive} account{'s' if inactive != 1 else ''} of the organization not ACTIVE, not scanned")
    chosen = [a for a in candidates if a.id not in options.exclude_accounts]
    gaps = [g for g in gaps if options.shard is None or options.shard.holds(g.account_id)]
    if options.shard is not None:
        chosen = [a for a in chosen if options.shard.holds(a.id)]
        notes.append(f"shard {options.shard}: {len(chosen)} account{'s' if len(chosen) != 1 else ''}")
    if listed is not None:
        partition = next((a.partition for a in listed), partition)
    return Selection(tuple(sorted(chosen, key=lambda a: a.id)), tuple(gaps), tuple(notes), partition)
