"""cloudsplaining, installed in its own virtual environment under benchmarks/out/ (never committed),
run on the same file as auditor for the side-by-side comparison."""
from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

from benchmarks.measure import Measurement, run_measured


def ensure_installed(out_dir: Path) -> Path:
    """The `cloudsplaining` executable, installing it with pip into out_dir/cs-venv on first use."""
    env_dir = out_dir / "cs-venv"
    exe = env_dir / "bin" / "cloudsplaining"
    if exe.exists():
        return exe
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    subprocess.run([str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", "cloudsplaining"],
                   check=True, stdout=sys.stderr)
    return exe


def version(exe: Path) -> str:
    pip = exe.parent / "pip"
    shown = subprocess.run([str(pip), "show", "cloudsplaining"], capture_output=True, text=True, check=False)
    for line in shown.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def scan(exe: Path, gaad: Path, work: Path) -> Measurement:
    """`cloudsplaining scan` with its default checks and HTML + JSON output, as a user would run it."""
    report_dir = work / "cloudsplaining-report"
    shutil.rmtree(report_dir, ignore_errors=True)
    report_dir.mkdir(parents=True)  # it refuses an output directory that does not exist
    cmd = [str(exe), "scan", "--input-file", str(gaad), "--output", str(report_dir), "--skip-open-report"]
    # One process: its own high-water mark is its peak, so it is timed without the tree's sum, as auditor is.
    return run_measured(cmd, work / "cloudsplaining.log", sample_tree=False)
