"""Hostile or broken input: a pattern that used to backtrack for minutes, URL-encoded text with
leading whitespace, one bad element in a list, unreadable items that must make the scan
incomplete, and a decoded document over the size limit."""
from __future__ import annotations

import dataclasses
import functools
import json
import random
import time
import urllib.parse

from test_collect_support import run_cli

from auditor.collect.inventory_builder import build_inventory
from auditor.collect.snapshot import Snapshot
from auditor.config import Config
from auditor.exitcodes import ExitCode
from auditor.iam.knowledge import knowledge
from auditor.iam.wildcards import glob_match, glob_regex, globs_overlap
from auditor.parse.jsontext import MAX_DOCUMENT_BYTES, decode_text, json_length_over
from auditor.parse.policy import parse_policy
from auditor.pipeline import INPUT_FAMILY, analyse, exit_code

ACCOUNT = "111122223333"
ADMIN_ARN = f"arn:aws:iam::{ACCOUNT}:policy/Admin"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
# Seconds, far above what the hostile cases below take now (milliseconds) and far below what they
# took before (from 17 s to hours): a bound that tells a hang from a pass, not a benchmark.
FAST = 5.0


def _elapsed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - start


def _reference_match(pattern: str, text: str) -> bool:
    """IAM glob semantics spelled out: `*` any run of characters, `?` exactly one."""

    @functools.lru_cache(maxsize=None)
    def at(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(text)
        if pattern[i] == "*":
            return at(i + 1, j) or (j < len(text) and at(i, j + 1))
        return j < len(text) and pattern[i] in ("?", text[j]) and at(i + 1, j + 1)

    return at(0, 0)


def _reference_overlap(a: str, b: str) -> bool:
    """Some string matches both globs: every string over their letters up to the longest useful length."""
    letters = sorted(set(a + b) - {"*", "?"}) + ["#"]  # one letter neither pattern names
    longest = len(a) + len(b)
    words = [""]
    for _ in range(longest + 1):
        if any(_reference_match(a, w) and _reference_match(b, w) for w in words):
            return True
        words = [w + c for w in words for c in letters]
        if len(words) > 20000:
            break
    return False


# -- 1. wildcard patterns never backtrack exponentially ----------------------------------------


def test_glob_regex_on_a_run_of_wildcards_is_fast():
    pattern = "?*" * 10 + "zzz"  # ses:?*?*...zzz: 216 s in a scan before
    regex, took = _elapsed(glob_regex, pattern)
    _, took_match = _elapsed(lambda: [regex.fullmatch(a) for a in ("sendemail" * 4, "a" * 60)])
    assert took + took_match < FAST
    assert regex.fullmatch("a" * 10 + "zzz") and not regex.fullmatch("a" * 9 + "zzz")


def test_glob_regex_on_repeated_literals_between_stars_is_fast():
    # Collapsing runs is not enough for `*a*a*a...`: every way to place the a's was tried.
    pattern = "*a" * 20 + "zzz"
    matched, took = _elapsed(lambda: glob_regex(pattern).fullmatch("a" * 60))
    assert not matched and took < FAST
    assert glob_regex(pattern).fullmatch("a" * 20 + "zzz")


def test_action_expansion_of_a_hostile_pattern_is_fast():
    kb = knowledge()
    for pairs in (8, 14):  # lint took 17.6 s with 8 pairs; 14 pairs ran over 300 s in a scan
        found, took = _elapsed(kb.expand, "ses:" + "?*" * pairs + "zzz")
        assert found == () and took < FAST, (pairs, took)


def test_glob_regex_keeps_iam_meaning():
    rng = random.Random(7)
    for _ in range(5000):
        pattern = "".join(rng.choice("ab*?") for _ in range(rng.randint(0, 8)))
        text = "".join(rng.choice("ab") for _ in range(rng.randint(0, 8)))
        assert (glob_regex(pattern).fullmatch(text) is not None) == _reference_match(pattern, text), (pattern, text)
    assert glob_match("ses:Send*", "ses:SendEmail") and glob_match("s?s:*Email", "ses:SendEmail")
    assert glob_match("SES:SEND?MAIL", "ses:sendemail", ignore_case=True)
    assert not glob_match("ses:[S]end*", "ses:SendEmail")  # only * and ? are special


def test_globs_overlap_of_a_huge_pattern_and_a_format_is_fast():
    # Before, the product of the two patterns was walked pair by pair: seconds and gigabytes.
    policy_field = "identity/" + "?*" * 200_000 + "zzz"
    for fmt, expected in (("identity/*", True), ("identity/*/x?", False), ("*y", False)):
        overlap, took = _elapsed(globs_overlap, policy_field, fmt)
        assert overlap is expected and took < FAST, (fmt, took)


def test_globs_overlap_agrees_with_the_definition():
    rng = random.Random(11)
    for _ in range(200):
        a = "".join(rng.choice("ab*?") for _ in range(rng.randint(0, 5)))
        b = "".join(rng.choice("ab*?") for _ in range(rng.randint(0, 5)))
        assert globs_overlap(a, b) == _reference_overlap(a, b), (a, b)


def test_scan_of_a_hostile_action_pattern_finishes(tmp_path):
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ses:" + "?*" * 14 + "zzz", "Resource": "*"}]}
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({"UserDetailList": [_user("redos", UserPolicyList=[
        {"PolicyName": "p", "PolicyDocument": policy}])]}))
    (code, _out, err), took = _elapsed(run_cli, ["scan", "--input", str(path), "--output-dir", str(tmp_path / "o"),
                                                 "--format", "json"])
    assert code == 0 and took < 20, (err, took)
    checks = {f["check_id"] for f in json.loads((tmp_path / "o" / "findings.json").read_text())["findings"]}
    assert "POL005" in checks  # the pattern matches no action: reported, not a hang


