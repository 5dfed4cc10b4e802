"""Live collection: one account, read-only, regions in parallel under one rate cap -> Snapshot."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import boto3

from auditor.collect.coverage import CoverageLog
from auditor.collect.iam import raw_policy_client, read_authorization_details, read_credential_report
from auditor.collect.regional import read_pinpoint_projects, read_ses_identities
from auditor.collect.regions import plan_regions
from auditor.collect.session import AwsTarget, Instrument, connect
from auditor.collect.snapshot import Snapshot, utc_now

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CollectOptions:
    rate_limit: float = 10.0  # API requests per second for the whole collection
    max_attempts: int = 10  # per call, botocore adaptive retries included
    workers: int = 4  # regions and services read concurrently
    report_wait: float = 120.0  # seconds to wait for IAM to generate the credential report


def collect_live(
    target: AwsTarget,
    options: CollectOptions = CollectOptions(),
    *,
    session: boto3.Session | None = None,
    source: str = "live",
    progress: Progress | None = None,
    instrument: Sequence[Instrument] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> Snapshot:
    """Read the account `target` names. Raises CollectionError only when nothing can be read;
    everything else that fails becomes a coverage entry of the snapshot."""
    say = progress or (lambda _msg: None)
    conn = connect(target, rate_limit=options.rate_limit, max_attempts=options.max_attempts,
                   session=session, instrument=instrument)
    say(f"collecting account {conn.account_id} as {conn.caller_arn}")
    log = CoverageLog(conn.account_id)
    plan = plan_regions(conn, target.regions, log)
    collected_at = utc_now()

    # Made before any thread starts, so the raw-policy change is in place before its first call.
    iam = raw_policy_client(conn.factory.client("iam", conn.home_region))

    def iam_details() -> dict[str, list]:
        return read_authorization_details(iam, log, say)

    def credentials() -> list[dict[str, str]]:
        return read_credential_report(iam, log, sleep, options.report_wait)

    def regional(service: str, region: str) -> list[dict[str, Any]]:
        say(f"{service}: reading {region}")
        client = conn.factory.client(service, region)
        reader = read_ses_identities if service == "sesv2" else read_pinpoint_projects
        return reader(client, region, log)

    tasks = [(service, region) for service, regions in plan.by_service.items() for region in regions]
    with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="auditor-collect") as pool:
        gaad_future = pool.submit(iam_details)
        report_future = pool.submit(credentials)
        regional_futures = {task: pool.submit(regional, *task) for task in tasks}
        lists = gaad_future.result()
        report = report_future.result()
        results = {task: future.result() for task, future in regional_futures.items()}
    ses = {region: results[("sesv2", region)] for region in plan.by_service.get("sesv2", ())}
    pinpoint = {region: results[("pinpoint", region)] for region in plan.by_service.get("pinpoint", ())}
    return Snapshot(
        account_id=conn.account_id,
        partition=conn.partition,
        source=source,
        regions=_regions(target, plan.regions),
        collected_at=collected_at,
        iam=lists,
        credential_report=tuple(report),
        ses=ses,
        pinpoint=pinpoint,
        coverage=log.entries(),
    )


def _regions(target: AwsTarget, planned: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(planned) | set(target.regions)))


__all__ = ["CollectOptions", "collect_live"]
