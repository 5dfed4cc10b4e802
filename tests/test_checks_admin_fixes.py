"""IAM001, IAM002, IAM003, IAM005 after the review: NotResource read as "every resource except"
(D1), the same document's unconditioned Denies taken into account (D3), `*` confined to some
services' ARNs (D4), prefixes that are not service wildcards (D6), IAM003's NotAction message
judged against Resource (D7a). Linted as a policy author would, through the engine and the CLI."""
from __future__ import annotations

import json

from test_checks_support import allow, doc, inventory, lint, managed, scan, user

from auditor import cli
from auditor.model.finding import Severity

OWN = "999988887777"
APP = f"arn:aws:mobiletargeting:us-east-1:{OWN}:apps/abc"
PROJECT = [APP, f"{APP}/*"]


def found(document, check_id):
    return lint(document, check_id, account=OWN)


def by_service(findings):
    return {dict(f.evidence)["service"]: f for f in findings}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def deny_not(actions, resource="*", **extra):
    return {"Effect": "Deny", "NotAction": actions, "Resource": resource, **extra}


# D1: NotResource --------------------------------------------------------------------------------

def test_iam002_not_resource_is_every_resource_except_and_high():
    statement = {"Effect": "Allow", "Action": "mobiletargeting:*", "NotResource": PROJECT}
    (f,) = found(doc(statement), "IAM002")
    assert f.severity is Severity.HIGH
    assert f"on every resource except {APP}, {APP}/*" in f.message
    assert dict(f.evidence)["scope"].startswith("every resource except ")


def test_iam002_the_same_project_as_resource_stays_medium():
    (f,) = found(doc(allow("mobiletargeting:*", PROJECT)), "IAM002")
    assert f.severity is Severity.MEDIUM and "every resource except" not in f.message


def test_lint_json_of_the_reviewer_case(capsys, tmp_path):
    path = tmp_path / "d1.json"
    path.write_text(json.dumps(doc({"Sid": "AllExceptProject", "Effect": "Allow", "Action": "mobiletargeting:*",
                                    "NotResource": PROJECT})))
    code = cli.main(["lint", str(path), "--account-id", OWN, "--format", "json"])
    out, _ = capsys.readouterr()
    (f,) = [f for f in json.loads(out)["findings"] if f["check_id"] == "IAM002"]
    assert f["severity"] == "high" and "every resource except" in f["message"]
    assert code == 1


# D3: Denies of the same document --------------------------------------------------------------

ONLY_PRODUCTS = doc(allow("*"), deny_not(["ses:*", "mobiletargeting:*"]))


def test_allow_everything_denied_down_to_two_services_is_two_service_wildcards():
    assert not found(ONLY_PRODUCTS, "IAM001")
    assert not found(ONLY_PRODUCTS, "IAM005")
    services = by_service(found(ONLY_PRODUCTS, "IAM002"))
    assert set(services) == {"ses", "mobiletargeting"}
    assert all(f.severity is Severity.HIGH for f in services.values())
    assert "mobiletargeting:DeleteApp" in services["mobiletargeting"].actions


def test_denied_pass_role_and_denied_service_grant_nothing():
    assert not found(doc(allow("iam:PassRole"), deny("iam:PassRole")), "IAM005")
    assert not found(doc(allow("ses:*"), deny("ses:*")), "IAM002")
    # A Deny of every action on a resource pattern that contains the Allow's.
    assert not found(doc(allow("iam:PassRole", "arn:aws:iam::*:role/*"), deny("*", "arn:aws:iam::*:*")), "IAM005")


def test_conditioned_or_narrower_denies_take_nothing_back():
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    assert found(doc(allow("iam:PassRole"), deny("iam:PassRole", Condition=mfa)), "IAM005")
    assert found(doc(allow("iam:PassRole"), deny("iam:PassRole", f"arn:aws:iam::{OWN}:role/admin-*")), "IAM005")
    (f,) = found(doc(allow("*"), deny_not(["ses:*"], Condition=mfa)), "IAM001")
    assert f.severity is Severity.CRITICAL and "except" not in f.message
    assert found(doc(allow("ses:*"), deny("ses:*", Condition=mfa)), "IAM002")
    # Only the same document counts: a Deny elsewhere is the effective access's business.
    assert found(doc(allow("ses:*")), "IAM002")


