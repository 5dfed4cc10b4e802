"""Live collection against moto in-process: IAM over many pages, SES and Pinpoint in two regions,
the credential report, and the inventory built from what was collected."""
from __future__ import annotations

import json
import math

from test_collect_support import (
    DUPLICATE_KEY_POLICY,
    REGIONS,
    CallRecorder,
    add_project,
    add_ses_identity,
    aws,  # noqa: F401 - fixture
    bulk_users,
    collect,
    paginated_gaad,  # noqa: F401 - fixture
    sesv2_pages,  # noqa: F401 - fixture
)

from auditor.collect.inventory_builder import build_inventory
from auditor.model.finding import PolicyType
from auditor.model.inventory import CoverageStatus

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "mobiletargeting:Get*", "Resource": "*"}]})


def test_iam_is_read_across_many_pages_with_raw_policy_text(aws, paginated_gaad):
    iam = aws.client("iam")
    arn = iam.create_policy(PolicyName="Shared", PolicyDocument=READ)["Policy"]["Arn"]
    # The default version is the second one; only it may reach the snapshot.
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=DUPLICATE_KEY_POLICY, SetAsDefault=True)
    bulk_users(2500, policy_arn=arn)
    iam.create_group(GroupName="ops")
    iam.put_group_policy(GroupName="ops", PolicyName="inline", PolicyDocument=READ)
    iam.add_user_to_group(GroupName="ops", UserName="user-00007")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST, PermissionsBoundary=arn,
                    Tags=[{"Key": "team", "Value": "ops"}])
    recorder = CallRecorder()

    snapshot = collect(aws, recorder=recorder)

    entities = 2500 + 1 + 1 + 1
    assert recorder.count("GetAccountAuthorizationDetails") == math.ceil(entities / 1000) == 3
    assert len(snapshot.iam["UserDetailList"]) == 2500
    [policy] = snapshot.iam["Policies"]
    [version] = policy["PolicyVersionList"]
    assert version["VersionId"] == "v2" and version["Document"] == DUPLICATE_KEY_POLICY  # raw, URL-decoded
    inventory = build_inventory(snapshot)
    assert len(inventory.users) == 2500 and inventory.load_errors == ()
    shared = inventory.managed_by_arn[arn]
    assert [d.key for d in shared.ref.policy.duplicates] == ["StringEquals"]
    # Parsed once, shared: every user's managed policy is the very same object.
    user = next(u for u in inventory.users if u.name == "user-00007")
    refs = inventory.policies_for(user)
    assert any(r.policy is shared.ref.policy for r in refs)
    assert any(r.via == "group:ops" and r.policy_type is PolicyType.INLINE for r in refs)
    [role] = inventory.roles
    assert role.boundary_arn == arn and role.tags == (("team", "ops"),)
    assert role.trust_policy is not None and role.trust_policy.policy.statements[0].principals[0].value == "lambda.amazonaws.com"
    assert inventory.raw_text_available


def test_ses_and_pinpoint_in_two_regions(aws):
    add_ses_identity(aws, "us-east-1", "sender@example.com", {"dup": DUPLICATE_KEY_POLICY}, {"team": "mail"})
    add_ses_identity(aws, "eu-west-1", "example.eu", {})
    add_project(aws, "us-east-1", "campaigns", {"Owner": "richard-roe"})
    hostile = add_project(aws, "eu-west-1", "<script>alert(1)</script>", {"Owner": "<b>x</b>"})

    snapshot = collect(aws)

    [sender] = snapshot.ses["us-east-1"]
    assert sender["Policies"] == {"dup": DUPLICATE_KEY_POLICY}  # the raw string SES returned
    assert sender["Tags"] == [{"Key": "team", "Value": "mail"}]
    assert [i["IdentityName"] for i in snapshot.ses["eu-west-1"]] == ["example.eu"]
    assert {r: [p["Name"] for p in items] for r, items in snapshot.pinpoint.items()} == {
        "us-east-1": ["campaigns"], "eu-west-1": ["<script>alert(1)</script>"]}
    statuses = {(c.family, c.region): c.status for c in snapshot.coverage}
    for region in REGIONS:
        for family in ("sesv2:ListEmailIdentities", "sesv2:GetEmailIdentity", "pinpoint:GetApps",
                       "pinpoint:ListTagsForResource"):
            assert statuses[(family, region)] is CoverageStatus.OK
    inventory = build_inventory(snapshot)
    by_arn = {i.arn: i for i in inventory.ses_identities}
    identity = by_arn["arn:aws:ses:us-east-1:123456789012:identity/sender@example.com"]
    assert identity.policies[0].policy_type is PolicyType.RESOURCE and identity.policies[0].policy.duplicates
    project = next(p for p in inventory.pinpoint_projects if p.arn == hostile)
    assert project.region == "eu-west-1" and project.tags == (("Owner", "<b>x</b>"),)
    assert inventory.regions == ("eu-west-1", "us-east-1")


def test_credential_report_rows(aws):
    iam = aws.client("iam")
    for name in ("console-no-mfa", "console-mfa", "api-only"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="console-no-mfa", Password="x-Test-1234")
    iam.create_login_profile(UserName="console-mfa", Password="x-Test-1234")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="m")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="console-mfa", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    secret = iam.create_access_key(UserName="api-only")["AccessKey"]["SecretAccessKey"]

    snapshot = collect(aws)

    assert secret not in json.dumps(snapshot.to_document())
    rows = {r.user: r for r in build_inventory(snapshot).credentials}
    assert rows["console-no-mfa"].password_enabled and not rows["console-no-mfa"].mfa_active
    assert rows["console-mfa"].password_enabled and rows["console-mfa"].mfa_active
    api = rows["api-only"]
    assert not api.password_enabled and [k.slot for k in api.access_keys] == [1]
    assert api.access_keys[0].active and api.access_keys[0].last_rotated and api.access_keys[0].last_used == ""
    assert rows["console-mfa"].access_keys == ()


def test_projects_with_inline_tags_need_no_extra_call(aws, monkeypatch):
    """Real Pinpoint returns tags in GetApps; moto does not, so the test adds them the way AWS does."""
    from moto.pinpoint.models import App

    add_project(aws, "us-east-1", "tagged", {"Owner": "a"})
    original = App.to_json
    monkeypatch.setattr(App, "to_json", lambda self: {**original(self), "tags": {"Owner": "inline"}})
    recorder = CallRecorder()

    snapshot = collect(aws, regions=["us-east-1"], recorder=recorder)

    assert snapshot.pinpoint["us-east-1"][0]["tags"] == {"Owner": "inline"}
    assert recorder.count("ListTagsForResource") == 0


def test_ses_identities_are_read_across_pages(aws, sesv2_pages):
    for i in range(130):
        add_ses_identity(aws, "us-east-1", f"user{i:03d}@example.com")
    recorder = CallRecorder()

    snapshot = collect(aws, regions=["us-east-1"], recorder=recorder)

    assert len(snapshot.ses["us-east-1"]) == 130
    assert recorder.count("ListEmailIdentities") == 2  # moto's page size is 100
    assert recorder.count("GetEmailIdentity") == 130
