"""Work done by a forked copy of the process, so that a scan can use a second core.

A scan's heavy steps are pure Python and hold the GIL, so threads cannot share them out; a forked
child can, and it starts with everything the parent has built (the inventory, parsed policies)
without copying or pickling it. Only the child's answer travels back, pickled through a pipe.

The price is memory: CPython writes reference counts into every object it touches, so each page
either process reads soon exists twice. `wants_worker` weighs that.

Used only where `fork` is safe (Linux, no other threads running); elsewhere the work runs in the
calling process, first, with the same outcome.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import pickle
import signal
import struct
import sys
import tempfile
import threading
import traceback
from typing import Callable, Generic, Sequence, TypeVar

from auditor.cpus import usable_cpus

T = TypeVar("T")
LOG = logging.getLogger(__name__)

# Above this many principals the automatic setting keeps a scan in one process: the worker's copy
# of the heap (about 200 MB at 20,000 principals) costs more than the seconds it saves.
AUTO_WORKER_MAX_PRINCIPALS = 10_000


def fork_available() -> bool:
    # macOS can fork, but its system frameworks are not fork-safe (Python's own multiprocessing
    # stopped forking there); Windows cannot. With other threads running (an organization scan's
    # pool), a lock one of them holds would stay locked forever in the child.
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def wants_worker(jobs: int, principals: int) -> bool:
    """Whether a scan forks a worker: `jobs` 2 always (where forking is possible), 1 never, 0 (auto)
    when this process may use two CPUs and the account is not so large that memory matters more."""
    if jobs == 0:
        jobs = 2 if usable_cpus() > 1 and principals <= AUTO_WORKER_MAX_PRINCIPALS else 1
    return jobs > 1 and fork_available()


class ChildFailed(RuntimeError):
    """The forked child died, or raised an error that could not be sent back as it was."""


class Done(Generic[T]):
    """`func` already run in this process (its error raised at once)."""

    def __init__(self, func: Callable[[], T]) -> None:
        self._value = func()

    def result(self) -> T:
        return self._value

    def __enter__(self) -> "Done[T]":
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Nothing to stop: the work was done when this object was made."""


class Forked(Generic[T]):
    """`func` running in a forked child from construction on; `result()` waits for it.

    The child's exception is raised again in the parent (as it was, or as ChildFailed with its
    traceback text when it cannot be pickled); a child that dies raises ChildFailed. Used as a
    context manager, a child whose result was never asked for (the parent failed first) is killed
    and reaped when the block ends."""

    def __init__(self, func: Callable[[], T]) -> None:
        reap_ended()
        for stream in (sys.stdout, sys.stderr):
            # A log line written by the child flushes its copy of the buffer: the parent's pending
            # text would come out twice.
            if stream is not None:
                stream.flush()
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # a process or memory limit: the caller decides what to do instead
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # the child: never returns
            os.close(read_fd)
            _run_child(func, write_fd)
        os.close(write_fd)
        self.pid = pid
        self._read_fd: int | None = read_fd

    def result(self) -> T:
        if self._read_fd is None:
            raise RuntimeError("the worker's result was already taken")
        with os.fdopen(self._read_fd, "rb") as pipe:
            self._read_fd = None
            payload = pipe.read()  # until the child closes its end: it has answered, or died
        if not payload:
            _, status = os.waitpid(self.pid, 0)
            raise ChildFailed(f"worker process {self.pid} ended without an answer "
                              f"(exit status {os.waitstatus_to_exitcode(status)})")
        _reap_later(self.pid)
        try:
            ok, value = pickle.loads(payload)
        except Exception as exc:  # e.g. an exception class whose constructor pickle cannot call again
            raise ChildFailed(f"worker process {self.pid} sent an unreadable answer: {exc}") from None
        if ok:
            return value
        raise value

    def cancel(self) -> None:
        """Stop the child if its result was not taken: kill, close and reap it."""
        if self._read_fd is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.close(self._read_fd)
        self._read_fd = None
        os.waitpid(self.pid, 0)

    def __enter__(self) -> "Forked[T]":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()


# Children that have answered and are exiting. The kernel takes a child's memory down before it
# can be reaped (8-10 ms for a scan's copy of the heap): nobody waits for that. Each is reaped
# once it is gone, when the next child starts, or when the interpreter exits; the command line,
# which ends with os._exit, reaps them first (auditor.cli.entry).
_ending: list[int] = []


@functools.cache  # registered once, when the first child is left to reap
def _reap_at_exit() -> None:
    atexit.register(reap_ended, wait=True)


def _reap_later(pid: int) -> None:
    _reap_at_exit()
    _ending.append(pid)
    reap_ended()


def reap_ended(wait: bool = False) -> None:
    """Reap the children that have answered and since exited (all of them, waiting, if `wait`)."""
    for pid in list(_ending):
        try:
            done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # reaped by someone else (a SIGCHLD handler, a wait() of the caller)
            done = pid
        if done:
            _ending.remove(pid)