# -- 2. URL-encoded text with leading whitespace -----------------------------------------------

LEADING_NEWLINE = "\n" + json.dumps(ALLOW_ALL)


def test_url_encoded_text_with_leading_whitespace_is_decoded():
    for encoded in (urllib.parse.quote(LEADING_NEWLINE, safe=""),
                    urllib.parse.quote(" \t\r" + LEADING_NEWLINE, safe="").replace("%0A", "%0a")):
        text, err = decode_text(encoded)
        assert err is None and json.loads(text) == ALLOW_ALL, encoded[:12]
        policy = parse_policy(encoded)
        assert policy.usable and not policy.issues and policy.statements[0].actions == ("*",)


def test_form_encoded_text_reads_plus_as_space_only_when_the_encoding_uses_it():
    document = ' {"Version": "2012-10-17", "Id": "a+b c", "Statement": []}'
    text, err = decode_text(urllib.parse.quote_plus(document, safe=""))  # "+%7B%22Version..."
    assert err is None and json.loads(text)["Id"] == "a+b c"
    # RFC 3986 encoding (what IAM returns) leaves a literal `+` alone.
    text, _ = decode_text(urllib.parse.quote(document.strip(), safe="+"))
    assert json.loads(text)["Id"] == "a+b c"
    # Plain JSON is never decoded, whatever it contains.
    plain = '{"Id": "%7B+%0A"}'
    assert decode_text(plain) == (plain, None)


def test_url_encoded_text_that_is_not_utf8_is_an_error_not_replacement_characters():
    text, err = decode_text("%7B%22Id%22%3A%22%FF%22%7D")
    assert text is None and "not UTF-8" in err.message
    policy = parse_policy("%7B%22Id%22%3A%22%FF%22%7D")
    assert not policy.usable and policy.issues[0].code == "POL001"


def test_leading_newline_admin_policy_raises_full_admin():
    encoded = urllib.parse.quote(LEADING_NEWLINE, safe="")
    inventory = build_inventory(_snapshot([_user("nl", UserPolicyList=[{"PolicyName": "p", "PolicyDocument": encoded}])],
                                          raw_text=True))
    result = analyse(inventory, Config())
    checks = {(f.check_id, f.principal_name) for f in result.findings}
    assert ("IAM001", "nl") in checks and not any(c == "POL001" for c, _ in checks)


# -- 3. one bad element drops only itself ------------------------------------------------------


