"""Snapshot -> Inventory: AWS-shaped data to the typed, frozen model the checks read.

Each distinct policy document is parsed once and the Policy shared by every holder (managed
policies once per account, identical inline documents once). A broken item (a user entry that is
not an object, a tag list of numbers) becomes a load error naming where it is and the rest is
kept; a policy that is not JSON still becomes a Policy, whose parse issue the checks report.
"""
from __future__ import annotations

import sys

from collections import Counter
from typing import Any, Iterable

from auditor.collect.snapshot import Snapshot
from auditor.iam.arns import split_arn
from auditor.model.finding import PolicyType
from auditor.model.inventory import (
    AccessKeyInfo,
    CredentialRow,
    Group,
    Inventory,
    ManagedPolicy,
    PinpointProject,
    PolicyRef,
    Principal,
    PrincipalType,
    SesIdentity,
)
from auditor.model.policy import Policy
from auditor.parse.policy import parse_policy, parse_policy_cached

TRUST_POLICY_NAME = "AssumeRolePolicyDocument"
# Credential report values that mean "no date".
_NO_DATE = frozenset({"", "N/A", "not_supported", "no_information"})


def build_inventory(snapshot: Snapshot) -> Inventory:
    return _Builder(snapshot).build()


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


class _Builder:
    def __init__(self, snapshot: Snapshot):
        self.snap = snapshot
        self.acct = snapshot.account_id
        self.part = snapshot.partition or "aws"
        self.errors: list[tuple[str, str]] = list(snapshot.load_errors)
        self.decoded_input = False  # some document arrived as an object: its duplicate keys are gone
        self._decoded_cache: dict[str, Policy] = {}

    def error(self, where: str, message: str) -> None:
        self.errors.append((where, message))

    # -- policies -------------------------------------------------------------------------------

    def policy(self, document: Any) -> Policy:
        if isinstance(document, str):
            return parse_policy_cached(document)
        self.decoded_input = True
        if isinstance(document, dict):
            key = repr(document)  # faithful for JSON-decoded data, and twice as fast as json.dumps
            policy = self._decoded_cache.get(key)
            if policy is None:
                # Compact JSON never takes more than twice the characters of a decoded value's
                # repr (at worst `"` -> `\"`; structure and keywords take fewer): a bound that
                # spares parse_policy its walk measuring the document against the size limit.
                policy = self._decoded_cache[key] = parse_policy(document, source_length=2 * len(key))
            return policy
        return parse_policy(document)  # not an object: the parser says so, as a finding

    def inline(self, entries: Any, owner_arn: str, where: str) -> tuple[PolicyRef, ...]:
        if entries is None:
            return ()
        if not isinstance(entries, list):
            self.error(owner_arn, f"{where} must be a list of inline policies, not {_kind(entries)}")
            return ()
        refs = []
        for i, entry in enumerate(entries):
            name = entry.get("PolicyName") if isinstance(entry, dict) else None
            if not isinstance(name, str) or "PolicyDocument" not in entry:
                self.error(owner_arn, f"{where}[{i}] must be an object with PolicyName and PolicyDocument")
                continue
            refs.append(PolicyRef(name, "", PolicyType.INLINE, self.policy(entry["PolicyDocument"]), owner_arn))
        return tuple(refs)

    # -- small typed fields ---------------------------------------------------------------------

    def strings(self, value: Any, owner: str, where: str, key: str | None = None) -> tuple[str, ...]:
        """A list of strings, or of objects holding the string under `key`. A bad element is left
        out and named; the others are kept (one broken attachment must not hide the rest)."""
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(owner, f"{where} must be a list of {'objects with ' + key if key else 'strings'}, "
                       f"not {_kind(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            # A bare string where an object was expected is still read as the value it names.
            text = item.get(key) if key and isinstance(item, dict) else item
            if isinstance(text, str):
                out.append(sys.intern(text))  # policy ARNs and group names recur on every principal
            elif key and not isinstance(item, dict):
                self.error(owner, f"{where}[{i}] must be an object with {key}, not {_kind(item)}")
            else:
                field = f"{where}[{i}].{key}" if key else f"{where}[{i}]"
                self.error(owner, f"{field} must be a string, not {_kind(text)}")
        return tuple(out)

    def tags(self, value: Any, owner: str, where: str) -> tuple[tuple[str, str], ...]:
        """Key/Value pairs (a list of {Key, Value} or a mapping); a bad pair is left out and named."""
        if value is None:
            return ()
        mapping = isinstance(value, dict)
        if mapping:
            items = list(value.items())
        elif isinstance(value, list):
            items = [(t.get("Key"), t.get("Value", "")) if isinstance(t, dict) else (t, None) for t in value]
        else:
            self.error(owner, f"{where} must be Key/Value pairs of strings, not {_kind(value)}")
            return ()
        out = []
        for i, (key, text) in enumerate(items):
            if isinstance(key, str) and isinstance(text, str):
                out.append((sys.intern(key), sys.intern(text)))
            elif mapping:
                self.error(owner, f"{where}.{key} must be a string, not {_kind(text)}")
            elif not isinstance(value[i], dict):
                self.error(owner, f"{where}[{i}] must be an object with Key and Value, not {_kind(key)}")
            else:
                field, bad = ("Key", key) if not isinstance(key, str) else ("Value", text)
                self.error(owner, f"{where}[{i}].{field} must be a string, not {_kind(bad)}")
        return tuple(out)

    def boundary(self, value: Any, owner: str, where: str) -> str | None:
        if value is None or value == {}:
            return None
        arn = value.get("PermissionsBoundaryArn") if isinstance(value, dict) else None
        if not isinstance(arn, str):
            self.error(owner, f"{where}.PermissionsBoundaryArn must be a string")
            return None
        return arn

    @staticmethod
    def text(value: Any, default: str = "") -> str:
        return value if isinstance(value, str) else default

    # -- entities -------------------------------------------------------------------------------

    def _named(self, list_name: str, i: int, raw: Any, name_key: str) -> tuple[str, str] | None:
        where = f"{list_name}[{i}]"
        if not isinstance(raw, dict):
            self.error(where, f"{where} must be an object, not {_kind(raw)}")
            return None
        name, arn = raw.get(name_key), raw.get("Arn")
        if not isinstance(name, str) or not name or not isinstance(arn, str) or not arn:
            self.error(where, f"{where} needs {name_key} and Arn strings")
            return None
        return name, arn

    def _principal(self, ptype: PrincipalType, raw: dict, name: str, arn: str, id_key: str, inline_key: str,
                   **extra: Any) -> Principal:
        return Principal(
            ptype, name, arn,
            principal_id=self.text(raw.get(id_key)),
            path=sys.intern(self.text(raw.get("Path"), "/")),
            inline_policies=self.inline(raw.get(inline_key), arn, inline_key),
            managed_policy_arns=self.attached(raw, arn),
            boundary_arn=self.boundary(raw.get("PermissionsBoundary"), arn, "PermissionsBoundary"),
            tags=self.tags(raw.get("Tags"), arn, "Tags"),
            create_date=self.text(raw.get("CreateDate")),
            **extra,
        )

    def attached(self, raw: dict, owner_arn: str) -> tuple[str, ...]:
        return self.strings(raw.get("AttachedManagedPolicies"), owner_arn, "AttachedManagedPolicies", "PolicyArn")

    def users(self, items: Iterable[Any]) -> list[Principal]:
        out = []
        for i, raw in enumerate(items):
            named = self._named("UserDetailList", i, raw, "UserName")
            if named is not None:
                name, arn = named
                out.append(self._principal(PrincipalType.USER, raw, name, arn, "UserId", "UserPolicyList",
                                           group_names=self.strings(raw.get("GroupList"), arn, "GroupList")))
        return out

    def roles(self, items: Iterable[Any]) -> list[Principal]:
        out = []
        for i, raw in enumerate(items):
            named = self._named("RoleDetailList", i, raw, "RoleName")
            if named is None:
                continue
            name, arn = named
            trust = None
            if raw.get("AssumeRolePolicyDocument") is not None:
                trust = PolicyRef(TRUST_POLICY_NAME, "", PolicyType.TRUST, self.policy(raw["AssumeRolePolicyDocument"]), arn)
            last_used = raw.get("RoleLastUsed")
            last_used_date = self.text(last_used.get("LastUsedDate")) if isinstance(last_used, dict) else ""
            out.append(self._principal(PrincipalType.ROLE, raw, name, arn, "RoleId", "RolePolicyList",
                                       trust_policy=trust, role_last_used=last_used_date or None))
        return out

    def groups(self, items: Iterable[Any]) -> list[Group]:
        out = []
        for i, raw in enumerate(items):
            named = self._named("GroupDetailList", i, raw, "GroupName")
            if named is None:
                continue
            name, arn = named
            out.append(Group(
                name, arn,
                inline_policies=self.inline(raw.get("GroupPolicyList"), arn, "GroupPolicyList"),
                managed_policy_arns=self.attached(raw, arn),
            ))
        return out

    def managed(self, items: Iterable[Any], referenced: set[str]) -> tuple[list[ManagedPolicy], set[str]]:
        out, broken = [], set()
        for i, raw in enumerate(items):
            if isinstance(raw, dict) and "PolicyName" not in raw and isinstance(raw.get("Arn"), str):
                # Some GAAD producers leave the name out; it is the ARN's last path segment.
                raw = {**raw, "PolicyName": raw["Arn"].rsplit("/", 1)[-1]}
            named = self._named("Policies", i, raw, "PolicyName")
            if named is None:
                continue
            name, arn = named
            parts = split_arn(arn)
            aws_managed = parts is not None and parts.account == "aws"
            attachments = raw.get("AttachmentCount") if isinstance(raw.get("AttachmentCount"), int) else 0
            boundary_uses = raw.get("PermissionsBoundaryUsageCount")
            if aws_managed and not attachments and not boundary_uses and arn not in referenced:
                continue  # AWS's own unused policies: no one holds them, nothing to parse
            default_id = self.text(raw.get("DefaultVersionId"))
            versions = raw.get("PolicyVersionList") if isinstance(raw.get("PolicyVersionList"), list) else []
            document = next((v["Document"] for v in versions if isinstance(v, dict) and "Document" in v
                             and (v.get("IsDefaultVersion") is True or v.get("VersionId") == default_id)), None)
            if document is None:
                self.error(arn, "the managed policy has no default version document in the input; not evaluated")
                broken.add(arn)
                continue
            policy_type = PolicyType.AWS_MANAGED if aws_managed else PolicyType.MANAGED
            out.append(ManagedPolicy(arn, name, self.text(raw.get("Path"), "/"), default_id, aws_managed, attachments,
                                     PolicyRef(name, arn, policy_type, self.policy(document))))
        return out, broken

    # -- missing references ---------------------------------------------------------------------

    def missing(self, what: str, list_name: str, wanted: Counter, present: set[str], skip: set[str]) -> None:
        absent = {ref: n for ref, n in wanted.items() if ref not in present and ref not in skip}
        if not absent:
            return
        if not self.snap.iam.get(list_name):
            # A file written with one --filter: the list is empty or absent, not individually wrong.
            self.error("input", f"the input has no {list_name} entries, so {len(absent)} {what}(s) referenced by "
                       "principals cannot be evaluated (add the other --filter files or scan the full "
                       "get-account-authorization-details output)")
            return
        for ref, count in sorted(absent.items()):
            self.error(ref, f"{what} referenced {count} time(s) but missing from the input's {list_name}; not evaluated")

    # -- the rest of the snapshot ---------------------------------------------------------------

    def credentials(self) -> list[CredentialRow]:
        rows = []
        for i, row in enumerate(self.snap.credential_report):
            if not isinstance(row, dict) or not isinstance(row.get("user"), str) or not isinstance(row.get("arn"), str):
                self.error(f"credential_report[{i}]", "a credential report row needs user and arn strings")
                continue
            value = {k: (v if isinstance(v, str) else "") for k, v in row.items()}
            keys = []
            for slot in (1, 2):
                active = value.get(f"access_key_{slot}_active") == "true"
                rotated = _date(value.get(f"access_key_{slot}_last_rotated", ""))
                if active or rotated:
                    keys.append(AccessKeyInfo(slot, active, rotated, _date(value.get(f"access_key_{slot}_last_used_date", ""))))
            rows.append(CredentialRow(
                value["user"], value["arn"], value.get("password_enabled") == "true",
                _date(value.get("password_last_used", "")), value.get("mfa_active") == "true", tuple(keys)))
        return rows

    def ses(self) -> list[SesIdentity]:
        out = []
        for region, items in sorted(self.snap.ses.items()):
            for i, raw in enumerate(items):
                where = f"ses[{region}][{i}]"
                name = raw.get("IdentityName") if isinstance(raw, dict) else None
                if not isinstance(name, str) or not name:
                    self.error(where, f"{where} needs an IdentityName string")
                    continue
                arn = f"arn:{self.part}:ses:{region}:{self.acct}:identity/{name}"
                policies = raw.get("Policies")
                refs: list[PolicyRef] = []
                if isinstance(policies, dict):
                    refs = [PolicyRef(str(pname), "", PolicyType.RESOURCE, self.policy(doc), arn)
                            for pname, doc in sorted(policies.items())]
                elif policies is not None:
                    self.error(arn, f"{where}.Policies must map policy names to documents, not be {_kind(policies)}")
                out.append(SesIdentity(
                    self.acct, region, name, arn, self.text(raw.get("IdentityType")),
                    raw.get("VerifiedForSendingStatus") is True, tuple(refs), self.tags(raw.get("Tags"), arn, "Tags")))
        return out

    def pinpoint(self) -> list[PinpointProject]:
        out = []
        for region, items in sorted(self.snap.pinpoint.items()):
            for i, raw in enumerate(items):
                where = f"pinpoint[{region}][{i}]"
                app_id = raw.get("Id") if isinstance(raw, dict) else None
                if not isinstance(app_id, str) or not app_id:
                    self.error(where, f"{where} needs an Id string")
                    continue
                arn = self.text(raw.get("Arn")) or f"arn:{self.part}:mobiletargeting:{region}:{self.acct}:apps/{app_id}"
                out.append(PinpointProject(self.acct, region, app_id, self.text(raw.get("Name")), arn,
                                           self.tags(raw.get("tags"), arn, "tags")))
        return out

    def build(self) -> Inventory:
        iam = self.snap.iam
        users = self.users(iam.get("UserDetailList") or ())
        roles = self.roles(iam.get("RoleDetailList") or ())
        groups = self.groups(iam.get("GroupDetailList") or ())
        wanted_policies: Counter = Counter()
        for holder in (*users, *roles, *groups):
            wanted_policies.update(holder.managed_policy_arns)
        for principal in (*users, *roles):
            if principal.boundary_arn:
                wanted_policies[principal.boundary_arn] += 1
        managed, broken = self.managed(iam.get("Policies") or (), set(wanted_policies))
        self.missing("managed policy", "Policies", wanted_policies, {m.arn for m in managed}, broken)
        wanted_groups = Counter(g for u in users for g in u.group_names)
        self.missing("group", "GroupDetailList", wanted_groups, {g.name for g in groups}, set())
        regions = self.snap.regions or tuple(sorted(set(self.snap.ses) | set(self.snap.pinpoint)))
        return Inventory(
            account_id=self.acct,
            partition=self.part,
            regions=tuple(regions),
            source=self.snap.source,
            users=tuple(users),
            roles=tuple(roles),
            groups=tuple(groups),
            managed_policies=tuple(managed),
            ses_identities=tuple(self.ses()),
            pinpoint_projects=tuple(self.pinpoint()),
            credentials=tuple(self.credentials()),
            coverage=tuple(self.snap.coverage),
            raw_text_available=not self.decoded_input,
            collected_at=self.snap.collected_at,
            load_errors=tuple(self.errors),
        )


def _date(value: str) -> str:
    return "" if value in _NO_DATE else value
