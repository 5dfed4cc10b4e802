"""Atomic file replacement: a scheduled job must never leave a half-written report behind."""
from __future__ import annotations

import contextlib
import os
import secrets
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
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []  # (temp file, target), in the order opened

    @contextlib.contextmanager
    def open(self, path: Path) -> Iterator[BinaryIO]:
        """A new temp file for `path`; flushed and fsynced when the block ends without an error."""
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{_TEMP_SUFFIX}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        self.staged.append((tmp, path))  # recorded first: whatever happens next, discard() finds it
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())

    def publish(self) -> None:
        publish(self.staged)

    def discard(self) -> None:
        discard([tmp for tmp, _ in self.staged])

    @property
    def targets(self) -> list[Path]:
        return [target for _, target in self.staged]


def publish(staged: list[tuple[Path, Path]]) -> None:
    """Rename every staged temp file over its target; on failure, remove what is left staged."""
    try:
        for i, (tmp, target) in enumerate(staged):
            os.replace(tmp, target)
    except BaseException:
        discard([tmp for tmp, _ in staged[i:]])
        raise
    for directory in {target.parent for _, target in staged}:
        _fsync_dir(directory)


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