def test_one_bad_group_name_or_attachment_keeps_the_rest():
    user = _user("u", GroupList=["admins", 5],
                 AttachedManagedPolicies=[{"PolicyArn": ADMIN_ARN}, {"PolicyArn": None}, 7])
    inventory = build_inventory(_snapshot([user], policies=[_managed("Admin", ALLOW_ALL)],
                                          groups=[_group("admins")]))
    (principal,) = inventory.users
    assert principal.group_names == ("admins",)
    assert principal.managed_policy_arns == (ADMIN_ARN,)
    messages = [m for _where, m in inventory.load_errors]
    assert "GroupList[1] must be a string, not a number" in messages
    assert "AttachedManagedPolicies[1].PolicyArn must be a string, not null" in messages
    assert "AttachedManagedPolicies[2] must be an object with PolicyArn, not a number" in messages
    assert all(where == user["Arn"] for where, _m in inventory.load_errors)


def test_one_bad_tag_keeps_the_other_tags():
    user = _user("u", Tags=[{"Key": "team", "Value": "mail"}, {"Key": 5, "Value": "x"}, "junk",
                            {"Key": "owner", "Value": None}])
    inventory = build_inventory(_snapshot([user]))
    assert inventory.users[0].tags == (("team", "mail"),)
    messages = [m for _where, m in inventory.load_errors]
    assert messages == ["Tags[1].Key must be a string, not a number",
                        "Tags[2] must be an object with Key and Value, not a string",
                        "Tags[3].Value must be a string, not null"]


def test_admin_user_with_one_broken_attachment_is_still_full_admin(tmp_path):
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({
        "UserDetailList": [_user("u", GroupList=["admins", 5],
                                 AttachedManagedPolicies=[{"PolicyArn": ADMIN_ARN}, {"PolicyArn": None}])],
        "GroupDetailList": [_group("admins")],
        "Policies": [_managed("Admin", ALLOW_ALL)],
    }))
    code, _out, err = run_cli(["scan", "--input", str(path), "--output-dir", str(tmp_path / "o"), "--format", "json"])
    report = json.loads((tmp_path / "o" / "findings.json").read_text())
    admin = {f["policy_arn"] for f in report["findings"] if f["check_id"] == "IAM001" and f["principal_name"] == "u"}
    assert ADMIN_ARN in admin
    assert code == ExitCode.INCOMPLETE, err  # two elements were left out


# -- 4. unreadable items make the scan incomplete, and every one is named ----------------------


def _sixty_broken() -> list[dict]:
    return [_user(f"u{i}", UserPolicyList="broken") for i in range(60)]


def test_unreadable_items_make_the_result_incomplete():
    result = analyse(build_inventory(_snapshot(_sixty_broken())), Config())
    assert result.incomplete
    assert exit_code(result, "never") == ExitCode.INCOMPLETE
    (gap,) = [c for c in result.coverage if c.family == INPUT_FAMILY]
    assert gap.status.value == "error" and gap.error.startswith("60 input items could not be read")
    assert any(f.check_id == "COV001" for f in result.findings)


def test_every_unreadable_item_is_named_in_the_notes():
    result = analyse(build_inventory(_snapshot(_sixty_broken())), Config())
    notes = "\n".join(result.notes)
    assert all(f"user/u{i}: UserPolicyList must be a list" in notes for i in range(60))
    assert "more unreadable" not in notes


def test_an_accepted_input_gap_no_longer_makes_the_scan_incomplete():
    config = dataclasses.replace(Config(), scan=dataclasses.replace(Config().scan, accept_gaps=(f"{INPUT_FAMILY}@*",)))
    result = analyse(build_inventory(_snapshot(_sixty_broken())), config)
    assert not result.incomplete and len([n for n in result.notes if n.startswith("Left out")]) == 60


def test_a_clean_input_stays_complete():
    result = analyse(build_inventory(_snapshot([_user("ok")])), Config())
    assert not result.incomplete and result.coverage == ()


def test_scan_of_sixty_broken_users_exits_3_and_lists_them_all(tmp_path):
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({"UserDetailList": _sixty_broken()}))
    code, _out, err = run_cli(["scan", "--input", str(path), "--output-dir", str(tmp_path / "o"),
                               "--format", "json,html"])
    assert code == ExitCode.INCOMPLETE and "60 input items unreadable" in err, err
    report = json.loads((tmp_path / "o" / "findings.json").read_text())
    assert report["run"]["incomplete"] is True
    assert sum(n.startswith("Left out of the scan") for n in report["notes"]) == 60
    html = (tmp_path / "o" / "findings.html").read_text()
    assert "Scan incomplete" in html


