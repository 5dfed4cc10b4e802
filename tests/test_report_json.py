import json
from importlib import resources

import jsonschema
import pytest

from auditor.errors import InputError
from auditor.model.finding import Status
from auditor.model.result import ExpiredSuppression
from auditor.report import render_reports
from auditor.report.json_report import findings_document, load_findings_document
from auditor.report.records import finding_from_record, finding_record
from test_report_factory import hostile_result, make_principal, make_result, sample_findings


@pytest.fixture(scope="module")
def schema():
    text = resources.files("auditor").joinpath("schemas/findings.schema.json").read_text("utf-8")
    data = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(data)
    return data


def _full_result():
    findings = sample_findings()
    findings[1] = findings[1].replace(status=Status.SUPPRESSED, suppressed_by="accepted risk (until 2027-01-01)")
    findings[0] = findings[0].replace(status=Status.EXISTING)
    gone = sample_findings()[0].replace(fingerprint="0" * 24, check_id="TST009")
    return make_result(findings, principals=[make_principal()], resolved=[gone],
                       expired=[ExpiredSuppression("TST001", "arn:aws:iam::*", "old", "2020-01-01")],
                       notes=["input was already decoded: duplicate keys cannot be seen"], baseline_used=True)


def test_real_output_validates_against_the_schema(schema):
    doc = json.loads(render_reports(_full_result(), ["json"])["findings.json"])
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    assert doc["summary"] == {
        "by_severity": {"critical": 1, "high": 0, "medium": 0, "low": 1, "info": 1},
        "by_check": {"TST001": 1, "TST002": 1, "TST003": 1},
        "total": 4, "open": 3, "new": 2, "existing": 1, "suppressed": 1, "resolved": 1,
    }
    assert doc["principals"][0]["services"][0]["levels"] == {"List": {"actions": 1, "all": 1, "only_if": 0}, "Write": {"actions": 1, "all": 1, "only_if": 1}}
    assert doc["expired_suppressions"][0]["expires"] == "2020-01-01"


def test_empty_result_validates_too(schema):
    doc = findings_document(make_result([], coverage=()))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    assert doc["findings"] == [] and doc["summary"]["total"] == 0


def test_schema_rejects_a_damaged_document(schema):
    doc = findings_document(make_result(sample_findings()))
    doc["findings"][0]["severity"] = "urgent"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def test_findings_are_in_sort_key_order_and_fields_in_csv_order():
    shuffled = list(reversed(sample_findings()))
    doc = findings_document(make_result(shuffled))
    assert [f["fingerprint"] for f in doc["findings"]] == [
        f.fingerprint for f in sorted(shuffled, key=lambda f: f.sort_key())]
    from auditor.model.finding import CSV_FIELDS
    assert list(doc["findings"][0])[: len(CSV_FIELDS)] == list(CSV_FIELDS)
    assert list(doc["findings"][0])[len(CSV_FIELDS):] == ["file", "line", "column", "evidence"]


def test_unicode_is_kept_and_output_is_byte_identical():
    result = _full_result()
    first = render_reports(result, ["json"])["findings.json"]
    second = render_reports(result, ["json"])["findings.json"]
    assert first == second
    assert "naïve – ünïcödé".encode("utf-8") in first
    assert b"\n  \"schema_version\"" in first  # indent 2


def test_record_round_trip_gives_the_same_finding():
    for f in sample_findings():
        assert finding_from_record(json.loads(json.dumps(finding_record(f)))) == f


def test_load_rejects_what_is_not_a_findings_document(tmp_path):
    cases = {
        "missing.json": None,
        "broken.json": b'{"schema_version": "1.0", "findings": [',
        "other.json": b'{"Version": "2012-10-17", "Statement": []}',
        "future.json": b'{"schema_version": "9.0", "findings": []}',
        "latin1.json": '{"schema_version": "1.0", "findings": [], "x": "caf\xe9"}'.encode("latin-1"),
    }
    for name, data in cases.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(InputError) as err:
            load_findings_document(path)
        message = str(err.value)
        assert "\n" not in message and name in message


def test_streamed_file_is_the_document_written_in_one_piece():
    from auditor.report.json_report import dumps

    for result in (_full_result(), make_result([]), hostile_result()):
        assert render_reports(result, ["json"])["findings.json"] == dumps(findings_document(result)).encode()


def test_record_lines_are_the_compact_json_of_the_records():
    from dataclasses import replace

    from auditor.report.jsonfmt import compact
    from auditor.report.recordjson import JsonTexts, finding_lines, principal_lines
    from auditor.report.records import ReportData, principal_record

    findings = [*sample_findings(), *hostile_result().findings,
                sample_findings()[0].replace(statement_index=None, line=3, column=None, file="pol.json",
                                             evidence=(("statement", '{"a": "\u2028<\\\\>"}'), ("k", "")))]
    principal = make_principal()
    principals = [principal, replace(principal, principal_arn=principal.principal_arn + "-2", excess=("ses:A",),
                                     excess_scopes=("ses:A on all",), suggested_policy='{"x": "\\n"}',
                                     declared_archetype="api-admin")]
    data = ReportData(make_result(findings, principals=principals))
    texts = JsonTexts()
    assert list(finding_lines(data.findings, texts)) == [compact(finding_record(f)) for f in data.findings]
    assert list(principal_lines(data, texts)) == [compact(principal_record(p)) for p in data.principals]
