"""Timing and peak memory of one command, and the `json.load` baseline.

Peak memory is the larger of two sampled readings: the command's own resident high-water mark
(VmHWM, which the kernel keeps per process) and, where asked, a sum over the command's whole process
tree (catches forked workers, which a per-process figure reports one process at a time). The sum adds
each process's proportional set size (a page shared by n processes counts 1/n in each): a forked child
shares the parent's pages until either writes to them, and adding resident sets would count those twice.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

SAMPLE_EVERY_S = 0.02


@dataclass(frozen=True)
class Measurement:
    wall_s: float
    cpu_s: float  # user + system of the child and the children it waited for: steadier than wall on a busy machine
    peak_mb: float
    returncode: int
    stderr_tail: str


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):  # the process may be gone, or /proc absent
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                found.extend(int(c) for c in fh.read().split())
    return found


def _proc_kb(pid: int, name: str, field: str) -> int:
    """A kB figure from /proc/PID/NAME (0 when the process is gone or /proc is absent)."""
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/{name}", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    return _proc_kb(pid, "smaps_rollup", "Pss:")


def _hwm_kb(pid: int) -> int:
    """The process's own resident high-water mark. Unlike wait4's ru_maxrss, which starts from the
    resident size of the process that spawned it (Linux carries it over at exec: a command started
    by a 400 MB test runner reports at least 400 MB), and cheap: the kernel keeps it as a counter."""
    return _proc_kb(pid, "status", "VmHWM:")


def tree_pss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _pss_kb(current)
        stack.extend(_children(current))
    return total


class _Sampler(threading.Thread):
    """Peak memory of a running process: its own high-water mark, and with `tree` the sum of the
    proportional set sizes of it and its descendants (a forked worker's pages shared with its parent
    count once). The sum is costly to take (see run_measured), the high-water mark is not."""

    def __init__(self, pid: int, tree: bool):
        super().__init__(daemon=True)
        self.pid, self.tree, self.peak_kb = pid, tree, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_kb = max(self.peak_kb, _hwm_kb(self.pid), tree_pss_kb(self.pid) if self.tree else 0)
            self.stop.wait(SAMPLE_EVERY_S)


def run_measured(cmd: Sequence[str], log: Path, *, cwd: Path | None = None, env: dict | None = None,
                 sample_tree: bool = True) -> Measurement:
    """Runs `cmd` with stdout and stderr going to `log`; wall time includes interpreter start-up.

    Peak memory is the command's own resident high-water mark, sampled; with `sample_tree`, at
    least the process tree's summed proportional set size. Timed runs leave the sum out: reading a
    process's smaps_rollup walks its page tables under its memory-map lock, and 50 times a second
    that cost a 5,000-principal scan 8-15% of its wall time. Where /proc cannot be read, wait4's
    ru_maxrss stands in."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL)
        sampler = _Sampler(proc.pid, sample_tree)
        sampler.start()
        # wait4 reaps the child and gives its own rusage (RUSAGE_CHILDREN would mix in earlier children).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak_kb = sampler.peak_kb or usage.ru_maxrss
    tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    return Measurement(wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024, proc.returncode, tail)


def median_of(runs: Sequence[Measurement], ok_codes: Sequence[int] = (0,)) -> Measurement:
    """The run with the median wall time (the slower middle one of an even count), with the highest
    peak memory of all runs: a repeated timing on a shared machine is summed up by its typical run,
    and memory by its worst. A failed run is returned as it is, so that the failure shows."""
    if not runs:
        raise ValueError("no runs to summarise")
    failed = [r for r in runs if r.returncode not in ok_codes]
    if failed:
        return failed[0]
    middle = sorted(runs, key=lambda r: r.wall_s)[len(runs) // 2]
    return replace(middle, peak_mb=max(r.peak_mb for r in runs))


def json_load_seconds(path: Path, repeat: int = 3) -> tuple[float, float]:
    """Best of `repeat` plain `json.load` runs, (wall, CPU) seconds: the floor any tool reading this file pays."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as fh:
            json.load(fh)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu
