"""One concrete request to decide, and the three decisions AWS can reach."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping, Sequence


class Decision(enum.Enum):
    ALLOWED = "Allowed"
    IMPLICIT_DENY = "ImplicitlyDenied"
    EXPLICIT_DENY = "ExplicitlyDenied"


@dataclass(frozen=True, slots=True)
class Request:
    """`context` keys are lower case (condition keys are case-insensitive); values are tuples.

    The context is complete: nothing is derived from the principal, so `${aws:username}` resolves
    only when `aws:username` is in it. `resource_account` names the resource owner when the ARN
    does not (S3 ARNs have no account field).
    """

    principal: str
    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]]
    resource_account: str | None = None

    @classmethod
    def make(
        cls,
        principal: str,
        action: str,
        resource: str,
        context: Mapping[str, str | Sequence[str]] | None = None,
        resource_account: str | None = None,
    ) -> Request:
        normalised: dict[str, tuple[str, ...]] = {}
        for key, value in (context or {}).items():
            values = (value,) if isinstance(value, str) else tuple(value)
            # Keys that differ only in case are one key to AWS: their values add up.
            normalised[key.lower()] = normalised.get(key.lower(), ()) + values
        return cls(principal, action, resource, normalised, resource_account or None)
