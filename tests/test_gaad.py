"""Offline input: `aws iam get-account-authorization-details` output (whole or per --filter, several
files merged), and hostile files: exit 2 with one line, or findings for the broken item only."""
from __future__ import annotations

import json

import pytest
from test_collect_support import (
    ALLOW_ALL,
    DUPLICATE_KEY_POLICY,
    assert_one_line_error,
    aws,  # noqa: F401 - fixture
    run_cli,
)

from auditor.collect.inventory_builder import build_inventory
from auditor.collect.offline import IAM_ONLY_NOTE, load_inputs
from auditor.config import Config
from auditor.errors import InputError
from auditor.pipeline import DECODED_NOTE, analyse

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _account(aws) -> None:
    iam = aws.client("iam")
    arn = iam.create_policy(PolicyName="TagView", PolicyDocument=DUPLICATE_KEY_POLICY)["Policy"]["Arn"]
    iam.create_group(GroupName="owners")
    iam.attach_group_policy(GroupName="owners", PolicyArn=arn)
    iam.create_user(UserName="richard-roe")
    iam.add_user_to_group(GroupName="owners", UserName="richard-roe")
    iam.attach_user_policy(UserName="richard-roe", PolicyArn=arn)
    iam.put_user_policy(UserName="richard-roe", PolicyName="admin", PolicyDocument=ALLOW_ALL)
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)


def _gaad_file(aws, path, *filters: str):
    """What `aws iam get-account-authorization-details [--filter ...]` writes: decoded policies."""
    kwargs = {"Filter": list(filters)} if filters else {}
    answer = aws.client("iam").get_account_authorization_details(**kwargs)
    answer.pop("ResponseMetadata")
    path.write_text(json.dumps(answer, default=str, indent=2))
    return path


def test_whole_gaad_file_is_scanned_and_says_duplicates_cannot_be_seen(aws, tmp_path):
    _account(aws)
    path = _gaad_file(aws, tmp_path / "gaad.json")

    code, _out, err = run_cli(["scan", "--input", str(path), "--output-dir", str(tmp_path / "out"), "--fail-on", "never"])

    assert code == 0, err
    report = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert report["run"]["account_ids"] == ["123456789012"] and report["run"]["source"] == f"gaad:{path}"
    ids = {f["check_id"] for f in report["findings"]}
    assert "COV002" in ids and "POL002" not in ids  # the AWS CLI already dropped the duplicate
    assert "IAM001" in ids  # the inline Allow * on *
    assert DECODED_NOTE in report["notes"] and IAM_ONLY_NOTE in report["notes"]
    assert "auditor: " in err and "123456789012" in err


def test_account_and_partition_come_from_the_arns(tmp_path):
    path = tmp_path / "gov.json"
    path.write_text(json.dumps({"UserDetailList": [{
        "UserName": "ops", "UserId": "AIDA1", "Path": "/", "Arn": "arn:aws-us-gov:iam::210987654321:user/ops",
        "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess",
                                     "PolicyArn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"}],
    }], "Policies": [{
        "PolicyName": "AdministratorAccess", "Arn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
        "DefaultVersionId": "v1", "AttachmentCount": 1,
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": json.loads(ALLOW_ALL)}],
    }]}))
    inventory = build_inventory(load_inputs([path]))
    assert (inventory.account_id, inventory.partition) == ("210987654321", "aws-us-gov")
    assert not inventory.raw_text_available and inventory.load_errors == ()
    [managed] = inventory.managed_policies
    assert managed.aws_managed and inventory.policies_for(inventory.users[0])[0].policy is managed.ref.policy


def test_filtered_files_are_merged_into_one_account(aws, tmp_path):
    _account(aws)
    users = _gaad_file(aws, tmp_path / "users.json", "User")
    rest = [_gaad_file(aws, tmp_path / "roles.json", "Role", "Group"),
            _gaad_file(aws, tmp_path / "policies.json", "LocalManagedPolicy")]

    merged = build_inventory(load_inputs([users, *rest]))
    assert merged.load_errors == ()
    [user] = merged.users
    names = {r.name for r in merged.policies_for(user)}
    assert names == {"admin", "TagView"}  # inline, attached, and the group's managed policy
    assert [r.name for r in merged.roles] == ["worker"]

    alone = build_inventory(load_inputs([users]))
    messages = " ".join(m for _w, m in alone.load_errors)
    assert "no Policies entries" in messages and "no GroupDetailList entries" in messages