def test_everything_but_some_services_is_still_an_administrator_grant():
    document = doc(allow("*"), deny(["iam:*", "organizations:*"]))
    (f,) = found(document, "IAM001")
    assert f.severity is Severity.CRITICAL
    assert "except what statement #1 (Action iam:*, organizations:*) denies" in f.message
    assert "creating users" not in f.message
    assert dict(f.evidence)["except"].startswith("statement #1")
    assert not found(document, "IAM002")  # IAM001's finding
    (esc,) = found(document, "IAM005")
    assert esc.actions == ("sts:AssumeRole",)  # every iam:* primitive is denied


def test_a_service_wildcard_minus_some_actions_is_still_reported_with_the_exception():
    (f,) = found(doc(allow("ses:*"), deny("ses:Delete*")), "IAM002")
    assert "but those statement #1 (Action ses:Delete*) denies" in f.message
    assert not any(a.startswith("ses:Delete") for a in f.actions)
    (whole,) = found(doc(allow("ses:*")), "IAM002")
    assert int(dict(f.evidence)["expanded actions"]) < int(dict(whole.evidence)["expanded actions"])


def test_a_deny_that_keeps_only_a_list_closes_the_service_wildcard():
    # Everything but ses:Send* denied, future actions included: what is left is a list, not ses:*.
    assert not found(doc(allow("ses:*"), deny_not("ses:Send*")), "IAM002")
    assert not found(doc(allow("*"), deny_not("ses:Send*")), "IAM002")


def test_scan_variant_of_iam001_reads_the_denies_too():
    products = managed("ProductsOnly", ONLY_PRODUCTS)
    inv = inventory(users=(user("carol", managed_arns=(products.arn,)),), managed_policies=(products,))
    assert not scan(inv, "IAM001")


# D4: `*` on one service's ARNs ----------------------------------------------------------------

def test_every_action_on_one_services_arns_is_that_services_wildcard():
    for resource, service in (("arn:aws:mobiletargeting:*:*:*", "mobiletargeting"), ("arn:aws:ses:*:*:*", "ses"),
                              (["arn:aws:s3:::*", "arn:aws:s3:::*/*"], "s3")):
        document = doc(allow("*", resource))
        assert not found(document, "IAM001"), resource
        (f,) = found(document, "IAM002")
        assert f.severity is Severity.HIGH and dict(f.evidence)["service"] == service, resource
    (f,) = found(doc(allow("*", "arn:aws:s3:::*")), "IAM002")
    assert "s3:PutBucketPolicy" in f.actions


def test_every_action_on_one_project_is_medium_and_star_stays_iam001():
    (f,) = found(doc(allow("*", PROJECT)), "IAM002")
    assert f.severity is Severity.MEDIUM and dict(f.evidence)["service"] == "mobiletargeting"
    for resource in ("*", "arn:aws:*"):
        assert found(doc(allow("*", resource)), "IAM001")
        assert not found(doc(allow("*", resource)), "IAM002")


def test_every_action_on_ses_arns_minus_a_deny_of_ses():
    assert not found(doc(allow("*", "arn:aws:ses:*:*:*"), deny("ses:*")), "IAM002")


# D6: prefixes are not service wildcards -------------------------------------------------------

def test_read_prefixes_covering_a_small_service_are_not_service_wildcards():
    assert not found(doc(allow("codeguru:Get*")), "IAM002")
    assert not found(doc(allow("*:Get*")), "IAM002")
    assert not found(doc(allow(["*:Get*", "*:List*", "*:Describe*"])), "IAM002")


