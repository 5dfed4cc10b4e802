"""Hostile or broken input never crashes a report, never speaks to the terminal, never mixes reports.

Lone surrogates (a `\\ud800` escape in the input JSON) in every output; absurd numbers and nesting
in every JSON the tool reads; control and bidi characters in text output and in the HTML report;
`--format` naming nothing; a report set that cannot be replaced whole; unexpected exceptions.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_collect_support import assert_one_line_error, run_cli
from test_report_factory import ACCOUNT, make_finding, make_result, sample_findings

import auditor.atomic as atomic
from auditor import cli
from auditor.commands.terminal import visible
from auditor.errors import UsageError
from auditor.exitcodes import ExitCode
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.report import FORMATTERS, render_reports, write_reports
from auditor.report.html_data import page_data

ROOT = Path(__file__).resolve().parent.parent
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/u"
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
FORGED = "x\nfake.json:1:1: critical IAM001 full-admin: injected\n\u001b[2J"


def _gaad(statement: dict, policy_name: str = "p") -> dict:
    return {"UserDetailList": [{"UserName": "u", "Arn": USER_ARN, "UserPolicyList": [
        {"PolicyName": policy_name, "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}]}],
        "GroupDetailList": [], "RoleDetailList": [], "Policies": []}


def _write_json(path: Path, document) -> Path:
    # json.dumps escapes a lone surrogate as \ud800 (ensure_ascii), as a hostile file would hold it
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _auditor(*argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command in a child process: real stdout and stderr streams, as a user has them."""
    return subprocess.run([sys.executable, "-m", "auditor", *argv], capture_output=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)


def _html_data_block(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


# -- 1. lone surrogates --------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_sid_leaves_every_report_whole(tmp_path):
    source = _write_json(tmp_path / "gaad.json", _gaad(
        {"Sid": "x\ud800", "Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}))
    out = tmp_path / "out"
    code, _, err = run_cli(["scan", "--input", str(source), "--output-dir", str(out), "--format",
                            "html,csv,json,sarif", "--jobs", "1"])
    assert code == ExitCode.FINDINGS, err
    findings = json.loads((out / "findings.json").read_bytes().decode("utf-8"))["findings"]
    # the JSON escape of the same character: the value reads back exactly
    assert "x\ud800" in {f["statement_sid"] for f in findings}
    json.loads((out / "findings.sarif").read_bytes().decode("utf-8"))
    assert "x\\ud800" in (out / "findings.csv").read_bytes().decode("utf-8")
    html = (out / "findings.html").read_bytes().decode("utf-8")  # valid UTF-8, so valid HTML text
    assert "x\\ud800" in _html_data_block(html)["strings"]


def test_lone_surrogates_in_any_field_render_in_every_format():
    finding = make_finding("IAM002", statement_sid="s\udc00", message="m \ud800 end", policy_name="p\udfff",
                           condition_keys=("aws:ResourceTag/\ud800",),
                           evidence=(("statement", '{"Sid": "s\udc00"}'), ("condition value", "\ud800")))
    coverage = (CoverageEntry("pinpoint:GetApps", "us-east-1", CoverageStatus.ERROR, "err \ud800", ACCOUNT),)
    files = render_reports(make_result([finding], coverage=coverage, notes=["note \udbff"]), list(FORMATTERS))
    document = json.loads(files["findings.json"].decode("utf-8"))
    assert document["findings"][0]["message"] == "m \ud800 end"
    assert document["coverage"][0]["error"] == "err \ud800"
    json.loads(files["findings.sarif"].decode("utf-8"))
    assert "m \\ud800 end" in files["findings.csv"].decode("utf-8")
    html = files["findings.html"].decode("utf-8")
    assert "err \\ud800" in html and "note \\udbff" in html


def test_a_staged_html_report_shows_surrogates_as_text(tmp_path):
    # the HTML rows go through scratch files beside the reports before they are copied in
    finding = make_finding("IAM002", message="m \ud800", statement_sid="\udc01")
    written = write_reports(make_result([finding]), tmp_path, ["html"])
    data = _html_data_block(written[0].read_bytes().decode("utf-8"))
    assert data["findings"][0][data["columns"].index("message")] == "m \\ud800"
    assert "\\udc01" in data["strings"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_lint_prints_a_lone_surrogate_as_an_escape_on_stdout(tmp_path, fmt):
    policy = _write_json(tmp_path / "p.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "a\ud800", "Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}]})
    run = _auditor("lint", str(policy), "--format", fmt)
    assert run.returncode == ExitCode.FINDINGS, run.stderr
    out = run.stdout.decode("utf-8")
    assert "Traceback" not in run.stderr.decode()
    if fmt == "text":
        assert "(a\\ud800)" in out
    else:
        json.loads(out)  # the escape is the JSON escape of the same character


def test_json_on_an_ascii_stdout_stays_json(tmp_path):
    policy = _write_json(tmp_path / "p.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "caf\u00e9\ud800\U0001f600", "Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}]})
    run = _auditor("lint", str(policy), "--format", "json", env={"PYTHONIOENCODING": "ascii"})
    assert run.returncode == ExitCode.FINDINGS, run.stderr
    sids = {f["statement_sid"] for f in json.loads(run.stdout.decode("ascii"))["findings"]}
    assert "caf\u00e9\ud800\U0001f600" in sids


