"""`scan --jobs 2`: the forked worker gives the same reports as one process, and a failure on
either side leaves the old reports and no temp files."""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from test_collect_support import assert_one_line_error, run_cli

import auditor.engine as engine
import auditor.report.html_report as html_report
import auditor.report.csv_report as csv_report
from benchmarks.generate_gaad import generate

from conftest import CORPUS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked on Linux only")
FORMATS = "html,csv,json,sarif"


@pytest.fixture(scope="module")
def account(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("worker") / "gaad80.json"
    generate(80, path, corpus=CORPUS)
    return path


def _scan(account: Path, out: Path, jobs: int) -> tuple[int, str]:
    code, _out, err = run_cli(["scan", "--input", str(account), "--output-dir", str(out), "--format", FORMATS,
                               "--jobs", str(jobs), "-q"])
    return code, err


def _without_run_times(out: Path) -> dict[str, bytes]:
    """Every report's bytes, the run's start and end times and its duration (the only run-dependent
    text) blanked."""
    run = json.loads((out / "findings.json").read_text(encoding="utf-8"))["run"]
    files = {}
    for path in sorted(out.iterdir()):
        data = path.read_bytes()
        for stamp in (run["started"], run["finished"]):
            data = data.replace(stamp.encode(), b"<time>")
        files[path.name] = re.sub(rb"<time> \(\d+(\.\d+)? s\)", b"<time>", data)
    return files


def _recording_pid(func, log: Path):
    def wrapper(*args, **kwargs):
        with log.open("a", encoding="ascii") as fh:
            fh.write(f"{os.getpid()}\n")
        return func(*args, **kwargs)

    return wrapper


def test_two_processes_write_the_same_reports_as_one(account, tmp_path, monkeypatch):
    pids = tmp_path / "pids"
    monkeypatch.setattr(engine, "_document_findings", _recording_pid(engine._document_findings, pids))
    monkeypatch.setattr(html_report, "write", _recording_pid(html_report.write, pids))
    one, two = tmp_path / "one", tmp_path / "two"
    assert _scan(account, one, 1)[0] == 1
    serial_pids = pids.read_text().split()
    assert serial_pids == [str(os.getpid())] * 2
    pids.unlink()
    assert _scan(account, two, 2)[0] == 1
    worker_pids = pids.read_text().split()
    # The per-document checks and the HTML report each ran in a child of this process.
    assert len(worker_pids) == 2 and str(os.getpid()) not in worker_pids
    serial, forked = _without_run_times(one), _without_run_times(two)
    assert sorted(serial) == ["findings.csv", "findings.html", "findings.json", "findings.sarif", "principals.csv"]
    assert forked == serial
    assert json.loads(serial["findings.json"])["findings"]  # the comparison is not of empty reports


@pytest.mark.parametrize("broken", [html_report, csv_report], ids=["in the worker", "in the parent"])
def test_a_failed_format_leaves_the_old_reports_and_no_temp_files(account, tmp_path, monkeypatch, broken):
    out = tmp_path / "out"
    assert _scan(account, out, 2)[0] == 1
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full_disk(data, files):
        with files.open("partial.txt") as fh:
            fh.write("half a report")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(broken, "write", full_disk)
    code, err = _scan(account, out, 2)
    assert_one_line_error(code, err, "cannot write reports to", "No space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_jobs_outside_0_to_2_is_a_usage_error(account, tmp_path):
    code, err = _scan(account, tmp_path / "out", 3)
    assert code == 2 and "invalid choice: 3" in err


def test_a_refused_fork_falls_back_to_one_process(account, tmp_path, monkeypatch):
    import auditor.forked as forked

    one, fallback = tmp_path / "one", tmp_path / "fallback"
    assert _scan(account, one, 1)[0] == 1

    def refused():
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(forked.os, "fork", refused)
    code, err = _scan(account, fallback, 2)
    assert code == 1, err
    assert _without_run_times(fallback) == _without_run_times(one)


@pytest.mark.parametrize("slow", ["worker", "parent"])
def test_the_side_free_first_runs_the_shared_checks(account, tmp_path, monkeypatch, slow):
    """The account-wide checks that do not read the access go to whichever process is free first;
    the reports are the same either way."""
    import dataclasses
    import time

    import auditor.access as access
    import auditor.registry as registry

    pids = tmp_path / "pids"
    one, two = tmp_path / "one", tmp_path / "two"
    assert _scan(account, one, 1)[0] == 1
    shadow = registry.load_checks()["IAM007"]
    monkeypatch.setitem(registry.REGISTRY, "IAM007",
                        dataclasses.replace(shadow, scan_func=_recording_pid(shadow.scan_func, pids)))
    monkeypatch.setattr(registry, "_sorted_cache", None)

    def slowed(func):
        def wrapper(*args, **kwargs):
            time.sleep(1.0)
            return func(*args, **kwargs)

        return wrapper

    if slow == "worker":
        monkeypatch.setattr(engine, "_document_findings", slowed(engine._document_findings))
    else:
        monkeypatch.setattr(access, "compute_access", slowed(access.compute_access))
    assert _scan(account, two, 2)[0] == 1
    ran_in = pids.read_text().split()
    assert len(ran_in) == 1
    assert (ran_in[0] == str(os.getpid())) == (slow == "worker")
    assert _without_run_times(two) == _without_run_times(one)
