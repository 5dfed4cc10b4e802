"""What goes wrong during collection: denied, throttled and unavailable call families become coverage
gaps (never a crash, never silence); a collection that cannot start is one CollectionError line."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.core.exceptions import JsonRESTError
from test_collect_support import (
    ALLOW_ALL,
    FAST,
    CallRecorder,
    add_project,
    add_ses_identity,
    aws,  # noqa: F401 - fixture
    collect,
    fast_retries,  # noqa: F401 - fixture
    iam_enforced,
    scanner_session,
)

from auditor.collect.collector import CollectOptions, collect_live
from auditor.collect.coverage import classify, mark_accepted
from auditor.collect.iam import read_credential_report
from auditor.collect.coverage import CoverageLog
from auditor.collect.inventory_builder import build_inventory
from auditor.collect.session import AwsTarget
from auditor.config import Config, ScanSettings
from auditor.errors import CollectionError
from auditor.exitcodes import ExitCode
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.pipeline import analyse, exit_code


def _status(snapshot, family, region):
    return next(c for c in snapshot.coverage if c.family == family and c.region == region)


class _Throttled(JsonRESTError):
    code = 429

    def __init__(self):
        super().__init__("TooManyRequestsException", "Rate exceeded")


def test_access_denied_on_one_family_is_a_gap_cov001_and_exit_3(aws, monkeypatch):
    add_ses_identity(aws, "us-east-1", "sender@example.com", {"p": ALLOW_ALL.replace("*\"}", "ses:SendEmail\"}")})
    deny_one = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ses:GetEmailIdentity", "Resource": "*"}]}
    session = scanner_session(aws, deny_one)
    with iam_enforced(monkeypatch):
        snapshot = collect(session)

    denied = _status(snapshot, "sesv2:GetEmailIdentity", "us-east-1")
    assert denied.status is CoverageStatus.DENIED
    assert "AccessDenied" in denied.error and "1 of 1 identities" in denied.error
    # eu-west-1 has no identity, so nothing there was denied; the rest of the scan went on.
    assert _status(snapshot, "sesv2:GetEmailIdentity", "eu-west-1").status is CoverageStatus.OK
    assert _status(snapshot, "iam:GetAccountAuthorizationDetails", "global").status is CoverageStatus.OK
    [identity] = snapshot.ses["us-east-1"]
    assert identity["Policies"] is None  # unknown, not "no policies"

    result = analyse(build_inventory(snapshot), Config())
    assert result.incomplete
    assert any(f.check_id == "COV001" and "GetEmailIdentity" in f.message for f in result.findings)
    assert exit_code(result, "high") is ExitCode.INCOMPLETE
    accepted = analyse(build_inventory(snapshot), Config(scan=ScanSettings(accept_gaps=("sesv2:*@us-east-1",))))
    assert not accepted.incomplete


def test_region_without_ses_is_unavailable_and_never_called(aws):
    recorder = CallRecorder()
    snapshot = collect(aws, regions=["us-east-1", "ap-east-1"], recorder=recorder)

    gap = _status(snapshot, "sesv2:*", "ap-east-1")
    assert gap.status is CoverageStatus.UNAVAILABLE and "not offered in ap-east-1" in gap.error
    assert _status(snapshot, "pinpoint:*", "ap-east-1").status is CoverageStatus.UNAVAILABLE
    assert _status(snapshot, "sesv2:ListEmailIdentities", "us-east-1").status is CoverageStatus.OK
    assert not any(region == "ap-east-1" for _s, _op, region in recorder.calls)
    assert snapshot.regions == ("ap-east-1", "us-east-1")


def test_unreachable_endpoint_is_unavailable(aws):
    def unreachable(client):
        if client.meta.service_model.service_name == "pinpoint" and client.meta.region_name == "eu-west-1":
            def refuse(request, **_):
                raise EndpointConnectionError(endpoint_url=request.url)
            client.meta.events.register_first("before-send", refuse)

    snapshot = collect_live(AwsTarget(regions=("us-east-1", "eu-west-1")), CollectOptions(rate_limit=1e4, max_attempts=1),
                            session=aws, instrument=[unreachable], sleep=lambda _s: None)
    gap = _status(snapshot, "pinpoint:GetApps", "eu-west-1")
    assert gap.status is CoverageStatus.UNAVAILABLE and "Could not connect" in gap.error
    assert _status(snapshot, "pinpoint:GetApps", "us-east-1").status is CoverageStatus.OK


def test_region_not_enabled_answers_unavailable(aws, monkeypatch):
    from moto.pinpoint.models import PinpointBackend

    original = PinpointBackend.get_apps

    def get_apps(self):
        if self.region_name == "eu-west-1":
            raise JsonRESTError("UnrecognizedClientException", "The security token included in the request is invalid")
        return original(self)

    monkeypatch.setattr(PinpointBackend, "get_apps", get_apps)
    snapshot = collect(aws)
    assert _status(snapshot, "pinpoint:GetApps", "eu-west-1").status is CoverageStatus.UNAVAILABLE
    assert _status(snapshot, "pinpoint:GetApps", "us-east-1").status is CoverageStatus.OK


def _flaky_ses(monkeypatch, failures: int) -> dict:
    from moto.sesv2.models import SESV2Backend

    original = SESV2Backend.list_email_identities
    state = {"throttled": 0}

    def list_email_identities(self, *args, **kwargs):
        if state["throttled"] < failures:
            state["throttled"] += 1
            raise _Throttled()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SESV2Backend, "list_email_identities", list_email_identities)
    return state


def test_throttling_is_retried_until_it_succeeds(aws, monkeypatch, fast_retries):
    add_ses_identity(aws, "us-east-1", "a@example.com")
    state = _flaky_ses(monkeypatch, failures=2)
    recorder = CallRecorder()

    snapshot = collect(aws, regions=["us-east-1"], recorder=recorder)

    assert state["throttled"] == 2
    assert _status(snapshot, "sesv2:ListEmailIdentities", "us-east-1").status is CoverageStatus.OK
    assert [i["IdentityName"] for i in snapshot.ses["us-east-1"]] == ["a@example.com"]
    assert recorder.attempts == len(recorder.calls) + 2  # two HTTP retries behind one API call


def test_throttled_out_after_retries_is_a_throttled_gap(aws, monkeypatch, fast_retries):
    state = _flaky_ses(monkeypatch, failures=10**6)
    snapshot = collect(aws, regions=["us-east-1"])
    gap = _status(snapshot, "sesv2:ListEmailIdentities", "us-east-1")
    assert gap.status is CoverageStatus.THROTTLED and "TooManyRequestsException" in gap.error
    assert state["throttled"] == FAST.max_attempts


def test_collection_cannot_start_without_credentials(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(CollectionError, match="no AWS credentials found"):
        collect_live(AwsTarget(regions=("us-east-1",)), FAST)


def test_unknown_profile_and_unknown_region_are_collection_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(CollectionError, match="profile 'nope' not found"):
        collect_live(AwsTarget(profile="nope"), FAST)
    with pytest.raises(CollectionError, match="unknown region 'us-moon-1'"):
        collect_live(AwsTarget(regions=("us-moon-1",)), FAST, session=boto3.Session())


def test_expired_token_is_one_clear_collection_error(aws):
    def expired(client):
        def refuse(model, **_):
            raise ClientError({"Error": {"Code": "ExpiredToken", "Message": "The security token included in the "
                                         "request is expired"}}, model.name)
        client.meta.events.register("before-call.sts.GetCallerIdentity", refuse)

    with pytest.raises(CollectionError, match=r"credentials have expired \(ExpiredToken\)"):
        collect_live(AwsTarget(regions=("us-east-1",)), FAST, session=aws, instrument=[expired])


def test_role_is_assumed_and_a_refused_role_is_a_collection_error(aws, monkeypatch):
    iam = aws.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                     "Action": "sts:AssumeRole"}]}
    role_arn = iam.create_role(RoleName="audit", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="audit", PolicyName="all", PolicyDocument=ALLOW_ALL)
    recorder = CallRecorder()
    snapshot = collect(aws, regions=["us-east-1"], recorder=recorder, role_arn=role_arn, external_id="x-1")
    assert recorder.count("AssumeRole") == 1
    assert snapshot.account_id == "123456789012"
    assert all(c.status is CoverageStatus.OK for c in snapshot.coverage)

    no_sts = scanner_session(aws, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]})
    with iam_enforced(monkeypatch), pytest.raises(CollectionError, match=f"cannot assume role {role_arn}: AccessDenied"):
        collect(no_sts, regions=["us-east-1"], role_arn=role_arn)


def test_credential_report_that_never_finishes_is_an_error_gap():
    class SlowIam:
        def generate_credential_report(self):
            return {"State": "STARTED"}

    log = CoverageLog("1")
    waits: list[float] = []
    assert read_credential_report(SlowIam(), log, waits.append, max_wait=3.0) == []
    [entry] = log.entries()
    assert entry.status is CoverageStatus.ERROR and "not ready after 3 s" in entry.error
    assert waits[:4] == [0.2, 0.4, 0.8, 1.6] and sum(waits) >= 3.0


def test_classify_reads_codes_and_unparsed_error_bodies():
    def err(code, message="m", status=400):
        return ClientError({"Error": {"Code": code, "Message": message},
                            "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")

    assert classify(err("AccessDeniedException"))[0] is CoverageStatus.DENIED
    assert classify(err("UnauthorizedOperation"))[0] is CoverageStatus.DENIED
    assert classify(err("ThrottlingException"))[0] is CoverageStatus.THROTTLED
    assert classify(err("InvalidClientTokenId"))[0] is CoverageStatus.UNAVAILABLE
    assert classify(err("InternalFailure")) == (CoverageStatus.ERROR, "InternalFailure: m")
    xml = '<?xml version="1.0"?><ErrorResponse><Error><Code>AccessDenied</Code><Message>not you</Message></Error></ErrorResponse>'
    assert classify(err("403", xml, 403)) == (CoverageStatus.DENIED, "AccessDenied: not you")
    assert classify(err("429", "", 429))[0] is CoverageStatus.THROTTLED
    assert classify(EndpointConnectionError(endpoint_url="https://x"))[0] is CoverageStatus.UNAVAILABLE


def test_accepted_gaps_are_matched_by_family_and_region_globs():
    entries = (
        CoverageEntry("sesv2:ListEmailIdentities", "ap-east-1", CoverageStatus.DENIED),
        CoverageEntry("pinpoint:GetApps", "eu-west-1", CoverageStatus.UNAVAILABLE),
        CoverageEntry("pinpoint:GetApps", "us-east-1", CoverageStatus.OK),
        CoverageEntry("iam:GetCredentialReport", "global", CoverageStatus.ERROR),
    )
    marked = mark_accepted(entries, ["sesv2:*@ap-east-1", "Pinpoint:GetApps@*"])
    assert [e.accepted for e in marked] == [True, True, False, False]


def test_worst_status_wins_within_one_family_and_region():
    log = CoverageLog("1")
    log.ok("pinpoint:ListTagsForResource", "us-east-1")
    log.add("pinpoint:ListTagsForResource", "us-east-1", CoverageStatus.DENIED, "AccessDenied")
    log.ok("pinpoint:ListTagsForResource", "us-east-1")
    [entry] = log.entries()
    assert entry.status is CoverageStatus.DENIED and entry.account_id == "1"


def test_a_project_whose_tags_are_denied_is_kept_with_a_gap(aws, monkeypatch):
    add_project(aws, "us-east-1", "p1", {"Owner": "a"})
    session = scanner_session(aws, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "mobiletargeting:ListTagsForResource", "Resource": "*"}]})
    with iam_enforced(monkeypatch):
        snapshot = collect(session, regions=["us-east-1"])
    assert [p["Name"] for p in snapshot.pinpoint["us-east-1"]] == ["p1"]
    gap = _status(snapshot, "pinpoint:ListTagsForResource", "us-east-1")
    assert gap.status is CoverageStatus.DENIED and "tags of 1 of 1 projects" in gap.error
