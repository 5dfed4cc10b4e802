"""Per region: SES v2 email identities with their sending-authorization policies and tags, and
Amazon Pinpoint projects with their tags."""
from __future__ import annotations

from typing import Any, Callable

from botocore.exceptions import ClientError

from auditor.collect.coverage import CoverageLog
from auditor.collect.snapshot import plain

SES_LIST = "sesv2:ListEmailIdentities"
SES_GET = "sesv2:GetEmailIdentity"
APPS_LIST = "pinpoint:GetApps"
APPS_TAGS = "pinpoint:ListTagsForResource"


def read_ses_identities(client: Any, region: str, log: CoverageLog) -> list[dict[str, Any]]:
    """Every identity with `Policies` (name -> the raw JSON string SES returned) and `Tags`.

    An identity whose details cannot be read keeps `Policies: null` (unknown, not "none") and the
    region gets a gap naming how many were missed."""
    # No PageSize: the service default is fine and some endpoints mishandle the parameter.
    listed = _listed(log, SES_LIST, region,
                     lambda: _all_pages(client.list_email_identities, "EmailIdentities", "NextToken"))
    summaries = [s for s in listed if s.get("IdentityName")]

    identities: list[dict[str, Any]] = []
    failed: list[tuple[str, BaseException]] = []
    for summary in summaries:
        name = summary["IdentityName"]
        item: dict[str, Any] = {
            "IdentityName": name,
            "IdentityType": summary.get("IdentityType", ""),
            "SendingEnabled": bool(summary.get("SendingEnabled", False)),
        }
        try:
            detail = client.get_email_identity(EmailIdentity=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                continue  # deleted between the list and the read: not a gap
            failed.append((name, exc))
            item["Policies"] = None
        except Exception as exc:  # noqa: BLE001
            failed.append((name, exc))
            item["Policies"] = None
        else:
            item["Policies"] = {str(k): v for k, v in (detail.get("Policies") or {}).items()}
            item["Tags"] = plain(detail.get("Tags") or [])
            item["VerifiedForSendingStatus"] = bool(detail.get("VerifiedForSendingStatus", False))
        identities.append(item)
    if failed:
        name, first = failed[0]
        log.failed(SES_GET, region, first, f"{len(failed)} of {len(summaries)} identities unreadable (first: {name})")
    else:
        log.ok(SES_GET, region)
    return identities


def read_pinpoint_projects(client: Any, region: str, log: CoverageLog) -> list[dict[str, Any]]:
    """Every project (application) with `tags`; tags come inline, and are asked for separately only
    for projects whose answer lacks them."""
    projects = [plain(a) for a in _listed(log, APPS_LIST, region,
                                          lambda: _all_pages(client.get_apps, "Item", "Token",
                                                             wrapper="ApplicationsResponse"))]

    untagged = [p for p in projects if "tags" not in p and p.get("Arn")]
    failed: list[BaseException] = []
    for project in untagged:
        try:
            answer = client.list_tags_for_resource(ResourceArn=project["Arn"])
            project["tags"] = dict((answer.get("TagsModel") or {}).get("tags") or {})
        except Exception as exc:  # noqa: BLE001
            failed.append(exc)
    if failed:
        log.failed(APPS_TAGS, region, failed[0], f"tags of {len(failed)} of {len(untagged)} projects unreadable")
    elif untagged:
        log.ok(APPS_TAGS, region)
    return projects


def _listed(log: CoverageLog, family: str, region: str,
            read: Callable[[], tuple[list[dict[str, Any]], Exception | None]]) -> list[dict[str, Any]]:
    """The items a listing read, logged ok, or a gap when a page could not be read: the pages
    read before it are kept (their items are real, and the gap says the list is not whole)."""
    items, exc = read()
    if exc is None:
        log.ok(family, region)
    else:
        count = len(items)
        log.failed(family, region, exc, f"the listing stopped after {count} item{'s' if count != 1 else ''} (kept)"
                   if count else "")
    return items


def _all_pages(call: Any, items: str, token_param: str, *,
               wrapper: str = "") -> tuple[list[dict[str, Any]], Exception | None]:
    """Every item of a NextToken-paged operation (these two have no boto3 paginator), and the
    error that stopped the listing early, if one did (with the items of the pages before it)."""
    out: list[dict[str, Any]] = []
    request: dict[str, Any] = {}
    while True:
        try:
            page = call(**request)
        except Exception as exc:  # noqa: BLE001 - the caller records it as a coverage gap
            return out, exc
        if wrapper:
            page = page.get(wrapper) or {}
        out.extend(page.get(items) or ())
        token = page.get("NextToken")
        if not token:
            return out, None
        request[token_param] = token
