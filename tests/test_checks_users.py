"""USR001-USR003 (credential report and attachments) and COV001-COV002 (what was not seen)."""
from __future__ import annotations

import pytest

from test_checks_support import ACCOUNT, allow, doc, group, inventory, managed, scan, user

from auditor.model.finding import Severity
from auditor.model.inventory import AccessKeyInfo, CoverageEntry, CoverageStatus, CredentialRow
from auditor.registry import CheckOptions

WRITER = managed("PinpointWriter", doc(allow(["mobiletargeting:Get*", "mobiletargeting:UpdateCampaign"])))
READER = managed("PinpointReader", doc(allow(["mobiletargeting:Get*", "mobiletargeting:List*"])))


def row(name, *, password=True, mfa=False, keys=()):
    return CredentialRow(name, f"arn:aws:iam::{ACCOUNT}:user/{name}", password, "", mfa, tuple(keys))


# USR001 ---------------------------------------------------------------------------------------

def test_usr001_password_without_mfa_and_write_access():
    inv = inventory(users=(user("ann", managed_arns=(WRITER.arn,)),), managed_policies=(WRITER,),
                    credentials=(row("ann"),))
    (f,) = scan(inv, "USR001")
    assert f.principal_name == "ann" and f.severity is Severity.HIGH
    assert "mobiletargeting:UpdateCampaign" in f.actions


def test_usr001_write_access_through_a_group():
    inv = inventory(users=(user("ann", groups=("writers",)),), groups=(group("writers", managed_arns=(WRITER.arn,)),),
                    managed_policies=(WRITER,), credentials=(row("ann"),))
    assert scan(inv, "USR001")


def test_usr001_near_misses():
    def account(policy, credential):
        return inventory(users=(user("ann", managed_arns=(policy.arn,)),), managed_policies=(policy,), credentials=(credential,))

    assert not scan(account(WRITER, row("ann", mfa=True)), "USR001")
    assert not scan(account(WRITER, row("ann", password=False)), "USR001")
    assert not scan(account(READER, row("ann")), "USR001")
    # Write access that needs MFA does not reach a session without it.
    mfa_only = managed("WriteWithMfa", doc(allow("mobiletargeting:UpdateCampaign",
                                                 Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    assert not scan(account(mfa_only, row("ann")), "USR001")
    # A service-call-only condition never holds for the user's own requests (IAM006).
    dead = managed("Dead", doc(allow("ses:*", Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}})))
    assert not scan(account(dead, row("ann")), "USR001")


def test_usr001_root_without_mfa():
    root = CredentialRow("<root_account>", f"arn:aws:iam::{ACCOUNT}:root", False, "", False)
    (f,) = scan(inventory(credentials=(root,)), "USR001")
    assert f.principal_arn.endswith(":root")


# USR002 ---------------------------------------------------------------------------------------

def _keys(*keys):
    return inventory(collected_at="2026-11-20T10:00:00Z", users=(user("ann"),),
                     credentials=(row("ann", keys=keys),))


def test_usr002_unused_and_old_keys_against_the_collection_date():
    found = scan(_keys(AccessKeyInfo(1, True, "2026-01-02T00:00:00Z", "2026-03-01T00:00:00Z"),
                       AccessKeyInfo(2, True, "2026-05-01T00:00:00Z", "")), "USR002")
    by_key = {f.fingerprint: f.message for f in found}
    assert len(by_key) == 2
    messages = " ".join(by_key.values())
    assert "last used 264 days ago" in messages and "322 days old" in messages
    assert "never used in the 203 days" in messages


def test_usr002_thresholds_come_from_the_config():
    inv = _keys(AccessKeyInfo(1, True, "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z"))
    assert not scan(inv, "USR002")
    assert scan(inv, "USR002", CheckOptions(access_key_unused_days=30, access_key_max_age_days=30))


@pytest.mark.parametrize("rotated, used", [("garbage", "2026-11-19T00:00:00Z"), ("2019-13-45T00:00:00Z", "N/A"),
                                           ("2026-10-01T00:00:00Z", "1e400")])
def test_usr002_an_active_key_whose_dates_cannot_be_read_is_reported(rotated, used):
    [found] = scan(_keys(AccessKeyInfo(1, True, rotated, used)), "USR002")
    assert "cannot be read, so its age cannot be checked" in found.message


def test_usr002_near_misses():
    assert not scan(_keys(AccessKeyInfo(1, False, "2020-01-01T00:00:00Z", "")), "USR002")  # inactive
    assert not scan(_keys(AccessKeyInfo(1, True, "2026-10-01T00:00:00Z", "2026-11-19T00:00:00Z")), "USR002")


# USR003 ---------------------------------------------------------------------------------------

def test_usr003_policies_on_users():
    inv = inventory(users=(user("ann", managed_arns=(WRITER.arn,)), user("bob", inline_docs={"mine": doc(allow("ses:Get*"))}),
                           user("cat", groups=("writers",))),
                    groups=(group("writers", managed_arns=(WRITER.arn,)),), managed_policies=(WRITER,))
    found = scan(inv, "USR003")
    assert sorted(f.principal_name for f in found) == ["ann", "bob"]
    assert all(f.severity is Severity.LOW for f in found)


# COV001 / COV002 ------------------------------------------------------------------------------

def test_cov001_collection_gaps():
    inv = inventory(coverage=(
        CoverageEntry("sesv2:ListEmailIdentities", "eu-west-1", CoverageStatus.DENIED, "AccessDeniedException"),
        CoverageEntry("pinpoint:GetApps", "ap-south-1", CoverageStatus.UNAVAILABLE, "", accepted=True),
        CoverageEntry("iam:GetAccountAuthorizationDetails", "global", CoverageStatus.OK),
    ))
    found = {f.region: f for f in scan(inv, "COV001")}
    assert set(found) == {"eu-west-1", "ap-south-1"}
    assert found["eu-west-1"].severity is Severity.HIGH and "AccessDeniedException" in found["eu-west-1"].message
    assert found["ap-south-1"].severity is Severity.INFO


def test_cov002_decoded_input():
    (f,) = scan(inventory(raw_text_available=False, source="gaad:auth.json"), "COV002")
    assert f.severity is Severity.INFO and "POL002" in f.message
    assert not scan(inventory(), "COV002")