def test_findings_document_with_unreadable_items_validates_against_the_schema(tmp_path):
    import importlib.resources

    import jsonschema

    from auditor.report.json_report import findings_document

    schema = json.loads(importlib.resources.files("auditor").joinpath("schemas/findings.schema.json")
                        .read_text("utf-8"))
    result = analyse(build_inventory(_snapshot(_sixty_broken())), Config())
    jsonschema.validate(findings_document(result), schema, cls=jsonschema.Draft202012Validator)


# -- 5. the document size limit holds for decoded documents too --------------------------------


def _huge_resource_policy(size: int) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                    "Resource": "arn:aws:s3:::" + "b" * size}]}


def test_decoded_document_over_the_limit_is_pol001():
    policy, took = _elapsed(parse_policy, _huge_resource_policy(2 * MAX_DOCUMENT_BYTES))
    assert not policy.usable and not policy.statements and not policy.raw_text_available
    (issue,) = policy.issues
    assert issue.code == "POL001" and issue.fatal and "over the 1,048,576 limit" in issue.message
    assert took < FAST


def test_decoded_document_of_many_small_values_is_measured_too():
    many = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"] * 100_000,
                                                    "Resource": "*"}]}
    policy = parse_policy(many)
    assert not policy.usable and policy.issues[0].code == "POL001"


def test_decoded_document_under_the_limit_is_parsed_as_before():
    policy = parse_policy(_huge_resource_policy(MAX_DOCUMENT_BYTES // 2))
    assert policy.usable and len(policy.statements) == 1 and not policy.issues


def test_json_length_bound_never_exceeds_the_real_text():
    documents = [ALLOW_ALL, _huge_resource_policy(10), {"a": [1, True, None, 2.5, {"k": ["v", {}]}], "": []}]
    for document in documents:
        exact = len(json.dumps(document, separators=(",", ":")))
        assert json_length_over(document, exact) is None
        assert json_length_over(document, 0) is not None


def test_a_decoded_object_is_never_longer_than_the_text_it_came_from():
    # What lets the batch runner skip the size walk for a policy it decoded from its line.
    texts = ['{"a" : [ 1 , true , null , 2.5e10 , {"k" : ["v", {}]} ] , "" : [] }',
             '{"Resource": "\\u0041\\ud83d\\ude00\\n\\"\\\\", "x": "\u00e9\U0001f600"}',
             json.dumps(_huge_resource_policy(10), indent=4), '{}', '[]', '"text"', '12345']
    for text in texts:
        assert json_length_over(json.loads(text), len(text)) is None, text


def test_compact_json_is_never_more_than_twice_the_repr():
    # What lets the inventory builder skip the size walk for a decoded document (it has the repr).
    values = [ALLOW_ALL, _huge_resource_policy(10), {"a": [1, True, None, 2.5e10, {"k": ["v", {}]}], "": []},
              {"q": '"' * 50}, {"c": "".join(map(chr, range(32))) * 3}, {"s": "\\'\"\x7f\u2028\ud800é"},
              ['"', "'", False, -0.0, 10**30], {}, [], '"""']
    for value in values:
        assert len(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) <= 2 * len(repr(value)), value


def test_the_builder_refuses_exactly_the_decoded_documents_the_parser_refuses(tmp_path):
    """The builder hands parse_policy a bound (twice the repr) that skips the size walk: the
    documents refused must be the same as without it, around the limit and with escapes."""
    from auditor.collect.inventory_builder import build_inventory
    from auditor.collect.offline import load_inputs

    def document(filler: str) -> dict:
        return {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + filler}]}

    fillers = {"plain-under": "a" * (MAX_DOCUMENT_BYTES - 200), "plain-over": "a" * (MAX_DOCUMENT_BYTES + 10),
               "quotes": '"' * (MAX_DOCUMENT_BYTES // 2 + 10), "controls": "\x01" * (MAX_DOCUMENT_BYTES // 3)}
    users = [{"UserName": name, "UserId": f"AIDA{i}", "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "Path": "/",
              "UserPolicyList": [{"PolicyName": name, "PolicyDocument": document(filler)}]}
             for i, (name, filler) in enumerate(fillers.items())]
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({"UserDetailList": users}), encoding="utf-8")
    inventory = build_inventory(load_inputs([str(path)]))
    usable = {p.name: p.inline_policies[0].policy.usable for p in inventory.principals}
    assert usable == {name: parse_policy(document(filler)).usable for name, filler in fillers.items()}
    assert usable["plain-under"] and not usable["plain-over"]


def test_batch_policy_over_the_limit_is_an_error_line():
    from auditor.evaluate.batch import BatchRunner

    case = {"id": 1, "identity_policies": [_huge_resource_policy(2 * MAX_DOCUMENT_BYTES)],
            "request": {"principal": f"arn:aws:iam::{ACCOUNT}:user/u", "action": "s3:GetObject",
                        "resource": "arn:aws:s3:::b/k", "context": {}}}
    (out,) = BatchRunner().run_lines([json.dumps(case).encode()], 2)
    result = json.loads(out)
    assert result["decision"] == "Error" and "POL001" in result["detail"] and "over the" in result["detail"]


def test_scan_of_a_huge_decoded_inline_policy_stays_small(tmp_path):
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({"UserDetailList": [_user("big", UserPolicyList=[
        {"PolicyName": "huge", "PolicyDocument": _huge_resource_policy(3 * MAX_DOCUMENT_BYTES)}])]}))
    code, _out, err = run_cli(["scan", "--input", str(path), "--output-dir", str(tmp_path / "o"), "--format", "json"])
    report_text = (tmp_path / "o" / "findings.json").read_text()
    findings = json.loads(report_text)["findings"]
    assert any(f["check_id"] == "POL001" and f["policy_name"] == "huge" for f in findings), err
    assert len(report_text) < MAX_DOCUMENT_BYTES  # the 3 MB value is not copied into the report


