import json

from auditor.report import write_reports
from test_report_factory import make_principal, make_result, sample_findings


def test_every_format_is_written(tmp_path):
    result = make_result(sample_findings(), principals=[make_principal()])
    paths = write_reports(result, tmp_path / "out", ["html", "csv", "json", "sarif"])
    assert sorted(p.name for p in paths) == ["findings.csv", "findings.html", "findings.json", "findings.sarif",
                                            "principals.csv"]
    doc = json.loads((tmp_path / "out" / "findings.json").read_text("utf-8"))
    assert doc["summary"]["total"] == 4
    assert [f["severity"] for f in doc["findings"]] == ["critical", "medium", "low", "info"]
