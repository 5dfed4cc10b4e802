"""The demo account: the AWS page's documented examples attached to believable people and roles.

It is created through ordinary boto3 calls against moto and then read back by the real collector,
so the demo exercises the same code path as a live scan. Which seed policies are left out, and why:
09 as printed has a trailing comma and 10 carries a Principal, so IAM refuses both as identity
policies (09's corrected twin is used instead); 13 names GovCloud ARNs, which no commercial-region
SES identity accepts. 04 is kept with its duplicate StringEquals key, because IAM accepts it.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

ACCOUNT_ID = "111122223333"
REGIONS = ("us-east-1", "eu-west-1")
PARTNER_ACCOUNT = "210987654321"  # someone else's account (not a documentation id, which POL007 would flag)
# A fixed date in the past, so the stale-key finding does not depend on the day the demo runs.
OLD_KEY_DATE = dt.datetime(2023, 3, 1, 9, 30, tzinfo=dt.timezone.utc)

# customer managed policy name -> policy file
MANAGED = {
    "PinpointConsoleReadOnly": "01_console_readonly.json",
    "PinpointProjectReadOnly": "02_single_project_readonly.json",
    "PinpointProjectLimitedWrite": "03_project_limited_write.json",
    "PinpointTagBasedView": "04_tag_based_view.json",
    "ViewOwnPermissions": "05_view_own_permissions.json",
    "PinpointApiReadOnly": "06_api_readonly.json",
    "PinpointApiAdmin": "07_api_admin.json",
    "SmsVoiceReadOnly": "08_sms_voice_readonly.json",
    "SmsVoiceFullAccess": "09_sms_voice_admin.corrected.json",
    "PinpointTagBasedModify": "11_tag_based_project_modify.json",
    "CampaignAutomationBoundary": "demo_campaign_automation_boundary.json",
}


@dataclass(frozen=True)
class DemoGroup:
    name: str
    managed: tuple[str, ...]


@dataclass(frozen=True)
class DemoUser:
    name: str
    groups: tuple[str, ...] = ()
    managed: tuple[str, ...] = ()
    inline: tuple[tuple[str, str], ...] = ()  # (policy name, policy file)
    console: bool = False
    mfa: bool = False
    old_access_key: bool = False
    department: str = ""


@dataclass(frozen=True)
class DemoRole:
    name: str
    trust: dict
    managed: tuple[str, ...] = ()
    inline: tuple[tuple[str, str], ...] = ()
    boundary: str = ""
    description: str = ""


@dataclass(frozen=True)
class DemoIdentity:
    region: str
    name: str
    policies: tuple[tuple[str, str], ...]  # (policy name, policy file)


@dataclass(frozen=True)
class DemoProject:
    region: str
    name: str
    owner: str


GROUPS = (
    DemoGroup("pinpoint-console-readers", ("PinpointConsoleReadOnly", "ViewOwnPermissions")),
    DemoGroup("project-analysts", ("PinpointProjectReadOnly", "ViewOwnPermissions")),
    DemoGroup("campaign-editors", ("PinpointProjectLimitedWrite",)),
    DemoGroup("project-owners", ("PinpointTagBasedView", "PinpointTagBasedModify")),
)

USERS = (
    DemoUser("richard-roe", groups=("project-owners",), console=True, department="marketing"),
    DemoUser("maria-garcia", groups=("campaign-editors", "project-analysts"), console=True, mfa=True,
             department="marketing"),
    DemoUser("li-juan", groups=("pinpoint-console-readers",), console=True, mfa=True, department="support"),
    # The over-broad one: sms-voice:* attached straight to the user, a password without MFA, an old key.
    DemoUser("sms-operator", managed=("SmsVoiceFullAccess",), console=True, old_access_key=True,
             department="operations"),
    DemoUser("reporting-bot", inline=(("PinpointApiReadOnly", "06_api_readonly.json"),), old_access_key=True,
             department="analytics"),
    # Access no documented example covers: every messaging action on every resource (IAM009).
    DemoUser("growth-team-lead", inline=(("MessagingPowerUser", "demo_messaging_power_user.json"),), console=True,
             mfa=True, department="growth"),
)


def _service_trust(service: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}


ROLES = (
    DemoRole("PinpointAdministrator", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]},
        managed=("PinpointApiAdmin",), description="Pinpoint administrators (mobiletargeting:*)"),
    DemoRole("CampaignAutomation", _service_trust("lambda.amazonaws.com"), managed=("PinpointProjectLimitedWrite",),
             boundary="CampaignAutomationBoundary", description="Lambda that schedules campaigns"),
    DemoRole("SmsMonitoring", _service_trust("lambda.amazonaws.com"), managed=("SmsVoiceReadOnly",),
             description="Lambda that watches SMS spend"),
    DemoRole("PartnerAnalytics", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]},
        managed=("PinpointApiReadOnly",), description="An analytics partner's account, without an external id"),
)

IDENTITIES = (
    DemoIdentity("us-east-1", "sender@example.com", (("PinpointEmail", "12_ses_identity_for_pinpoint.json"),)),
    DemoIdentity("us-east-1", "example.com", (("PinpointSendsForUs", "demo_ses_pinpoint_unconditioned.json"),)),
    DemoIdentity("eu-west-1", "newsletter@example.eu", (("AnyoneMaySend", "demo_ses_public_send.json"),)),
    DemoIdentity("eu-west-1", "example.eu", (("PartnerAgencySends", "demo_ses_partner_account.json"),)),
)

PROJECTS = (
    DemoProject("us-east-1", "marketing-campaigns", "richard-roe"),
    DemoProject("us-east-1", "order-notifications", "maria-garcia"),
    DemoProject("eu-west-1", "eu-newsletter", "li-juan"),
    # Names and tags are chosen by whoever can tag a project: reports must show this as text.
    DemoProject("eu-west-1", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>"),
)


def policy_text(file_name: str) -> str:
    return resources.files("auditor.demo").joinpath("policies", file_name).read_text(encoding="utf-8")


def build(session: Any) -> None:
    """Create the demo account in whatever `session` points at (moto, in the demo)."""
    iam = session.client("iam", region_name=REGIONS[0])
    arns = {}
    for name, file_name in MANAGED.items():
        arns[name] = iam.create_policy(PolicyName=name, PolicyDocument=policy_text(file_name),
                                       Description=f"from {file_name}")["Policy"]["Arn"]
    for group in GROUPS:
        iam.create_group(GroupName=group.name)
        for policy in group.managed:
            iam.attach_group_policy(GroupName=group.name, PolicyArn=arns[policy])
    for user in USERS:
        _create_user(iam, user, arns)
    for role in ROLES:
        extra = {"PermissionsBoundary": arns[role.boundary]} if role.boundary else {}
        iam.create_role(RoleName=role.name, AssumeRolePolicyDocument=json.dumps(role.trust),
                        Description=role.description, **extra)
        for policy in role.managed:
            iam.attach_role_policy(RoleName=role.name, PolicyArn=arns[policy])
        for policy_name, file_name in role.inline:
            iam.put_role_policy(RoleName=role.name, PolicyName=policy_name, PolicyDocument=policy_text(file_name))
    for identity in IDENTITIES:
        ses = session.client("sesv2", region_name=identity.region)
        ses.create_email_identity(EmailIdentity=identity.name, Tags=[{"Key": "team", "Value": "messaging"}])
        for policy_name, file_name in identity.policies:
            ses.create_email_identity_policy(EmailIdentity=identity.name, PolicyName=policy_name,
                                             Policy=policy_text(file_name))
    for project in PROJECTS:
        pinpoint = session.client("pinpoint", region_name=project.region)
        pinpoint.create_app(CreateApplicationRequest={"Name": project.name, "tags": {"Owner": project.owner}})


def _create_user(iam: Any, user: DemoUser, arns: dict[str, str]) -> None:
    tags = [{"Key": "department", "Value": user.department}] if user.department else []
    iam.create_user(UserName=user.name, Tags=tags)
    for group in user.groups:
        iam.add_user_to_group(GroupName=group, UserName=user.name)
    for policy in user.managed:
        iam.attach_user_policy(UserName=user.name, PolicyArn=arns[policy])
    for policy_name, file_name in user.inline:
        iam.put_user_policy(UserName=user.name, PolicyName=policy_name, PolicyDocument=policy_text(file_name))
    if user.console:
        # A throwaway value for moto; it never leaves the process and no report shows it.
        iam.create_login_profile(UserName=user.name, Password="Demo-only-not-a-secret-1")
    if user.mfa:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user.name)["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(UserName=user.name, SerialNumber=serial,
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
    if user.old_access_key:
        iam.create_access_key(UserName=user.name)
        _backdate_access_keys(user.name)


def _backdate_access_keys(user_name: str) -> None:
    """moto dates every key "now" and has no API to change it; the demo needs an old key, so it sets
    the creation date in moto's own model (the only place the demo reaches past the API)."""
    from moto.iam.models import iam_backends

    for key in iam_backends[ACCOUNT_ID]["aws"].get_user(user_name).access_keys:
        key.create_date = OLD_KEY_DATE
