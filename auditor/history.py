"""Run history in SQLite: what each scheduled run found, and since when each finding has been open.

Three tables, written once per run in one transaction:
  runs          one row per run: its metadata and the open finding counts by severity
  findings      one row per fingerprint ever seen: first_seen / last_seen (run start times)
  run_findings  which findings each run saw, with their severity that run and whether suppressed

first_seen is the start of the first recorded run that saw the fingerprint, even if the finding
was fixed and came back in between: the finding's age is how long the problem has been known.
Times are the runs' own start times, never the clock of whoever reads the history, so a report
built from the same database twice says the same thing.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import InputError
from auditor.model.finding import Severity, Status
from auditor.model.result import ScanResult

SCHEMA_VERSION = 1
# Most severe first: the column order of every table and summary.
SEVERITIES: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    source TEXT NOT NULL,
    account_ids TEXT NOT NULL,
    regions TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    incomplete INTEGER NOT NULL,
    total INTEGER NOT NULL,
    {", ".join(f"{s.label} INTEGER NOT NULL" for s in SEVERITIES)},
    suppressed INTEGER NOT NULL,
    new INTEGER NOT NULL,
    resolved INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    check_id TEXT NOT NULL,
    severity INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    resource_arn TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    title TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
-- One row per finding per run, kept small (integers) since it grows with every scheduled run.
CREATE TABLE IF NOT EXISTS run_findings (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    severity INTEGER NOT NULL,
    suppressed INTEGER NOT NULL,
    PRIMARY KEY (run_id, finding_id)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class RunRecord:
    """One recorded run; `open_counts` are unsuppressed findings per severity, most severe first."""

    id: int
    started: str
    finished: str
    source: str
    account_ids: tuple[str, ...]
    regions: tuple[str, ...]
    tool_version: str
    incomplete: bool
    total: int
    open_counts: tuple[tuple[Severity, int], ...]
    suppressed: int
    new: int
    resolved: int

    @property
    def open_total(self) -> int:
        return sum(n for _, n in self.open_counts)

    def count(self, severity: Severity) -> int:
        return dict(self.open_counts).get(severity, 0)


@dataclass(frozen=True)
class FindingAge:
    """An open finding of the latest run and how long it has been known."""

    fingerprint: str
    check_id: str
    severity: Severity
    account_id: str
    resource_arn: str
    principal_arn: str
    title: str
    first_seen: str
    days_open: int


@dataclass(frozen=True)
class Trend:
    """What the HTML report charts: open findings by severity per run (oldest first) and the age
    of every finding still open in the latest run (oldest first)."""

    runs: tuple[RunRecord, ...]
    ages: tuple[FindingAge, ...]


def record_run(path: str | Path, result: ScanResult) -> int:
    """Append one run to the history at `path` (created if missing); returns the run id."""
    run = result.run
    open_by = {s: 0 for s in SEVERITIES}
    for f in result.findings:
        if f.status is not Status.SUPPRESSED:
            open_by[f.severity] += 1
    row = {
        "started": run.started, "finished": run.finished, "source": _storable(run.source),
        "account_ids": json.dumps(list(run.account_ids)), "regions": json.dumps(list(run.regions)),
        "tool_version": run.tool_version, "incomplete": int(result.incomplete), "total": len(result.findings),
        **{s.label: n for s, n in open_by.items()},
        "suppressed": sum(1 for f in result.findings if f.status is Status.SUPPRESSED),
        "new": sum(1 for f in result.findings if f.status is Status.NEW),
        "resolved": len(result.resolved),
    }
    # One row per fingerprint: a merged input could repeat one, and the table's key forbids that.
    unique = {f.fingerprint: f for f in result.findings}
    with _connect(Path(path), create=True) as con:
        with con:  # one transaction: a crash mid-write leaves the previous history intact
            cur = con.execute(
                f"INSERT INTO runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
            )
            run_id = int(cur.lastrowid)
            # Staged in a temporary table so that the upsert and the per-run rows are two
            # set-based statements instead of 100,000 lookups each.
            con.execute("CREATE TEMP TABLE IF NOT EXISTS staged (fingerprint TEXT PRIMARY KEY, check_id TEXT, "
                        "severity INTEGER, account_id TEXT, resource_arn TEXT, principal_arn TEXT, title TEXT, "
                        "suppressed INTEGER)")
            con.execute("DELETE FROM staged")
            con.executemany(
                "INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(f.fingerprint, f.check_id, int(f.severity), _storable(f.account_id), _storable(f.resource_arn),
                  _storable(f.principal_arn), f.title, int(f.status is Status.SUPPRESSED)) for f in unique.values()],
            )
            con.execute(
                "INSERT INTO findings (fingerprint, check_id, severity, account_id, resource_arn, principal_arn, title, "
                "first_seen, last_seen) SELECT fingerprint, check_id, severity, account_id, resource_arn, principal_arn, "
                "title, :started, :started FROM staged WHERE true ON CONFLICT(fingerprint) DO UPDATE SET "
                "severity = CASE WHEN excluded.last_seen >= last_seen THEN excluded.severity ELSE severity END, "
                "first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)",
                {"started": run.started},
            )
            con.execute(
                "INSERT INTO run_findings SELECT ?, f.id, s.severity, s.suppressed FROM staged s "
                "JOIN findings f USING (fingerprint)",
                (run_id,),
            )
            con.execute("DELETE FROM staged")
    return run_id


def _storable(text: str) -> str:
    """SQLite stores UTF-8, which has no lone surrogate (a `\\ud800` JSON escape in a name makes
    one): such a character is kept as its escape text, as the reports write it."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def list_runs(path: str | Path, limit: int | None = None) -> tuple[RunRecord, ...]:
    """Recorded runs, oldest first; with `limit`, only the most recent `limit` of them."""
    with _connect(Path(path), create=False) as con:
        return _runs(con, limit)


