"""Benchmark of `auditor simulate --batch`: evaluations per second and peak memory.

Generates N deterministic, realistic cases (the seed policies, shared by many cases, plus per-case
project policies; users, roles, sessions and the Pinpoint service principal; in-scope and
out-of-scope requests; contexts with source IPs, tags and user names; some resource policies and
boundaries), writes them to a temporary JSONL file and runs the batch in-process (and, with
--subprocess, through the installed command line too).

    python3 -m benchmarks.bench_simulate [-n 200000] [--subprocess] [--profile] [--phases] [--keep FILE]

The in-process figure runs the command's own loop (`simulate.write_decisions`) with an output
stream that counts decisions; the subprocess figure runs the command in a new process and
reports its wall time and its CPU time (start-up included).
"""
from __future__ import annotations

import argparse
import compileall
import cProfile
import gc
import json
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = Path(os.environ.get("AUDITOR_SHARED", ROOT.parent / "shared")) / "fixtures" / "seed_policies"
ACCT, OTHER = "111122223333", "444455556666"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
ACTIONS = (
    "mobiletargeting:GetApp", "mobiletargeting:GetApps", "mobiletargeting:GetCampaign",
    "mobiletargeting:UpdateCampaign", "mobiletargeting:CreateSegment", "mobiletargeting:DeleteApp",
    "mobiletargeting:GetSegments", "mobiletargeting:PutEvents", "mobiletargeting:ListTemplates",
    "ses:SendEmail", "ses:SendRawEmail", "ses:GetAccount", "sms-voice:ListConfigurationSets",
    "sms-voice:DeleteConfigurationSet", "iam:GetUser", "iam:ListUsers", "s3:ListBucket",
)
SEED_USABLE = (
    "01_console_readonly.json", "02_single_project_readonly.json", "03_project_limited_write.json",
    "04_tag_based_view.json", "05_view_own_permissions.json", "06_api_readonly.json", "07_api_admin.json",
    "08_sms_voice_readonly.json", "09_sms_voice_admin.corrected.json", "10_ip_restricted_project.json",
    "11_tag_based_project_modify.json",
)


