"""Command-line options of organization scans and how they combine with the [org] config."""
from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass

from auditor.config import Config
from auditor.errors import UsageError


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`.

    An account belongs to the shard given by a hash of its own id, not by its position in the
    sorted list: shards of one run list the accounts at slightly different times (pods start
    minutes apart), and an account created or closed in between would otherwise move the others
    between shards and get them scanned twice or not at all.
    """

    index: int
    count: int

    def holds(self, account_id: str) -> bool:
        digest = hashlib.sha256(account_id.encode("ascii")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class OrgOptions:
    """Everything an organization scan needs to know, resolved from the options and the config."""

    role_name: str
    external_id: str
    session_name: str
    use_organizations: bool  # list the accounts through AWS Organizations (--org)
    accounts: tuple[str, ...]  # only these (empty: all)
    exclude_accounts: frozenset[str]
    shard: Shard | None
    concurrency: int
    rate_limit: float  # API calls per second, all accounts together


def add_org_arguments(parser: argparse.ArgumentParser) -> None:
    """The organization options of `auditor scan`."""
    g = parser.add_argument_group(
        "organization scan",
        "Scan many accounts by assuming a role in each: every ACTIVE account of the organization (--org, run "
        "from the management or a delegated administrator account) or the accounts listed with --accounts.")
    g.add_argument("--org", action="store_true", help="scan every ACTIVE account of the AWS Organization")
    g.add_argument("--role-name", metavar="NAME", help="role to assume in each account (config org.role_name); "
                                                       "may include a path: security/auditor")
    g.add_argument("--org-external-id", metavar="ID", help="external id the member roles require (config org.external_id)")
    g.add_argument("--accounts", metavar="IDS", action="append", type=parse_account_ids,
                   help="comma-separated account ids: only these (config org.accounts); without --org, "
                        "exactly these accounts, no Organizations access needed")
    g.add_argument("--exclude-accounts", metavar="IDS", action="append", type=parse_account_ids,
                   help="comma-separated account ids never to scan (added to config org.exclude_accounts)")
    g.add_argument("--shard", metavar="I/N", type=parse_shard,
                   help="scan only shard I of N (1-based; accounts assigned by a stable hash of their id); "
                        "combine the shards' reports with `auditor merge`")
    g.add_argument("--history", metavar="PATH", help="record this run in a SQLite history (see `auditor history`)")


_ORG_ONLY = (("role_name", "--role-name"), ("org_external_id", "--org-external-id"),
             ("exclude_accounts", "--exclude-accounts"), ("shard", "--shard"))


def wants_org_scan(args: argparse.Namespace) -> bool:
    """True when the scan command should hand over to run_org_scan. Organization-only options on
    a single-account scan are a usage error rather than silently ignored."""
    if getattr(args, "org", False) or getattr(args, "accounts", None):
        return True
    given = [flag for attr, flag in _ORG_ONLY if getattr(args, attr, None)]
    if given:
        raise UsageError(f"{', '.join(given)} only apply to organization scans (--org or --accounts)")
    return False


def parse_account_ids(text: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    for x in ids:
        if not (len(x) == 12 and x.isdigit()):
            raise argparse.ArgumentTypeError(f"{x!r} is not a 12-digit AWS account id")
    if not ids:
        raise argparse.ArgumentTypeError("no account id given")
    return ids


def parse_shard(text: str) -> Shard:
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        i = n = 0
    if not sep or n < 1 or not 1 <= i <= n:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/N with 1 <= I <= N (e.g. 2/4)")
    return Shard(i, n)


def resolve_options(args: argparse.Namespace, config: Config) -> OrgOptions:
    """Command line first, then the config. Includes from the command line replace the config's;
    excludes from both apply."""
    role = getattr(args, "role_name", None) or config.org.role_name
    if not role:
        raise UsageError("an organization scan needs the role to assume in each account: --role-name NAME "
                         "or org.role_name in the config")
    flat = lambda groups: tuple(dict.fromkeys(x for g in groups or () for x in g))  # noqa: E731
    return OrgOptions(
        role_name=role.strip("/"),
        external_id=getattr(args, "org_external_id", None) or config.org.external_id,
        session_name=getattr(args, "session_name", None) or config.scan.session_name,
        use_organizations=bool(getattr(args, "org", False)),
        accounts=flat(getattr(args, "accounts", None)) or config.org.accounts,
        exclude_accounts=frozenset(flat(getattr(args, "exclude_accounts", None))) | frozenset(config.org.exclude_accounts),
        shard=getattr(args, "shard", None),
        concurrency=config.org.concurrency,
        rate_limit=config.scan.rate_limit,
    )
