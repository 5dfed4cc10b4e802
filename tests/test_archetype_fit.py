"""Nearest documented example, excess, declared examples and suggested policies; IAM009."""
from __future__ import annotations

import json

import pytest

from auditor.access import compute_access
from auditor.access.fit import Matcher
from auditor.engine import Selection, run_inventory_checks
from auditor.evaluate.engine import evaluate
from auditor.evaluate.request import Decision, Request
from auditor.model.finding import Severity
from auditor.parse.policy import parse_policy
from auditor.registry import CheckOptions
from test_access_support import (
    ACCOUNT,
    PROJECT,
    PROJECT_ARN,
    account,
    allow,
    doc,
    reached_cells,
    seed_doc,
    user,
)

OVER_BROAD = {
    # name: (policies, nearest example, excess actions or None to skip the exact check)
    "everything": ({"all-pinpoint": doc(allow("mobiletargeting:*"))}, "api-admin", None),
    "writer-deleter": ({"write": seed_doc("03_project_limited_write.json"),
                        "delete": doc(allow("mobiletargeting:DeleteApp", PROJECT_ARN))},
                       "project-limited-write", ("mobiletargeting:DeleteApp",)),
    "reader-texter": ({"read": seed_doc("06_api_readonly.json"), "text": doc(allow("sms-voice:SendTextMessage"))},
                      "api-readonly", ("sms-voice:SendTextMessage",)),
}


def arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


@pytest.fixture(scope="module")
def over_broad():
    inv = account(*(user(name, inline=policies) for name, (policies, _n, _e) in OVER_BROAD.items()))
    return inv, compute_access(inv)


@pytest.mark.parametrize("name", sorted(OVER_BROAD))
def test_over_broad_principals_get_the_nearest_example_and_the_excess(over_broad, name):
    _inv, result = over_broad
    row = result.get(arn(name))
    _policies, nearest, excess = OVER_BROAD[name]
    assert (row.archetype, row.nearest_archetype) == ("", nearest)
    if excess is not None:
        assert row.excess == excess
    assert len(row.excess_scopes) == len(row.excess)


def test_excess_names_the_scope_beyond_the_example(over_broad):
    _inv, result = over_broad
    # Pinpoint everywhere: the example covers the account's region, the excess is every other region.
    everything = result.get(arn("everything"))
    assert everything.excess_scopes and all(s.endswith("(other regions)") for s in everything.excess_scopes)
    deleter = result.get(arn("writer-deleter"))
    assert deleter.excess_scopes == (f"mobiletargeting:DeleteApp on {PROJECT_ARN}",)
    texter = result.get(arn("reader-texter"))
    assert texter.excess_scopes == ("sms-voice:SendTextMessage on all resources",)


@pytest.mark.parametrize("name", sorted(OVER_BROAD))
def test_suggested_policy_allows_what_is_needed_from_the_example_and_nothing_more(over_broad, name):
    inv, result = over_broad
    row = result.get(arn(name))
    suggested = row.suggested_policy
    assert "{" not in suggested.replace("{\n", "").replace("{}", "")  # no placeholder left
    assert ACCOUNT in suggested and "us-east-1" in suggested
    # Feed it back: a principal holding only the suggestion, in the same account.
    probe = user("probe", inline={"suggested": json.loads(suggested)})
    u, cells = reached_cells(account(*inv.users, probe))
    envelope = Matcher(u).envelope(row.nearest_archetype, Matcher(u).params(cells[arn(name)])).cells
    granted = cells[arn("probe")]
    assert granted <= envelope  # nothing beyond the documented example
    assert cells[arn(name)] & envelope <= granted  # everything the principal had within it
    assert not granted & (cells[arn(name)] - envelope)  # and none of the excess


