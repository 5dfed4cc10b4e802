"""`scan --jobs 2`: the forked worker gives the same reports as one process, and a failure on
either side leaves the old reports and no temp files."""
from __future__ import annotations

import json
import os
import re
import sys
import time
import types
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


def _slowed(func, seconds: float = 1.0):
    def wrapper(*args, **kwargs):
        time.sleep(seconds)
        return func(*args, **kwargs)

    return wrapper


def test_two_processes_write_the_same_reports_as_one(account, tmp_path, monkeypatch):
    import auditor.access as access

    pids, report_pids = tmp_path / "pids", tmp_path / "report-pids"
    monkeypatch.setattr(engine, "run_policy_checks", _recording_pid(engine.run_policy_checks, pids))
    monkeypatch.setattr(html_report, "write", _recording_pid(html_report.write, report_pids))
    one, two = tmp_path / "one", tmp_path / "two"
    assert _scan(account, one, 1)[0] == 1
    assert set(pids.read_text().split()) == set(report_pids.read_text().split()) == {str(os.getpid())}
    pids.unlink()
    report_pids.unlink()
    # The access takes long here, so the worker surely starts on the per-document checks.
    monkeypatch.setattr(access, "compute_access", _slowed(access.compute_access, 0.5))
    assert _scan(account, two, 2)[0] == 1
    # The per-document checks and the HTML report each ran in a child of this process.
    assert str(os.getpid()) not in report_pids.read_text().split()
    assert set(pids.read_text().split()) - {str(os.getpid())}
    serial, forked = _without_run_times(one), _without_run_times(two)
    assert sorted(serial) == ["findings.csv", "findings.html", "findings.json", "findings.sarif", "principals.csv"]
    assert forked == serial
    assert json.loads(serial["findings.json"])["findings"]  # the comparison is not of empty reports


def test_the_main_process_starts_on_the_access_before_any_document_context_is_made(account, tmp_path,
                                                                                    monkeypatch):
    # The documents' contexts are made after the fork, by the process that takes a piece of the
    # per-document checks: the access, this process's own work, does not wait for them.
    import auditor.access as access

    made, forked = tmp_path / "contexts", tmp_path / "access"
    monkeypatch.setattr(engine, "_policy_contexts", _recording_pid(engine._policy_contexts, made))
    monkeypatch.setattr(access, "compute_access", _recording_pid(_slowed(access.compute_access, 1.5), forked))
    assert _scan(account, tmp_path / "out", 2)[0] == 1
    assert forked.read_text().split() == [str(os.getpid())]
    assert str(os.getpid()) not in made.read_text().split()  # the worker took every piece meanwhile


def test_both_processes_share_the_per_document_checks_and_give_the_same_reports(account, tmp_path, monkeypatch):
    """Each process takes groups of documents while any are left: a slow document in one does not
    hold the other up. Slowed down here so that both surely take part."""
    pids = tmp_path / "pids"
    one, two = tmp_path / "one", tmp_path / "two"
    assert _scan(account, one, 1)[0] == 1
    monkeypatch.setattr(engine, "run_policy_checks", _recording_pid(_slowed(engine.run_policy_checks, 0.002), pids))
    assert _scan(account, two, 2)[0] == 1
    ran_in = pids.read_text().split()
    assert str(os.getpid()) in ran_in and set(ran_in) - {str(os.getpid())}
    assert _without_run_times(two) == _without_run_times(one)


def _contexts(*documents):
    return [types.SimpleNamespace(policy=d) for d in documents]


def test_document_pieces_keep_every_holder_of_a_document_together_in_order():
    a, b, c, d = object(), object(), object(), object()
    contexts = _contexts(a, b, a, c, b, a, d)
    pieces = engine._document_pieces(contexts, 2)
    assert sorted(p for piece in pieces for p in piece) == list(range(len(contexts)))
    for document in (a, b, c, d):
        holders = [p for p, ctx in enumerate(contexts) if ctx.policy is document]
        assert any(piece_holders == holders for piece in pieces
                   if (piece_holders := [p for p in piece if contexts[p].policy is document]))
    assert len(pieces) == 2


@pytest.mark.parametrize("documents, asked, expected", [(100, 24, 24), (5, 24, 5), (0, 24, 0), (7, 1, 1)])
def test_document_pieces_are_about_as_many_as_asked_and_never_empty(documents, asked, expected):
    pieces = engine._document_pieces(_contexts(*(object() for _ in range(documents))), asked)
    assert len(pieces) == expected and all(pieces)


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