# -- helpers -----------------------------------------------------------------------------------


def _user(name: str, **fields) -> dict:
    return {"Path": "/", "UserName": name, "UserId": f"AIDA{name.upper()}", "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            "UserPolicyList": [], "GroupList": [], "AttachedManagedPolicies": [], "Tags": [], **fields}


def _group(name: str) -> dict:
    return {"Path": "/", "GroupName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}", "GroupPolicyList": [],
            "AttachedManagedPolicies": []}


def _managed(name: str, document: dict) -> dict:
    return {"PolicyName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}", "Path": "/", "DefaultVersionId": "v1",
            "AttachmentCount": 1, "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}]}


def _snapshot(users: list[dict], *, policies: list[dict] = (), groups: list[dict] = (), raw_text: bool = False) -> Snapshot:
    iam = {"UserDetailList": users, "GroupDetailList": list(groups), "RoleDetailList": [], "Policies": list(policies)}
    return Snapshot(account_id=ACCOUNT, partition="aws", source="snapshot:test" if raw_text else "gaad:test", iam=iam)


def test_a_null_list_is_said_and_makes_the_scan_incomplete(tmp_path):
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({"UserDetailList": None, "RoleDetailList": [], "GroupDetailList": [], "Policies": []}))
    code, _out, err = run_cli(["scan", "--input", str(path), "--output-dir", str(tmp_path / "o"), "--format", "json"])
    assert code == ExitCode.INCOMPLETE, err
    notes = json.loads((tmp_path / "o" / "findings.json").read_text())["notes"]
    assert any("UserDetailList is null" in n for n in notes)


def test_the_html_page_names_fifty_unreadable_items_and_counts_the_rest():
    from auditor.model.result import UNREADABLE_NOTE
    from auditor.report.html_report import UNREADABLE_SHOWN, shown_notes

    notes = ["first"] + [f"{UNREADABLE_NOTE}item {i}: bad" for i in range(UNREADABLE_SHOWN + 7)] + ["last"]
    shown = shown_notes(notes)
    assert shown[0] == "first" and shown[UNREADABLE_SHOWN + 1] == "last"
    assert sum(n.startswith(UNREADABLE_NOTE) for n in shown) == UNREADABLE_SHOWN
    assert shown[-1] == "... and 7 more unreadable input items, all named in findings.json."
    assert shown_notes(notes[:10]) == notes[:10]
