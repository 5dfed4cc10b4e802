"""The scan pauses the cycle collector between reading its input and writing its reports."""
import gc

import pytest

from auditor.heap import cycle_collection_paused


@pytest.fixture(autouse=True)
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_restored_after():
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_error():
    with pytest.raises(RuntimeError):
        with cycle_collection_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_not_paused_when_told_not_to():
    with cycle_collection_paused(when=False):
        assert gc.isenabled()
    assert gc.isenabled()


def test_nested_pause_keeps_the_outer_one():
    with cycle_collection_paused():
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled():
    gc.disable()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_what_was_made_while_paused_is_not_walked_again():
    before = gc.get_freeze_count()
    with cycle_collection_paused():
        made = [[i] for i in range(1000)]
    assert gc.get_freeze_count() >= before + len(made)


def test_in_process_callers_keep_nothing_alive(tmp_path):
    """Tests and embedders call main(): a finished scan's objects are theirs to free."""
    import weakref

    from auditor import heap
    from auditor.commands import scan

    kept = []
    real = scan.summary_line

    def spy(result, written, unreadable=0):
        kept.append(weakref.ref(result))
        return real(result, written, unreadable)

    from auditor.cli import main

    scan.summary_line = spy
    try:
        assert main(["scan", "--demo", "--output-dir", str(tmp_path), "--format", "json", "--quiet"]) == 1
    finally:
        scan.summary_line = real
    assert heap._left is None
    gc.collect()
    assert all(ref() is None for ref in kept)


def test_the_command_line_keeps_the_scan_to_the_end_and_exits_with_its_code(tmp_path):
    """`python -m auditor` ends with os._exit: the exit code, every report and all of stdout and
    stderr must still be there (stdout a pipe, so block-buffered: an unflushed line would be lost)."""
    import csv
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    run = subprocess.run([sys.executable, "-m", "auditor", "scan", "--demo", "--output-dir", str(tmp_path),
                          "--format", "json,csv"], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 1  # the demo account has findings above the default threshold
    assert "findings" in run.stderr and str(tmp_path) in run.stderr
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert document["summary"]["total"] == len(document["findings"]) > 0
    with open(tmp_path / "findings.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.reader(fh))) == len(document["findings"]) + 1

    listing = subprocess.run([sys.executable, "-m", "auditor", "checks", "--format", "json"],
                             capture_output=True, text=True, timeout=60, env=env)
    assert listing.returncode == 0
    assert len(json.loads(listing.stdout)) > 30  # the whole catalog: buffered stdout was flushed before the exit


def test_the_command_line_reaps_its_workers_before_it_ends(tmp_path):
    """Answered workers are reaped lazily; the command still reaps them all before os._exit, so a
    benchmark or scheduler that waits for it counts their CPU time."""
    import subprocess
    import sys

    code = ("import os, sys, auditor.forked as forked, auditor.cli as cli\n"
            "real_exit = os._exit\n"
            "os._exit = lambda status: real_exit(status if not forked._ending else 99)\n"
            "sys.argv = ['auditor', 'scan', '--demo', '--jobs', '2', '--quiet', '--output-dir', sys.argv[1],"
            " '--format', 'json,csv']\n"
            "cli.entry()\n")
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr  # the demo's findings; 99 would mean a worker left unreaped
    assert (tmp_path / "findings.json").exists() and (tmp_path / "findings.csv").exists()
