"""Atomic file replacement: a scheduled job must never leave a half-written report behind."""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import BinaryIO, Iterator


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, fsync it, then rename it over `path`."""
    tmp = stage(path, data)
    publish([(tmp, path)])


def stage(path: Path, data: bytes) -> Path:
    """Write `data` to a new temp file beside `path` and fsync it; the caller publishes or discards it."""
    staged = StagedFiles()
    try:
        with staged.open(path) as fh:
            fh.write(data)
        staged.synced()
    except BaseException:
        staged.discard()
        raise
    return staged.staged[0][0]


class StagedFiles:
    """New files written beside their targets, then all renamed over them (`publish`) or all removed
    (`discard`): a set of reports is replaced whole or not at all.

    Each file is written as a stream, so its content never needs to be in memory at once. A temp file
    lives in its target's directory so the rename stays on one filesystem (atomic on POSIX and
    Windows); it is created with mode 0666 so the process umask decides the final permissions, as
    for any other file the user writes.

    A finished file is flushed to disk (fsync) by a thread of its own while the next one is written
    (20-30 ms for a 70 MB report, waiting for the disk rather than the processor); `synced`,
    `publish` and `discard` wait for every flush first, so nothing is renamed into place before it
    is on disk.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temp file, target), in the order opened
        self._flushing: list[_Flush] = []

    @contextlib.contextmanager
    def open(self, path: Path) -> Iterator[BinaryIO]:
        """A new temp file for `path`; flushed, then fsynced in the background, when the block ends
        without an error."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        self.staged.append((tmp, path))  # recorded first: whatever happens next, discard() finds it
        fh = os.fdopen(fd, "wb")
        try:
            yield fh
            fh.flush()
        except BaseException:
            fh.close()
            raise
        self._flushing.append(_Flush(fh))

    def synced(self) -> None:
        """Wait until every file written so far is on disk; raises the first flush's error."""
        flushing, self._flushing = self._flushing, []
        errors = [error for error in (f.wait() for f in flushing) if error is not None]
        if errors:
            raise errors[0]

    def publish(self) -> None:
        self.synced()
        publish(self.staged)

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # the files go anyway
            self.synced()
        discard([tmp for tmp, _ in self.staged])

    @property
    def targets(self) -> list[Path]:
        return [target for _, target in self.staged]


class _Flush:
    """fsync and close one written file in a thread (the system call releases the interpreter)."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="auditor-fsync", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            try:
                os.fsync(self._fh.fileno())
            finally:
                self._fh.close()
        except OSError as exc:
            self._error = exc

    def wait(self) -> OSError | None:
        self._thread.join()
        return self._error


def publish(staged: list[tuple[Path, Path]]) -> None:
    """Rename every staged temp file over its target; on failure, remove what is left staged.

    POSIX renames one file at a time, so a set of files cannot be replaced atomically: a failure
    between two renames would leave old and new reports mixed. Every target is therefore checked
    first (`check_replaceable`), and the failures that can be foreseen (a directory in a report's
    place, a directory we may not write to, a sticky directory's file owned by someone else) leave
    all the old files untouched. What remains possible after the check: an I/O error or a full
    directory on the rename itself, the process killed between two renames, or another process
    changing the directory in between; each rename is still atomic, so every file is whole,
    either old or new."""
    try:
        for _, target in staged:
            check_replaceable(target)
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        discard([tmp for tmp, _ in staged])  # those already renamed are gone: nothing happens to them
        raise
    for directory in {target.parent for _, target in staged}:
        _fsync_dir(directory)


def check_replaceable(target: Path) -> None:
    """OSError (with the target's name) when renaming a file over `target` is bound to fail."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, f"{target.name} is a directory", str(target))
    parent = target.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, f"no permission to replace files in {parent}", str(parent))
    if st is not None and _sticky_refuses(parent, st):
        raise PermissionError(errno.EPERM, f"{target.name} belongs to another user in a sticky directory",
                              str(target))


def _sticky_refuses(parent: Path, st: os.stat_result) -> bool:
    """In a sticky directory (as /tmp), only the file's or the directory's owner may replace it."""
    uid = getattr(os, "geteuid", lambda: None)()
    if uid in (None, 0):  # no owners to compare (Windows), or root, whom the rule does not bind
        return False
    parent_st = os.stat(parent)
    return bool(parent_st.st_mode & stat.S_ISVTX) and uid not in (st.st_uid, parent_st.st_uid)


_TEMP_SUFFIX = ".tmp"


def discard_left_by(directory: Path, pid: int) -> None:
    """Remove the temp files that process `pid` staged in `directory` and never published: those
    of a worker process that was killed, or whose files were not taken over."""
    discard(sorted(directory.glob(f".*.{pid}.*{_TEMP_SUFFIX}")))


def discard(temps: list[Path]) -> None:
    for tmp in temps:
        with contextlib.suppress(FileNotFoundError):  # already renamed or never created
            os.unlink(tmp)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and not worth failing for.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