def _project_policy(rng: random.Random, project: str, region: str) -> dict:
    """A per-principal policy: one project, a few actions, sometimes a condition or a deny."""
    arn = f"arn:aws:mobiletargeting:{region}:{ACCT}:apps/{project}"
    statements = [{
        "Sid": "Project", "Effect": "Allow",
        "Action": rng.sample(["mobiletargeting:Get*", "mobiletargeting:List*", "mobiletargeting:Update*",
                              "mobiletargeting:Create*", "mobiletargeting:Put*"], 3),
        "Resource": [arn, f"{arn}/*"],
    }]
    if rng.random() < 0.4:
        statements[0]["Condition"] = {"IpAddress": {"aws:SourceIp": f"10.{rng.randrange(256)}.0.0/16"}}
    if rng.random() < 0.3:
        statements.append({"Effect": "Deny", "Action": "mobiletargeting:Delete*", "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}


def generate(n: int, seed: int = 7) -> Iterator[str]:
    rng = random.Random(seed)
    seeds = [json.loads((SEED_DIR / name).read_text()) for name in SEED_USABLE]
    ses_policy = json.loads((SEED_DIR / "12_ses_identity_for_pinpoint.json").read_text())
    boundary = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["mobiletargeting:*", "ses:*", "iam:Get*"], "Resource": "*"}]}
    projects = [f"{rng.getrandbits(128):032x}" for _ in range(200)] + ["810c7aab86d42fb2b56c8c966example"]
    users = [f"user-{i}" for i in range(500)] + ["richard-roe"]
    for i in range(n):
        region = rng.choice(REGIONS[:1] * 4 + REGIONS)
        project = rng.choice(projects)
        user = rng.choice(users)
        account = ACCT if rng.random() < 0.95 else OTHER
        principal = rng.choice((
            f"arn:aws:iam::{account}:user/{user}", f"arn:aws:iam::{account}:role/app-{user}",
            f"arn:aws:sts::{account}:assumed-role/app-{user}/s{i % 7}",
        ))
        identities = rng.sample(seeds, rng.choice((1, 1, 2, 3)))
        if rng.random() < 0.15:  # a principal-specific policy, seen once
            identities.append(_project_policy(rng, project, region))
        action = rng.choice(ACTIONS)
        service = action.split(":")[0]
        resource_policy = None
        if service == "ses":
            resource = f"arn:aws:ses:{region}:{ACCT}:identity/sender@example.com"
            if rng.random() < 0.5:
                resource_policy = ses_policy
                principal = "pinpoint.amazonaws.com"
        elif service == "iam":
            resource = f"arn:aws:iam::{ACCT}:user/{rng.choice((user, 'someone'))}"
        elif service == "s3":
            resource = "arn:aws:s3:::bucket-" + str(rng.randrange(10))
        elif service == "sms-voice":
            resource = "*"
        else:
            resource = rng.choice((f"arn:aws:mobiletargeting:{region}:{ACCT}:apps/{project}",
                                   f"arn:aws:mobiletargeting:{region}:{ACCT}:apps/{project}/campaigns/c{i % 13}",
                                   f"arn:aws:mobiletargeting:{region}:{ACCT}:apps/*"))
        context = {"aws:SourceIp": f"{rng.choice((54, 10))}.{rng.randrange(256)}.143.{rng.randrange(256)}",
                   "aws:username": user, "aws:ResourceTag/Owner": rng.choice((user, "richard-roe", "other"))}
        if rng.random() < 0.3:
            context["aws:SourceAccount"] = ACCT
            context["aws:SourceArn"] = f"arn:aws:mobiletargeting:{region}:{ACCT}:apps/{project}"
        if rng.random() < 0.1:
            identities = [json.dumps(p) for p in identities]  # policies may come as JSON strings
        case = {"id": i, "identity_policies": identities, "resource_policy": resource_policy,
                "permission_boundaries": [boundary] if rng.random() < 0.2 else [],
                "request": {"principal": principal, "action": action, "resource": resource, "context": context}}
        yield json.dumps(case)


DECISIONS = ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied", "Error")


class _Tally:
    """An output stream that counts decisions in what it is given (a chunk of lines at a time)."""

    line_buffering = False

    def __init__(self):
        self.decisions = dict.fromkeys(DECISIONS, 0)
        self._labels = [(f'"decision": "{d}"', d) for d in DECISIONS]

    def write(self, text: str) -> None:
        for label, decision in self._labels:
            self.decisions[decision] += text.count(label)

    def flush(self) -> None:
        pass


def run_in_process(path: Path, runner) -> tuple[float, float, int, dict[str, int]]:
    """The command's own loop (`simulate.write_decisions`) over the file, in this process."""
    from auditor.commands.simulate import write_decisions

    sink = _Tally()
    start, cpu_start = time.perf_counter(), time.process_time()
    with open(path, "rb") as stream:
        write_decisions(runner, stream, sink)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return elapsed, cpu, sum(sink.decisions.values()), sink.decisions


def phases(path: Path, runner) -> dict[str, float]:
    """CPU microseconds per case of each step of the common path, on a runner that has seen the
    file: reading lines, reading a case (id, known policies, request JSON), building the request,
    deciding, writing the output line. Each step runs over the previous step's results."""
    from auditor.evaluate.batch import _AFTER_ID, _encode_string, request_context, request_fields
    from auditor.evaluate.caseread import read_known
    from auditor.evaluate.engine import decide

    def timed(step):
        # Without the collector: the run itself keeps no results, these lists would make it scan.
        gc.disable()
        try:
            start = time.process_time()
            result = step()
            return result, time.process_time() - start
        finally:
            gc.enable()

    def read_stream():
        with open(path, "rb") as stream:
            return list(stream)

    def build(case_id, policies, raw_request):
        principal, action, resource, context, owner = request_fields(raw_request)
        plan = policies.plans.get(action) or policies.plan(action)
        return principal, action, resource, request_context(context) if plan[3] else context, owner

    lines, t_lines = timed(read_stream)
    parts, t_read = timed(lambda: [read_known(line, runner._sections) for line in lines])
    known = [p for p in parts if p is not None]
    requests, t_request = timed(lambda: [build(*p) for p in known])
    decisions, t_decide = timed(lambda: [decide(*request, p[1], None) for request, p in zip(requests, known)])
    _, t_write = timed(lambda: [f'{{"id": {p[0]}{_AFTER_ID[d._value_]}{_encode_string(detail)}}}'
                                for p, (d, detail) in zip(known, decisions)])
    n, k = len(lines), max(1, len(known))
    return {"lines read from the file": t_lines / n * 1e6, "case read (id, known policies, request JSON)":
            t_read / n * 1e6, "request built": t_request / k * 1e6, "decided": t_decide / k * 1e6,
            "output line": t_write / k * 1e6, "share of lines on this path (%)": 100 * len(known) / n}


