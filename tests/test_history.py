import sqlite3

import pytest

from auditor.cli import main
from auditor.errors import InputError
from auditor.history import list_runs, record_run, trend
from auditor.model.finding import Severity, Status
from auditor.model.inventory import CoverageEntry, CoverageStatus
from test_org_support import make_finding, make_result

A = "111111111111"


def _three_runs(db):
    old = make_finding(A, "alice", Severity.CRITICAL)
    fixed = make_finding(A, "bob", Severity.HIGH)
    muted = make_finding(A, "carol", Severity.LOW, status=Status.SUPPRESSED)
    late = make_finding(A, "dave", Severity.MEDIUM)
    record_run(db, make_result((A,), (old, fixed), started="2026-01-01T00:00:00Z"))
    record_run(db, make_result((A,), (old, fixed, muted), started="2026-01-03T06:00:00Z"))
    record_run(db, make_result((A,), (old.replace(status=Status.EXISTING), muted, late),
                               started="2026-01-11T00:00:00Z", resolved=(fixed,)))
    return old, fixed, muted, late


def test_record_and_list_runs_counts_open_findings_by_severity(tmp_path):
    db = tmp_path / "sub" / "history.sqlite"  # parent directory is created
    _three_runs(db)
    runs = list_runs(db)
    assert [r.started[:10] for r in runs] == ["2026-01-01", "2026-01-03", "2026-01-11"]
    last = runs[-1]
    assert last.count(Severity.CRITICAL) == 1 and last.count(Severity.MEDIUM) == 1
    assert last.count(Severity.LOW) == 0  # suppressed findings are not open
    assert (last.total, last.suppressed, last.new, last.resolved) == (3, 1, 1, 1)
    assert last.account_ids == (A,) and not last.incomplete
    assert [r.id for r in list_runs(db, limit=2)] == [runs[1].id, runs[2].id]


def test_trend_gives_per_run_counts_and_age_of_each_open_finding(tmp_path):
    db = tmp_path / "h.sqlite"
    old, fixed, muted, late = _three_runs(db)
    t = trend(db)
    assert [r.open_total for r in t.runs] == [2, 2, 2]
    ages = {a.fingerprint: a for a in t.ages}
    assert set(ages) == {old.fingerprint, late.fingerprint}  # not the fixed one, not the suppressed one
    assert ages[old.fingerprint].days_open == 10
    assert ages[old.fingerprint].first_seen == "2026-01-01T00:00:00Z"
    assert ages[late.fingerprint].days_open == 0
    assert t.ages[0].fingerprint == old.fingerprint  # oldest first


def test_first_seen_survives_out_of_order_recording(tmp_path):
    db = tmp_path / "h.sqlite"
    f = make_finding(A, "alice")
    record_run(db, make_result((A,), (f,), started="2026-02-10T00:00:00Z"))
    record_run(db, make_result((A,), (f,), started="2026-02-01T00:00:00Z"))  # a late-merged older run
    (age,) = trend(db).ages
    assert age.first_seen == "2026-02-01T00:00:00Z" and age.days_open == 9


def test_incomplete_run_is_marked(tmp_path):
    db = tmp_path / "h.sqlite"
    gap = CoverageEntry("sts:AssumeRole", "global", CoverageStatus.DENIED, "AccessDenied", A)
    record_run(db, make_result((A,), coverage=(gap,)))
    assert list_runs(db)[0].incomplete


def test_unusable_history_files_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="no run history"):
        list_runs(tmp_path / "missing.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not an auditor run history"):
        record_run(junk, make_result((A,)))
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="other tables: t"):
        trend(other)


def test_history_command_lists_runs_and_prints_trend_json(tmp_path, capsys):
    db = tmp_path / "h.sqlite"
    _three_runs(db)
    assert main(["history", "--history", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["run", "started", "accounts"]
    assert len(out) == 4 and "2026-01-11" in out[-1]
    assert main(["history", "--history", str(db), "--format", "json", "--limit", "1"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert len(doc["runs"]) == 1 and doc["runs"][0]["open"]["critical"] == 1
    assert [a["days_open"] for a in doc["open_findings"]] == [10, 0]


def test_history_command_missing_file_exits_2(tmp_path, capsys):
    assert main(["history", "--history", str(tmp_path / "nope.sqlite")]) == 2
    assert "no run history" in capsys.readouterr().err


def test_a_lone_surrogate_in_a_name_is_stored_as_its_escape(tmp_path):
    """A `\\ud800` JSON escape in a user name makes a character UTF-8 (and SQLite) cannot hold."""
    db = tmp_path / "history.sqlite"
    odd = make_finding(A, "x\ud800y", Severity.HIGH)
    record_run(db, make_result((A,), (odd,), source="snapshot x\ud800.json"))
    [age] = trend(db).ages
    assert age.principal_arn == f"arn:aws:iam::{A}:user/x\\ud800y"
    assert list_runs(db)[-1].source == "snapshot x\\ud800.json"
