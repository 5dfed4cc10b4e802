"""The benchmark's markdown output: one row per size, then the targets of design.md section 8."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.forked import AUTO_WORKER_MAX_PRINCIPALS
from benchmarks.measure import Measurement

# Stage labels (see benchmarks.stages) in the order a scan goes through them.
STAGE_ORDER = ("load", "build", "analyse", "access", "checks", "suppress", "baseline",
               "reports", "report:html", "report:csv", "report:json", "write files")
TIME_FACTOR, TIME_SLACK_S = 3.0, 20.0
MEMORY_FACTOR, MEMORY_SLACK_MB = 4.0, 300.0
SPEEDUP_GOAL = 10.0
OK_EXIT_CODES = (0, 3)
MIN_COLUMN_S = 0.01
SLOWEST_CHECKS = 8


@dataclass
class SizeResult:
    principals: int
    file_mb: float
    json_load_s: float
    json_load_cpu_s: float
    scan: Measurement
    stages: dict = field(default_factory=dict)
    cloudsplaining: Measurement | None = None
    profile_path: str = ""
    scan_walls: tuple[float, ...] = ()  # every timed run's wall seconds, in the order run
    cloudsplaining_walls: tuple[float, ...] = ()

    @property
    def time_target_s(self) -> float:
        return TIME_FACTOR * self.json_load_s + TIME_SLACK_S

    @property
    def cpu_target_s(self) -> float:
        return TIME_FACTOR * self.json_load_cpu_s + TIME_SLACK_S

    @property
    def memory_target_mb(self) -> float:
        return MEMORY_FACTOR * self.file_mb + MEMORY_SLACK_MB

    @property
    def scan_ok(self) -> bool:
        # --fail-on never: 1 cannot mean "findings"; 3 is a scan that ran with coverage gaps.
        return self.scan.returncode in OK_EXIT_CODES

    def speedup(self, cpu: bool = False) -> float | None:
        if self.cloudsplaining is None or not self.scan_ok:
            return None
        ours = self.scan.cpu_s if cpu else self.scan.wall_s
        theirs = self.cloudsplaining.cpu_s if cpu else self.cloudsplaining.wall_s
        return theirs / ours if ours > 0 else None

    def stage_seconds(self) -> dict[str, float]:
        """CPU seconds per stage label (summed over the depths a label was seen at)."""
        out: dict[str, float] = {}
        for entry in self.stages.get("stages", []):
            out[entry["label"]] = out.get(entry["label"], 0.0) + entry.get("cpu_seconds", entry["seconds"])
        return out


def _s(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _x(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.1f}x"


def _runs(walls: tuple[float, ...], digits: int) -> str:
    return " / ".join(f"{w:.{digits}f}" for w in walls) or "–"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_markdown(results: list[SizeResult], header: list[str], notes: list[str]) -> str:
    # Stages that cost nothing anywhere (an empty baseline, no suppressions) would only widen the table.
    seen = {label for r in results for label, sec in r.stage_seconds().items() if sec >= MIN_COLUMN_S}
    stage_cols = [label for label in STAGE_ORDER if label in seen]
    with_cs = any(r.cloudsplaining is not None for r in results)
    repeated = any(len(r.scan_walls) > 1 or len(r.cloudsplaining_walls) > 1 for r in results)
    columns = (["principals", "file MB", "json.load s"] + [f"{c} s" for c in stage_cols]
               + ["in-process CPU s", "auditor s", "auditor CPU s", "peak MB"] + (["auditor runs s"] if repeated else []))
    if with_cs:
        columns += ["cloudsplaining s", "cloudsplaining CPU s", "cloudsplaining peak MB"]
        columns += (["cloudsplaining runs s"] if repeated else []) + ["speedup", "speedup CPU"]
    lines = [*(f"{h}  " for h in header), "", _row(columns), _row(["---:"] * len(columns))]
    for r in results:
        seconds = r.stage_seconds()
        cells = [f"{r.principals:,}", _s(r.file_mb, 1), _s(r.json_load_s)]
        cells += [_s(seconds.get(c)) for c in stage_cols]
        cells += [_s(r.stages.get("cpu_s")), _s(r.scan.wall_s), _s(r.scan.cpu_s), _s(r.scan.peak_mb, 0)]
        cells += [_runs(r.scan_walls, 2)] if repeated else []
        if with_cs:
            cs = r.cloudsplaining
            cells += [_s(cs.wall_s if cs else None, 1), _s(cs.cpu_s if cs else None, 1), _s(cs.peak_mb if cs else None, 0)]
            cells += [_runs(r.cloudsplaining_walls, 1)] if repeated else []
            cells += [_x(r.speedup()), _x(r.speedup(cpu=True))]
        lines.append(_row(cells))
    lines += ["", "Stage columns are CPU seconds in one in-process run with `--jobs 1`; stages nest (analyse"
              " includes checks and access). CPU seconds are steadier than wall time when the machine is shared."
              " The timed `auditor` run uses the default `--jobs 0`: a forked worker up to"
              f" {AUTO_WORKER_MAX_PRINCIPALS:,} principals"
              " (its CPU is in `auditor CPU s`, its memory in `peak MB`, summed by proportional set size)."
              + (" Where a tool ran more than once (the two taking turns), its columns show the run with the"
                 " median wall time, `peak MB` the highest of all its runs, and `runs s` every run's wall time"
                 " in the order run; the speedups compare the median runs." if repeated else ""), "",
              "Targets (design.md section 8): time <= 3 x json.load + 20 s; peak memory <= 4 x file size + 300 MB;"
              " at least 10x faster than cloudsplaining.", ""]
    lines += [_verdict(r) for r in results]
    stage_notes = [f"- {r.principals:,}: stage breakdown failed: {r.stages['error']}" for r in results
                   if "error" in r.stages]
    profiles = [f"- {r.principals:,}: profile in `{r.profile_path}`" for r in results if r.profile_path]
    lines += stage_notes + profiles + [f"- {n}" for n in notes]
    detailed = [r for r in results if r.stages.get("stages")]
    if detailed:
        lines += ["", "Slowest checks (CPU s, in-process run):", ""] + [_slowest_checks(r) for r in detailed]
        lines += ["", "Memory after each top-level stage (resident / high-water MB, in-process run):", ""]
        lines += [_memory_by_stage(r) for r in detailed]
    return "\n".join(lines) + "\n"


def _slowest_checks(r: SizeResult) -> str:
    per_check = sorted(((sec, label.split(":", 1)[1]) for label, sec in r.stage_seconds().items()
                        if label.startswith("check:")), reverse=True)
    top = ", ".join(f"{cid} {sec:.2f}" for sec, cid in per_check[:SLOWEST_CHECKS])
    return f"- {r.principals:,}: {top or 'no per-check timings'}"


def _memory_by_stage(r: SizeResult) -> str:
    parts = [f"{e['label']} {e.get('rss_mb_after', 0):.0f}/{e.get('peak_mb_after', 0):.0f}"
             for e in r.stages["stages"] if e["depth"] == 0 and e.get("peak_mb_after")]
    return f"- {r.principals:,}: " + (", ".join(parts) or "not measured")


def _verdict(r: SizeResult) -> str:
    if not r.scan_ok:
        last = r.scan.stderr_tail.strip().splitlines()[-1:] or [""]
        return f"- {r.principals:,} principals: auditor FAILED (exit {r.scan.returncode}): {last[0]}"
    checks = [
        f"time {r.scan.wall_s:.1f} s vs {r.time_target_s:.1f} s {_ok(r.scan.wall_s <= r.time_target_s)}",
        f"CPU {r.scan.cpu_s:.1f} s vs {r.cpu_target_s:.1f} s {_ok(r.scan.cpu_s <= r.cpu_target_s)}",
        f"memory {r.scan.peak_mb:.0f} MB vs {r.memory_target_mb:.0f} MB "
        f"{_ok(r.scan.peak_mb <= r.memory_target_mb)}",
    ]
    for label, ratio in (("speedup", r.speedup()), ("CPU speedup", r.speedup(cpu=True))):
        if ratio is not None:
            checks.append(f"{label} {ratio:.1f}x {_ok(ratio >= SPEEDUP_GOAL)}")
    return f"- {r.principals:,} principals: " + "; ".join(checks)


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"