def trend(path: str | Path, limit: int | None = None) -> Trend:
    """Open findings by severity per run, and the age in days of each finding open in the latest run."""
    with _connect(Path(path), create=False) as con:
        runs = _runs(con, limit)
        if not runs:
            return Trend((), ())
        latest = runs[-1]
        rows = con.execute(
            "SELECT f.fingerprint, f.check_id, rf.severity, f.account_id, f.resource_arn, f.principal_arn, f.title, "
            "f.first_seen FROM run_findings rf JOIN findings f ON f.id = rf.finding_id "
            "WHERE rf.run_id = ? AND NOT rf.suppressed",
            (latest.id,),
        ).fetchall()
    now = _when(latest.started)
    ages = [
        FindingAge(fp, check, Severity(sev), acct, res, princ, title, first, _days(now, _when(first)))
        for fp, check, sev, acct, res, princ, title, first in rows
    ]
    ages.sort(key=lambda a: (-a.days_open, -int(a.severity), a.check_id, a.fingerprint))
    return Trend(runs, tuple(ages))


def _runs(con: sqlite3.Connection, limit: int | None) -> tuple[RunRecord, ...]:
    labels = ", ".join(s.label for s in SEVERITIES)
    query = (f"SELECT id, started, finished, source, account_ids, regions, tool_version, incomplete, total, {labels}, "
             "suppressed, new, resolved FROM runs ORDER BY started DESC, id DESC")
    params: tuple = ()
    if limit is not None:
        query += " LIMIT ?"
        params = (limit,)
    out = []
    for r in con.execute(query, params).fetchall():
        counts = tuple(zip(SEVERITIES, r[9:9 + len(SEVERITIES)]))
        suppressed, new, resolved = r[9 + len(SEVERITIES):]
        out.append(RunRecord(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), tuple(json.loads(r[5])), r[6],
                             bool(r[7]), r[8], counts, suppressed, new, resolved))
    return tuple(reversed(out))


def _days(now: dt.datetime | None, then: dt.datetime | None) -> int:
    return max(0, (now - then).days) if now and then else 0


def _when(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _connect(path: Path, *, create: bool) -> closing[sqlite3.Connection]:
    """Open the history, creating or checking its schema; unusable files are one-line InputErrors."""
    if not create and not path.is_file():
        raise InputError(f"{path}: no run history here (a scan with --history {path} creates it)")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        # A scheduled run and a reader may overlap: wait for the other's lock rather than fail.
        con = sqlite3.connect(path, timeout=30)
    except (OSError, sqlite3.Error) as exc:
        raise InputError(f"{path}: cannot open run history: {exc}") from None
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise InputError(f"{path}: run history schema {version} is newer than this auditor's ({SCHEMA_VERSION})")
        if version == 0:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and not {"runs", "findings", "run_findings"} <= tables:
                raise InputError(f"{path}: not an auditor run history (it holds other tables: {', '.join(sorted(tables))})")
            if create:
                with con:
                    con.executescript(_SCHEMA)
                    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif not tables:
                raise InputError(f"{path}: not an auditor run history (empty database)")
    except sqlite3.DatabaseError as exc:
        con.close()
        raise InputError(f"{path}: not an auditor run history: {exc}") from None
    except InputError:
        con.close()
        raise
    return closing(con)
