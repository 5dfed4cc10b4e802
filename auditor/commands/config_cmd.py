"""`auditor config check FILE`: validate a config file before a scheduled job trips over it."""
from __future__ import annotations

import argparse
import os

from auditor.config import ENV_CONFIG, Config, load_config
from auditor.errors import UsageError
from auditor.registry import resolve


def register(sub, name: str) -> None:
    p = sub.add_parser(name, help="work with config files", description="Work with auditor config files (TOML).")
    actions = p.add_subparsers(dest="config_action", metavar="ACTION")
    actions.required = True
    check = actions.add_parser(
        "check", help="validate a config file",
        description="Validate a config file: every key known, every value of the right type, every check id "
                    "real. Exit 0 when it is valid; exit 2 with FILE: KEY: REASON when it is not.")
    check.add_argument("file", nargs="?", metavar="FILE", help=f"the config file (default: ${ENV_CONFIG})")
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    path = args.file or os.environ.get(ENV_CONFIG)
    if not path:
        raise UsageError(f"config check: give a FILE or set {ENV_CONFIG}")
    config = load_config(path)
    check_names(config)
    print(f"{path}: ok ({_describe(config)})")
    return 0


def check_names(config: Config) -> None:
    """The loader checks shapes and types; names of checks need the catalog, so they are checked here
    (and by the commands that apply a config's checks and suppressions, before any other work).
    A suppression naming a check that does not exist would silently suppress nothing."""
    config.selection()  # unknown ids in checks.select / skip / severity -> UsageError naming the key
    for i, s in enumerate(config.suppressions):
        try:
            resolve([s.check])
        except ValueError as exc:
            raise UsageError(f"{config.path}: suppress[{i}].check: {exc}") from None


def _describe(config: Config) -> str:
    parts = [f"{len(config.suppressions)} suppression{'s' if len(config.suppressions) != 1 else ''}"]
    if config.scan.regions:
        parts.append(f"regions {', '.join(config.scan.regions)}")
    if config.org.role_name:
        parts.append(f"organization role {config.org.role_name}")
    return "; ".join(parts)
