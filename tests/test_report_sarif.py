import json

import jsonschema

from auditor.model.finding import Status
from auditor.report import render_reports
from auditor.report.sarif import FINGERPRINT_KEY, sarif_document
from test_report_factory import make_result, sample_findings

_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}
# The parts of the official SARIF 2.1.0 schema that this report uses, with the same constraints
# (required members, enums, minimums); written here because no PyPI package ships the schema.
SARIF_SUBSET = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/run"}},
    },
    "$defs": {
        "run": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                                   "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}}}}}},
                "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                "invocations": {"type": "array", "items": {
                    "type": "object", "required": ["executionSuccessful"],
                    "properties": {"executionSuccessful": {"type": "boolean"},
                                   "toolExecutionNotifications": {"type": "array", "items": {
                                       "type": "object", "required": ["message"],
                                       "properties": {"message": _MESSAGE,
                                                      "level": {"enum": ["none", "note", "warning", "error"]}}}}}}},
            },
        },
        "rule": {
            "type": "object", "required": ["id"],
            "properties": {
                "id": {"type": "string"}, "name": {"type": "string"},
                "shortDescription": _MESSAGE, "fullDescription": _MESSAGE, "help": _MESSAGE,
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {"type": "object", "properties": {
                    "level": {"enum": ["none", "note", "warning", "error"]}}},
            },
        },
        "result": {
            "type": "object", "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": _MESSAGE,
                "locations": {"type": "array", "items": {"$ref": "#/$defs/location"}},
                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                "baselineState": {"enum": ["new", "unchanged", "updated", "absent"]},
                "suppressions": {"type": "array", "items": {
                    "type": "object", "required": ["kind"],
                    "properties": {"kind": {"enum": ["inSource", "external"]},
                                   "justification": {"type": "string"}}}},
            },
        },
        "location": {
            "type": "object",
            "properties": {
                "physicalLocation": {
                    "type": "object", "anyOf": [{"required": ["artifactLocation"]}],
                    "properties": {
                        "artifactLocation": {"type": "object", "properties": {"uri": {"type": "string",
                                                                                      "format": "uri-reference"}}},
                        "region": {"type": "object", "properties": {
                            "startLine": {"type": "integer", "minimum": 1},
                            "startColumn": {"type": "integer", "minimum": 1}}},
                    },
                },
                "logicalLocations": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "properties": {"fullyQualifiedName": {"type": "string"},
                                                     "kind": {"type": "string"}}}},
            },
        },
    },
}


def _validate(doc):
    jsonschema.validate(doc, SARIF_SUBSET, cls=jsonschema.Draft202012Validator,
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_scan_results_use_the_resource_as_logical_location():
    findings = sample_findings()
    findings[0] = findings[0].replace(status=Status.SUPPRESSED, suppressed_by="known")
    doc = json.loads(render_reports(make_result(findings, baseline_used=True), ["sarif"])["findings.sarif"])
    _validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) == len(findings)
    by_fp = {r["partialFingerprints"][FINGERPRINT_KEY]: r for r in results}
    assert set(by_fp) == {f.fingerprint for f in findings}
    for f in findings:
        r = by_fp[f.fingerprint]
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"] == f.check_id
        assert r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == f.resource_arn
    critical = by_fp[findings[0].fingerprint]
    assert critical["level"] == "error" and critical["suppressions"][0]["justification"] == "known"
    assert "baselineState" not in critical
    assert by_fp[findings[1].fingerprint]["level"] == "warning"
    assert by_fp[findings[1].fingerprint]["baselineState"] == "new"
    assert by_fp[findings[2].fingerprint]["level"] == "note"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert "sesv2:ListEmailIdentities in eu-west-1" in notes[0]["message"]["text"]


def test_lint_results_point_at_file_line_and_column():
    f = sample_findings()[1].replace(file="policies/ses send.json", line=7, column=5)
    no_line = sample_findings()[2].replace(file="-")
    doc = sarif_document(make_result([f, no_line]))
    _validate(doc)
    located = {r["partialFingerprints"][FINGERPRINT_KEY]: r["locations"][0] for r in doc["runs"][0]["results"]}
    physical = located[f.fingerprint]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "policies/ses%20send.json"},
                        "region": {"startLine": 7, "startColumn": 5}}
    assert "region" not in located[no_line.fingerprint]["physicalLocation"]


def test_rules_come_from_the_registry(tmp_path):
    from auditor.model.finding import Severity
    from auditor.registry import REGISTRY, check

    @check("ZZS901", "sarif-test-rule", Severity.MEDIUM, "Test rule", rationale="why", remediation="fix",
           doc_url="https://example.com/zzs901")
    def _rule(ctx):
        return ()

    try:
        doc = sarif_document(make_result([]))
        rule = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "ZZS901")
        assert rule["name"] == "sarif-test-rule" and rule["helpUri"] == "https://example.com/zzs901"
        assert rule["defaultConfiguration"]["level"] == "warning"
        assert rule["properties"]["security-severity"] == "5.5"
        _validate(doc)
    finally:
        del REGISTRY["ZZS901"]
