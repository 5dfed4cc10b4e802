"""Which regions to read for each regional service.

Asked-for regions (--region or scan.regions) are read as given; where a service is not offered in
one of them, that is recorded as an unavailable gap rather than silently skipped. Without a list,
the account's enabled regions (EC2 DescribeRegions) that offer the service are read.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from auditor.collect.coverage import CoverageLog
from auditor.collect.session import Connection
from auditor.model.inventory import CoverageStatus

REGIONAL_SERVICES = ("sesv2", "pinpoint")
# Regions an account has switched on; DescribeRegions already leaves out the others unless
# AllRegions is asked for, the filter keeps that true for any endpoint that does not.
_ENABLED = frozenset({"opt-in-not-required", "opted-in"})
DESCRIBE_REGIONS = "ec2:DescribeRegions"


@dataclass(frozen=True)
class RegionPlan:
    by_service: dict[str, tuple[str, ...]]  # service -> regions to call

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({r for regions in self.by_service.values() for r in regions}))


def plan_regions(conn: Connection, requested: Sequence[str], log: CoverageLog) -> RegionPlan:
    session = conn.factory.session
    offered = {svc: set(session.get_available_regions(svc, conn.partition)) for svc in REGIONAL_SERVICES}
    if requested:
        wanted = tuple(dict.fromkeys(requested))
        for svc in REGIONAL_SERVICES:
            for region in wanted:
                if region not in offered[svc]:
                    log.add(f"{svc}:*", region, CoverageStatus.UNAVAILABLE, f"{svc} is not offered in {region}")
        return RegionPlan({svc: tuple(r for r in wanted if r in offered[svc]) for svc in REGIONAL_SERVICES})
    enabled = _enabled_regions(conn, log)
    if enabled is None:
        # DescribeRegions failed: read every region of the partition; regions the account has not
        # enabled then answer with an error that is recorded as "unavailable" for that region.
        enabled = set(session.get_available_regions("ec2", conn.partition))
    return RegionPlan({svc: tuple(sorted(offered[svc] & enabled)) for svc in REGIONAL_SERVICES})


def _enabled_regions(conn: Connection, log: CoverageLog) -> set[str] | None:
    try:
        answer = conn.factory.client("ec2", conn.home_region).describe_regions()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the scan
        log.failed(DESCRIBE_REGIONS, conn.home_region, exc,
                   "could not list the enabled regions, so every region of the partition was tried")
        return None
    log.ok(DESCRIBE_REGIONS, conn.home_region)
    return {r["RegionName"] for r in answer.get("Regions", []) if r.get("OptInStatus", "opt-in-not-required") in _ENABLED}
