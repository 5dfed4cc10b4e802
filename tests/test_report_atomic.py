import os
import sys
import time

import pytest

import auditor.atomic as atomic
from auditor.errors import UsageError
from auditor.report import FORMATTERS, render_reports, write_reports
from test_report_factory import make_result, sample_findings


def test_two_writes_are_byte_identical_and_leave_no_temp_files(tmp_path):
    result = make_result(sample_findings())
    first = {p.name: p.read_bytes() for p in write_reports(result, tmp_path, list(FORMATTERS))}
    second = {p.name: p.read_bytes() for p in write_reports(result, tmp_path, list(FORMATTERS))}
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(first)


def test_failure_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "findings.csv"
    target.write_bytes(b"old report\r\n")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(UsageError, match="No space left on device"):
        write_reports(make_result(sample_findings()), tmp_path, ["csv"])
    assert target.read_bytes() == b"old report\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.csv"]


def test_interrupt_during_write_removes_the_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "findings.json"
    target.write_bytes(b"{}")
    real_replace = atomic.os.replace

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.atomic_write(target, b"new")
    monkeypatch.setattr(atomic.os, "replace", real_replace)
    assert target.read_bytes() == b"{}"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.json"]


def test_unknown_format_is_a_usage_error_and_writes_nothing(tmp_path):
    with pytest.raises(UsageError, match="unknown report format 'pdf'"):
        write_reports(make_result([]), tmp_path / "out", ["json", "pdf"])
    assert not (tmp_path / "out").exists()


def test_formats_are_case_insensitive_and_deduplicated():
    files = render_reports(make_result([]), ["JSON", "json", " csv"])
    assert sorted(files) == ["findings.csv", "findings.json", "principals.csv"]


@pytest.mark.parametrize("fork", [False, pytest.param(True, marks=pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the HTML child is forked on Linux only"))])
def test_no_report_is_renamed_into_place_before_it_is_on_disk(tmp_path, monkeypatch, fork):
    """Files are flushed to disk in the background while the next is written; each is on disk
    before the set is renamed into place, the one the forked HTML child wrote as well."""
    out, log = tmp_path / "out", tmp_path / "fsynced"
    real_fsync, real_replace = atomic.os.fsync, atomic.os.replace

    def slow_fsync(fd):
        time.sleep(0.05)  # a slow disk: the flush ends well after the next file was started
        real_fsync(fd)
        with open(log, "a", encoding="ascii") as fh:  # appended by the child too
            fh.write(f"{os.fstat(fd).st_ino}\n")

    def checked_replace(src, dst):
        assert str(os.stat(src).st_ino) in log.read_text().split(), f"{dst} renamed before its fsync ended"
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", slow_fsync)
    monkeypatch.setattr(atomic.os, "replace", checked_replace)
    written = write_reports(make_result(sample_findings()), out, ["html", "csv", "json"], fork=fork)
    assert sorted(p.name for p in written) == ["findings.csv", "findings.html", "findings.json", "principals.csv"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
