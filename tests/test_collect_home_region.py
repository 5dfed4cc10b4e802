"""The first calls of a live scan (AssumeRole, GetCallerIdentity) survive an opt-in region the
account has not enabled: such a region refuses the credentials as if they were bad."""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from test_collect_support import aws  # noqa: F401 - fixture

from auditor.collect.collector import CollectOptions, collect_live
from auditor.collect.session import AwsTarget, _assume_role, ClientFactory
from auditor.errors import CollectionError
from auditor.model.inventory import CoverageStatus

DISABLED = "me-south-1"
REFUSED = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
           '<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.'
           '</Message></Error><RequestId>x</RequestId></ErrorResponse>').encode()


class _Body:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_):
        yield self._data


def _refusing(regions):
    """An instrument hook: every request to a region of `regions` is refused as a disabled one is."""
    def hook(client):
        if client.meta.region_name in regions:
            service = client.meta.service_model.service_name

            def send(request, **_):
                if service == "sts":
                    return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Body(REFUSED))
                return AWSResponse(request.url, 403, {"x-amzn-ErrorType": "UnrecognizedClientException",
                                                      "Content-Type": "application/json"},
                                   _Body(json.dumps({"message": "The security token is invalid"}).encode()))

            client.meta.events.register_first("before-send", send)
    return hook


def _collect(session, regions, refused, **target):
    return collect_live(AwsTarget(regions=regions, **target), CollectOptions(rate_limit=1e4, max_attempts=1),
                        session=session, instrument=[_refusing(refused)], sleep=lambda _s: None)


@pytest.mark.parametrize("regions", [("us-east-1", DISABLED), (DISABLED, "us-east-1")])
def test_a_disabled_region_first_or_second_is_a_gap_not_the_end(aws, regions):
    snapshot = _collect(aws, regions, {DISABLED})
    assert snapshot.account_id
    gaps = {(c.family.split(":")[0], c.region) for c in snapshot.coverage if c.status is not CoverageStatus.OK}
    assert gaps and all(region == DISABLED for _family, region in gaps)
    assert any(c.region == "us-east-1" and c.status is CoverageStatus.OK for c in snapshot.coverage)


def test_credentials_refused_everywhere_are_still_one_clear_error(aws):
    with pytest.raises(CollectionError, match="InvalidClientTokenId"):
        _collect(aws, (DISABLED, "us-east-1"), {DISABLED, "us-east-1", aws.region_name})


def test_the_role_session_keeps_the_profile_settings(tmp_path, monkeypatch, aws):
    config = tmp_path / "config"
    config.write_text("[profile audit]\nregion = us-east-1\nca_bundle = /tmp/corp-ca.pem\n"
                      "aws_access_key_id = testing\naws_secret_access_key = testing\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="auditor", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    base = ClientFactory(boto3.Session(profile_name="audit"), rate_limit=1e4, max_attempts=1)
    assumed = _assume_role(base, AwsTarget(profile="audit", role_arn=role), "us-east-1")
    assert assumed.profile_name == "audit"
    assert assumed._session.get_scoped_config().get("ca_bundle") == "/tmp/corp-ca.pem"  # noqa: SLF001
