import pytest

from auditor.evaluate.matching import action_matches, arn_matches

ACTIONS = [
    ("*", "mobiletargeting:GetApp", True),
    ("mobiletargeting:*", "mobiletargeting:GetApp", True),
    ("mobiletargeting:*", "ses:SendEmail", False),
    ("mobiletargeting:Get*", "mobiletargeting:GetApp", True),
    ("mobiletargeting:Get*", "MobileTargeting:getapps", True),  # case-insensitive both sides
    ("MOBILETARGETING:GETAPP", "mobiletargeting:GetApp", True),
    ("mobiletargeting:Get*", "mobiletargeting:UpdateApp", False),
    ("mobiletargeting:GetApp", "mobiletargeting:GetApps", False),  # no implied prefix
    ("mobiletargeting:Get?pp", "mobiletargeting:GetApp", True),
    ("mobiletargeting:Get?pp", "mobiletargeting:GetAApp", False),
    ("ses:*Email", "ses:SendRawEmail", True),
    ("s?s:*", "ses:SendEmail", True),
    ("sms-voice:[GL]*", "sms-voice:GetPool", False),  # no character classes
    ("ses:Send.Email", "ses:SendxEmail", False),  # regex metacharacters are literal
]


@pytest.mark.parametrize("pattern, action, expected", ACTIONS)
def test_action_matches(pattern, action, expected):
    assert action_matches(pattern, action) is expected


APP = "arn:aws:mobiletargeting:us-east-1:111122223333:apps/810c7aab86d42fb2b56c8c966example"
ARNS = [
    ("*", APP, True),
    ("*", "*", True),
    (APP, APP, True),
    (APP, APP.replace("810c", "810C"), False),  # ARNs are case-sensitive
    ("arn:aws:mobiletargeting:us-east-1:111122223333:*", APP, True),
    ("arn:aws:mobiletargeting:us-east-1:111122223333:*", APP + "/campaigns/c1", True),  # resource part spans /
    ("arn:aws:mobiletargeting:*:*:*", APP, True),
    ("arn:aws:mobiletargeting:us-east-1:111122223333:apps/*", APP, True),
    ("arn:aws:mobiletargeting:us-east-1:111122223333:apps/*", "arn:aws:mobiletargeting:us-east-1:111122223333:reports",
     False),
    ("arn:aws:mobiletargeting:us-*:111122223333:*", APP, True),
    # IAM: "If the * wildcard is the last character of a resource ARN segment, it can expand to
    # match beyond the colon boundaries"; anywhere else in a segment it stays inside it
    ("arn:aws:mobiletargeting:*:111122223333:*", "arn:aws:mobiletargeting:us-east-1:x:111122223333:apps/a", True),
    ("arn:aws:mobiletargeting:*:apps/*", APP, True),
    ("arn:aws:mobiletargeting:us-*:apps/*", APP, True),
    ("arn:aws:mobiletargeting:us-*-1:apps/*", APP, False),
    ("arn:aws:mobiletargeting:*-1:111122223333:*", "arn:aws:mobiletargeting:us:east-1:111122223333:apps/a", False),
    ("arn:aws:mobiletargeting:us-east-?:apps/*", APP, False),
    ("arn:aws:*:us-east-1:111122223333:*", APP, True),
    ("arn:aws:s?s:us-east-1:111122223333:*", "arn:aws:sns:us-east-1:111122223333:topic", True),
    ("arn:aws:ses:us-east-1:111122223333:identity/*", "arn:aws:ses:us-east-1:111122223333:identity/a@b.c", True),
    ("arn:aws:ses:us-east-1:111122223333:identity/*", "arn:aws-us-gov:ses:us-east-1:111122223333:identity/a", False),
    ("arn:aws:logs:us-east-1:111122223333:log-group:*", "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s",
     True),  # the resource segment may hold ':'
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", True),
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket2/a", False),
    ("arn:aws:s3:*", "arn:aws:s3:::bucket/a", True),  # a short pattern's last wildcard covers the rest
    # a request resource holding '*' is literal text
    ("arn:aws:mobiletargeting:us-east-1:111122223333:*", "arn:aws:mobiletargeting:us-east-1:111122223333:apps/*", True),
    (APP, "arn:aws:mobiletargeting:us-east-1:111122223333:apps/*", False),
    ("arn:aws:mobiletargeting:us-east-1:111122223333:apps/[0-9]*", APP, False),
]


@pytest.mark.parametrize("pattern, arn, expected", ARNS)
def test_arn_matches(pattern, arn, expected):
    assert arn_matches(pattern, arn) is expected