def _run_child(func: Callable[[], object], write_fd: int) -> None:
    code = 0
    try:
        try:
            payload = pickle.dumps((True, func()), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # everything goes back to the parent, which decides
            code = 1
            payload = _pickled_error(exc)
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    finally:
        # Skip atexit handlers and buffered output: they belong to the parent.
        os._exit(code)


def _pickled_error(exc: BaseException) -> bytes:
    try:
        payload = pickle.dumps((False, exc), pickle.HIGHEST_PROTOCOL)
        pickle.loads(payload)  # some exceptions pickle but cannot be rebuilt: check here, not there
        return payload
    except Exception:
        text = "".join(traceback.format_exception(exc)).rstrip()
        return pickle.dumps((False, ChildFailed(f"in a worker process:\n{text}")), pickle.HIGHEST_PROTOCOL)


class Claims:
    """Task numbers handed out once each, in a given order, to whichever process asks first.

    Made before a fork and used by both sides, so that the side that finishes its own share first
    takes over the tasks still waiting instead of idling while the other side works through them
    (how long each share takes depends on the account and on what else runs on the machine). The
    tasks wait in a pipe, one byte each, that both processes read a byte at a time: a pipe read
    is atomic, so no task is handed out twice. In one process it simply hands out every task.
    """

    LIMIT = 255  # task numbers are bytes

    def __init__(self, order: Sequence[int]) -> None:
        if any(not 0 <= n <= self.LIMIT for n in order):
            raise ValueError(f"task numbers must be 0..{self.LIMIT}")
        read_fd, write_fd = os.pipe()
        try:
            os.write(write_fd, bytes(order))  # at most 256 bytes: a pipe takes them without blocking
        finally:
            os.close(write_fd)  # once the bytes are gone, a read answers at once: no task left
        self._read_fd: int | None = read_fd

    def take(self) -> int | None:
        """The next task no process has taken yet, or None."""
        if self._read_fd is None:
            return None
        token = os.read(self._read_fd, 1)
        return token[0] if token else None

    def close(self) -> None:
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None

    def __enter__(self) -> "Claims":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Outbox:
    """Parts of a forked child's answer, sent while it works, for the parent to take in between its
    own tasks instead of all at once after the child's last one.

    Made before the fork. The child `send`s each part (a number and bytes); the parent takes the
    parts sent so far without waiting (`ready`), and, once it has nothing else to do, the rest until
    the child has ended (`rest`). The bytes go into an unnamed file both processes share: in a pipe,
    the child would stall as soon as it is 64 KB ahead of a parent busy with its own work. Only each
    part's place in the file travels through a pipe, a few bytes written in one piece.

    Where no child could be forked, the calling process sends everything itself first, and the
    parts wait for it in the same way.
    """

    _POST = struct.Struct("<BQQ")  # part number, offset, length

    def __init__(self) -> None:
        self._fd = _unnamed_file()
        try:
            self._read_fd, write_fd = os.pipe()
        except OSError:
            os.close(self._fd)
            raise
        self._write_fd: int | None = write_fd
        self._offset = 0  # where the sender's next part goes (only the sender writes)
        self._unread = b""

    def send(self, number: int, payload: bytes) -> None:
        """(The child) Store one part and post its place; `number` is 0..255."""
        if self._write_fd is None:
            raise RuntimeError("this side of the outbox only receives")
        view, offset = memoryview(payload), self._offset
        while view:  # a write may take less than all (a signal, a very large part)
            written = os.pwrite(self._fd, view, offset)
            view, offset = view[written:], offset + written
        os.write(self._write_fd, self._POST.pack(number, self._offset, len(payload)))
        self._offset = offset

    def receive_only(self) -> None:
        """(The parent, once the child is started) Close this side's sending end, so that the end
        of the posts is seen when the child's end closes."""
        if self._write_fd is not None:
            os.close(self._write_fd)
            self._write_fd = None

    def ready(self) -> list[tuple[int, bytes]]:
        """The parts posted since the last call, without waiting for more."""
        os.set_blocking(self._read_fd, False)
        try:
            return self._parts()
        finally:
            os.set_blocking(self._read_fd, True)

    def rest(self) -> list[tuple[int, bytes]]:
        """Every part not yet taken, waiting until the child's end of the posts is closed (it has
        ended, or died). Call `receive_only` first."""
        if self._write_fd is not None:
            raise RuntimeError("receive_only() first: the posts would never end")
        return self._parts()

    def _parts(self) -> list[tuple[int, bytes]]:
        """The parts of the posts read now: until their end, or (not blocking) until none is waiting."""
        chunks = [self._unread]
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self._read_fd, 65536):
                chunks.append(chunk)
        data = b"".join(chunks)
        size = self._POST.size
        whole = len(data) - len(data) % size
        self._unread = data[whole:]
        out = []
        for number, offset, length in self._POST.iter_unpack(data[:whole]):
            payload = os.pread(self._fd, length, offset)
            if len(payload) != length:
                raise ChildFailed(f"a worker's part {number} is cut short ({len(payload)} of {length} bytes)")
            out.append((number, payload))
        return out

    def close(self) -> None:
        self.receive_only()
        for fd in (self._read_fd, self._fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._read_fd = self._fd = -1

    def __enter__(self) -> "Outbox":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_outbox() -> Outbox | None:
    """An Outbox, or None (with a warning) where none can be made: no file descriptor left, or
    neither memfd nor a writable temporary directory. The caller then works in one process."""
    try:
        return Outbox()
    except OSError as exc:
        LOG.warning("cannot share work with a worker process (%s); continuing in one process", exc)
        return None


def _unnamed_file() -> int:
    """A file descriptor of a file no other process can open, gone when the last one closes."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None:
        with contextlib.suppress(OSError):  # a kernel without memfd (before 3.17) or a sandbox refusing it
            return memfd_create("auditor-outbox", os.MFD_CLOEXEC)
    with tempfile.TemporaryFile() as fh:
        return os.dup(fh.fileno())


def run_soon(func: Callable[[], T], *, fork: bool) -> Forked[T] | Done[T]:
    """`func` started in a forked child when `fork` and the platform allows, else run here now (so
    that a serial run does the work in the order it always did)."""
    if fork and fork_available():
        try:
            return Forked(func)
        except OSError as exc:  # EAGAIN or ENOMEM: a container's process or memory limit
            LOG.warning("cannot start a worker process (%s); continuing in one process", exc)
    return Done(func)