def _boom(args):
    raise RuntimeError("unexpected \x1b[2J state")


def test_an_unexpected_exception_is_one_line_and_its_own_exit_code(monkeypatch):
    import auditor.commands.catalog as catalog

    monkeypatch.setattr(catalog, "run", _boom)
    code, out, err = run_cli(["checks"])
    assert code == ExitCode.INTERNAL and code not in (0, 1, 2)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("auditor: internal error: RuntimeError: unexpected \\x1b[2J state")
    assert "tests/test_robust_reports.py" not in lines[0] and "-v" in lines[0]


def test_an_unexpected_exception_shows_its_traceback_with_v(monkeypatch):
    import auditor.commands.catalog as catalog

    monkeypatch.setattr(catalog, "run", _boom)
    code, _, err = run_cli(["checks", "-v"])
    assert code == ExitCode.INTERNAL
    assert err.startswith("auditor: internal error: RuntimeError") and "Traceback" in err and "_boom" in err


def test_the_internal_error_line_names_auditors_innermost_frame():
    with pytest.raises(RecursionError) as outside:
        json.loads("[" * 100_000)
    # no auditor frame in this traceback: no location rather than a wrong one
    assert "(at " not in cli.internal_error_line(outside.value)
    with pytest.raises(TypeError) as inside:
        visible(None)  # type: ignore[arg-type]  # fails in the re module, called from auditor
    assert "(at auditor/commands/terminal.py:" in cli.internal_error_line(inside.value)


def test_an_error_line_quoting_input_stays_one_visible_line(monkeypatch):
    import auditor.commands.catalog as catalog

    def refuse(args):
        raise UsageError("account 1\n\x1b[31mforged")

    monkeypatch.setattr(catalog, "run", refuse)
    code, _, err = run_cli(["checks"])
    assert_one_line_error(code, err, "account 1\\n\\x1b[31mforged")


# -- 2. absurd numbers and nesting ---------------------------------------------------------------

HUGE_INT = "9" * 5000
DEEP = "[" * 100_000


def _huge_int_gaad() -> str:
    return ('{"UserDetailList":[{"UserName":"u","Arn":"' + USER_ARN + '","UserPolicyList":[{"PolicyName":"p",'
            '"PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
            '"Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":' + HUGE_INT + '}}}]}}]}]}')


@pytest.mark.parametrize("text", [_huge_int_gaad(), DEEP], ids=["huge-int", "deep"])
def test_an_unreadable_input_file_is_one_line_and_exit_2(tmp_path, text):
    source = tmp_path / "input.json"
    source.write_text(text)
    code, _, err = run_cli(["scan", "--input", str(source), "--output-dir", str(tmp_path / "out")])
    assert_one_line_error(code, err, str(source))
    if text is not DEEP:
        assert "more than 4300 digits" in err and "set_int_max_str_digits" not in err


def _findings_document(tmp_path: Path, text: str) -> Path:
    document = '{"schema_version": "1.0", "findings": [], "notes": [' + text + ']}'
    path = tmp_path / "findings.json"
    path.write_text(document)
    return path


