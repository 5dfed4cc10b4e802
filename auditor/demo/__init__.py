"""`auditor scan --demo`: an embedded account served in-process by moto and read by the live collector.

No credentials, no network: moto answers every request inside this process, and the environment
is pinned for the duration so that nothing from the user's AWS setup (profiles, endpoint overrides)
can send a request elsewhere.
"""
from __future__ import annotations

import contextlib
import os
from typing import Callable, Iterator

from auditor.collect.collector import CollectOptions, collect_live
from auditor.collect.session import AwsTarget
from auditor.collect.snapshot import Snapshot
from auditor.demo.account import ACCOUNT_ID, REGIONS, build

# The user's AWS settings that could point boto3 at real AWS or another endpoint during the demo.
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")
_PINNED = {
    "MOTO_ACCOUNT_ID": ACCOUNT_ID,
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_DEFAULT_REGION": REGIONS[0],
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@contextlib.contextmanager
def _demo_environment() -> Iterator[None]:
    names = set(_CLEARED) | set(_PINNED) | {k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_")}
    saved = {k: os.environ.get(k) for k in names}
    for k in names:
        os.environ.pop(k, None)
    os.environ.update(_PINNED)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def demo_snapshot(progress: Callable[[str], None] | None = None) -> Snapshot:
    """Build the demo account in moto and collect it exactly as a live account is collected."""
    import boto3
    from moto import mock_aws  # imported here: only the demo needs moto at run time

    with _demo_environment(), mock_aws():
        session = boto3.Session(region_name=REGIONS[0])
        build(session)
        # moto answers instantly; the default rate cap would only make the demo slow.
        return collect_live(AwsTarget(regions=REGIONS), CollectOptions(rate_limit=1000.0),
                            session=session, source="demo", progress=progress)


__all__ = ["ACCOUNT_ID", "REGIONS", "demo_snapshot"]
