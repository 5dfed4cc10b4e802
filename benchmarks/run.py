"""Benchmark: offline `auditor scan` on synthetic accounts, against json.load, the design targets and,
optionally, cloudsplaining on the same files in the same run.

    python -m benchmarks.run --sizes 500,5000,20000 [--cloudsplaining] [--repeat 3] [--profile] [--out results.md]

Inputs are generated once and cached in benchmarks/out/ (git-ignored), named after the size, the seed
and a digest of the generator's source, so a changed generator never reuses a stale file.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import cloudsplaining_baseline
from benchmarks.generate_gaad import DEFAULT_SEED, generate
from benchmarks.gaad_managed import default_corpus_path
from benchmarks.measure import Measurement, json_load_seconds, median_of, run_measured
from benchmarks.report_table import OK_EXIT_CODES, SizeResult, render_markdown

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT = BENCH_DIR / "out"
GENERATOR_SOURCES = ("generate_gaad.py", "gaad_account.py", "gaad_shapes.py", "gaad_trust.py", "gaad_managed.py")


def generator_digest() -> str:
    digest = hashlib.sha256()
    for name in GENERATOR_SOURCES:
        digest.update((BENCH_DIR / name).read_bytes())
    corpus = default_corpus_path()
    if corpus.is_file():
        digest.update(str(corpus.stat().st_size).encode())
    return digest.hexdigest()[:10]


def input_file(size: int, seed: int) -> Path:
    path = OUT / f"gaad-{size}-s{seed}-{generator_digest()}.json"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr)
        generate(size, path, seed=seed, corpus=default_corpus_path())
    return path


def auditor_command(gaad: Path, report_dir: Path) -> list[str]:
    return [sys.executable, "-m", "auditor", "scan", "--input", str(gaad), "--output-dir", str(report_dir),
            "--format", "html,csv,json", "--fail-on", "never", "-q"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def stage_breakdown(gaad: Path, work: Path) -> dict:
    """The in-process per-stage timings (a separate fresh process: no warm caches from other runs)."""
    cmd = [sys.executable, "-m", "benchmarks.stages", "--input", str(gaad), "--output-dir", str(work / "stages")]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=_env(), check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]}
    return json.loads(lines[-1])


def profile(gaad: Path, work: Path, top: int = 40) -> Path:
    """cProfile of the whole scan, sorted by cumulative time, saved next to the inputs."""
    import pstats

    prof = work / "scan.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "auditor", *auditor_command(gaad, work / "prof")[3:]]
    subprocess.run(cmd, cwd=REPO, env=_env(), check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text_path = OUT / f"profile-{gaad.stem}.txt"
    with text_path.open("w", encoding="utf-8") as fh:
        stats = pstats.Stats(str(prof), stream=fh)
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top)
    return text_path


@dataclass
class Options:
    sizes: list[int]
    seed: int = DEFAULT_SEED
    cloudsplaining: bool = False
    profile: bool = False
    stages: bool = True
    out: Path | None = None
    repeat: int = 3
    cloudsplaining_repeat_max: int = 5000
    notes: list[str] = field(default_factory=list)


def bench_size(size: int, opts: Options, cs_exe: Path | None) -> SizeResult:
    gaad = input_file(size, opts.seed)
    with tempfile.TemporaryDirectory(prefix=f"bench-{size}-", dir=OUT) as tmp:
        work = Path(tmp)
        load_s, load_cpu_s = json_load_seconds(gaad, repeat=3 if gaad.stat().st_size < 100e6 else 1)
        print(f"[{size}] json.load {load_s:.2f} s", file=sys.stderr)
        # The two tools take turns, so that both meet the same moments of a shared machine.
        scans: list[Measurement] = []
        theirs: list[Measurement] = []
        cs_runs = (opts.repeat if size <= opts.cloudsplaining_repeat_max else 1) if cs_exe is not None else 0
        for turn in range(max(opts.repeat, cs_runs)):
            if turn < opts.repeat:
                print(f"[{size}] auditor scan {turn + 1}/{opts.repeat} ...", file=sys.stderr)
                scans.append(run_measured(auditor_command(gaad, work / "report"), work / "auditor.log",
                                          cwd=REPO, env=_env(), sample_tree=False))
            if turn < cs_runs:
                print(f"[{size}] cloudsplaining {turn + 1}/{cs_runs} ...", file=sys.stderr)
                theirs.append(cloudsplaining_baseline.scan(cs_exe, gaad, work))
        # The worker's memory shows only in the process tree's sum, sampled in a run of its own.
        print(f"[{size}] auditor scan, memory ...", file=sys.stderr)
        memory = run_measured(auditor_command(gaad, work / "report"), work / "auditor.log", cwd=REPO, env=_env())
        if memory.returncode not in OK_EXIT_CODES:
            opts.notes.append(f"{size}: the memory run of auditor exited {memory.returncode}; peak MB is the timed runs'")
        scan = median_of(scans, OK_EXIT_CODES)
        scan = dataclasses.replace(scan, peak_mb=max(scan.peak_mb, memory.peak_mb))
        result = SizeResult(size, gaad.stat().st_size / 1e6, load_s, load_cpu_s, scan,
                            scan_walls=tuple(m.wall_s for m in scans))
        if theirs:
            result.cloudsplaining = median_of(theirs)
            result.cloudsplaining_walls = tuple(m.wall_s for m in theirs)
            if result.cloudsplaining.returncode != 0:
                opts.notes.append(f"{size}: cloudsplaining exited {result.cloudsplaining.returncode}")
        if opts.stages:
            print(f"[{size}] stage breakdown ...", file=sys.stderr)
            result.stages = stage_breakdown(gaad, work)
        if opts.profile:
            result.profile_path = str(profile(gaad, work).relative_to(REPO))
    return result


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            cpu = next((l.split(":", 1)[1].strip() for l in fh if l.startswith("model name")), cpu)
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000", help="comma-separated principal counts")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cloudsplaining", action="store_true", help="also time cloudsplaining (own venv)")
    parser.add_argument("--profile", action="store_true", help="cProfile each scan into benchmarks/out/")
    parser.add_argument("--no-stages", action="store_true", help="skip the in-process stage breakdown")
    parser.add_argument("--out", type=Path, help="also write the markdown table to this file")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs of each tool per size, taking turns; the median run is reported (default 3)")
    parser.add_argument("--cloudsplaining-repeat-max", type=int, default=5000, metavar="PRINCIPALS",
                        help="above this many principals cloudsplaining runs once (default 5000: at 20,000 one "
                             "run takes about 9 minutes)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes integers like 500,5000")
    if not sizes or min(sizes) < 1:
        parser.error("--sizes needs positive principal counts")
    if args.repeat < 1:
        parser.error("--repeat needs at least 1 run")
    return Options(sizes, args.seed, args.cloudsplaining, args.profile, not args.no_stages, args.out,
                   repeat=args.repeat, cloudsplaining_repeat_max=args.cloudsplaining_repeat_max)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    cs_exe = cloudsplaining_baseline.ensure_installed(OUT) if opts.cloudsplaining else None
    load_before = os.getloadavg()[0]
    results = [bench_size(size, opts, cs_exe) for size in opts.sizes]
    command = "python -m benchmarks.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    header = [f"Command: `{command}`", f"Machine: {machine_line()}",
              f"Load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f}"]
    if cs_exe is not None:
        header.append(f"cloudsplaining {cloudsplaining_baseline.version(cs_exe)} in its own venv")
    text = render_markdown(results, header, opts.notes)
    print(text)
    if opts.out:
        opts.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