def test_templates_with_a_literal_tail_match_as_their_compiled_instances():
    """A Resource whose variables end it (`.../user/${aws:username}`) is matched by its fixed
    beginning and an endswith test: the same answers as compiling each instance."""
    from itertools import product

    from auditor.evaluate.compiled import ResourceMatcher, _resolved_arn
    from auditor.evaluate.variables import parse_template, resolve

    patterns = [
        "arn:aws:iam::*:user/${aws:username}", "arn:aws:iam::*:user/${aws:username}/x:y",
        "arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b*/${aws:username}${*}", "arn:aws:*:${aws:x}",
        "arn:aws:s3:::${aws:username}", "${aws:username}", "arn:*:${aws:username}:${aws:x}",
        "arn:aws:s3:*${aws:x}:y",  # the star keeps to its segment: the tail's ":" counts
        "arn:aws:s3:::b/${aws:username}/*",  # a wildcard after the variable: compiled per value
    ]
    values = ["alice", "", "a:b", "a*", "x/y", "user/alice"]
    resources = ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::1:2:user/alice", "arn:aws:iam::1:user/alice/x:y",
                 "arn:aws:s3:::b/alice", "arn:aws:s3:::bb/alice*", "arn:aws:s3:::b/a:b", "arn:aws:s3:::b/a*",
                 "arn:aws:s3:::alice", "alice", "arn:aws:s3:::b/alice/k", "arn:aws:q:a:b", "arn:aws:q:a*",
                 "arn:p:alice:a:b", "arn:p:x:alice:a:b", "arn:aws:s3:a:balice:y", "arn:aws:s3:balice:y", ""]
    checked = 0
    for pattern, username, x, resource in product(patterns, values, values, resources):
        context = {"aws:username": (username,), "aws:x": (x,)}
        chunks = resolve(parse_template(pattern, True), context)
        expected = _resolved_arn(chunks)(resource) is not None
        assert ResourceMatcher([pattern], True)(resource, context) is expected, (pattern, username, x, resource)
        checked += expected
    assert checked > 20


@pytest.mark.parametrize("pattern, text, expected", [
    ("ses:?*?*", "ses:Ab", True),
    ("ses:?*?*", "ses:A", False),  # two `?`: at least two characters
    ("ses:??", "ses:Abc", False),
    ("ses:*?", "ses:", False),
    ("ses:*?", "ses:A", True),
    ("ses:Get*?*Id", "ses:GetXId", True),
])
def test_runs_of_wildcards_keep_their_meaning(pattern, text, expected):
    assert action_matches(pattern, text) is expected


def test_a_run_of_wildcards_is_one_quantifier():
    """`?*?*...` as `.` and `.*` pieces in a row backtracks exponentially on a near miss: a
    hostile policy could stall a scan. One bounded quantifier per run cannot."""
    from auditor.evaluate.matching import arn_source, glob_source

    assert glob_source((("ses:" + "?*" * 30 + "zzz", True),)) == "ses:.{30,}zzz"
    assert arn_source((("arn:aws:s3:::" + "?*" * 30 + "zzz", True),)) == r"arn:aws:s3:::.{30,}zzz"
    assert arn_source((("arn:aws:mobiletargeting:?*?*:apps/*", True),)) == "arn:aws:mobiletargeting:[^:]{2}.*:apps/.*"
    assert not action_matches("ses:" + "?*" * 30 + "zzz", "ses:" + "a" * 60)


def test_globs_and_resource_segments_agree_with_the_definition():
    import random

    from test_robust_inputs import _reference_match

    rng = random.Random(3)
    for _ in range(4000):
        pattern = "".join(rng.choice("ab*?") for _ in range(rng.randint(0, 9)))
        text = "".join(rng.choice("ab") for _ in range(rng.randint(0, 9)))
        expected = _reference_match(pattern, text)
        assert action_matches("s:" + pattern, "s:" + text) is expected, (pattern, text)
        # the resource segment of an ARN is a glob too, colons and slashes included
        arn_text = text.replace("b", ":")
        assert arn_matches("arn:aws:s3:::" + pattern.replace("b", ":"), "arn:aws:s3:::" + arn_text) is _reference_match(
            pattern.replace("b", ":"), arn_text), (pattern, text)


def test_repeated_literals_between_stars_do_not_backtrack():
    """`*a*a*a...` against a run of a's tried every way to place them: now each piece is placed
    once, at its leftmost place (the answers are the same, see the test above)."""
    pattern = "*a" * 25 + "zzz"
    assert not action_matches("ses:" + pattern, "ses:" + "a" * 60)
    assert not arn_matches("arn:aws:ses:us-east-1:111122223333:identity/" + pattern,
                           "arn:aws:ses:us-east-1:111122223333:identity/" + "a" * 60)
    assert action_matches("ses:" + pattern, "ses:" + "a" * 25 + "zzz")
