"""The forked worker: answers and errors come back, a dead or abandoned child is reaped, and the
automatic setting stays in one process where it should."""
import os
import signal
import sys
import threading
import time

import pytest

import auditor.forked as forked
from auditor.forked import ChildFailed, Claims, Done, Forked, Outbox, run_soon, wants_worker

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked on Linux only")


class Unrebuildable(Exception):
    """Pickles, but cannot be rebuilt: its constructor needs two arguments."""

    def __init__(self, a, b):
        super().__init__(f"{a}/{b}")


def _raise_unrebuildable():
    raise Unrebuildable("first", "second")


@pytest.fixture(autouse=True)
def no_children_left_from_earlier_tests():
    forked.reap_ended(wait=True)  # answered children are reaped lazily (see the reaping test)
    yield


def _gone():
    return not any(True for _ in _children())


def _children():
    try:
        with open(f"/proc/{os.getpid()}/task/{threading.get_native_id()}/children", encoding="ascii") as fh:
            return fh.read().split()
    except OSError:
        return []


@linux_only
def test_the_answer_comes_from_another_process():
    assert forked.fork_available()
    with run_soon(lambda: (os.getpid(), list(range(100_000))), fork=True) as pending:
        assert isinstance(pending, Forked)
        pid, numbers = pending.result()
    assert pid == pending.pid != os.getpid()
    assert numbers == list(range(100_000))  # larger than a pipe's buffer
    forked.reap_ended(wait=True)  # answered children are reaped without anyone waiting (see below)
    assert _gone()


def test_without_fork_the_work_is_done_here_and_first():
    order = []
    pending = run_soon(lambda: order.append("worker") or os.getpid(), fork=False)
    order.append("caller")
    assert isinstance(pending, Done)
    assert pending.result() == os.getpid()
    assert order == ["worker", "caller"]


@linux_only
def test_an_error_in_the_child_is_raised_in_the_parent():
    with Forked(lambda: int("not a number")) as pending:
        with pytest.raises(ValueError, match="not a number"):
            pending.result()


@linux_only
def test_an_error_that_cannot_be_rebuilt_arrives_as_text():
    with Forked(_raise_unrebuildable) as pending:
        with pytest.raises(ChildFailed, match="first/second") as caught:
            pending.result()
    assert "Unrebuildable" in str(caught.value)


@linux_only
def test_a_child_that_dies_is_a_clear_error():
    with Forked(lambda: os.kill(os.getpid(), signal.SIGKILL)) as pending:
        with pytest.raises(ChildFailed, match="ended without an answer"):
            pending.result()
    assert _gone()


@linux_only
def test_an_answered_child_is_reaped_without_waiting_for_its_exit():
    """result() returns with the answer, without waiting for the kernel to take the child's memory
    down; the child is reaped once it is gone: when the next child starts, or by the exit hook."""
    first = Forked(lambda: 1)
    assert first.result() == 1
    deadline = time.monotonic() + 10
    while first.pid in forked._ending and not _zombie(first.pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # until it has exited
    second = Forked(lambda: 2)  # reaps what has exited
    assert first.pid not in forked._ending and not _zombie(first.pid)
    assert second.result() == 2
    forked.reap_ended(wait=True)  # what the exit hook does
    assert forked._ending == [] and _gone()


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


@linux_only
def test_an_abandoned_child_is_killed_and_reaped():
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="parent failed"):
        with Forked(lambda: time.sleep(60)) as pending:
            raise RuntimeError("parent failed")
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(pending.pid, os.WNOHANG)  # already reaped: no zombie left behind
    with pytest.raises(RuntimeError, match="already taken"):
        pending.result()


@linux_only
def test_the_parents_buffered_output_is_not_written_twice(tmp_path):
    # The child leaves with os._exit: whatever the parent had buffered stays the parent's.
    script = tmp_path / "child.py"
    script.write_text(
        "import sys\n"
        "from auditor.forked import Forked\n"
        "sys.stdout.write('parent line\\n')\n"
        "with Forked(lambda: 42) as p:\n"
        "    print(p.result())\n",
        encoding="utf-8",
    )
    import subprocess

    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout == "parent line\n42\n"


def test_no_fork_while_other_threads_run():
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not forked.fork_available()
        assert isinstance(run_soon(lambda: 1, fork=True), Done)
    finally:
        stop.set()
        worker.join()


@pytest.mark.parametrize(("jobs", "cpu_count", "principals", "expected"), [
    (1, 2, 10, False),  # asked for one process
    (2, 1, 50_000, True),  # asked for two, whatever the size and CPUs
    (0, 2, 5_000, True),
    (0, 2, forked.AUTO_WORKER_MAX_PRINCIPALS + 1, False),  # memory matters more
    (0, 1, 10, False),  # one CPU: a worker would only compete with its parent
])
def test_when_a_worker_is_wanted(monkeypatch, jobs, cpu_count, principals, expected):
    monkeypatch.setattr(forked, "usable_cpus", lambda: cpu_count)
    monkeypatch.setattr(forked, "fork_available", lambda: True)
    assert wants_worker(jobs, principals) is expected