def test_suggestion_checked_request_by_request_with_the_evaluator(over_broad):
    _inv, result = over_broad
    policy = parse_policy(result.get(arn("writer-deleter")).suggested_policy)
    me = arn("writer-deleter")

    def decision(action: str, resource: str) -> Decision:
        return evaluate(Request.make(me, action, resource, {}), [policy]).decision

    assert decision("mobiletargeting:UpdateCampaign", f"{PROJECT_ARN}/campaigns/c1") is Decision.ALLOWED
    assert decision("mobiletargeting:GetApps", f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/*") is Decision.ALLOWED
    assert decision("mobiletargeting:DeleteApp", PROJECT_ARN) is not Decision.ALLOWED
    assert decision("mobiletargeting:GetApp", f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/other") \
        is not Decision.ALLOWED


def test_declared_example_is_the_yardstick_even_when_a_larger_one_fits():
    inv = account(user("ci-reader", inline={"admin": seed_doc("07_api_admin.json")}),
                  user("ci-viewer", inline={"ro": seed_doc("06_api_readonly.json")}))
    intended = ((f"arn:aws:iam::{ACCOUNT}:user/ci-*", "api-readonly"),)
    result = compute_access(inv, intended)
    reader, viewer = result.get(arn("ci-reader")), result.get(arn("ci-viewer"))
    assert (reader.archetype, reader.declared_archetype) == ("api-admin", "api-readonly")
    assert "mobiletargeting:DeleteApp" in reader.excess and "mobiletargeting:GetApp" not in reader.excess
    assert '"mobiletargeting:Get*"' in reader.suggested_policy and "mobiletargeting:*" not in reader.suggested_policy
    assert (viewer.archetype, viewer.declared_archetype, viewer.excess) == ("api-readonly", "api-readonly", ())


def test_suggestion_fills_in_the_user_and_the_projects_reached():
    tag_owner = seed_doc("11_tag_based_project_modify.json")
    inv = account(user("dana", inline={"own": tag_owner, "extra": doc(allow("ses:SendEmail"))}))
    row = compute_access(inv).principals[0]
    assert row.nearest_archetype == "project-tag-owner"
    suggestion = json.loads(row.suggested_policy)
    assert suggestion["Statement"][0]["Condition"] == {"StringEquals": {"aws:ResourceTag/Owner": "dana"}}
    assert PROJECT_ARN in suggestion["Statement"][0]["Resource"]


def result_row_excess(over_broad, name: str) -> tuple[str, ...]:
    return over_broad[1].get(arn(name)).excess


def test_iam009_reports_the_over_broad_principals_only(over_broad):
    inv, _result = over_broad
    seeded = account(*inv.users, user("fits", inline={"ro": seed_doc("06_api_readonly.json")}))
    findings = run_inventory_checks(seeded, CheckOptions(), Selection(only=frozenset({"IAM009"})))
    assert sorted(f.principal_name for f in findings) == sorted(OVER_BROAD)
    deleter = next(f for f in findings if f.principal_name == "writer-deleter")
    assert deleter.severity is Severity.MEDIUM and deleter.resource_type == "AWS::IAM::User"
    assert deleter.actions == ("mobiletargeting:DeleteApp",) and deleter.resources == (PROJECT_ARN,)
    assert "project-limited-write" in deleter.message and "DeleteApp" in deleter.message
    evidence = dict(deleter.evidence)
    assert json.loads(evidence["suggested_policy"])["Statement"]
    assert evidence["archetype"] == "project-limited-write"
    assert evidence["excess"] == f"{PROJECT_ARN}: mobiletargeting:DeleteApp"
    everything = dict(next(f for f in findings if f.principal_name == "everything").evidence)["excess"]
    # Grouped by scope: far fewer lines than actions.
    assert len(everything.splitlines()) < len(result_row_excess(over_broad, "everything")) / 4
    again = run_inventory_checks(seeded, CheckOptions(), Selection(only=frozenset({"IAM009"})))
    assert [f.fingerprint for f in findings] == [f.fingerprint for f in again]


def test_iam009_uses_the_declared_example_from_the_config():
    inv = account(user("ops", inline={"admin": seed_doc("07_api_admin.json")}))
    options = CheckOptions(intended_archetypes=((arn("ops"), "api-readonly"),))
    findings = run_inventory_checks(inv, options, Selection(only=frozenset({"IAM009"})))
    assert len(findings) == 1
    assert "declared as api-readonly" in findings[0].message and "api-admin" in findings[0].message
    assert run_inventory_checks(inv, CheckOptions(), Selection(only=frozenset({"IAM009"}))) == []


def test_project_ids_in_the_suggestion_are_the_ones_reached():
    other = "fedcba9876543210fedcba9876543210"
    inv = account(user("two", inline={"ro": doc(
        allow(["mobiletargeting:GetApp", "mobiletargeting:DeleteApp"],
              [PROJECT_ARN, f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{other}"]))}),
        projects=None)
    row = compute_access(inv, ((arn("two"), "project-readonly"),)).principals[0]
    assert row.archetype == "project-tag-owner" and row.excess == ("mobiletargeting:DeleteApp",)
    # The other project in the policy does not exist in the account: only the real one is suggested.
    assert PROJECT in row.suggested_policy and other not in row.suggested_policy
