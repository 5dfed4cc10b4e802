"""The deployment examples (Dockerfile, deploy/) checked as far as this machine allows: no Docker
engine, Kubernetes cluster or AWS account here, so the checks are the ones that need none of
them - command lines parsed by auditor's own parser, AWS request files validated against
botocore's API models, systemd units through systemd-analyze, IAM policies through our own lint."""
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import botocore.session
import pytest
import yaml
from botocore.validate import ParamValidator

from auditor.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
# What a user fills in for the placeholders: an account that is not a documentation account.
FILLED = {"<SECURITY_ACCOUNT_ID>": "210987654321", "<EXTERNAL_ID>": "a1b2c3d4e5f6", "<REGION>": "eu-west-1",
          "<OIDC_PROVIDER>": "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"}


def _manifests():
    return {p.name: list(yaml.safe_load_all(p.read_text())) for p in sorted((DEPLOY / "kubernetes").glob("*.yaml"))}


def _pod_spec(doc):
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def _command_lines():
    """Every auditor invocation of the examples, as argv lists (without the program)."""
    lines = {}
    cron = [l for l in (DEPLOY / "cron" / "auditor.cron").read_text().splitlines() if l and not l.startswith("#")
            and not re.match(r"^[A-Z_]+=", l)]
    (entry,) = cron
    fields = entry.split()
    assert fields[5] == "auditor" and fields[6].endswith("/auditor")  # cron.d: 5 time fields, user, command
    lines["cron"] = fields[7:]
    service = (DEPLOY / "systemd" / "auditor-scan.service").read_text()
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", service, re.M)
    lines["systemd"] = shlex.split(exec_start)[1:]
    for name, docs in _manifests().items():
        for doc in docs:
            if doc["kind"] in ("CronJob", "Job"):
                container = _pod_spec(doc)["containers"][0]
                if "command" not in container:
                    lines[name] = container["args"]
    task = json.loads((DEPLOY / "ecs" / "task-definition.json").read_text())
    lines["ecs"] = task["containerDefinitions"][0]["command"]
    return lines


def test_every_example_command_line_parses_with_auditor(monkeypatch):
    parser = build_parser()
    for where, argv in _command_lines().items():
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{where}: auditor rejects {' '.join(argv)}")
        assert args.command in ("scan", "merge"), where


def test_sharded_job_gives_every_index_its_own_shard_and_directory(tmp_path):
    (doc,) = _manifests()["sharded-job.yaml"]
    spec = doc["spec"]
    n = spec["completions"]
    assert spec["completionMode"] == "Indexed" and spec["parallelism"] == n and spec["maxFailedIndexes"] == 0
    container = _pod_spec(doc)["containers"][0]
    # Run the container's real shell command with a stand-in `auditor` that prints its argv.
    fake = tmp_path / "auditor"
    fake.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \"$@\"\n")
    fake.chmod(0o755)
    parser = build_parser()
    shards, dirs = [], set()
    for index in range(n):
        env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "JOB_COMPLETION_INDEX": str(index)}
        out = subprocess.run(container["command"] + container["args"], env=env, capture_output=True, text=True,
                             check=True).stdout
        args = parser.parse_args(json.loads(out))
        shards.append((args.shard.index, args.shard.count))
        dirs.add(args.output_dir)
    assert sorted(shards) == [(i, n) for i in range(1, n + 1)]
    assert len(dirs) == n  # each shard its own output directory
    merge_args = parser.parse_args(_command_lines()["merge-job.yaml"])
    assert all(Path(d).is_relative_to(merge_args.paths[0]) for d in dirs)
    assert not Path(merge_args.output_dir).is_relative_to(merge_args.paths[0])


def test_kubernetes_pods_are_locked_down():
    images = set()
    for name, docs in _manifests().items():
        for doc in docs:
            if doc["kind"] not in ("CronJob", "Job"):
                continue
            pod = _pod_spec(doc)
            assert pod["restartPolicy"] == "Never" and pod["securityContext"]["runAsNonRoot"], name
            (container,) = pod["containers"]
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"], name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            volumes = {v["name"] for v in pod["volumes"]}
            assert {"/tmp", "/reports"} <= set(mounts) and set(mounts.values()) <= volumes, name
            images.add(container["image"])
    assert len(images) == 1
    base = {d["kind"]: d for d in _manifests()["base.yaml"]}
    assert base["PersistentVolumeClaim"]["spec"]["accessModes"] == ["ReadWriteMany"]
    config = base["ConfigMap"]["data"]["config.toml"]
    from auditor.config import parse_config

    assert parse_config(tomllib.loads(config)).org.role_name == "security/auditor-readonly"


