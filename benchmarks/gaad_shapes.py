"""Policy document shapes for the synthetic account.

Each shape is a function `(rng, facts, owner) -> document` returning a decoded policy object the way the
AWS CLI prints it. The messaging shapes follow the documented Pinpoint / End User Messaging / SES examples
(including their mistakes: SourceAccount conditions in identity policies, placeholders left in, literal
user names); the others are the unrelated-service policies that make up most of a real account.
`owner` is a name token (team, application, user) so that unique inline policies stay unique.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

Document = dict
Shape = Callable[[random.Random, "Facts", str], Document]

# The documentation's own placeholder values, as people leave them in.
DOC_ACCOUNT = "123456789012"
DOC_PROJECT = "810c7aab86d42fb2b56c8c966example"

SUPPORTING_READS = (
    "firehose:ListDeliveryStreams", "iam:ListRoles", "kinesis:ListStreams", "s3:List*",
    "ses:Describe*", "ses:Get*", "ses:List*", "sns:ListTopics",
)


@dataclass(frozen=True)
class Facts:
    """What the account looks like, for filling ARNs in."""

    account_id: str
    partition: str
    regions: tuple[str, ...]
    project_ids: tuple[str, ...]
    partner_accounts: tuple[str, ...]
    email_identities: tuple[str, ...]

    def arn(self, service: str, resource: str, region: str = "", account: str | None = None) -> str:
        acct = self.account_id if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{acct}:{resource}"


def _doc(*statements: dict) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _st(actions, resources, *, sid: str = "", effect: str = "Allow", cond: dict | None = None,
        not_action: bool = False) -> dict:
    statement: dict = {"Sid": sid} if sid else {}
    statement["Effect"] = effect
    statement["NotAction" if not_action else "Action"] = _one_or_list(actions)
    statement["Resource"] = _one_or_list(resources)
    if cond:
        statement["Condition"] = cond
    return statement


def _one_or_list(values):
    if isinstance(values, str):
        return values
    return values[0] if len(values) == 1 else list(values)


def _project_arns(f: Facts, region: str, project: str) -> list[str]:
    return [f.arn("mobiletargeting", f"apps/{project}", region), f.arn("mobiletargeting", f"apps/{project}/*", region)]


# --- messaging shapes (the documented examples and their usual variations) ---------------------------------

def console_readonly(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    return _doc(
        _st(["mobiletargeting:Get*", "mobiletargeting:List*"], f.arn("mobiletargeting", "*", region), sid="UseConsole"),
        _st(SUPPORTING_READS, "*", cond={"StringEquals": {"aws:SourceAccount": f.account_id}}),
    )


def project_readonly(rng: random.Random, f: Facts, owner: str, write: tuple[str, ...] = ()) -> Document:
    region = rng.choice(f.regions)
    project = rng.choice(f.project_ids)
    actions = ["mobiletargeting:Get*", "mobiletargeting:List*", *write]
    return _doc(
        _st("mobiletargeting:GetApps", f.arn("mobiletargeting", "*", region), sid="ViewProject"),
        _st(actions, _project_arns(f, region, project) + [f.arn("mobiletargeting", "reports", region)]),
        _st(sorted(SUPPORTING_READS, key=lambda a: rng.random()), "*",
            cond={"StringEquals": {"aws:SourceAccount": f.account_id}}),
    )


def project_limited_write(rng: random.Random, f: Facts, owner: str) -> Document:
    return project_readonly(rng, f, owner, ("mobiletargeting:Create*", "mobiletargeting:Update*", "mobiletargeting:Put*"))


def tag_view(rng: random.Random, f: Facts, owner: str) -> Document:
    """The tag-based view example. Its printed text repeats `StringEquals`; the AWS CLI decodes it keeping
    the last one, so half of the copies arrive with the Owner condition already gone."""
    region = rng.choice(f.regions)
    source = {"ArnLike": {"aws:SourceArn": f.arn("mobiletargeting", "*", region)}}
    if rng.random() < 0.5:
        cond = {"StringEquals": {"aws:SourceAccount": f.account_id}, **source}
    else:
        cond = {"StringEquals": {"aws:ResourceTag/Owner": owner, "aws:SourceAccount": f.account_id}, **source}
    return _doc(
        _st(["mobiletargeting:Get*", "mobiletargeting:List*"], "*", sid="ListResources"),
        _st(["mobiletargeting:Get*", "mobiletargeting:List*"], f"arn:{f.partition}:mobiletargeting:*:*:*",
            sid="ViewResourceIfOwner", cond=cond),
    )


def view_own_permissions(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(
        _st(["iam:GetUserPolicy", "iam:ListGroupsForUser", "iam:ListAttachedUserPolicies", "iam:ListUserPolicies",
             "iam:GetUser"], [f"arn:{f.partition}:iam::*:user/${{aws:username}}"], sid="ViewOwnUserInfo"),
        _st(["iam:GetGroupPolicy", "iam:GetPolicyVersion", "iam:GetPolicy", "iam:ListAttachedGroupPolicies",
             "iam:ListGroupPolicies", "iam:ListPolicyVersions", "iam:ListPolicies", "iam:ListUsers"], "*",
            sid="NavigateInConsole"),
    )


def api_readonly(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    return _doc(_st(["mobiletargeting:Get*", "mobiletargeting:List*"], f.arn("mobiletargeting", "*", region),
                    sid="ViewAllResources"))


def api_admin(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    return _doc(_st(["mobiletargeting:*"], f.arn("mobiletargeting", "*", region), sid="FullAccess"))


def sms_voice_readonly(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    return _doc(_st(["sms-voice:Get*", "sms-voice:List*", "sms-voice:Describe*"], "*", sid="SMSVoiceReadOnly",
                    cond={"StringEquals": {"aws:SourceAccount": f.account_id},
                          "ArnLike": {"aws:SourceArn": f.arn("sms-voice", "*", region)}}))


def sms_voice_admin(rng: random.Random, f: Facts, owner: str) -> Document:
    if rng.random() < 0.5:
        return _doc(_st(["sms-voice:*"], "*", sid="SMSVoiceFullAccess"))
    region = rng.choice(f.regions)
    return _doc(_st(["sms-voice:*"], "*", sid="SMSVoiceFullAccess",
                    cond={"StringEquals": {"aws:SourceAccount": f.account_id},
                          "ArnLike": {"aws:SourceArn": f.arn("sms-voice", "*", region)}}))


def ip_restricted_project(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    net = f"{rng.randrange(11, 200)}.{rng.randrange(0, 255)}.{rng.randrange(0, 255)}"
    return _doc(_st("mobiletargeting:*", _project_arns(f, region, rng.choice(f.project_ids)), sid="IPAllow",
                    cond={"IpAddress": {"aws:SourceIp": f"{net}.0/24"},
                          "NotIpAddress": {"aws:SourceIp": f"{net}.{rng.randrange(1, 255)}/32"}}))


def tag_project_modify(rng: random.Random, f: Facts, owner: str) -> Document:
    # The documented example compares the tag to a literal user name; some copies use the variable.
    value = owner if rng.random() < 0.7 else "${aws:username}"
    region = rng.choice(f.regions)
    return _doc(_st("mobiletargeting:*", _project_arns(f, region, rng.choice(f.project_ids)),
                    sid="ModifyResourceIfOwner", cond={"StringEquals": {"aws:ResourceTag/Owner": value}}))


def ses_sending(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    identity = rng.choice(f.email_identities)
    if rng.random() < 0.25:
        return _doc(_st("ses:*", "*", sid="SesEverything"))
    cond = {"StringLike": {"ses:FromAddress": f"*@{identity.split('@')[-1]}"}} if rng.random() < 0.4 else None
    return _doc(_st(["ses:SendEmail", "ses:SendRawEmail"], f.arn("ses", f"identity/{identity}", region),
                    sid="SendFromIdentity", cond=cond))


def doc_placeholders(rng: random.Random, f: Facts, owner: str) -> Document:
    """A documented example pasted without filling in every placeholder."""
    region = rng.choice(f.regions)
    variant = rng.randrange(3)
    if variant == 0:
        resources = ["arn:aws:mobiletargeting:region:accountId:apps/projectId",
                     "arn:aws:mobiletargeting:region:accountId:apps/projectId/*"]
    elif variant == 1:
        resources = _project_arns(f, region, DOC_PROJECT)
    else:
        resources = [f.arn("mobiletargeting", f"apps/{rng.choice(f.project_ids)}", region, DOC_ACCOUNT)]
    return _doc(_st(["mobiletargeting:Get*", "mobiletargeting:Update*"], resources, sid="LimitedWriteProject"))


# --- unrelated services -----------------------------------------------------------------------------------

def s3_bucket_rw(rng: random.Random, f: Facts, owner: str) -> Document:
    bucket = f"{owner}-{rng.choice(('data', 'artifacts', 'logs', 'exports', 'uploads'))}-{f.account_id[-4:]}"
    return _doc(
        _st(["s3:ListBucket", "s3:GetBucketLocation"], f"arn:{f.partition}:s3:::{bucket}"),
        _st(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], f"arn:{f.partition}:s3:::{bucket}/*"),
    )


def dynamodb_table(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    table = f.arn("dynamodb", f"table/{owner}-{rng.choice(('state', 'events', 'sessions', 'orders'))}", region)
    return _doc(_st(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
                     "dynamodb:BatchWriteItem"], [table, f"{table}/index/*"]))


def logs_and_metrics(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    return _doc(
        _st(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            f.arn("logs", f"log-group:/aws/lambda/{owner}*", region)),
        _st("cloudwatch:PutMetricData", "*", cond={"StringEquals": {"cloudwatch:namespace": owner}}),
    )


def queue_and_topic(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    return _doc(
        _st(["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            f.arn("sqs", f"{owner}-queue", region)),
        _st("sns:Publish", f.arn("sns", f"{owner}-notifications", region)),
    )


def kms_via_service(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    key = f.arn("kms", f"key/{rng.getrandbits(128):032x}", region)
    return _doc(_st(["kms:Decrypt", "kms:GenerateDataKey"], key,
                    cond={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}))


def secrets_and_params(rng: random.Random, f: Facts, owner: str) -> Document:
    region = rng.choice(f.regions)
    return _doc(
        _st("secretsmanager:GetSecretValue", f.arn("secretsmanager", f"secret:{owner}/*", region)),
        _st(["ssm:GetParameter", "ssm:GetParametersByPath"], f.arn("ssm", f"parameter/{owner}/*", region)),
    )


def ec2_describe(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(_st(["ec2:Describe*", "elasticloadbalancing:Describe*", "autoscaling:Describe*"], "*"))


def pass_role_any(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(
        _st(["iam:PassRole"], "*", sid="PassAnyRole"),
        _st(["lambda:CreateFunction", "lambda:UpdateFunctionCode", "ecs:RunTask", "ecs:RegisterTaskDefinition"], "*"),
    )


def power_user_not_action(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(
        _st(["iam:*", "organizations:*", "account:*"], "*", not_action=True),
        _st(["iam:CreateServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization"], "*"),
    )


def region_guardrail(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(
        _st(["iam:*", "sts:*", "support:*", "cloudfront:*", "route53:*"], "*", effect="Deny", not_action=True,
            sid="DenyOutsideRegions",
            cond={"StringNotEquals": {"aws:RequestedRegion": list(f.regions)}}),
        _st(["mobiletargeting:Delete*", "sms-voice:Delete*"], "*", effect="Deny", sid="NoMessagingDeletes"),
    )


def mfa_guardrail(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(
        _st(["iam:ChangePassword", "iam:GetUser", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
             "sts:GetSessionToken"], "*", effect="Deny", not_action=True, sid="DenyAllExceptListedIfNoMFA",
            cond={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
    )


def full_admin(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(_st("*", "*"))


def s3_everything(rng: random.Random, f: Facts, owner: str) -> Document:
    return _doc(_st(["s3:*"], "*"), _st(["s3:Get*", "s3:List*"], "*"))


def assume_partner_role(rng: random.Random, f: Facts, owner: str) -> Document:
    account = rng.choice(f.partner_accounts)
    return _doc(_st("sts:AssumeRole", f"arn:{f.partition}:iam::{account}:role/{owner}-access"))


# (shape, weight in customer managed policies, weight in inline policies)
SHAPES: tuple[tuple[Shape, int, int], ...] = (
    (console_readonly, 5, 2), (project_readonly, 6, 3), (project_limited_write, 4, 2), (tag_view, 3, 2),
    (view_own_permissions, 3, 1), (api_readonly, 4, 2), (api_admin, 2, 1), (sms_voice_readonly, 3, 1),
    (sms_voice_admin, 2, 1), (ip_restricted_project, 2, 1), (tag_project_modify, 2, 2), (ses_sending, 4, 3),
    (doc_placeholders, 2, 1),
    (s3_bucket_rw, 8, 10), (dynamodb_table, 6, 8), (logs_and_metrics, 6, 8), (queue_and_topic, 5, 6),
    (kms_via_service, 3, 3), (secrets_and_params, 5, 6), (ec2_describe, 3, 1), (pass_role_any, 2, 1),
    (power_user_not_action, 1, 0), (region_guardrail, 2, 0), (mfa_guardrail, 1, 0), (full_admin, 1, 0),
    (s3_everything, 2, 1), (assume_partner_role, 2, 3),
)


def boundary_document(rng: random.Random, f: Facts, variant: int) -> Document:
    """Permissions boundaries: what a delegated team may ever do."""
    if variant == 0:
        return _doc(
            _st(["iam:*", "organizations:*", "account:*"], "*", not_action=True, sid="AllButIdentity"),
            _st(["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary"], "*", effect="Deny",
                sid="KeepTheBoundary"),
        )
    if variant == 1:
        return _doc(_st(["mobiletargeting:*", "sms-voice:*", "ses:*", "logs:*", "s3:*", "sqs:*", "sns:*"], "*",
                        sid="MessagingWorkloads"))
    return _doc(_st(["*"], "*", sid="Everything"),
                _st(["iam:Create*", "iam:Delete*", "iam:Put*", "iam:Attach*"], "*", effect="Deny"))
