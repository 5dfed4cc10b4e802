"""The benchmark's synthetic account generator: deterministic, consistent, and shaped like AWS CLI output."""
import json
import re
from collections import Counter

import pytest

from auditor.parse.policy import parse_policy
from benchmarks.gaad_managed import load_aws_managed
from benchmarks.generate_gaad import generate, main

from conftest import CORPUS

TOP_LEVEL = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]
CLI_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


@pytest.fixture(scope="module")
def gaad50(tmp_path_factory):
    path = tmp_path_factory.mktemp("gaad") / "gaad50.json"
    generate(50, path, corpus=CORPUS)
    return path


@pytest.fixture(scope="module")
def doc50(gaad50):
    return json.loads(gaad50.read_text(encoding="utf-8"))


def test_two_runs_are_byte_identical(gaad50, tmp_path):
    again = tmp_path / "again.json"
    assert main(["--principals", "50", "--out", str(again), "--corpus", str(CORPUS)]) == 0
    assert again.read_bytes() == gaad50.read_bytes()


def test_seed_and_size_change_the_account(gaad50, tmp_path):
    other_seed, bigger = tmp_path / "seed.json", tmp_path / "bigger.json"
    generate(50, other_seed, seed=8, corpus=CORPUS)
    generate(60, bigger, corpus=CORPUS)
    assert other_seed.read_bytes() != gaad50.read_bytes()
    assert len(json.loads(bigger.read_text())["UserDetailList"]) + len(json.loads(bigger.read_text())["RoleDetailList"]) == 60


def test_principal_counts_and_cli_layout(gaad50, doc50):
    assert list(doc50) == TOP_LEVEL
    assert len(doc50["UserDetailList"]) + len(doc50["RoleDetailList"]) == 50
    text = gaad50.read_text(encoding="utf-8")
    assert text.startswith('{\n    "UserDetailList": [\n        {\n            "Path": ')
    assert text == json.dumps(doc50, indent=4, ensure_ascii=False) + "\n"  # exactly as the CLI prints it
    dates = [e["CreateDate"] for k in TOP_LEVEL for e in doc50[k]]
    assert dates and all(CLI_DATE.match(d) for d in dates)


def test_references_and_counts_are_consistent(doc50):
    policies = {p["Arn"]: p for p in doc50["Policies"]}
    groups = {g["GroupName"] for g in doc50["GroupDetailList"]}
    attached, bounded = Counter(), Counter()
    for kind in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for entry in doc50[kind]:
            attached.update(a["PolicyArn"] for a in entry["AttachedManagedPolicies"])
            if "PermissionsBoundary" in entry:
                bounded[entry["PermissionsBoundary"]["PermissionsBoundaryArn"]] += 1
            assert set(entry.get("GroupList", [])) <= groups
    assert set(attached) | set(bounded) <= set(policies)
    for arn, policy in policies.items():
        assert policy["AttachmentCount"] == attached[arn]
        assert policy["PermissionsBoundaryUsageCount"] == bounded[arn]
        defaults = [v for v in policy["PolicyVersionList"] if v["IsDefaultVersion"]]
        assert len(defaults) == 1 and defaults[0]["VersionId"] == policy["DefaultVersionId"]
        if arn.startswith("arn:aws:iam::aws:"):
            assert policy["AttachmentCount"] > 0  # GAAD lists AWS managed policies only when attached
    names = [u["UserName"] for u in doc50["UserDetailList"]] + [r["RoleName"] for r in doc50["RoleDetailList"]]
    assert len(names) == len(set(names))


def test_managed_policies_are_shared_and_have_several_versions(tmp_path):
    path = tmp_path / "g400.json"
    generate(400, path, corpus=CORPUS)
    doc = json.loads(path.read_text())
    customer = [p for p in doc["Policies"] if ":aws:policy" not in p["Arn"]]
    assert max(p["AttachmentCount"] for p in doc["Policies"]) >= 20
    assert any(len(p["PolicyVersionList"]) > 1 for p in customer)
    assert any(p["DefaultVersionId"] != p["PolicyVersionList"][-1]["VersionId"] for p in customer)
    text = path.read_text()
    for shape in ('"NotAction"', '"Deny"', '"iam:PassRole"', "aws:SourceAccount", "sms-voice:", '"ses:',
                  "accountId", "mobiletargeting:Get*", '"PermissionsBoundary"'):
        assert shape in text, shape


