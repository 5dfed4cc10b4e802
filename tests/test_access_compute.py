"""Effective access: what each principal can do to Pinpoint, SMS/voice and SES, through all its
policies, groups, denies, boundary and the resource policies that name it."""
from __future__ import annotations

from auditor.access import compute_access
from auditor.model.access import PrincipalAccess, Reach
from test_access_support import (
    ACCOUNT,
    IDENTITY_ARN,
    OTHER_PROJECT_ARN,
    PROJECT_ARN,
    SEED_ARCHETYPES,
    account,
    allow,
    deny,
    doc,
    group,
    identity,
    managed,
    role,
    seed_account,
    seed_doc,
    user,
)


def actions(row: PrincipalAccess, service: str | None = None) -> dict:
    return {a.action: a for s in row.services if service in (None, s.service) for a in s.actions}


def test_each_seed_example_shows_its_archetype_and_fits_it():
    result = compute_access(seed_account())
    shown = {p.principal_name: (p.archetype, p.nearest_archetype, p.excess) for p in result.principals}
    expected = {f"u{name[:2]}": (archetype, "", ()) for name, archetype in SEED_ARCHETYPES.items()}
    assert shown == expected
    assert all(p.suggested_policy == "" for p in result.principals)


def test_reach_names_real_projects_and_regions_and_all_means_everywhere():
    result = compute_access(seed_account())
    admin = actions(result.get(f"arn:aws:iam::{ACCOUNT}:user/u07"))
    delete = admin["mobiletargeting:DeleteApp"]
    # 07 is scoped to one region of the account: both projects and any other project there, not elsewhere.
    assert delete.reach is Reach.SOME and delete.access_level == "Write"
    assert {PROJECT_ARN, OTHER_PROJECT_ARN, f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/*"} == set(delete.resources)
    assert delete.via == ("07_api_admin.json FullAccess",) and not delete.conditional
    tag_view = actions(result.get(f"arn:aws:iam::{ACCOUNT}:user/u04"))
    assert tag_view["mobiletargeting:GetApp"].reach is Reach.ALL  # Resource "*" reaches every region
    assert "mobiletargeting:DeleteApp" not in tag_view


def test_only_if_access_carries_its_conditions():
    result = compute_access(seed_account())
    sms = actions(result.get(f"arn:aws:iam::{ACCOUNT}:user/u08"), "sms-voice")
    row = sms["sms-voice:ListConfigurationSets"]
    assert row.conditional and row.reach is Reach.ALL
    assert f"aws:SourceAccount StringEquals {ACCOUNT}" in row.conditions
    ip = actions(result.get(f"arn:aws:iam::{ACCOUNT}:user/u10"))
    assert ip["mobiletargeting:DeleteApp"].conditional
    assert "aws:SourceIp IpAddress 54.240.143.0/24" in ip["mobiletargeting:DeleteApp"].conditions
    assert "aws:SourceIp NotIpAddress 54.240.143.188/32" in ip["mobiletargeting:DeleteApp"].conditions


def test_tag_condition_never_matches_actions_that_carry_no_tag():
    # aws:ResourceTag exists for the project (app) but not for GetApps' apps/* resource: never allowed.
    row = compute_access(seed_account()).get(f"arn:aws:iam::{ACCOUNT}:user/u11")
    granted = actions(row)
    assert "mobiletargeting:GetApps" not in granted
    assert granted["mobiletargeting:DeleteApp"].conditional
    assert granted["mobiletargeting:DeleteApp"].resources == (PROJECT_ARN,)


def test_group_managed_and_inline_policies_add_up_with_their_labels():
    readonly = managed("ApiReadOnly", seed_doc("06_api_readonly.json"))
    inv = account(
        user("ana", groups=("readers",), inline={"own-project": seed_doc("02_single_project_readonly.json")}),
        groups=(group("readers", managed_arns=(readonly.arn,)),), managed_policies=(readonly,))
    row = compute_access(inv).principals[0]
    granted = actions(row)
    assert "ApiReadOnly (via group readers) ViewAllResources" in granted["mobiletargeting:GetCampaign"].via
    assert "own-project #1" in granted["mobiletargeting:GetCampaign"].via
    assert "ses:GetAccount" in granted  # from 02's supporting statement
    # 06 and 02 together are exactly the console example's shape.
    assert row.archetype == "console-readonly"


def test_boundary_caps_what_the_policies_grant():
    admin = managed("Admin", seed_doc("07_api_admin.json"))
    cap = managed("ReadOnlyCap", seed_doc("06_api_readonly.json"))
    inv = account(role("automation", managed_arns=(admin.arn,), boundary=cap.arn), managed_policies=(admin, cap))
    row = compute_access(inv).principals[0]
    granted = actions(row)
    assert "mobiletargeting:DeleteApp" not in granted and "mobiletargeting:GetApp" in granted
    assert {a.access_level for a in granted.values()} <= {"Read", "List"}
    assert row.archetype == "api-readonly"


def test_explicit_deny_removes_and_conditional_deny_gates():
    inv = account(
        user("hard", inline={"admin": seed_doc("07_api_admin.json"),
                             "no-delete": doc(deny("mobiletargeting:Delete*"))}),
        user("soft", inline={"admin": seed_doc("07_api_admin.json"), "no-delete-off-vpn": doc(deny(
            "mobiletargeting:Delete*", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))}))
    result = compute_access(inv)
    hard = actions(result.principals[0])
    assert "mobiletargeting:DeleteApp" not in hard and "mobiletargeting:CreateApp" in hard
    assert result.principals[0].archetype == "api-admin"
    soft = actions(result.principals[1])["mobiletargeting:DeleteApp"]
    assert soft.conditional and soft.conditions == ("unless aws:SourceIp NotIpAddress 10.0.0.0/8",)


def test_identity_policy_naming_the_principal_grants_without_identity_policy():
    me = f"arn:aws:iam::{ACCOUNT}:user/mailer"
    sending = {"Version": "2012-10-17", "Statement": [{"Sid": "LetMailerSend", "Effect": "Allow",
               "Principal": {"AWS": me}, "Action": ["ses:SendEmail", "ses:SendRawEmail"], "Resource": IDENTITY_ARN}]}
    inv = account(user("mailer"), user("bystander"), identities=(identity(policies={"mailer-may-send": sending}),))
    result = compute_access(inv)
    mailer = actions(result.get(me), "ses")
    assert set(mailer) == {"ses:SendEmail", "ses:SendRawEmail"}
    assert mailer["ses:SendEmail"].resources == (IDENTITY_ARN,)
    assert mailer["ses:SendEmail"].via == (f"mailer-may-send (policy of sender@example.com) LetMailerSend",)
    assert actions(result.get(f"arn:aws:iam::{ACCOUNT}:user/bystander")) == {}
    assert result.get(me).archetype == "ses-pinpoint-sending"


def test_role_named_by_a_resource_policy_stays_inside_its_boundary():
    bot = f"arn:aws:iam::{ACCOUNT}:role/bot"
    sending = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": bot},
               "Action": "ses:SendEmail", "Resource": IDENTITY_ARN}]}
    cap = managed("PinpointOnly", doc(allow("mobiletargeting:*")))
    inv = account(role("bot", boundary=cap.arn), managed_policies=(cap,),
                  identities=(identity(policies={"bot-sends": sending}),))
    assert actions(compute_access(inv).principals[0]) == {}


def test_everyone_grants_are_access_but_not_the_principals_own_shape():
    public = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
              "Action": "ses:SendEmail", "Resource": IDENTITY_ARN}]}
    inv = account(user("reader", inline={"ro": seed_doc("06_api_readonly.json")}),
                  identities=(identity(policies={"anyone": public}),))
    row = compute_access(inv).principals[0]
    assert "ses:SendEmail" in actions(row)
    # What every principal may do is SES001's business: the user still fits its own example.
    assert row.archetype == "api-readonly" and row.excess == ()


def test_policy_variables_are_resolved_per_principal():
    own = doc(allow("ses:SendEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/${{aws:username}}@example.com"))
    mailers = managed("OwnIdentity", own)
    inv = account(user("alice", managed_arns=(mailers.arn,)), user("bob", managed_arns=(mailers.arn,)),
                  managed_policies=(mailers,), identities=(identity("alice@example.com"), identity("bob@example.com")))
    result = compute_access(inv)
    for name in ("alice", "bob"):
        row = actions(result.get(f"arn:aws:iam::{ACCOUNT}:user/{name}"))["ses:SendEmail"]
        assert row.resources == (f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/{name}@example.com",)
        assert not row.conditional


def test_principals_sharing_policies_share_one_computation():
    shared = managed("ApiAdmin", seed_doc("07_api_admin.json"))
    people = [user(f"p{i}", managed_arns=(shared.arn,)) for i in range(40)]
    bystanders = [user(f"s3-{i}", inline={"s3": doc(allow("s3:GetObject"))}) for i in range(40)]
    result = compute_access(account(*people, *bystanders, managed_policies=(shared,)))
    assert len(result.principals) == 80
    assert result.groups == 2  # the admins, and everyone the audited services never hear of
    assert len({id(p.services) for p in result.principals[:40]}) == 1
    assert all(p.archetype == "" and not any(s.actions for s in p.services) for p in result.principals[40:])


def test_principals_reaching_the_same_rows_share_each_service_block():
    # Two policy sets, the same Pinpoint policy: their Pinpoint rows are the same objects, and the
    # block holding them is one object, which the reports work out once.
    shared = managed("ApiAdmin", seed_doc("07_api_admin.json"))
    plain = user("plain", managed_arns=(shared.arn,))
    mail = user("mail", managed_arns=(shared.arn,), inline={"mail": doc(allow("ses:SendEmail"))})
    result = compute_access(account(plain, mail, managed_policies=(shared,)))
    assert result.groups == 2
    a, b = result.get(plain.arn), result.get(mail.arn)
    assert a.service("mobiletargeting").actions and a.service("mobiletargeting") is b.service("mobiletargeting")
    assert b.service("ses").actions and not a.service("ses").actions
    # Empty blocks are shared too.
    assert a.service("sms-voice") is b.service("sms-voice") and not a.service("sms-voice").actions


def test_blocks_whose_rows_only_hash_alike_stay_apart(monkeypatch):
    import auditor.access.rows as rows

    inv = seed_account()
    expected = compute_access(inv).principals
    monkeypatch.setattr(rows, "hash", lambda value: 0, raising=False)  # every list of rows collides
    assert compute_access(inv).principals == expected


def test_not_action_and_star_policies_reach_every_audited_service():
    inv = account(user("power", inline={"power": doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})}))
    row = compute_access(inv).principals[0]
    assert {s.service for s in row.services if s.actions} == {"mobiletargeting", "sms-voice", "ses"}
    assert all(a.reach is Reach.ALL for s in row.services for a in s.actions)
    assert row.archetype == "" and row.nearest_archetype and row.excess


def test_regions_named_by_policies_are_looked_at_even_when_not_scanned():
    # An IAM-only input names no region; a policy for eu-west-1 still grants access there.
    eu = doc(allow("mobiletargeting:GetApp", f"arn:aws:mobiletargeting:eu-west-1:{ACCOUNT}:apps/*"))
    inv = account(user("eu-reader", inline={"eu": eu}), regions=(), projects=(), identities=())
    row = actions(compute_access(inv).principals[0])["mobiletargeting:GetApp"]
    assert row.reach is Reach.SOME
    assert row.resources == (f"arn:aws:mobiletargeting:eu-west-1:{ACCOUNT}:apps/*",)


def test_a_row_names_only_the_grants_a_deny_leaves_reaching_it():
    # Two Allows reach GetApp and DeleteApp, one per project; a Deny on the first project's GetApp
    # cuts that grant out of the GetApp row only (DeleteApp keeps both).
    inv = account(user("split", inline={"split": doc(
        allow(["mobiletargeting:GetApp", "mobiletargeting:DeleteApp"], PROJECT_ARN, Sid="First"),
        allow(["mobiletargeting:GetApp", "mobiletargeting:DeleteApp"], OTHER_PROJECT_ARN, Sid="Second"),
        deny("mobiletargeting:GetApp", PROJECT_ARN, Sid="NotFirst"))}))
    granted = actions(compute_access(inv).principals[0])
    assert granted["mobiletargeting:GetApp"].via == ("split Second",)
    assert granted["mobiletargeting:GetApp"].resources == (OTHER_PROJECT_ARN,)
    assert granted["mobiletargeting:DeleteApp"].via == ("split First", "split Second")
    assert set(granted["mobiletargeting:DeleteApp"].resources) == {PROJECT_ARN, OTHER_PROJECT_ARN}