def test_scan_jobs_fail_at_once_on_usage_errors():
    for name in ("cronjob.yaml", "sharded-job.yaml"):
        (doc,) = _manifests()[name]
        spec = doc["spec"]["jobTemplate"]["spec"] if doc["kind"] == "CronJob" else doc["spec"]
        (rule,) = spec["podFailurePolicy"]["rules"]
        assert rule["action"] == "FailJob" and rule["onExitCodes"]["values"] == [2, 4], name


@pytest.mark.parametrize("service, operation, path", [
    ("ecs", "RegisterTaskDefinition", "ecs/task-definition.json"),
    ("scheduler", "CreateSchedule", "ecs/schedule.json"),
])
def test_ecs_files_are_valid_aws_requests(service, operation, path):
    shape = botocore.session.get_session().get_service_model(service).operation_model(operation).input_shape
    request = json.loads((DEPLOY / path).read_text())
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


def test_ecs_task_is_read_only_and_non_root():
    (container,) = json.loads((DEPLOY / "ecs" / "task-definition.json").read_text())["containerDefinitions"]
    assert container["readonlyRootFilesystem"] and container["user"] == "10001:10001"
    assert {m["containerPath"] for m in container["mountPoints"]} == {"/reports", "/config", "/tmp"}


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    for unit in ("auditor-scan.service", "auditor-scan.timer"):
        shutil.copy(DEPLOY / "systemd" / unit, tmp_path / unit)
    proc = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "auditor-scan.timer"),
                           str(tmp_path / "auditor-scan.service")], capture_output=True, text=True)
    # The one complaint allowed: the virtualenv the unit runs from is not installed on this machine.
    problems = [l for l in (proc.stdout + proc.stderr).splitlines()
                if l.strip() and "/opt/auditor/bin/auditor is not executable" not in l]
    assert problems == []


@pytest.mark.parametrize("path", sorted(p.name for p in (DEPLOY / "iam").glob("*.json")))
def test_iam_policies_pass_our_own_lint_once_filled_in(path):
    from auditor.engine import build_selection, lint_policy
    from auditor.model.policy import PolicyKind
    from auditor.parse.policy import parse_policy
    from auditor.registry import CheckOptions

    text = (DEPLOY / "iam" / path).read_text()
    kind = PolicyKind.TRUST if "trust" in path else PolicyKind.IDENTITY
    options = CheckOptions(trusted_accounts=frozenset({FILLED["<SECURITY_ACCOUNT_ID>"]}))

    def lint(t):
        return lint_policy(parse_policy(t), kind, file=path, account_id=FILLED["<SECURITY_ACCOUNT_ID>"],
                           partition="aws", options=options, selection=build_selection())

    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    assert [(f.check_id, f.message) for f in lint(text)] == []
    assert "<" not in text  # every placeholder of the file is one the docs tell users to fill in


def test_dockerfile_builds_from_what_the_context_holds():
    dockerfile = (ROOT / "Dockerfile").read_text()
    ignored = [l.strip() for l in (ROOT / ".dockerignore").read_text().splitlines() if l.strip() and not l.startswith("#")]
    copies = re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.M)
    sources = [s for line in copies for s in line.split()]
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), f"{source} is in .dockerignore"
    # Every package pyproject ships is copied into the build stage, and the README it declares.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages <= set(sources) and pyproject["project"]["readme"] in sources
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    (user,) = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert user.split(":")[0] not in ("0", "root")
    assert '\nENTRYPOINT ["auditor"]\n' in dockerfile and '\nCMD ["scan", "--demo"]\n' in dockerfile
    assert "pinpoint-auditor" in dockerfile and pyproject["project"]["name"] == "pinpoint-auditor"
