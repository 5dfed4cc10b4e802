"""Opening the AWS session the collector works through, and making its clients.

Every client is made here, so every client gets the read-only guard, the shared rate cap and
adaptive retries. Problems that make collection impossible (no credentials, expired token, a role
that cannot be assumed, an unknown region) raise CollectionError with one line.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import boto3
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import (
    BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError, ProfileNotFound,
)

from auditor import __version__
from auditor.collect.allowlist import install_guard
from auditor.collect.coverage import error_code_and_message
from auditor.collect.ratelimit import TokenBucket
from auditor.errors import CollectionError
from auditor.iam.arns import split_arn

Instrument = Callable[[Any], None]  # called with every new client (call counters, tests)

_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
_REJECTED = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
                       "IncompleteSignature", "AuthFailure"})
_DEFAULT_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}


@dataclass(frozen=True)
class AwsTarget:
    """Where and as whom to collect: the live options of `scan` and `collect`."""

    profile: str = ""
    role_arn: str = ""
    external_id: str = ""
    session_name: str = "auditor"
    regions: tuple[str, ...] = ()


class ClientFactory:
    """Makes (and caches) one client per service and region for a session; thread-safe."""

    def __init__(self, session: boto3.Session, *, rate_limit: float, max_attempts: int,
                 instrument: Sequence[Instrument] = (), bucket: TokenBucket | None = None):
        self.session = session
        self.bucket = bucket or TokenBucket(rate_limit)
        self.max_attempts = max_attempts
        self.instrument = tuple(instrument)
        self._config = Config(
            # total_max_attempts counts the first try too; botocore's "max_attempts" key would count
            # only the retries, one more than scan.max_attempts says.
            retries={"mode": "adaptive", "total_max_attempts": max_attempts},
            user_agent_extra=f"auditor/{__version__}",
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def for_session(self, session: boto3.Session) -> "ClientFactory":
        """A factory for another session (an assumed role) that shares this one's rate cap."""
        return ClientFactory(session, rate_limit=self.bucket.rate, max_attempts=self.max_attempts,
                             instrument=self.instrument, bucket=self.bucket)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        # boto3 sessions are not thread-safe while they create clients; the clients themselves are.
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self.session.client(service, region_name=region, config=self._config)
                install_guard(client)
                self.bucket.install(client)
                for hook in self.instrument:
                    hook(client)
                self._clients[key] = client
            return client


@dataclass(frozen=True)
class Connection:
    """An authenticated session, the account it reaches and the factory for its clients."""

    factory: ClientFactory
    account_id: str
    partition: str
    caller_arn: str
    home_region: str  # where the global calls (STS, IAM, EC2 DescribeRegions) go


def connect(target: AwsTarget, *, rate_limit: float, max_attempts: int,
            session: boto3.Session | None = None, instrument: Sequence[Instrument] = ()) -> Connection:
    """Open the session (profile, then the role if asked) and check who it is."""
    if session is None:
        try:
            session = boto3.Session(profile_name=target.profile or None)
        except ProfileNotFound:
            raise CollectionError(f"AWS profile {target.profile!r} not found in the AWS config files") from None
    check_regions_known(session, target.regions)
    base = ClientFactory(session, rate_limit=rate_limit, max_attempts=max_attempts, instrument=instrument)
    if session.get_credentials() is None:
        raise CollectionError(_explain(NoCredentialsError(), target))
    candidates = _home_candidates(session, target)
    for attempt, home in enumerate(candidates, start=1):
        try:
            factory = base.for_session(_assume_role(base, target, home)) if target.role_arn else base
            identity = factory.client("sts", home).get_caller_identity()
            break
        except (ClientError, BotoCoreError) as exc:
            # An opt-in region the account has not enabled refuses the credentials as if they
            # were bad, and an unreachable endpoint says nothing of them: try the next region.
            refused = isinstance(exc, ClientError) and error_code_and_message(exc)[0] in _REJECTED
            if attempt == len(candidates) or not (refused or isinstance(exc, EndpointConnectionError)):
                raise CollectionError(_explain(exc, target)) from None
    caller_arn = str(identity.get("Arn", ""))
    parts = split_arn(caller_arn)
    partition = parts.partition if parts else "aws"
    account_id = str(identity.get("Account", ""))
    if not target.regions:
        home = session.region_name or _DEFAULT_REGION.get(partition, home)
    check_regions_in_partition(session, target.regions, partition)
    return Connection(factory, account_id, partition, caller_arn, home)