def test_without_a_way_to_share_work_the_scan_runs_in_one_process(account, tmp_path, monkeypatch, caplog):
    import auditor.forked as forked

    one, alone = tmp_path / "one", tmp_path / "alone"
    assert _scan(account, one, 1)[0] == 1
    forks = []
    monkeypatch.setattr(forked.os, "fork", lambda: forks.append(1) or 0)  # must not be reached for the checks

    def refused():
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(forked, "_unnamed_file", refused)
    monkeypatch.setattr("auditor.report.run_soon", lambda func, fork: forked.Done(func))  # the HTML in this process
    code, err = _scan(account, alone, 2)
    assert code == 1, err
    assert forks == [] and "cannot share work with a worker process" in caplog.text
    assert _without_run_times(alone) == _without_run_times(one)


@pytest.mark.parametrize("slow", ["worker", "parent"])
def test_the_side_free_first_runs_the_shared_checks(account, tmp_path, monkeypatch, slow):
    """The account-wide checks that do not read the access go to whichever process is free first;
    the reports are the same either way."""
    import dataclasses

    import auditor.access as access
    import auditor.forked as forked
    import auditor.registry as registry

    pids = tmp_path / "pids"
    one, two = tmp_path / "one", tmp_path / "two"
    assert _scan(account, one, 1)[0] == 1
    shadow = registry.load_checks()["IAM007"]
    monkeypatch.setitem(registry.REGISTRY, "IAM007",
                        dataclasses.replace(shadow, scan_func=_recording_pid(shadow.scan_func, pids)))
    monkeypatch.setattr(registry, "_sorted_cache", None)

    if slow == "worker":  # it starts late: this process, done with the access, takes the checks first
        monkeypatch.setattr(engine, "run_soon", lambda func, fork: forked.run_soon(_slowed(func), fork=fork))
    else:
        monkeypatch.setattr(access, "compute_access", _slowed(access.compute_access))
    assert _scan(account, two, 2)[0] == 1
    ran_in = pids.read_text().split()
    assert len(ran_in) == 1
    assert (ran_in[0] == str(os.getpid())) == (slow == "worker")
    assert _without_run_times(two) == _without_run_times(one)


def test_the_forked_format_is_prepared_by_the_main_process_during_the_checks(account, tmp_path, monkeypatch):
    """The HTML child inherits jinja2 and the compiled page from the main process, which prepares
    them after the access (while the worker goes on with the checks) instead of the child starting
    with them; only the format that goes to the child is prepared, and only when there is a fork."""
    from auditor import report

    prepared: list[str] = []
    monkeypatch.setattr(report.Formatter, "warm_up", lambda self: prepared.append(self.name))
    report.warm_up(["csv", "html", "json"], fork=True)
    report.warm_up(["csv", "html"], fork=False)
    report.warm_up(["html"], fork=True)  # nothing to share: one process writes it
    assert prepared == ["html"]
    monkeypatch.undo()

    calls = []
    real = engine.run_inventory_checks

    def spy(*args, **kwargs):
        calls.append(kwargs.get("aside"))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "run_inventory_checks", spy)
    monkeypatch.setattr("auditor.pipeline.run_inventory_checks", spy)
    html_report._page.cache_clear()
    code, err = _scan(account, tmp_path / "out", 2)
    assert code in (0, 1), err
    assert calls and calls[0] is not None
    assert html_report._page.cache_info().currsize == 1  # made here, before the report child was forked


@pytest.mark.parametrize("fork", [False, True])
def test_a_scan_result_lists_its_findings_once_each_in_report_order(account, fork):
    # analyse keeps the order run_inventory_checks gives (suppressions and the baseline keep it):
    # both ways of running the checks return them deduplicated and sorted.
    from auditor.collect.inventory_builder import build_inventory
    from auditor.collect.offline import load_inputs
    from auditor.config import load_config
    from auditor.pipeline import analyse

    result = analyse(build_inventory(load_inputs([str(account)])), load_config(None), fork=fork)
    assert len(result.findings) > 50
    assert list(result.findings) == sorted(result.findings, key=lambda f: f.sort_key())
    assert len({f.fingerprint for f in result.findings}) == len(result.findings)
