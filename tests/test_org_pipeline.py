"""One organization scan through the real collector, checks and pipeline (moto in-process).

Real: Organizations, AssumeRole per account with the member sessions landing in the member
accounts, live collection through those sessions, the checks, the reports. Simulated: one member's
role refusing AssumeRole (moto lets anyone assume anything; a botocore hook raises AccessDenied).
"""
import argparse
import json

import boto3
import pytest
from moto import mock_aws

from auditor.config import parse_config
from auditor.org import add_org_arguments
from auditor.org.runner import run_org_scan
from test_org import deny_assume_role
from test_org_support import create_organization

WILDCARD_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}]})


def real_scan_one(config):
    from auditor.collect.collector import CollectOptions, collect_live
    from auditor.collect.inventory_builder import build_inventory
    from auditor.collect.session import AwsTarget
    from auditor.pipeline import analyse

    def scan_one(session, account_id):
        snapshot = collect_live(AwsTarget(regions=("us-east-1",)), CollectOptions(rate_limit=1000), session=session)
        return analyse(build_inventory(snapshot), config)

    return scan_one


@pytest.fixture
def organization():
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        members = create_organization(session, 3)
        sts = session.client("sts")
        for account in members:
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")["Credentials"]
            iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                               aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
            iam.create_user(UserName=f"marketer-{account[-4:]}")
            iam.put_user_policy(UserName=f"marketer-{account[-4:]}", PolicyName="pinpoint-all",
                                PolicyDocument=WILDCARD_POLICY)
        yield session, members


def test_org_scan_with_the_real_pipeline(organization, tmp_path):
    session, members = organization
    denied = members[0]
    deny_assume_role(session, denied)
    parser = argparse.ArgumentParser()
    add_org_arguments(parser)
    parser.add_argument("--output-dir")
    parser.add_argument("--format")
    args = parser.parse_args(["--accounts", ",".join(members), "--role-name", "auditor", "--output-dir",
                              str(tmp_path), "--format", "json"])
    config = parse_config({"scan": {"rate_limit": 1000.0}})
    assert run_org_scan(args, config, real_scan_one(config), session=session) == 3
    doc = json.loads((tmp_path / "findings.json").read_text())
    wildcard = [f for f in doc["findings"] if f["check_id"] == "IAM002"]
    assert sorted(f["account_id"] for f in wildcard) == members[1:]
    for f in wildcard:
        assert f["principal_arn"] == f"arn:aws:iam::{f['account_id']}:user/marketer-{f['account_id'][-4:]}"
    assert any(c["family"] == "sts:AssumeRole" and c["account_id"] == denied and c["status"] == "denied"
               for c in doc["coverage"])
    assert [f["account_id"] for f in doc["findings"] if f["check_id"] == "COV001"] == [denied]
    assert doc["run"]["incomplete"] and doc["run"]["account_ids"] == members
    for account in members[1:]:
        own = json.loads((tmp_path / "accounts" / account / "findings.json").read_text())
        assert {f["account_id"] for f in own["findings"]} == {account}
        assert any(f["check_id"] == "IAM002" for f in own["findings"])