def test_never_a_worker_where_fork_is_unavailable(monkeypatch):
    monkeypatch.setattr(forked, "fork_available", lambda: False)
    assert not wants_worker(2, 10)


def test_when_fork_fails_the_work_is_done_here(monkeypatch, caplog):
    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked, "fork_available", lambda: True)
    monkeypatch.setattr(forked.os, "fork", refused)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    with run_soon(os.getpid, fork=True) as pending:
        assert isinstance(pending, Done) and pending.result() == os.getpid()
    assert "cannot start a worker process" in caplog.text
    if before:
        assert len(os.listdir("/proc/self/fd")) == before  # the pipe was closed


def test_claims_hand_out_every_task_once_in_the_given_order():
    with Claims([2, 0, 1]) as claims:
        assert [claims.take() for _ in range(5)] == [2, 0, 1, None, None]
    assert claims.take() is None  # closed: nothing more, no error
    with pytest.raises(ValueError):
        Claims([256])


@linux_only
def test_two_processes_share_the_tasks_without_taking_one_twice():
    started_read, started_write = os.pipe()

    def take_all(claims: Claims, signal_start: bool) -> list[int]:
        taken = []
        while (task := claims.take()) is not None:
            taken.append(task)
            if signal_start and len(taken) == 1:
                os.write(started_write, b"x")  # the parent starts only once the child has a task
            time.sleep(0.001)
        return taken

    with Claims(range(200)) as claims, run_soon(lambda: take_all(claims, True), fork=True) as pending:
        os.read(started_read, 1)
        here = take_all(claims, False)
        there = pending.result()
    os.close(started_read)
    os.close(started_write)
    assert here and there
    assert sorted(here + there) == list(range(200))
    assert here == sorted(here) and there == sorted(there)  # each side in the order given


def _send_all(outbox: Outbox, parts) -> int:
    for number, payload in parts:
        outbox.send(number, payload)
    return len(parts)


@linux_only
def test_a_child_sends_megabytes_of_parts_while_the_parent_reads_none():
    # Had the parts gone through a pipe, the child would have stalled at 64 KB, and this test with it.
    parts = [(n, bytes([n]) * (1 << 20) + n.to_bytes(2, "big")) for n in range(8)]
    with Outbox() as outbox, run_soon(lambda: _send_all(outbox, parts), fork=True) as pending:
        assert isinstance(pending, Forked)
        outbox.receive_only()
        assert pending.result() == 8  # the child finished before anything was read here
        assert outbox.rest() == parts
        assert outbox.ready() == [] and outbox.rest() == []


@linux_only
def test_parts_are_taken_as_they_come_without_waiting():
    go_read, go_write = os.pipe()

    def child(outbox):
        outbox.send(3, b"first")
        os.read(go_read, 1)  # the second part only once the parent has taken the first
        outbox.send(0, b"")
        outbox.send(255, b"last")
        return None

    with Outbox() as outbox, run_soon(lambda: child(outbox), fork=True) as pending:
        outbox.receive_only()
        received = []
        deadline = time.monotonic() + 10
        while not received and time.monotonic() < deadline:
            received = outbox.ready()
        assert received == [(3, b"first")]
        assert outbox.ready() == []  # nothing more yet, and no waiting for it
        os.write(go_write, b"x")
        assert outbox.rest() == [(0, b""), (255, b"last")]
        pending.result()
    os.close(go_read)
    os.close(go_write)


@linux_only
def test_the_parts_a_dead_child_sent_arrive_and_the_end_is_seen():
    def child(outbox):
        outbox.send(1, b"before")
        os.kill(os.getpid(), signal.SIGKILL)

    with Outbox() as outbox, run_soon(lambda: child(outbox), fork=True) as pending:
        outbox.receive_only()
        assert outbox.rest() == [(1, b"before")]
        with pytest.raises(ChildFailed, match="ended without an answer"):
            pending.result()


def test_without_a_fork_the_parts_wait_for_the_caller():
    with Outbox() as outbox:
        pending = run_soon(lambda: _send_all(outbox, [(7, b"seven"), (2, b"two")]), fork=False)
        with pytest.raises(RuntimeError, match="receive_only"):
            outbox.rest()  # the sending end is still open here: rest() would never end
        outbox.receive_only()
        assert pending.result() == 2
        assert outbox.rest() == [(7, b"seven"), (2, b"two")]
    with pytest.raises(RuntimeError, match="only receives"):
        outbox.send(1, b"late")


def test_where_memfd_is_refused_the_parts_go_through_a_temporary_file(monkeypatch):
    def refused(name, flags=0):
        raise OSError(1, "Operation not permitted")  # a sandbox's seccomp filter, a kernel before 3.17

    monkeypatch.setattr(forked.os, "memfd_create", refused, raising=False)
    with Outbox() as outbox:
        pending = run_soon(lambda: _send_all(outbox, [(1, b"x" * 100_000)]), fork=False)
        outbox.receive_only()
        assert pending.result() == 1
        assert outbox.rest() == [(1, b"x" * 100_000)]
