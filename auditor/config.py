"""Configuration: a TOML file, validated strictly into frozen dataclasses.

Unknown keys and wrong types are rejected with the file, the key and the reason: a typo in a
suppression must not silently suppress nothing (or everything).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from auditor.errors import UsageError, read_bytes
from auditor.model.finding import Severity
from auditor.registry import CheckOptions

ENV_CONFIG = "AUDITOR_CONFIG"
ENV_OUTPUT_DIR = "AUDITOR_OUTPUT_DIR"
FORMATS = ("html", "csv", "json", "sarif")
FAIL_ON = ("critical", "high", "medium", "low", "info", "never")
ARCHETYPES = (
    "console-readonly", "project-readonly", "project-limited-write", "tag-view", "api-readonly", "api-admin",
    "smsvoice-readonly", "smsvoice-admin", "project-ip-restricted", "project-tag-owner", "ses-pinpoint-sending",
)


@dataclass(frozen=True)
class Suppression:
    check: str  # id or name, as written
    resource: str  # exact ARN or glob
    reason: str
    account: str = ""
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class ScanSettings:
    regions: tuple[str, ...] = ()
    profile: str = ""
    role_arn: str = ""
    external_id: str = ""
    session_name: str = "auditor"
    rate_limit: float = 10.0  # API calls per second, client side, shared by all threads
    max_attempts: int = 10
    accept_gaps: tuple[str, ...] = ()  # "family@region" globs whose gaps do not make the scan incomplete
    jobs: int = 0  # processes for checks and reports: 1, 2 (a forked worker) or 0 = 2 when there are 2 CPUs


@dataclass(frozen=True)
class OutputSettings:
    dir: str = "auditor-report"
    formats: tuple[str, ...] = ("html", "csv", "json")
    fail_on: str = "high"
    fail_on_new: bool = False


@dataclass(frozen=True)
class CheckSettings:
    select: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()


@dataclass(frozen=True)
class OrgSettings:
    role_name: str = ""
    external_id: str = ""
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    concurrency: int = 4


@dataclass(frozen=True)
class Config:
    path: str = ""
    scan: ScanSettings = field(default_factory=ScanSettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    checks: CheckSettings = field(default_factory=CheckSettings)
    options: CheckOptions = field(default_factory=CheckOptions)
    suppressions: tuple[Suppression, ...] = ()
    org: OrgSettings = field(default_factory=OrgSettings)

    def selection(self, only: tuple[str, ...] = (), skip: tuple[str, ...] = ()):
        """The checks to run: command-line choices take precedence over the config's."""
        from auditor.engine import build_selection

        try:
            return build_selection(only or self.checks.select, tuple(skip) + self.checks.skip, self.checks.severity)
        except ValueError as exc:
            raise UsageError(f"{self.path or 'command line'}: checks: {exc}") from None


# ------------------------------------------------------------------------------------------------
# Validation helpers: each returns the converted value or raises _Bad with the reason.


