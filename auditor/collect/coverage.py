"""What could be read and what could not: every failure of an API call family becomes a coverage
entry with a status and the error text, never a crash and never a silent empty result."""
from __future__ import annotations

import dataclasses
import re
import threading
from typing import TYPE_CHECKING, Iterable, Sequence

from auditor.collect.allowlist import ForbiddenOperation
from auditor.model.inventory import CoverageEntry, CoverageStatus
from auditor.suppress import glob_match

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

GLOBAL = "global"

DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
    "AuthorizationError", "Forbidden", "ForbiddenException", "NotAuthorized",
})
# The codes botocore's retry modes treat as throttling; seen here only after every retry failed.
THROTTLED_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
    "EC2ThrottledException",
})
# What AWS answers in a region the account has not enabled (opt-in regions) or a service it does
# not offer there. Credentials are checked once up front, so here these mean "region", not "key".
UNAVAILABLE_CODES = frozenset({
    "InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure", "OptInRequired",
    "SubscriptionRequiredException", "UnsupportedOperation",
})


_XML_FIELD = re.compile(r"<(Code|Message)>([^<]*)</\1>")
_STATUS_CODES = {"403": "AccessDenied", "429": "TooManyRequestsException"}


def error_code_and_message(exc: ClientError) -> tuple[str, str]:
    """The error code and message of a ClientError, also when botocore could not parse the error
    body (it then puts the bare HTTP status in Code and the raw body, often XML, in Message)."""
    error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "")
    if code.isdigit():
        fields = dict(_XML_FIELD.findall(message))
        code = fields.get("Code") or _STATUS_CODES.get(code, f"HTTP {code}")
        message = fields.get("Message", message if not message.lstrip().startswith("<") else "")
    return code, " ".join(message.split())


def classify(exc: BaseException) -> tuple[CoverageStatus, str]:
    """Coverage status and a one-line error text for an exception raised by a boto3 call."""
    # Imported here: an offline scan reads coverage but never classifies an AWS error.
    from botocore.exceptions import (BotoCoreError, ClientError, ConnectionClosedError, ConnectTimeoutError,
                                     EndpointConnectionError, ReadTimeoutError)

    if isinstance(exc, ClientError):
        code, message = error_code_and_message(exc)
        text = f"{code}: {message}" if message else code
        if code in DENIED_CODES:
            return CoverageStatus.DENIED, text
        if code in THROTTLED_CODES:
            return CoverageStatus.THROTTLED, f"{text} (still throttled after retries)"
        if code in UNAVAILABLE_CODES:
            return CoverageStatus.UNAVAILABLE, text
        return CoverageStatus.ERROR, text
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError)):
        return CoverageStatus.UNAVAILABLE, " ".join(str(exc).split())
    if isinstance(exc, (ReadTimeoutError, BotoCoreError)):
        return CoverageStatus.ERROR, " ".join(str(exc).split())
    return CoverageStatus.ERROR, f"{type(exc).__name__}: {' '.join(str(exc).split())}"


class CoverageLog:
    """Collects one entry per (family, region) from concurrent workers; the worst status wins."""

    _RANK = {
        CoverageStatus.OK: 0, CoverageStatus.THROTTLED: 1, CoverageStatus.UNAVAILABLE: 2,
        CoverageStatus.ERROR: 3, CoverageStatus.DENIED: 4,
    }

    def __init__(self, account_id: str = ""):
        self.account_id = account_id
        self._entries: dict[tuple[str, str], CoverageEntry] = {}
        self._lock = threading.Lock()

    def ok(self, family: str, region: str) -> None:
        self.add(family, region, CoverageStatus.OK, "")

    def failed(self, family: str, region: str, exc: BaseException, context: str = "") -> None:
        if isinstance(exc, ForbiddenOperation):
            raise exc  # a bug in the collector, not a gap in the account's data
        status, text = classify(exc)
        self.add(family, region, status, f"{context}: {text}" if context else text)

    def add(self, family: str, region: str, status: CoverageStatus, error: str) -> None:
        entry = CoverageEntry(family, region, status, error, self.account_id)
        key = (family, region)
        with self._lock:
            old = self._entries.get(key)
            if old is None or self._RANK[status] > self._RANK[old.status]:
                self._entries[key] = entry

    def entries(self) -> tuple[CoverageEntry, ...]:
        with self._lock:
            return tuple(sorted(self._entries.values(), key=lambda e: (e.region != GLOBAL, e.region, e.family)))


def gap_key(entry: CoverageEntry) -> str:
    """How accept_gaps globs name an entry: "sesv2:ListEmailIdentities@ap-east-1"."""
    return f"{entry.family}@{entry.region}"


def mark_accepted(entries: Iterable[CoverageEntry], accept_globs: Sequence[str]) -> tuple[CoverageEntry, ...]:
    """Flag the gaps the config accepts (`scan.accept_gaps`), so they do not make a scan incomplete.

    Globs are matched case-insensitively, since service prefixes and region names are lower case in
    AWS but people type them either way."""
    patterns = [g.lower() for g in accept_globs]
    out = []
    for entry in entries:
        accepted = entry.status is not CoverageStatus.OK and any(glob_match(p, gap_key(entry).lower()) for p in patterns)
        out.append(dataclasses.replace(entry, accepted=accepted) if accepted != entry.accepted else entry)
    return tuple(out)
