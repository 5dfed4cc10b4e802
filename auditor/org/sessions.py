"""boto3 sessions for organization scans: the caller's own, and one per member account through
sts:AssumeRole, all under one shared request-rate cap and a read-only operation allowlist."""
from __future__ import annotations

from typing import Any

from auditor.collect.ratelimit import TokenBucket

# The operations this package itself calls (the collector guards its own clients separately).
ORG_OPERATIONS: frozenset[tuple[str, str]] = frozenset({
    ("organizations", "ListAccounts"),
    ("sts", "AssumeRole"),
    ("sts", "GetCallerIdentity"),
})


class ForbiddenOrgOperation(RuntimeError):
    """A programming error: an operation outside ORG_OPERATIONS was attempted."""


def _guard(model: Any, **_: Any) -> None:
    if (model.service_model.service_name, model.name) not in ORG_OPERATIONS:
        raise ForbiddenOrgOperation(f"{model.service_model.service_name}:{model.name} is not allowed here")


def share_rate_cap(session: Any, bucket: TokenBucket) -> Any:
    """Every HTTP attempt (retries included) of every client made from `session` takes a token from
    `bucket`. Registered on the session, so clients created later by the collector inherit it."""

    def before_send(**_: Any) -> None:
        bucket.acquire()

    session.events.register_first("before-send", before_send)
    return session


def caller_session(profile: str, region: str, bucket: TokenBucket) -> Any:
    """The identity that starts the scan (standard credential chain or a named profile)."""
    import boto3

    session = boto3.Session(profile_name=profile or None, region_name=region or None)
    if session.region_name is None:
        # Organizations and STS need some region to sign for; us-east-1 serves both globally.
        session = boto3.Session(profile_name=profile or None, region_name="us-east-1")
    return share_rate_cap(session, bucket)


def guarded_client(session: Any, service: str) -> Any:
    client = session.client(service)
    client.meta.events.register_first("before-call", _guard)
    return client


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def assumed_session(sts: Any, arn: str, *, external_id: str, session_name: str, region: str,
                    bucket: TokenBucket) -> Any:
    """A session with the role's credentials, refreshed before they expire (a large account can take
    longer to collect than the one-hour default). Assumes the role once right away, so a role that
    cannot be assumed fails here with botocore's error, before any collection starts."""
    import boto3
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver, RefreshableCredentials

    params = {"RoleArn": arn, "RoleSessionName": session_name}
    if external_id:
        params["ExternalId"] = external_id

    def fetch() -> dict[str, str]:
        c = sts.assume_role(**params)["Credentials"]
        return {"access_key": c["AccessKeyId"], "secret_key": c["SecretAccessKey"], "token": c["SessionToken"],
                "expiry_time": c["Expiration"].isoformat()}

    credentials = RefreshableCredentials.create_from_metadata(fetch(), fetch, "auditor-assume-role")

    class _Assumed(CredentialProvider):
        METHOD = "auditor-assume-role"

        def load(self) -> RefreshableCredentials:
            return credentials

    core = botocore.session.Session()
    core.register_component("credential_provider", CredentialResolver([_Assumed()]))
    return share_rate_cap(boto3.Session(botocore_session=core, region_name=region), bucket)
