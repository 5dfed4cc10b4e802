"""IAM: every user, group, role and managed policy through GetAccountAuthorizationDetails (a few
calls per thousand entities, however many policies they attach), and the credential report."""
from __future__ import annotations

import csv
import io
from typing import Any, Callable

import botocore.handlers
from botocore.exceptions import ClientError

from auditor.collect.coverage import GLOBAL, CoverageLog
from auditor.collect.snapshot import CREDENTIAL_COLUMNS, GAAD_LISTS, plain
from auditor.model.inventory import CoverageStatus
from auditor.parse.jsontext import decode_text

GAAD = "iam:GetAccountAuthorizationDetails"
CREDENTIAL_REPORT = "iam:GetCredentialReport"
PAGE_SIZE = 1000  # the most IAM returns per page
_INLINE_LISTS = ("UserPolicyList", "GroupPolicyList", "RolePolicyList")
_NOT_READY = frozenset({"ReportInProgress", "ReportNotPresent", "ReportExpired"})


def raw_policy_client(client: Any) -> Any:
    """Stop botocore from decoding IAM policy documents with json.loads on this one client:
    json.loads keeps the last of two duplicate keys and the first would vanish unseen."""
    client.meta.events.unregister("after-call.iam", botocore.handlers.json_decode_policies)
    return client


def read_authorization_details(client: Any, log: CoverageLog, progress: Callable[[str], None]) -> dict[str, list]:
    """The four GAAD lists, policy documents as raw text, managed policies with their default
    version only. A failure part-way keeps what was read and records the gap."""
    lists: dict[str, list] = {name: [] for name in GAAD_LISTS}
    request: dict[str, Any] = {"MaxItems": PAGE_SIZE}
    pages = 0
    try:
        while True:
            page = client.get_account_authorization_details(**request)
            pages += 1
            for name in GAAD_LISTS:
                lists[name].extend(_clean(name, item) for item in page.get(name) or ())
            progress(f"IAM: {sum(map(len, lists.values()))} entities read ({pages} page{'s' if pages > 1 else ''})")
            if not page.get("IsTruncated"):
                break
            request["Marker"] = page["Marker"]
    except Exception as exc:  # noqa: BLE001 - recorded as a coverage gap, see CoverageLog.failed
        log.failed(GAAD, GLOBAL, exc, f"after {pages} page(s)" if pages else "")
        return lists
    log.ok(GAAD, GLOBAL)
    return lists


def _clean(list_name: str, item: Any) -> Any:
    item = plain(item)
    if not isinstance(item, dict):
        return item  # kept as is; the inventory builder reports it
    for key in _INLINE_LISTS:
        for policy in item.get(key) or ():
            if isinstance(policy, dict):
                policy["PolicyDocument"] = _policy_text(policy.get("PolicyDocument"))
    if "AssumeRolePolicyDocument" in item:
        item["AssumeRolePolicyDocument"] = _policy_text(item["AssumeRolePolicyDocument"])
    if list_name == "Policies":
        versions = [v for v in item.get("PolicyVersionList") or () if isinstance(v, dict) and v.get("IsDefaultVersion")]
        for version in versions:
            version["Document"] = _policy_text(version.get("Document"))
        item["PolicyVersionList"] = versions
    return item


def _policy_text(value: Any) -> Any:
    """IAM returns documents URL-encoded; keep the decoded text, duplicate keys and all."""
    if not isinstance(value, str):
        return value
    text, error = decode_text(value)
    return text if error is None else value


def read_credential_report(client: Any, log: CoverageLog, sleep: Callable[[float], None],
                           max_wait: float = 120.0) -> list[dict[str, str]]:
    """Ask IAM to (re)generate the report, wait for it with a bounded backoff, then read it."""
    delay, waited = 0.2, 0.0
    try:
        while True:
            state = client.generate_credential_report().get("State")
            if state == "COMPLETE":
                try:
                    content = client.get_credential_report()["Content"]
                    break
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") not in _NOT_READY:
                        raise
            if waited >= max_wait:
                log.add(CREDENTIAL_REPORT, GLOBAL, CoverageStatus.ERROR,
                        f"the credential report was not ready after {max_wait:.0f} s")
                return []
            sleep(delay)
            waited += delay
            delay = min(delay * 2, 5.0)
    except Exception as exc:  # noqa: BLE001 - recorded as a coverage gap
        log.failed(CREDENTIAL_REPORT, GLOBAL, exc)
        return []
    log.ok(CREDENTIAL_REPORT, GLOBAL)
    return parse_credential_report(content)


def parse_credential_report(content: bytes | str) -> list[dict[str, str]]:
    """The CSV rows, only the columns the checks use."""
    text = content.decode("utf-8", "replace") if isinstance(content, (bytes, bytearray)) else content
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append({col: (row.get(col) or "") for col in CREDENTIAL_COLUMNS})
    return rows