def test_service_wildcards_still_count_and_never_claim_writes_that_are_not_there():
    for pattern in ("codeguru:*", "codeguru:?*", "codegur*:*"):
        f = by_service(found(doc(allow(pattern)), "IAM002"))["codeguru"]
        assert "all writes" not in f.message and "all of them Read or List" in f.message, pattern
    assert {"mobiletargeting", "mobileanalytics"} <= set(by_service(found(doc(allow("mobile*:*")), "IAM002")))


# D7a: IAM003's NotAction message against Resource ---------------------------------------------

def test_not_action_on_a_project_names_only_what_can_work_on_a_project():
    statement = {"Effect": "Allow", "NotAction": "mobiletargeting:Delete*", "Resource": APP}
    (f,) = found(doc(statement), "IAM003")
    assert "mobiletargeting actions" in f.message
    assert "ses" not in f.message.replace(APP, "") and "sms-voice" not in f.message
    assert not any(a.startswith(("ses:", "sms-voice:")) for a in f.actions)
    assert "sms-voice" not in dict(f.evidence)["product actions left in"]


def test_not_action_on_an_ses_identity_counts_ses_only():
    statement = {"Effect": "Allow", "NotAction": "ses:SendEmail",
                 "Resource": f"arn:aws:ses:us-east-1:{OWN}:identity/example.org"}
    (f,) = found(doc(statement), "IAM003")
    counted = dict(f.evidence)["product actions left in"]
    assert counted.endswith(" ses") and "mobiletargeting" not in counted and "sms-voice" not in counted


def test_not_action_on_every_resource_keeps_its_message():
    (f,) = found(doc({"Effect": "Allow", "NotAction": "mobiletargeting:Delete*", "Resource": "*"}), "IAM003")
    assert "every action of every other service, including" in f.message
    assert all(s in f.message for s in (" mobiletargeting, ", " sms-voice, ", " ses actions"))


# IAM004 and IAM010 read the same Denies --------------------------------------------------------------

def test_iam004_and_iam010_drop_what_a_deny_beside_them_takes_back():
    grant = allow(["iam:PassRole", "s3:GetObject", "s3:PutObject"], "*")
    denied = doc(grant, deny(["iam:PassRole", "s3:GetObject"]))
    assert not found(denied, "IAM010")
    [write] = found(denied, "IAM004")
    assert write.actions == ("s3:PutObject",)
    # a conditioned Deny may not apply: the whole grant is still reported
    maybe = doc(grant, deny(["iam:PassRole", "s3:GetObject"], Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
    assert found(maybe, "IAM010") and {a for f in found(maybe, "IAM004") for a in f.actions} >= {"iam:PassRole"}


def test_iam005_passrole_kept_to_named_services_is_medium_and_says_so():
    to_pinpoint = {"StringEquals": {"iam:PassedToService": "pinpoint.amazonaws.com"}}
    (f,) = found(doc(allow("iam:PassRole", Condition=to_pinpoint)), "IAM005")
    assert f.severity is Severity.MEDIUM
    assert "hand any role to pinpoint.amazonaws.com" in f.message and "EC2" not in f.message
    # every service but one: as open as no condition
    (f,) = found(doc(allow("iam:PassRole", Condition={"StringNotEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})),
                 "IAM005")
    assert f.severity is Severity.HIGH and "EC2, Lambda" in f.message
    # another escalation beside it keeps the statement high
    (f,) = found(doc(allow(["iam:PassRole", "iam:AttachUserPolicy"], Condition=to_pinpoint)), "IAM005")
    assert f.severity is Severity.HIGH


def test_patterns_that_match_every_action_are_full_admin():
    for pattern in ("*", "*:*", "*:?*", "?*", "**:*"):
        assert found(doc(allow(pattern)), "IAM001"), pattern
    for pattern in ("*:??*", "s*:*", "*:Get*"):  # not every name, or not every service
        assert not found(doc(allow(pattern)), "IAM001"), pattern