def json_baseline(path: Path) -> float:
    """CPU seconds to only json.loads every line: the floor any Python batch reader stands on."""
    start = time.process_time()
    with open(path, "rb") as stream:
        for line in stream:
            json.loads(line)
    return time.process_time() - start


# Runs the command and reports its resource use: a small process of its own, because a child
# counts as its peak memory whatever it shared with its parent before starting the command.
_LAUNCHER = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run([sys.executable, "-m", "auditor", "simulate", "--batch", sys.argv[1]], check=True,
               stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
"""


def run_subprocess(path: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of `python -m auditor simulate --batch FILE` in a new process,
    start-up included.

    The package's bytecode is compiled first, as installing it does: with PYTHONDONTWRITEBYTECODE
    set (as in some sandboxes) every start would otherwise compile the changed modules again."""
    compileall.compile_dir(ROOT / "auditor", quiet=1)
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    wall, cpu, peak_mb = (float(x) for x in out.split())
    return wall, cpu, peak_mb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="number of cases (default 100000)")
    parser.add_argument("--subprocess", action="store_true", help="also time `python -m auditor simulate --batch`")
    parser.add_argument("--profile", action="store_true", help="print the top functions by internal time")
    parser.add_argument("--phases", action="store_true", help="print CPU time per case of each step")
    parser.add_argument("--keep", metavar="FILE", type=Path,
                        help="also write the generated cases to FILE (for benchmarks.simulate_lines)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        started = time.perf_counter()
        with open(path, "w") as out:
            for line in generate(args.n):
                out.write(line + "\n")
        size_mb = path.stat().st_size / 1e6
        if args.keep:
            shutil.copyfile(path, args.keep)
        print(f"generated {args.n:,} cases ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
        from auditor.evaluate.batch import BatchRunner

        runner = BatchRunner()
        elapsed, cpu, count, decisions = run_in_process(path, runner)
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # CPU time is reported beside wall time: on a shared machine it is the steadier figure.
        print(f"in-process: {count:,} evaluations in {elapsed:.2f} s wall = {count / elapsed:,.0f} evaluations/s "
              f"({count / cpu:,.0f}/s of CPU time); peak RSS {peak_mb:.0f} MB; decisions {decisions}")
        # The same cases again, same runner: every policy already parsed and compiled, as in a
        # batch whose cases share their policies.
        _, warm_cpu, _, _ = run_in_process(path, runner)
        print(f"second pass (all policies cached): {count / warm_cpu:,.0f} evaluations/s of CPU time")
        if args.phases:
            for name, value in phases(path, runner).items():
                print(f"  {name}: {value:.2f}" + ("" if name.startswith("share") else " us/case"))
        floor = json_baseline(path)
        print(f"baseline: json.loads alone {count / floor:,.0f} lines/s of CPU time; "
              f"the batch costs {cpu / floor:.1f}x that")
        if args.subprocess:
            wall, child_cpu, child_mb = run_subprocess(path)
            print(f"subprocess: {args.n / wall:,.0f} evaluations/s end to end ({wall:.2f} s wall), "
                  f"{args.n / child_cpu:,.0f}/s of CPU time ({child_cpu:.2f} s, start-up included); "
                  f"peak RSS {child_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