def test_inputs_from_different_accounts_are_refused(tmp_path):
    def user_file(name, account):
        path = tmp_path / name
        path.write_text(json.dumps({"UserDetailList": [{"UserName": "u", "Arn": f"arn:aws:iam::{account}:user/u"}]}))
        return path

    with pytest.raises(InputError, match="different accounts .*111111111111.*222222222222"):
        load_inputs([user_file("a.json", "111111111111"), user_file("b.json", "222222222222")])


HOSTILE = {
    "truncated": (b'{"UserDetailList": [{"UserName": "a", "Arn": "arn:aws:iam::1', "not valid JSON"),
    "not-utf8": (b'{"UserDetailList": ["\xff\xfe"]}', "not UTF-8 text (byte 0xff at offset 21)"),
    "top-level-list": (b'[{"UserName": "a"}]', "expected a JSON object"),
    "deeply-nested": (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    "wrong-field-type": (b'{"UserDetailList": "everyone"}', "UserDetailList must be a list, not a string"),
    "unknown-shape": (b'{"Users": []}', "not a snapshot or get-account-authorization-details output"),
    "empty": (b"", "the file is empty"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_exit_2_with_one_line_naming_it(tmp_path, name):
    data, fragment = HOSTILE[name]
    path = tmp_path / f"{name}.json"
    path.write_bytes(data)
    code, _out, err = run_cli(["scan", "--input", str(path), "--output-dir", str(tmp_path / "out")])
    assert_one_line_error(code, err, str(path), fragment)
    assert not (tmp_path / "out").exists()


def test_missing_file_is_exit_2(tmp_path):
    code, _out, err = run_cli(["scan", "--input", str(tmp_path / "nope.json")])
    assert_one_line_error(code, err, "nope.json", "cannot read")


def test_broken_items_are_reported_and_the_rest_is_scanned(tmp_path):
    user_arn = "arn:aws:iam::210987654321:user/ok"
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({
        "UserDetailList": [
            {"UserName": "ok", "Arn": user_arn, "GroupList": 5,
             "UserPolicyList": [{"PolicyName": "broken", "PolicyDocument": '{"Version": "2012-10-17", "Statement": ['},
                                {"PolicyName": "admin", "PolicyDocument": json.loads(ALLOW_ALL)}]},
            "not-a-user",
            {"UserName": ["x"], "Arn": 7},
        ],
        "RoleDetailList": [],
    }))
    code, _out, err = run_cli(["scan", "--input", str(path), "--output-dir", str(tmp_path / "out"), "--fail-on", "high"])

    # Unreadable items make the scan incomplete (3 outranks 1); the healthy policy's critical
    # finding is still reported below.
    assert code == 3, err
    assert "3 input items unreadable" in err and "Traceback" not in err
    report = json.loads((tmp_path / "out" / "findings.json").read_text())
    by_policy = {(f["check_id"], f["policy_name"]) for f in report["findings"]}
    assert ("POL001", "broken") in by_policy and ("IAM001", "admin") in by_policy
    notes = "\n".join(report["notes"])
    assert "UserDetailList[1]" in notes and "UserDetailList[2]" in notes and "GroupList must be a list" in notes


def test_scan_result_of_gaad_input_marks_raw_text_unavailable(aws, tmp_path):
    _account(aws)
    snapshot = load_inputs([_gaad_file(aws, tmp_path / "g.json")])
    result = analyse(build_inventory(snapshot), Config(), notes=snapshot.notes)
    assert result.notes[:2] == (DECODED_NOTE, IAM_ONLY_NOTE)
    assert any(f.check_id == "COV002" for f in result.findings)
