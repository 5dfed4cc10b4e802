"""The batch runner's fast path must decide exactly as the plain path (json.loads + evaluate)."""
import io
import json

import pytest

from auditor.evaluate.batch import BatchRunner, make_request
from auditor.evaluate.caseread import CaseReader
from auditor.evaluate.engine import evaluate
from auditor.parse.policy import parse_policy
from benchmarks.bench_simulate import generate


def reference(line: str) -> dict:
    case = json.loads(line)

    def load(p):
        return parse_policy(p if isinstance(p, str) else json.dumps(p))

    result = evaluate(make_request(case["request"]), [load(p) for p in case["identity_policies"]],
                      None if case["resource_policy"] is None else load(case["resource_policy"]),
                      [load(p) for p in case["permission_boundaries"]])
    return {"id": case["id"], "decision": result.decision.value, "detail": result.detail}


def test_fast_path_matches_reference_on_generated_cases():
    runner = BatchRunner()
    lines = list(generate(600, seed=11))
    for number, line in enumerate(lines * 2, start=1):  # the second round hits every cache
        assert json.loads(runner.run_line(line, number)) == reference(line)


POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                                                  "Sid": "has } and \" in it"}]}
REQUEST = {"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}


@pytest.mark.parametrize("text", [
    json.dumps({"id": 1, "identity_policies": [POLICY], "request": REQUEST}),
    json.dumps({"id": 1, "identity_policies": [POLICY], "request": REQUEST}, indent=None, separators=(",", ":")),
    "  " + json.dumps({"id": 1, "identity_policies": [POLICY, POLICY], "request": REQUEST}) + " \r\n",
    json.dumps({"identity_policies": [], "permission_boundaries": [POLICY], "id": 1, "request": REQUEST}),
    json.dumps({"id": 1, "resource_policy": json.dumps(POLICY), "request": REQUEST}),
])
def test_reader_agrees_with_json_loads(text):
    reader = CaseReader()
    for _ in range(2):  # the second read recognises the policy texts without decoding them
        case = reader.read(text)
        expected = json.loads(text)
        assert case is not None and case.keys() == expected.keys()
        for key in ("identity_policies", "permission_boundaries"):
            for (raw, value), want in zip(case.get(key, []), expected.get(key, [])):
                assert json.loads(raw) == want and value in (None, want)
        assert case["request"] == expected["request"]


@pytest.mark.parametrize("text", [
    '{"\\u0069d": 1}',  # escaped member name: left to json.loads
    "[1, 2]",
    '{"id": 1} trailing',
    '{"id": 1,}',
    '{"identity_policies": [{"a": 1},], "id": 2}',
    '{"identity_policies": [{"a": 1}} ',
    "",
])
def test_reader_declines_what_it_does_not_handle(text):
    assert CaseReader().read(text) is None


def test_recognised_text_is_not_a_longer_value():
    reader = CaseReader()
    short = json.dumps({"identity_policies": [{"Statement": []}], "id": 1})
    longer = json.dumps({"identity_policies": [{"Statement": []}, {"Statement": [1]}], "id": 2})
    reader.read(short)
    case = reader.read(longer)
    assert [json.loads(raw) for raw, _ in case["identity_policies"]] == [{"Statement": []}, {"Statement": [1]}]


@pytest.mark.parametrize("line, fragment", [
    ("[" * 100_000, "nested too deeply"),
    ('{"id": 7, "identity_policies": [' + "[" * 100_000 + "]}", "nested too deeply"),
    ('{"id": 7, "identity_policies": [{"Statement": ' + "[" * 100_000 + "}]}", "nested too deeply"),
])
def test_hostile_lines_become_error_lines(line, fragment):
    out = json.loads(BatchRunner().run_line(line, 3))
    assert out["decision"] == "Error" and fragment in out["detail"]


# --- the common-layout fast path -------------------------------------------------------------

class GeneralOnly(BatchRunner):
    """The runner without its common-layout fast path: what the fast path must agree with."""

    def _common(self, line):
        return None

    def _decided(self, case_id, policies, raw_request):
        return None


def mutations(lines):
    """The generated lines, and each in a form the fast path must decline or read differently."""
    for n, line in enumerate(lines):
        yield line
        case = json.loads(line)
        variant = n % 6
        if variant == 0:
            yield json.dumps(case, separators=(",", ":"))
        elif variant == 1:
            yield json.dumps(dict(reversed(list(case.items()))))
        elif variant == 2:
            case["identity_policies"] = case["identity_policies"] + [7]
            yield json.dumps(case)
        elif variant == 3:
            case["request"]["context"]["aws:SourceIp"] = ["1.2.3.4", 5]
            yield json.dumps(case)
        elif variant == 4:
            case["id"] = f"c\u00e9-{n}" if n % 4 else n + 0.5
            yield json.dumps(case)
        else:
            case["request"]["action"] = case["request"]["action"].replace(":", "")
            yield json.dumps(case) + "  \r\n"


def test_fast_path_writes_what_the_general_path_writes():
    lines = list(mutations(list(generate(400, seed=5))))
    fast, general = BatchRunner(), GeneralOnly()
    for number, line in enumerate(lines * 2 + [line.encode() for line in lines], start=1):
        assert fast.run_line(line, number) == general.run_line(line, number), line
    # The same policies were compiled, in the same order: the caches agree as well.
    assert list(fast._policies) == list(general._policies)
    assert sum(fast._common(line) is not None for line in lines) > len(lines) / 2  # the fast path was taken


def test_cache_limit_keeps_both_paths_in_step(monkeypatch):
    from auditor.evaluate import batch

    monkeypatch.setattr(batch, "_POLICY_CACHE_LIMIT", 5)
    lines = list(mutations(list(generate(150, seed=9))))
    fast, general = BatchRunner(), GeneralOnly()
    for number, line in enumerate(lines, start=1):
        assert fast.run_line(line, number) == general.run_line(line, number), line
    assert list(fast._policies) == list(general._policies)


def test_unusable_policy_stops_compiling_where_the_general_path_stops():
    good = json.dumps(POLICY)
    broken = '{"Statement": [{"Effect": "Allow", "Resource": "*"}]}'  # no Action: refused
    later = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    line = (f'{{"id": 1, "identity_policies": [{good}, {broken}], "resource_policy": {later}, '
            f'"permission_boundaries": [{later}], "request": {json.dumps(REQUEST)}}}')
    fast, general = BatchRunner(), GeneralOnly()
    out = fast.run_line(line, 1)
    assert out == general.run_line(line, 1)
    assert json.loads(out)["detail"].startswith("identity_policies[1]: POL011")
    assert list(fast._policies) == list(general._policies) == [good, broken]


def test_common_layout_reader():
    from auditor.evaluate.caseread import KnownTexts, Sections, read_common, read_known

    known, sections = KnownTexts(), Sections(10)
    line = json.dumps({"id": 3, "identity_policies": [POLICY, json.dumps(POLICY)], "resource_policy": None,
                       "permission_boundaries": [POLICY], "request": REQUEST})
    case_id, policies, request, section = read_common(line, known, sections)
    assert case_id == "3" and request == REQUEST
    identities, resource_policy, boundaries = policies
    assert [value for _, value in identities] == [POLICY, json.dumps(POLICY)] and resource_policy is None
    assert [json.loads(raw) for raw, _ in boundaries] == [POLICY]
    assert read_known(line.encode(), sections) is None  # the section is not known yet
    sections.add(section, "resolved")
    assert read_common(line.replace('"id": 3', '"id": "x"'), known, sections) == ('"x"', "resolved", REQUEST, None)
    assert read_known(line.replace('"id": 3', '"id": "é"').encode(), sections) == ('"é"', "resolved", REQUEST)
    assert read_known(line.encode() + b"\r\n", sections) == ("3", "resolved", REQUEST)
    for other in (
        line.replace('"id": 3', '"id": 3.0'),  # an id that is not written back as read
        line.replace('"id": 3', '"id": "\\u0078"'),
        line.replace('"id": 3', '"id": -0'),
        line.replace('"id": 3', '"id": 03'),
        line.replace('"id": 3', '"id": \u0663'),  # a digit, but not one JSON knows
        line.replace(', "resource_policy": null', ', "resource_policy": 5'),
        line.replace('"request": {', '"request" : {'),
        line[:-1] + ', "more": 1}',
        line + " x",
        json.dumps({"identity_policies": [], "id": 3, "request": REQUEST}),
    ):
        assert read_common(other, known, Sections(10)) is None, other
        assert read_known(other.encode(), sections) is None, other
    assert read_known(line.encode().replace(b"s3:GetObject", b"s3:\xff"), sections) is None  # not UTF-8


def test_sections_are_found_by_text_and_by_bytes():
    from auditor.evaluate.caseread import Sections

    sections = Sections(3)
    texts = [", a" * n for n in range(1, 4)] + ["é" * 40, "x" * 40]
    for n, text in enumerate(texts[:3]):
        sections.add(text, n)
    for n, text in enumerate(texts[:3]):
        line = "{" + text + "}"
        assert sections.find(line, 1, len(line) - 1) == n
        assert sections.find(line.encode(), 1, len(line.encode()) - 1) == n
        assert sections.find(line, 0, len(line) - 1) is None
    sections.add(texts[3], "full")  # a fourth: the index starts again
    assert sections.find(texts[0], 0, len(texts[0])) is None
    assert sections.find(texts[3].encode(), 0, 80) == "full" and sections.find(texts[3], 0, 40) == "full"
    assert sections.find(texts[4], 0, 40) is None  # same length, other text


@pytest.mark.parametrize("line", [
    '{"id": "\\ud800", "request": {"action": "s3:GetObject", "resource": "*"}}',
    '{"id": ["\\udfff"], "request": {"action": "s3:GetObject", "resource": "*"}}',
    '{"id": 1, "identity_policies": [], "request": {"action": "s3:GetObject", "resource": "arn:\\ud800"}}',
    '{"id": 2, "request": {"action": "s3:GetObject\\ud83d", "resource": "*"}, "x": 1}',
])
def test_lone_surrogates_are_written_escaped(line):
    """A `\\udXXX` escape without its pair decodes to a character UTF-8 cannot hold: the output
    line writes it escaped again (it used to stop the whole run)."""
    for runner_line in (line, line.encode()):
        out = BatchRunner().run_line(runner_line, 2)
        out.encode("utf-8")  # does not raise
        decoded, expected = json.loads(out), json.loads(line)
        assert decoded["id"] == expected["id"]
        assert "\\ud8" in out or "\\udf" in out


def test_surrogate_pairs_and_other_characters_are_written_as_they_are():
    line = json.dumps({"id": "caf\u00e9 \U0001f600", "request": {"action": "s3:GetObject", "resource": "\u00e9"}},
                      ensure_ascii=True)
    out = BatchRunner().run_line(line.encode(), 2)
    assert '"caf\u00e9 \U0001f600"' in out and "on \u00e9" in out


def test_details_are_written_as_json_would_for_every_character():
    """The fast path writes a detail needing no escape in plain quotes: the general path's
    encoder must agree for every character (control characters, quotes, backslashes, DEL,
    separators, surrogates)."""
    fast, general = BatchRunner(), GeneralOnly()
    characters = [*range(0x250), 0x2028, 0x2029, 0xfeff, 0xd800, 0xdfff, 0x1f600]
    for number, code in enumerate(characters, start=2):
        line = json.dumps({"id": code, "request": {"action": "s3:GetObject", "resource": f"r{chr(code)}x"}})
        for form in (line, line.encode("utf-8", "surrogatepass")):
            assert fast.run_line(form, number) == general.run_line(form, number), code
    assert sum(fast._common(json.dumps({"id": 1, "request": {"action": "s3:GetObject", "resource": "r"}})) is not None
               for _ in range(2)) == 2  # the fast path was taken


def test_benchmark_runs_the_command_loop_and_splits_its_phases(tmp_path):
    from benchmarks import bench_simulate

    path = tmp_path / "cases.jsonl"
    path.write_text("".join(line + "\n" for line in generate(60, seed=3)))
    runner = BatchRunner()
    _, _, count, decisions = bench_simulate.run_in_process(path, runner)
    assert count == 60 and sum(decisions.values()) == 60 and decisions["Error"] == 0
    phases = bench_simulate.phases(path, runner)
    assert phases["share of lines on this path (%)"] > 50 and all(value >= 0 for value in phases.values())


def test_instruction_count_program_runs_only_the_first_n_lines(tmp_path, monkeypatch, capsys):
    from auditor.commands import simulate
    from benchmarks import bench_simulate, simulate_lines

    kept = tmp_path / "kept.jsonl"
    assert bench_simulate.main(["-n", "30", "--keep", str(kept)]) == 0
    assert kept.read_text().splitlines() == list(generate(30))
    seen = []
    real = simulate.write_decisions
    monkeypatch.setattr(simulate, "write_decisions", lambda runner, lines, out: seen.append(lines.getvalue())
                        or real(runner, io.BytesIO(lines.getvalue()), out))
    assert simulate_lines.main([str(kept), "12"]) == 0
    assert seen[0].decode().splitlines() == list(generate(12))
    capsys.readouterr()
    assert simulate_lines.main([]) == 2 and "usage" in capsys.readouterr().err
