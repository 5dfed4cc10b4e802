"""The usable CPU count: affinity, capped by a cgroup CPU quota (v1 and v2)."""
import pytest

import auditor.cpus as cpus


def _cgroup(tmp_path, membership: str, files: dict[str, str]):
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="ascii")
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(membership, encoding="ascii")
    return root, proc


@pytest.mark.parametrize(("membership", "files", "quota"), [
    # cgroup v2: the tightest cpu.max on the way up counts (a parent's limit binds its children)
    ("0::/kubepods/pod1/ctr\n", {"kubepods/pod1/ctr/cpu.max": "max 100000\n",
                                 "kubepods/pod1/cpu.max": "150000 100000\n", "kubepods/cpu.max": "max 100000\n"}, 1.5),
    ("0::/\n", {"cpu.max": "50000 100000\n"}, 0.5),  # inside a cgroup namespace
    ("0::/ctr\n", {"ctr/cpu.max": "max 100000\n"}, None),
    # cgroup v1, with the cpu controller mounted alone or beside cpuacct
    ("4:memory:/x\n2:cpu,cpuacct:/docker/abc\n", {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000\n",
                                                  "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n"}, 2.0),
    ("1:cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ("0::/ctr\n", {"ctr/cpu.max": "garbage\n"}, None),
    ("0::/ctr\n", {}, None),
])
def test_cgroup_cpu_quota(tmp_path, membership, files, quota):
    root, proc = _cgroup(tmp_path, membership, files)
    assert cpus.cgroup_cpu_quota(root, proc) == quota


def test_a_cpu_quota_caps_the_usable_cpus(tmp_path, monkeypatch):
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert cpus.usable_cpus(*_cgroup(tmp_path / "a", "0::/\n", {"cpu.max": "100000 100000\n"})) == 1
    assert cpus.usable_cpus(*_cgroup(tmp_path / "b", "0::/\n", {"cpu.max": "120000 100000\n"})) == 2
    assert cpus.usable_cpus(*_cgroup(tmp_path / "c", "0::/\n", {"cpu.max": "900000 100000\n"})) == 4
    assert cpus.usable_cpus(tmp_path / "none", tmp_path / "missing") == 4

