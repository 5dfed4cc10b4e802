"""Caches behind the account-wide checks: same answers as without them, bounded, and clearable."""
from __future__ import annotations

import itertools
import random

from test_checks_support import ACCOUNT, PROJECT, allow, doc, group, inventory, managed, scan, user

from auditor.analysis import memo
from auditor.analysis.holders import holders
from auditor.analysis.shadow import shadows, shadows_across
from auditor.iam.knowledge import knowledge
from auditor.iam.wildcards import globs_overlap
from auditor.parse.policy import parse_policy

PROJECT_ARN = f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/{PROJECT}"
TAGGED = allow(["mobiletargeting:Get*"], PROJECT_ARN, Sid="IfOwner",
               Condition={"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}})


def _walk(a: str, b: str) -> bool:
    """Reference: the product walk of both globs, with no shortcut."""
    seen: set[tuple[int, int]] = set()
    stack = [(0, 0)]
    while stack:
        i, j = state = stack.pop()
        if state in seen:
            continue
        seen.add(state)
        if i == len(a) and j == len(b):
            return True
        a_star, b_star = i < len(a) and a[i] == "*", j < len(b) and b[j] == "*"
        if a_star:
            stack.append((i + 1, j))
        if b_star:
            stack.append((i, j + 1))
        if i < len(a) and j < len(b) and (a[i] in "*?" or b[j] in "*?" or a[i] == b[j]):
            stack.append((i if a_star else i + 1, j if b_star else j + 1))
    return False


def test_globs_overlap_shortcuts_agree_with_the_full_walk():
    rng = random.Random(3)
    pairs = [("".join(rng.choice("ab/*?") for _ in range(rng.randint(0, 6))),
              "".join(rng.choice("ab/*?") for _ in range(rng.randint(0, 6)))) for _ in range(5000)]
    pairs += list(itertools.product(["", "*", "?", "a", "a*", "*a", "a?b", "ab", "b*a"], repeat=2))
    wrong = [(a, b) for a, b in pairs if globs_overlap(a, b) is not _walk(a, b)]
    assert not wrong


def _policy(*statements):
    return parse_policy(doc(*statements))


def test_shadows_across_ignores_documents_no_candidate_is_about():
    tagged = _policy(TAGGED)
    broad = _policy(allow("mobiletargeting:Get*", Sid="Broad"))
    s3_only = _policy(allow("s3:GetObject", "arn:aws:s3:::bucket-1/*"))
    policies = (s3_only, tagged, _policy(allow("dynamodb:Query", "*")), broad)
    expected = shadows(policies, across_only=True)
    got = shadows_across(policies)
    assert [(s.policy_index, s.statement, s.actions, s.by) for s in got] == \
        [(s.policy_index, s.statement, s.actions, s.by) for s in expected]
    assert [s.policy_index for s in got] == [1] and [i for i, _ in got[0].by] == [3]
    # Another S3 document (another application's) reuses the same answer, indices follow the input.
    again = shadows_across((tagged, _policy(allow("s3:PutObject", "arn:aws:s3:::bucket-2/*")), broad))
    assert [(s.policy_index, [i for i, _ in s.by]) for s in again] == [(0, [2])]
    assert not shadows_across((s3_only, broad))  # no conditioned Allow: nothing to compute


def test_iam007_scan_reports_every_principal_of_a_shared_set():
    tagged = managed("TagView", doc(TAGGED))
    broad = managed("ReadEverything", doc(allow("mobiletargeting:Get*")))
    users = tuple(user(f"u{i}", managed_arns=(tagged.arn,), groups=("readers",),
                       inline_docs={"app": doc(allow("s3:GetObject", f"arn:aws:s3:::app-{i}/*"))}) for i in range(3))
    inv = inventory(users=users, groups=(group("readers", managed_arns=(broad.arn,)),),
                    managed_policies=(tagged, broad))
    found = scan(inv, "IAM007")
    assert sorted(f.principal_name for f in found) == ["u0", "u1", "u2"]
    assert len({f.message.replace(f.principal_name, "") for f in found}) == 1
    assert len(holders(inv)) == 3  # each has its own inline policy, yet one answer serves all


def test_caches_are_bounded_and_cleared():
    cache = memo.BoundedCache(2)
    for i in range(5):
        assert cache.get(i, lambda: i * 10) == i * 10
    assert len(cache) == 2 and cache.get(4, lambda: -1) == 40
    calls = []

    @memo.per_object(2)
    def length(obj):
        calls.append(obj)
        return len(obj)

    items = [[1], [1, 2], [1, 2, 3]]
    assert [length(x) for x in items + items[-1:]] == [1, 2, 3, 3]
    assert len(calls) == 3 and len(length.cache) == 2
    k = knowledge()
    assert k.action_applies_to_arn(k.action("s3:GetObject"), "arn:aws:s3:::bucket/key")
    memo.clear_caches()
    assert len(cache) == 0 and len(length.cache) == 0 and not k._types_for_arn
    assert k.action_applies_to_arn(k.action("s3:GetObject"), "arn:aws:s3:::bucket/key")
    assert length(items[2]) == 3 and len(calls) == 4
