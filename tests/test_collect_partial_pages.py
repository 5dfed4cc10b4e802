"""A listing whose later page cannot be read keeps the pages read before it, with a gap that says
the list is not whole: the identities and projects it did read are real, and checked."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from auditor.collect.coverage import CoverageLog
from auditor.collect.regional import APPS_LIST, SES_GET, SES_LIST, read_pinpoint_projects, read_ses_identities
from auditor.model.inventory import CoverageStatus

THROTTLED = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Too Many Requests"}},
                        "ListEmailIdentities")
POLICY = '{"Version": "2012-10-17", "Statement": []}'


class _Paged:
    """A client whose first page answers and whose second raises `error`."""

    def __init__(self, error: Exception | None):
        self.error = error

    def list_email_identities(self, **request):
        if "NextToken" in request:
            if self.error:
                raise self.error
            return {"EmailIdentities": [{"IdentityName": "b@example.com", "IdentityType": "EMAIL_ADDRESS"}]}
        return {"EmailIdentities": [{"IdentityName": "a@example.com", "IdentityType": "EMAIL_ADDRESS"}],
                "NextToken": "t"}

    def get_email_identity(self, EmailIdentity):  # noqa: N803 - the API's name
        return {"Policies": {"send": POLICY}, "Tags": [], "VerifiedForSendingStatus": True}

    def get_apps(self, **request):
        if "Token" in request:
            if self.error:
                raise self.error
            return {"ApplicationsResponse": {"Item": [{"Arn": "arn:p2", "Id": "p2", "tags": {}}]}}
        return {"ApplicationsResponse": {"Item": [{"Arn": "arn:p1", "Id": "p1", "tags": {}}], "NextToken": "t"}}


def _entry(log, family):
    (entry,) = [e for e in log.entries() if e.family == family]
    return entry


@pytest.mark.parametrize("error", [None, THROTTLED])
def test_ses_identities_of_the_pages_read_are_kept(error):
    log = CoverageLog("111122223333")
    identities = read_ses_identities(_Paged(error), "us-east-1", log)
    names = [i["IdentityName"] for i in identities]
    assert names == (["a@example.com", "b@example.com"] if error is None else ["a@example.com"])
    assert identities[0]["Policies"] == {"send": POLICY}
    listing = _entry(log, SES_LIST)
    if error is None:
        assert listing.status is CoverageStatus.OK
    else:
        assert listing.status is CoverageStatus.THROTTLED and "stopped after 1 item (kept)" in listing.error
    assert _entry(log, SES_GET).status is CoverageStatus.OK


@pytest.mark.parametrize("error", [None, THROTTLED])
def test_pinpoint_projects_of_the_pages_read_are_kept(error):
    log = CoverageLog("111122223333")
    projects = read_pinpoint_projects(_Paged(error), "us-east-1", log)
    assert [p["Id"] for p in projects] == (["p1", "p2"] if error is None else ["p1"])
    listing = _entry(log, APPS_LIST)
    assert listing.status is (CoverageStatus.OK if error is None else CoverageStatus.THROTTLED)
