"""--history: each scan is recorded and the HTML report shows the trend and the oldest open findings."""
import json

from auditor.cli import main


def _gaad(tmp_path):
    doc = {"UserDetailList": [{
        "UserName": "ops", "UserId": "AIDAEXAMPLE", "Arn": "arn:aws:iam::210987654321:user/ops", "Path": "/",
        "CreateDate": "2024-01-01T00:00:00Z", "GroupList": [], "AttachedManagedPolicies": [],
        "UserPolicyList": [{"PolicyName": "sms", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sms-voice:*", "Resource": "*"}]}}]}],
        "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(doc))
    return path


def test_history_trend_appears_in_the_html_and_stays_out_of_csv_and_json(tmp_path):
    gaad, db = _gaad(tmp_path), tmp_path / "history.sqlite"
    outputs = []
    for run in (1, 2):
        out = tmp_path / f"run{run}"
        assert main(["scan", "--input", str(gaad), "--output-dir", str(out), "--history", str(db),
                     "--fail-on", "never", "-q"]) == 0
        outputs.append(out)
    html = (outputs[1] / "findings.html").read_text()
    assert 'id="trend"' in html and "Trend over the last 2 recorded runs" in html
    assert "Oldest open findings" in html and "IAM002" in html
    # Timestamps of earlier runs never reach the deterministic files.
    assert (outputs[0] / "findings.csv").read_bytes() == (outputs[1] / "findings.csv").read_bytes()
    first, second = (json.loads((o / "findings.json").read_text()) for o in outputs)
    assert first["findings"] == second["findings"]


def test_without_history_there_is_no_trend(tmp_path):
    out = tmp_path / "out"
    assert main(["scan", "--input", str(_gaad(tmp_path)), "--output-dir", str(out), "--fail-on", "never", "-q"]) == 0
    assert 'id="trend"' not in (out / "findings.html").read_text()
