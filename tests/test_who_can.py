"""`auditor who-can`: every answer proved with the request evaluator, on the demo account and on
small accounts built here."""
from __future__ import annotations

import json

import pytest

from auditor.access.whocan import resolve_action, who_can
from auditor.cli import main
from auditor.collect.inventory_builder import build_inventory
from auditor.collect.snapshot import write_snapshot
from auditor.demo import demo_snapshot
from auditor.evaluate.engine import evaluate
from auditor.evaluate.request import Decision, Request
from auditor.model.inventory import Inventory, Principal
from test_access_support import ACCOUNT, PROJECT_ARN, account, seed_doc, user

DELETE_APP = "mobiletargeting:DeleteApp"
# Contexts a caller might bring: none at all, and one that satisfies every condition the seed uses.
CONTEXTS = ({}, {"aws:SourceIp": "54.240.143.7", "aws:SourceAccount": ACCOUNT,
                 "aws:SourceArn": f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/x", "aws:ResourceTag/Owner": "x"})


@pytest.fixture(scope="module")
def demo() -> tuple[Inventory, object]:
    snapshot = demo_snapshot()
    return build_inventory(snapshot), snapshot


def decide(inv: Inventory, principal: Principal, action: str, resource: str, context: dict) -> Decision:
    identity = [ref.policy for ref in inv.policies_for(principal)]
    boundary = inv.boundary_for(principal)
    resource_policy = next((ref.policy for i in inv.ses_identities if i.arn == resource for ref in i.policies), None)
    request = Request.make(principal.arn, action, resource, context)
    return evaluate(request, identity, resource_policy, [boundary.policy] if boundary else []).decision


def test_who_can_delete_each_demo_project_is_proved_by_the_evaluator(demo):
    inv, _snapshot = demo
    action = resolve_action(DELETE_APP)
    listed_somewhere = False
    for project in inv.pinpoint_projects:
        allowed = {a.principal_arn: a for a in who_can(inv, action, project.arn)}
        listed_somewhere |= bool(allowed)
        for principal in inv.principals:
            answer = allowed.get(principal.arn)
            if answer is None:
                assert all(decide(inv, principal, DELETE_APP, project.arn, c) is not Decision.ALLOWED
                           for c in CONTEXTS), principal.arn
            elif answer.always:
                assert decide(inv, principal, DELETE_APP, project.arn, {}) is Decision.ALLOWED, principal.arn
            else:
                assert any(decide(inv, principal, DELETE_APP, project.arn, c) is Decision.ALLOWED for c in CONTEXTS)
    assert listed_somewhere


def test_demo_administrator_deletes_projects_of_its_region_only(demo):
    inv, _snapshot = demo
    action = resolve_action(DELETE_APP)
    for project in inv.pinpoint_projects:
        names = sorted(a.principal_name for a in who_can(inv, action, project.arn))
        # growth-team-lead holds mobiletargeting:* on "*"; the administrator role is scoped to us-east-1.
        expected = ["PinpointAdministrator", "growth-team-lead"] if project.region == "us-east-1" else ["growth-team-lead"]
        assert names == expected
    us_east = next(p.arn for p in inv.pinpoint_projects if p.region == "us-east-1")
    admin = next(a for a in who_can(inv, action, us_east) if a.principal_name == "PinpointAdministrator")
    assert admin.always and admin.via == ("PinpointApiAdmin FullAccess",)


def test_only_if_answers_name_their_conditions_and_hold_only_then():
    inv = account(user("office", inline={"ip": seed_doc("10_ip_restricted_project.json")}),
                  user("reader", inline={"ro": seed_doc("06_api_readonly.json")}))
    (answer,) = who_can(inv, resolve_action(DELETE_APP), PROJECT_ARN)
    assert answer.principal_name == "office" and answer.decision == "only-if"
    assert answer.conditions == ("aws:SourceIp IpAddress 54.240.143.0/24", "aws:SourceIp NotIpAddress 54.240.143.188/32")
    office = inv.users[0]
    assert decide(inv, office, DELETE_APP, PROJECT_ARN, {"aws:SourceIp": "54.240.143.7"}) is Decision.ALLOWED
    assert decide(inv, office, DELETE_APP, PROJECT_ARN, {"aws:SourceIp": "54.240.143.188"}) is not Decision.ALLOWED
    assert decide(inv, office, DELETE_APP, PROJECT_ARN, {}) is not Decision.ALLOWED


def test_without_a_resource_lists_what_each_principal_reaches():
    inv = account(user("admin", inline={"a": seed_doc("07_api_admin.json")}),
                  user("everywhere", inline={"e": {"Version": "2012-10-17", "Statement": [
                      {"Effect": "Allow", "Action": "mobiletargeting:DeleteApp", "Resource": "*"}]}}))
    answers = {a.principal_name: a for a in who_can(inv, resolve_action(DELETE_APP))}
    assert answers["everywhere"].resources == ()  # every resource
    assert PROJECT_ARN in answers["admin"].resources
    assert not any("other regions" in r for r in answers["admin"].resources)


def test_actions_of_any_service_can_be_asked_about():
    inv = account(user("deployer", inline={"pass": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/app-*"}]}}))
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/app-runner"
    assert [a.principal_name for a in who_can(inv, resolve_action("iam:PassRole"), role_arn)] == ["deployer"]
    assert who_can(inv, resolve_action("iam:PassRole"), f"arn:aws:iam::{ACCOUNT}:role/admin") == ()


def test_cli_json_and_text_from_a_snapshot(demo, tmp_path, capsys):
    inv, snapshot = demo
    path = write_snapshot(snapshot, tmp_path / "snapshot.json")
    project = next(p.arn for p in inv.pinpoint_projects if p.region == "us-east-1")
    assert main(["who-can", DELETE_APP, "--resource", project, "--input", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["action"] == DELETE_APP and document["resource"] == project
    assert sorted((p["name"], p["decision"], p["via"]) for p in document["principals"]) == [
        ("PinpointAdministrator", "always", ["PinpointApiAdmin FullAccess"]),
        ("growth-team-lead", "always", ["MessagingPowerUser EverythingMessaging"])]
    assert main(["who-can", DELETE_APP, "--resource", project, "--input", str(path)]) == 0
    text = capsys.readouterr().out
    assert "role PinpointAdministrator" in text and "always" in text and text.rstrip().endswith("2 principals.")


@pytest.mark.parametrize("argv, message", [
    (["who-can", "mobiletargeting:Delete*", "--demo"], "not a known action"),
    (["who-can", "nosuch:Thing", "--demo"], "not a known action"),
    (["who-can", DELETE_APP, "--resource", "apps/x", "--demo"], "is not an ARN"),
])
def test_cli_usage_errors_are_one_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_cli_needs_an_input(capsys):
    assert main(["who-can", DELETE_APP]) == 2
    assert "--input" in capsys.readouterr().err


def test_identity_policies_that_name_a_principal_count_and_are_proved():
    from test_access_support import IDENTITY_ARN, identity

    mailer = f"arn:aws:iam::{ACCOUNT}:user/mailer"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Mailer", "Effect": "Allow", "Principal": {"AWS": mailer}, "Action": "ses:SendEmail",
         "Resource": IDENTITY_ARN},
        {"Sid": "NotTheIntern", "Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/intern"},
         "Action": "ses:*", "Resource": IDENTITY_ARN}]}
    inv = account(user("mailer"), user("intern", inline={"ses": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ses:*", "Resource": "*"}]}}), user("nobody"),
        identities=(identity(policies={"senders": policy}),))
    (answer,) = who_can(inv, resolve_action("ses:SendEmail"), IDENTITY_ARN)
    assert answer.principal_name == "mailer" and answer.always
    assert answer.via == ("senders (policy of sender@example.com) Mailer",)
    for principal in inv.principals:
        expected = Decision.ALLOWED if principal.name == "mailer" else None
        got = decide(inv, principal, "ses:SendEmail", IDENTITY_ARN, {})
        assert (got is Decision.ALLOWED) == (expected is Decision.ALLOWED), principal.name