_HOME_TRIES = 3  # regions tried for the first calls before credentials are called rejected


def _home_candidates(session: boto3.Session, target: AwsTarget) -> list[str]:
    """Where the first calls (AssumeRole, GetCallerIdentity) may go, in order: the regions asked
    for, the profile's region, us-east-1; at most _HOME_TRIES of them."""
    candidates: list[str] = []
    for region in (*target.regions, session.region_name, "us-east-1"):
        if region and region not in candidates:
            candidates.append(region)
    return candidates[:_HOME_TRIES]


def _assume_role(factory: ClientFactory, target: AwsTarget, region: str) -> boto3.Session:
    sts = factory.client("sts", region)
    request: dict[str, Any] = {"RoleArn": target.role_arn, "RoleSessionName": target.session_name or "auditor"}
    if target.external_id:
        request["ExternalId"] = target.external_id

    def fetch() -> dict[str, Any]:
        creds = sts.assume_role(**request)["Credentials"]
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role")
    # From the same profile: its settings (CA bundle, FIPS or regional endpoints) hold for the
    # role's clients too; only the credentials are the role's.
    assumed = boto3.Session(profile_name=target.profile or None, region_name=region)
    # boto3 has no public way to hand a session refreshable credentials; botocore reads this
    # attribute first, so long scans renew the role session instead of failing after an hour.
    assumed._session._credentials = credentials  # noqa: SLF001
    return assumed


def _explain(exc: BaseException, target: AwsTarget) -> str:
    if isinstance(exc, NoCredentialsError):
        return ("no AWS credentials found: configure a profile (--profile), environment variables or an "
                "instance role, or try `auditor scan --demo`")
    if isinstance(exc, ClientError):
        code, message = error_code_and_message(exc)
        if exc.operation_name == "AssumeRole":
            return f"cannot assume role {target.role_arn}: {code}: {message}"
        if code in _EXPIRED:
            return f"the AWS credentials have expired ({code}): refresh them and run again"
        if code in _REJECTED:
            return f"AWS rejected the credentials ({code}: {message})"
        return f"cannot identify the AWS caller: {code}: {message}"
    text = " ".join(str(exc).split())
    if "AssumeRole" in text and target.role_arn:
        return f"cannot assume role {target.role_arn}: {text}"
    return f"cannot reach AWS: {text}"


def _known_regions(session: boto3.Session, partitions: Sequence[str]) -> set[str]:
    known: set[str] = set()
    for partition in partitions:
        # EC2 and STS are in every region of a partition, so their endpoint lists name them all.
        known.update(session.get_available_regions("ec2", partition))
        known.update(session.get_available_regions("sts", partition))
    return known


def check_regions_known(session: boto3.Session, regions: Sequence[str]) -> None:
    if not regions:
        return
    known = _known_regions(session, session.get_available_partitions())
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise CollectionError(
            f"unknown region {unknown[0]!r}: not a region of any AWS partition this botocore knows "
            "(check --region or scan.regions; a brand-new region needs a newer boto3)")


def check_regions_in_partition(session: boto3.Session, regions: Sequence[str], partition: str) -> None:
    known = _known_regions(session, [partition])
    foreign = [r for r in regions if r not in known]
    if foreign:
        raise CollectionError(f"region {foreign[0]!r} is not in partition {partition!r} of these credentials")
