"""Per-stage timing of one `auditor scan --input FILE` run, in process.

    python -m benchmarks.stages --input FILE --output-dir DIR   (prints one JSON object on stdout)

The real command runs unchanged; the stage functions it reaches (loading, analysis, effective access,
checks, each report) are wrapped with timers wherever a module holds a reference to them, so the
breakdown follows the pipeline as it is written instead of re-implementing it. Stages that do not
exist (yet) are simply absent from the output. Nested stages carry their depth.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import importlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable

# (label, "module:function") in pipeline order; the first existing function per label is timed.
STAGE_TARGETS: tuple[tuple[str, str], ...] = (
    ("load", "auditor.collect.offline:load_inputs"),
    ("load", "auditor.collect.offline:load_input"),
    ("load", "auditor.collect.offline:load"),
    ("load", "auditor.collect.loader:load_inputs"),
    ("build", "auditor.collect.inventory_builder:build_inventory"),
    ("analyse", "auditor.pipeline:analyse"),
    ("access", "auditor.access.compute:compute_access"),
    ("access", "auditor.access.compute:effective_access"),
    ("access", "auditor.access.compute:compute"),
    ("checks", "auditor.engine:run_inventory_checks"),
    ("suppress", "auditor.suppress:apply_suppressions"),
    ("baseline", "auditor.baseline:apply_baseline"),
    ("reports", "auditor.report:write_reports"),
)


@dataclass
class StageTime:
    label: str
    depth: int
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    calls: int = 0
    rss_mb_after: float = 0.0  # resident memory when the stage last returned
    peak_mb_after: float = 0.0  # the process's high-water mark at that point


def _memory_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process, from /proc (Linux); zeros elsewhere."""
    found = {"VmRSS:": 0.0, "VmHWM:": 0.0}
    with contextlib.suppress(OSError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                key = line.split(maxsplit=1)[0] if line.strip() else ""
                if key in found:
                    found[key] = int(line.split()[1]) / 1024
    return found["VmRSS:"], found["VmHWM:"]


class StageClock:
    """Accumulates time per (label, depth); depth is how many timed stages are open around it."""

    def __init__(self) -> None:
        self.times: dict[tuple[str, int], StageTime] = {}
        self.depth = 0

    def wrap(self, label: str, func: Callable) -> Callable:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            key = (label, self.depth)
            entry = self.times.setdefault(key, StageTime(label, self.depth))
            self.depth += 1
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                entry.seconds += time.perf_counter() - start
                entry.cpu_seconds += time.process_time() - cpu
                entry.calls += 1
                if self.depth == 1:  # top-level stages only: /proc reads per check call would add up
                    entry.rss_mb_after, entry.peak_mb_after = _memory_mb()
                self.depth -= 1

        timed.__wrapped_stage__ = True  # type: ignore[attr-defined]
        return timed


def _resolve(target: str) -> tuple[Any, str, Callable] | None:
    module_name, name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    func = getattr(module, name, None)
    return (module, name, func) if callable(func) else None


def _replace_everywhere(original: Callable, replacement: Callable) -> None:
    """Swap every module-level reference to `original` among loaded auditor/checks modules."""
    for mod_name, module in list(sys.modules.items()):
        if module is None or not mod_name.startswith(("auditor", "checks")):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, replacement)


def instrument(clock: StageClock) -> list[str]:
    """Wraps the stage functions that exist; returns the targets found."""
    importlib.import_module("auditor.commands.scan")  # load the command's imports before swapping references
    found, labels = [], set()
    for label, target in STAGE_TARGETS:
        if label in labels:
            continue
        resolved = _resolve(target)
        if resolved is None:
            continue
        _, _, func = resolved
        labels.add(label)
        found.append(target)
        _replace_everywhere(func, clock.wrap(label, func))
    _instrument_formatters(clock)
    _instrument_checks(clock)
    return found


def _instrument_checks(clock: StageClock) -> None:
    """Time each check under `check:ID`. Check functions may be generators, so the wrapper drains
    them inside the timer. The registry's cached view is edited in place (same dict object)."""
    try:
        registry = importlib.import_module("auditor.registry")
    except ImportError:
        return
    checks = registry.load_checks()
    for check_id, check in list(checks.items()):
        changes = {}
        for attr in ("func", "scan_func"):
            func = getattr(check, attr, None)
            if callable(func):
                changes[attr] = clock.wrap(f"check:{check_id}", _drained(func))
        timed = dataclasses.replace(check, **changes)
        checks[check_id] = timed
        if registry.REGISTRY.get(check_id) is check:
            registry.REGISTRY[check_id] = timed


def _drained(func: Callable) -> Callable:
    @functools.wraps(func)
    def drained(*args: Any, **kwargs: Any) -> list:
        return list(func(*args, **kwargs))

    return drained


def _instrument_formatters(clock: StageClock) -> None:
    try:
        report = importlib.import_module("auditor.report")
    except ImportError:
        return
    formatter_class = getattr(report, "Formatter", None)
    # The method write_reports calls per format: `write` (streaming) where it exists, else `render`.
    method = next((m for m in ("write", "render") if hasattr(formatter_class, m)), None)
    if method is None:
        return
    original = getattr(formatter_class, method)

    def timed(self: Any, *args: Any) -> Any:
        return clock.wrap(f"report:{self.name}", original)(self, *args)

    setattr(formatter_class, method, timed)
    atomic = getattr(report, "atomic_write", None)
    if callable(atomic):
        _replace_everywhere(atomic, clock.wrap("write files", atomic))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stages")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--format", default="html,csv,json")
    args = parser.parse_args(argv)
    start, cpu = time.perf_counter(), time.process_time()
    from auditor.cli import main as auditor_main  # imports count in the total, as in a real run

    clock = StageClock()
    found = instrument(clock)
    scan_start = time.perf_counter()
    code = auditor_main(["scan", "--input", args.input, "--output-dir", args.output_dir, "--format", args.format,
                         "--fail-on", "never", "-q", "--jobs", "1"])  # CPU per stage: all in this process
    end = time.perf_counter()
    print(json.dumps({
        "exit_code": code,
        "import_s": scan_start - start,
        "scan_s": end - scan_start,
        "cpu_s": time.process_time() - cpu,
        "instrumented": found,
        "stages": [asdict(t) for t in clock.times.values()],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