def test_every_document_is_a_valid_policy(doc50):
    documents = [v["Document"] for p in doc50["Policies"] for v in p["PolicyVersionList"]]
    for kind, key in (("UserDetailList", "UserPolicyList"), ("GroupDetailList", "GroupPolicyList"),
                      ("RoleDetailList", "RolePolicyList")):
        for entry in doc50[kind]:
            documents.extend(p["PolicyDocument"] for p in entry[key])
            if "AssumeRolePolicyDocument" in entry:
                documents.append(entry["AssumeRolePolicyDocument"])
    assert len(documents) > 50
    for document in documents:
        policy = parse_policy(document)
        assert policy.statements and not [i for i in policy.issues if i.fatal], document


def test_built_in_managed_set_is_used_without_the_corpus(tmp_path):
    assert [p.name for p in load_aws_managed(None)][:2] == ["ReadOnlyAccess", "AWSLambdaBasicExecutionRole"]
    path = tmp_path / "builtin.json"
    assert main(["--principals", "30", "--out", str(path), "--no-corpus"]) == 0
    arns = {p["Arn"] for p in json.loads(path.read_text())["Policies"]}
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in arns


def test_harness_measures_a_child_process_peak_memory(tmp_path):
    import sys

    from benchmarks.measure import run_measured

    code = "import time; block = bytearray(150 * 1024 * 1024); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.2)"
    ballast = bytearray(300 * 1024 * 1024)  # this process is large: the child's figure must not start from it
    ballast[::4096] = b"x" * len(ballast[::4096])
    for sampled in (True, False):  # without the tree (timed runs): the command's own high-water mark
        measured = run_measured([sys.executable, "-c", code], tmp_path / "child.log", sample_tree=sampled)
        assert measured.returncode == 0
        assert 150 <= measured.peak_mb < 400
        assert measured.wall_s >= 0.2


def test_harness_sums_a_forked_workers_memory_only_when_sampling(tmp_path):
    import sys

    from benchmarks.measure import run_measured

    # Parent and child each write 120 MB of their own: the high-water mark is one process's, the tree's sum both.
    code = ("import os, time\n"
            "pid = os.fork()\n"
            "block = bytearray(120 * 1024 * 1024); block[::4096] = b'x' * len(block[::4096]); time.sleep(0.5)\n"
            "os._exit(0) if pid == 0 else os.waitpid(pid, 0)")
    sampled = run_measured([sys.executable, "-c", code], tmp_path / "tree.log")
    single = run_measured([sys.executable, "-c", code], tmp_path / "one.log", sample_tree=False)
    assert sampled.returncode == single.returncode == 0
    assert sampled.peak_mb >= 230 and 120 <= single.peak_mb < 230


def test_offline_loader_accepts_the_file(gaad50, doc50):
    from auditor.collect.inventory_builder import build_inventory
    from auditor.collect.offline import load_inputs

    inventory = build_inventory(load_inputs([gaad50]))
    assert inventory.account_id == "403918275564" and inventory.partition == "aws"
    assert not inventory.load_errors
    assert len(inventory.users) == len(doc50["UserDetailList"])
    assert len(inventory.roles) == len(doc50["RoleDetailList"])
    assert len(inventory.groups) == len(doc50["GroupDetailList"])
    assert {m.arn for m in inventory.managed_policies} == {p["Arn"] for p in doc50["Policies"]}
    # Every attachment resolves: the loader finds each managed policy, group and boundary named.
    for principal in inventory.principals:
        refs = inventory.policies_for(principal)
        expected = len(principal.managed_policy_arns) + len(principal.inline_policies)
        assert len([r for r in refs if not r.via]) == expected
        assert (principal.boundary_arn is None) == (inventory.boundary_for(principal) is None)