class _Bad(Exception):
    """A setting's value is wrong; the message says why (the reader adds file and key)."""


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise _Bad(f"must be a string, not {type(v).__name__}")
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Bad(f"must be true or false, not {type(v).__name__}")
    return v


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def conv(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise _Bad(f"must be a whole number, not {type(v).__name__}")
        if not lo <= v <= hi:
            raise _Bad(f"must be between {lo} and {hi}")
        return v

    return conv


def _float_pos(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
        raise _Bad("must be a positive number")
    return float(v)


def _str_list(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _Bad("must be a list of strings")
    return tuple(v)


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def conv(v: Any) -> str:
        v = _str(v).lower()
        if v not in options:
            raise _Bad(f"must be one of {', '.join(options)}")
        return v

    return conv


def _formats(v: Any) -> tuple[str, ...]:
    items = _str_list(v)
    bad = [x for x in items if x not in FORMATS]
    if bad or not items:
        raise _Bad(f"must be a non-empty list of {', '.join(FORMATS)} (got {', '.join(bad) or 'nothing'})")
    return items


def _account_list(v: Any) -> tuple[str, ...]:
    items = _str_list(v)
    for x in items:
        if not (len(x) == 12 and x.isdigit()):
            raise _Bad(f"{x!r} is not a 12-digit AWS account id")
    return items


def _date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        # Cut to its date, a time (and its offset) would be silently moved by up to a day and a
        # half: a suppression meant to end this morning would still apply tomorrow.
        raise _Bad("must be a date (YYYY-MM-DD), not a date and time: a suppression lasts to the end of "
                   "that day, UTC")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(v)
    raise _Bad("must be a date (YYYY-MM-DD)")


class _Reader:
    def __init__(self, path: str):
        self.path = path

    def fail(self, key: str, reason: str) -> UsageError:
        return UsageError(f"{self.path}: {key}: {reason}")

    def table(self, data: Any, prefix: str, spec: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(prefix, "must be a table")
        out: dict[str, Any] = {}
        for key, value in data.items():
            full = f"{prefix}.{key}" if prefix else key
            if key not in spec:
                known = ", ".join(sorted(spec))
                raise self.fail(full, f"unknown setting (known here: {known})")
            try:
                out[key] = spec[key](value)
            except _Bad as exc:
                raise self.fail(full, str(exc)) from None
        return out


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Load and validate a config file; None means $AUDITOR_CONFIG or the defaults."""
    if path is None:
        path = os.environ.get(ENV_CONFIG) or None
    if path is None:
        return _apply_env(Config())
    import tomllib  # here: a run without a config file does not need the parser

    p = Path(path)
    raw = read_bytes(p, "config", UsageError)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"{p}: config is not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{p}: invalid TOML: {exc}") from None
    return _apply_env(parse_config(data, str(p)))


def parse_config(data: dict[str, Any], path: str = "<config>") -> Config:
    r = _Reader(path)
    top = r.table(data, "", {
        "scan": lambda v: v, "output": lambda v: v, "checks": lambda v: v,
        "suppress": lambda v: v, "org": lambda v: v, "archetypes": lambda v: v,
    })
    scan = ScanSettings(**r.table(top.get("scan", {}), "scan", {
        "regions": _str_list, "profile": _str, "role_arn": _str, "external_id": _str, "session_name": _str,
        "rate_limit": _float_pos, "max_attempts": _int(1, 50), "accept_gaps": _str_list,
        "jobs": _int(0, 2),
    }))
    output = OutputSettings(**r.table(top.get("output", {}), "output", {
        "dir": _str, "formats": _formats, "fail_on": _choice(FAIL_ON), "fail_on_new": _bool,
    }))
    checks_raw = top.get("checks", {})
    checks_tbl = r.table(checks_raw, "checks", {
        "select": _str_list, "skip": _str_list, "severity": lambda v: v, "options": lambda v: v,
    })
    severity: list[tuple[str, Severity]] = []
    sev_tbl = checks_tbl.get("severity", {})
    if not isinstance(sev_tbl, dict):
        raise r.fail("checks.severity", "must be a table of CHECK_ID = \"severity\"")
    for check_id, level in sev_tbl.items():
        try:
            severity.append((check_id.upper(), Severity.parse(_str(level))))
        except (ValueError, _Bad) as exc:
            raise r.fail(f"checks.severity.{check_id}", str(exc)) from None
    options_tbl = r.table(checks_tbl.get("options", {}), "checks.options", {
        "trusted_accounts": _account_list, "trusted_ip_ranges": _str_list,
        "access_key_max_age_days": _int(1, 3650), "access_key_unused_days": _int(1, 3650),
        "admin_allowlist": _str_list,
    })
    archetypes: list[tuple[str, str]] = []
    arch_raw = top.get("archetypes", [])
    if not isinstance(arch_raw, list):
        raise r.fail("archetypes", "must be an array of tables ([[archetypes]])")
    for i, item in enumerate(arch_raw):
        entry = r.table(item, f"archetypes[{i}]", {"principal": _str, "archetype": _choice(ARCHETYPES)})
        if "principal" not in entry or "archetype" not in entry:
            raise r.fail(f"archetypes[{i}]", "needs both principal (ARN glob) and archetype")
        archetypes.append((entry["principal"], entry["archetype"]))
    options = CheckOptions(
        trusted_accounts=frozenset(options_tbl.get("trusted_accounts", ())),
        trusted_ip_ranges=options_tbl.get("trusted_ip_ranges", ()),
        access_key_max_age_days=options_tbl.get("access_key_max_age_days", 90),
        access_key_unused_days=options_tbl.get("access_key_unused_days", 90),
        admin_allowlist=options_tbl.get("admin_allowlist", ()),
        intended_archetypes=tuple(archetypes),
    )
    suppressions: list[Suppression] = []
    sup_raw = top.get("suppress", [])
    if not isinstance(sup_raw, list):
        raise r.fail("suppress", "must be an array of tables ([[suppress]])")
    for i, item in enumerate(sup_raw):
        entry = r.table(item, f"suppress[{i}]", {
            "check": _str, "resource": _str, "reason": _str, "account": _str, "expires": _date,
        })
        for required in ("check", "resource", "reason"):
            if not str(entry.get(required, "")).strip():
                raise r.fail(f"suppress[{i}].{required}", "is required (a suppression must say what, where and why)")
        suppressions.append(Suppression(**entry))
    org = OrgSettings(**r.table(top.get("org", {}), "org", {
        "role_name": _str, "external_id": _str, "accounts": _account_list, "exclude_accounts": _account_list,
        "concurrency": _int(1, 64),
    }))
    return Config(path, scan, output, CheckSettings(checks_tbl.get("select", ()), checks_tbl.get("skip", ()),
                                                    tuple(severity)), options, tuple(suppressions), org)


def _apply_env(config: Config) -> Config:
    out_dir = os.environ.get(ENV_OUTPUT_DIR)
    if out_dir:
        from dataclasses import replace

        config = replace(config, output=replace(config.output, dir=out_dir))
    return config
