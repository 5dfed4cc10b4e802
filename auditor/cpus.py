"""How many CPUs this process may really use: what a container, a taskset or a cgroup quota allows,
not how many the host has (Python's os.cpu_count() reports the host's)."""
from __future__ import annotations

import math
import os
from pathlib import Path


def usable_cpus(cgroup_root: Path = Path("/sys/fs/cgroup"), proc_cgroup: Path = Path("/proc/self/cgroup")) -> int:
    """CPUs this process may run on at once: its CPU affinity (taskset, cpuset), capped by a CPU
    quota of its cgroup (a container's `--cpus`, a Kubernetes CPU limit), rounded up."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:
        count = os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root, proc_cgroup)
    return count if quota is None else max(1, min(count, math.ceil(quota)))


def cgroup_cpu_quota(cgroup_root: Path, proc_cgroup: Path) -> float | None:
    """The smallest CPU quota (in CPUs) on the way from this process's cgroup up to the root, in
    cgroup v2 (`cpu.max`) or v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`); None without one."""
    try:
        lines = proc_cgroup.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    quotas: list[float] = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2: one unified hierarchy
            for directory in _up_to(cgroup_root, path):
                quotas += _quota(directory / "cpu.max", None)
        elif "cpu" in controllers.split(","):
            for mount in (cgroup_root / "cpu", cgroup_root / "cpu,cpuacct"):
                for directory in _up_to(mount, path):
                    quotas += _quota(directory / "cpu.cfs_quota_us", directory / "cpu.cfs_period_us")
    return min(quotas, default=None)


def _up_to(root: Path, path: str) -> list[Path]:
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    return [root.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def _quota(quota_file: Path, period_file: Path | None) -> list[float]:
    try:
        fields = quota_file.read_text(encoding="ascii").split()
        if period_file is not None:
            fields.append(period_file.read_text(encoding="ascii").strip())
        quota, period = fields[0], float(fields[1])
        if quota in ("max", "-1") or period <= 0:
            return []
        return [float(quota) / period]
    except (OSError, ValueError, IndexError):
        return []  # no such controller file here, or a format this code does not know: no limit known