@pytest.mark.parametrize("text", [HUGE_INT, DEEP], ids=["huge-int", "deep"])
def test_an_unreadable_baseline_is_one_line_and_exit_2(tmp_path, text):
    baseline = _findings_document(tmp_path, text)
    source = _write_json(tmp_path / "gaad.json", _gaad({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    code, _, err = run_cli(["scan", "--input", str(source), "--baseline", str(baseline),
                            "--output-dir", str(tmp_path / "out")])
    assert_one_line_error(code, err, str(baseline), "not a findings document")


@pytest.mark.parametrize("text", [HUGE_INT, DEEP], ids=["huge-int", "deep"])
def test_an_unreadable_merge_input_is_one_line_and_exit_2(tmp_path, text):
    part = tmp_path / "shard"
    part.mkdir()
    document = _findings_document(part, text)
    code, _, err = run_cli(["merge", str(part), "--output-dir", str(tmp_path / "out")])
    assert_one_line_error(code, err, str(document), "not a findings document")


# -- 3. control characters in text output --------------------------------------------------------


def test_visible_escapes_controls_separators_bidi_and_surrogates():
    assert visible("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert visible("\x00\x1b[2J\x7f\x85\x9f") == "\\x00\\x1b[2J\\x7f\\x85\\x9f"
    assert visible("\u2028\u2029\u202e\u2066\u061c\ud800") == "\\u2028\\u2029\\u202e\\u2066\\u061c\\ud800"
    assert visible("café – 😀 C:\\path") == "café – 😀 C:\\path"  # printable text as it is
    assert visible(visible(FORGED)) == visible(FORGED)


def test_lint_text_cannot_forge_a_finding_line_or_reach_the_terminal(tmp_path):
    policy = _write_json(tmp_path / "p.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": FORGED, "Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}]})
    code, out, _ = run_cli(["lint", str(policy)])
    assert code == ExitCode.FINDINGS
    lines = out.splitlines()
    assert lines and all(line.startswith(f"{policy}:") for line in lines), out
    assert "\x1b" not in out and "\\nfake.json:1:1: critical IAM001" in out and "\\x1b[2J" in out


def test_a_coverage_error_cannot_write_to_the_terminal(tmp_path):
    snapshot = _write_json(tmp_path / "snap.json", {
        "schema_version": 1, "account_id": ACCOUNT, "partition": "aws", "UserDetailList": [],
        "coverage": [{"family": "iam", "region": "global", "status": "denied",
                      "error": "x\n\u001b[31mauditor: 0 findings\u001b[0m\u202e"}]})
    code, _, err = run_cli(["scan", "--input", str(snapshot), "--output-dir", str(tmp_path / "out")])
    assert code == ExitCode.INCOMPLETE
    assert len(err.splitlines()) == 1, err
    assert "\x1b" not in err and "\u202e" not in err
    assert "denied: x\\n\\x1b[31mauditor: 0 findings\\x1b[0m\\u202e)" in err


def test_who_can_text_shows_names_as_one_visible_line_each(tmp_path):
    gaad = _gaad({"Effect": "Allow", "Action": "mobiletargeting:*", "Resource": "*"}, policy_name="p\n\x1b[8m")
    source = _write_json(tmp_path / "gaad.json", gaad)
    code, out, _ = run_cli(["who-can", "mobiletargeting:DeleteApp", "--input", str(source)])
    assert code == 0 and "\x1b" not in out
    assert "p\\n\\x1b[8m" in out


# -- 4. bidi controls in the HTML report ---------------------------------------------------------


def _bidi_result():
    finding = make_finding("IAM001", policy_name="ReadOnly\u202e", message='policy "ReadOnly\u202e" allows *',
                           statement_sid="sid" + BIDI,
                           evidence=(("statement", '{"Sid": "sid\\u202e", "Effect": "Allow"}'),
                                     ("condition value", "v\u2067\x07")))
    coverage = (CoverageEntry("pinpoint:GetApps", "us-east-1", CoverageStatus.ERROR, "err\u202e", ACCOUNT),)
    return make_result([finding], coverage=coverage, notes=["note\u202e"])


def test_the_html_report_holds_no_bidi_or_control_character_from_the_account():
    html = render_reports(_bidi_result(), ["html"])["findings.html"].decode("utf-8")
    assert not set(BIDI + "\x07") & set(html)
    assert "err\\u202e" in html and "note\\u202e" in html  # the template's values
    strings = page_data(_bidi_result())["strings"]  # the script's values
    assert "ReadOnly\\u202e" in strings and "sid" + "".join(f"\\u{ord(c):04x}" for c in BIDI) in strings
    assert "v\\u2067\\u0007" in strings
    assert all(not set(BIDI) & set(s) for s in strings)


def test_every_hidden_character_is_escaped_in_the_page_and_is_one_python_calls_unprintable():
    # shown() passes printable text as it is, unexamined: that is safe only while every character
    # the regex escapes is one str.isprintable() rejects.
    from auditor.hidden import HIDDEN_CLASS
    from auditor.report.html_data import shown

    hidden = re.compile(f"[{HIDDEN_CLASS}]")
    every = [chr(c) for c in range(0x110000) if hidden.match(chr(c))]
    assert len(every) > 2100  # the C0/C1 controls, DEL, the bidi controls and every surrogate
    for char in every:
        assert not char.isprintable()
        assert shown(f"a{char}b") == f"a\\u{ord(char):04x}b"
    assert shown("plain, printable: é \u4e2d") == "plain, printable: é \u4e2d"


def test_html_text_keeps_tabs_and_newlines_of_policy_text():
    finding = make_finding("IAM001", evidence=(("statement", '{\n\t"Sid": "a"\n}'),))
    assert '{\n\t"Sid": "a"\n}' in page_data(make_result([finding]))["strings"]


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_page_shows_bidi_controls_it_decodes_itself_as_text(tmp_path):
    # The statement is JSON text with a \u202e escape: the page pretty-prints it (JSON.parse decodes
    # the escape into the control character) and must still show it as text.
    from playwright.sync_api import sync_playwright

    write_reports(_bidi_result(), tmp_path, ["html"])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto((tmp_path / "findings.html").as_uri())
            table = page.inner_text("#findings-table")
            page.locator("#findings-table td.msg a").first.click()
            # The panel fills after the click's handler runs: wait for the statement, not for luck.
            page.locator("#panel-body", has_text='"Sid"').wait_for(timeout=30_000)
            panel = page.inner_text("#panel-body")
        finally:
            browser.close()
    assert 'policy "ReadOnly\\u202e" allows *' in table
    assert '"Sid": "sid\\u202e"' in panel
    assert not set(BIDI) & set(table + panel)


# -- 5. --format naming nothing ------------------------------------------------------------------


@pytest.mark.parametrize("value", [",", " ", " , ", ""])
def test_a_format_list_naming_nothing_is_a_usage_error(tmp_path, value):
    source = _write_json(tmp_path / "gaad.json", _gaad({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    out = tmp_path / "out"
    code, _, err = run_cli(["scan", "--input", str(source), "--output-dir", str(out), "--format", value])
    assert_one_line_error(code, err, "--format", "names no format")
    assert not out.exists()


def test_merge_with_an_empty_format_is_a_usage_error(tmp_path):
    part = tmp_path / "shard"
    write_reports(make_result(sample_findings()), part, ["json"])
    code, _, err = run_cli(["merge", str(part), "--output-dir", str(tmp_path / "out"), "--format", ""])
    assert_one_line_error(code, err, "--format")


def test_writing_no_format_is_refused():
    with pytest.raises(UsageError, match="no report format"):
        write_reports(make_result([]), Path("/nonexistent"), [])


# -- 6. a report set replaced whole or not at all ------------------------------------------------


def _old_set(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir() if p.is_file()}


def test_a_directory_in_a_reports_place_leaves_the_old_set_untouched(tmp_path):
    out = tmp_path / "out"
    write_reports(make_result([]), out, list(FORMATTERS))
    (out / "findings.json").unlink()
    (out / "findings.json").mkdir()  # html and csv come before json: they would be replaced first
    before = _old_set(out)
    with pytest.raises(UsageError, match="findings.json is a directory"):
        write_reports(make_result(sample_findings()), out, list(FORMATTERS))
    assert _old_set(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, "findings.json"])  # no temp file left


def test_a_directory_that_refuses_writes_leaves_the_old_set_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_reports(make_result([]), out, ["csv", "json"])
    before = _old_set(out)
    real_access = os.access
    monkeypatch.setattr(atomic.os, "access", lambda path, mode: False if Path(path) == out else real_access(path, mode))
    with pytest.raises(UsageError, match="no permission to replace files in"):
        write_reports(make_result(sample_findings()), out, ["csv", "json"])
    assert _old_set(out) == before and sorted(p.name for p in out.iterdir()) == sorted(before)


def test_a_failure_between_renames_removes_every_temp_file(tmp_path, monkeypatch):
    # what the checks cannot foresee: each file is whole (old or new) and no temp file stays
    out = tmp_path / "out"
    write_reports(make_result([]), out, ["csv", "json"])
    real_replace, calls = os.replace, []

    def second_rename_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", second_rename_fails)
    with pytest.raises(UsageError, match="Input/output error"):
        write_reports(make_result(sample_findings()), out, ["csv", "json"])
    assert sorted(p.name for p in out.iterdir()) == ["findings.csv", "findings.json", "principals.csv"]
