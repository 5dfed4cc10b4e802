"""USR001-USR003: IAM users' sign-in, keys and attachments (from the credential report)."""
from __future__ import annotations

import datetime as dt
from typing import Iterator

from auditor.analysis import docs
from auditor.analysis.holders import holders
from auditor.analysis.subjects import principal_subject
from auditor.analysis.write_access import own_request_context, write_access
from auditor.model.finding import Severity
from auditor.model.inventory import AccessKeyInfo, CredentialRow, Inventory, Principal
from auditor.registry import Hit, Scope, Subject, check

ROOT = "<root_account>"
_WRITE_SERVICES = ("mobiletargeting", "sms-voice", "ses", "iam")


def _user_subject(inventory: Inventory, row: CredentialRow, user: Principal | None) -> Subject:
    if user is not None:
        return principal_subject(inventory, user)
    kind = "root" if row.user == ROOT else "user"
    return Subject(account_id=inventory.account_id, resource_type="AWS::IAM::User", resource_arn=row.arn,
                   principal_type=kind, principal_name=row.user, principal_arn=row.arn)


@check(
    "USR001", "console-user-without-mfa", Severity.HIGH, "Console user without MFA can change Pinpoint, SMS, SES or IAM",
    rationale=(
        "A password alone is phished, reused and guessed. A console user without MFA who can change Pinpoint "
        "projects, SMS/voice resources, SES identities or IAM hands that power to whoever gets the password."
    ),
    remediation="Enable an MFA device for the user (or remove the console password and use SSO / roles).",
    doc_url=docs.MFA,
    scope=Scope.INVENTORY,
)
def console_user_without_mfa(scan) -> Iterator[Hit]:
    inventory: Inventory = scan.inventory
    users = {u.name: u for u in inventory.users}
    exposed = {r.user: r for r in inventory.credentials
               if not r.mfa_active and (r.password_enabled or r.user == ROOT)}
    if not exposed:
        return
    known = own_request_context(mfa=False)
    for row in exposed.values():
        if row.user == ROOT:
            yield Hit("The root user has no MFA device: its password alone controls every resource of the account, "
                      "including all Pinpoint, SMS/voice and SES resources. Enable MFA on the root user.",
                      subject=_user_subject(inventory, row, None), evidence=(("mfa", "none"),), key="root")
    for holder in holders(inventory):
        names = [p.name for p in holder.principals if p.name in exposed]
        if not names:
            continue
        access = write_access(holder.documents, holder.boundaries, _WRITE_SERVICES, known,
                              partition=inventory.partition or "aws")
        if not access:
            continue
        summary = "; ".join(f"{s} ({', '.join(a.split(':', 1)[1] for a in acts)})" for s, acts in access.items())
        for name in names:
            message = (
                f"User {name} signs in to the console with a password and no MFA device, and can change "
                f"{summary}. Enable MFA for {name}, or remove the password."
            )
            yield Hit(message, actions=tuple(a for acts in access.values() for a in acts),
                      subject=_user_subject(inventory, exposed[name], users.get(name)),
                      evidence=tuple((s, ", ".join(a)) for s, a in access.items()),
                      key="no-mfa")


_NO_DATE = ("N/A", "no_information", "not_supported")  # the credential report's "nothing to say"


def _date(text: str) -> dt.date | None:
    if not text or text in _NO_DATE:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _unreadable(text: str) -> bool:
    """A date the report gives but that cannot be read: the key's age is then unknown, not fine."""
    return bool(text) and text not in _NO_DATE and _date(text) is None


def reference_date(inventory: Inventory) -> dt.date:
    """The day the data was collected (same input, same output); today when unknown."""
    return _date(inventory.collected_at) or dt.date.today()


def _key_problems(key: AccessKeyInfo, today: dt.date, unused_days: int, max_age: int) -> list[str]:
    problems = []
    rotated, used = _date(key.last_rotated), _date(key.last_used)
    if used is None and rotated is not None and (today - rotated).days > unused_days:
        problems.append(f"never used in the {(today - rotated).days} days since it was created")
    elif used is not None and (today - used).days > unused_days:
        problems.append(f"last used {(today - used).days} days ago ({used.isoformat()}), over {unused_days}")
    if rotated is not None and (today - rotated).days > max_age:
        problems.append(f"{(today - rotated).days} days old ({rotated.isoformat()}), over the {max_age}-day maximum")
    for what, text in (("creation", key.last_rotated), ("last use", key.last_used)):
        if _unreadable(text):
            problems.append(f"its {what} date {text[:40]!r} cannot be read, so its age cannot be checked")
    return problems


@check(
    "USR002", "stale-access-key", Severity.MEDIUM, "Active access key unused or too old",
    rationale=(
        "Long-term access keys leak through laptops, CI logs and repositories. A key nobody uses is pure "
        "risk; a key older than the rotation period has had long to leak."
    ),
    remediation=(
        "Deactivate and delete unused keys; rotate old ones (create a second key, switch, delete the first). "
        "Prefer roles and SSO over long-term keys."
    ),
    doc_url=docs.ACCESS_KEYS,
    scope=Scope.INVENTORY,
)
def stale_access_key(scan) -> Iterator[Hit]:
    inventory: Inventory = scan.inventory
    options = scan.options
    today = reference_date(inventory)
    users = {u.name: u for u in inventory.users}
    for row in inventory.credentials:
        for key in row.access_keys:
            if not key.active:
                continue
            problems = _key_problems(key, today, options.access_key_unused_days, options.access_key_max_age_days)
            if not problems:
                continue
            who = "the root user" if row.user == ROOT else f"user {row.user}"
            message = (f"Access key {key.slot} of {who} is active and {'; '.join(problems)} (as of {today.isoformat()}). "
                       "Deactivate it if unused, otherwise rotate it.")
            yield Hit(message, subject=_user_subject(inventory, row, users.get(row.user)),
                      evidence=(("last used", key.last_used or "never"), ("last rotated", key.last_rotated or "unknown")),
                      key=f"key{key.slot}")


@check(
    "USR003", "user-attached-policy", Severity.LOW, "Policies attached directly to a user",
    rationale=(
        "Permissions attached user by user drift apart and are forgotten when people change jobs; groups "
        "and roles keep them reviewable in one place."
    ),
    remediation="Move the permissions to a group (or a role the user assumes) and detach them from the user.",
    doc_url=docs.USER_GROUPS,
    scope=Scope.INVENTORY,
)
def user_attached_policy(scan) -> Iterator[Hit]:
    inventory: Inventory = scan.inventory
    for user in inventory.users:
        inline = [r.name for r in user.inline_policies]
        managed = [arn.rsplit("/", 1)[-1] for arn in user.managed_policy_arns]
        if not inline and not managed:
            continue
        parts = ([f"inline {', '.join(inline)}"] if inline else []) + ([f"managed {', '.join(managed)}"] if managed else [])
        message = (f"User {user.name} has policies attached directly ({'; '.join(parts)}). Grant them through a group "
                   "or a role so that access is reviewed in one place.")
        yield Hit(message, subject=principal_subject(inventory, user),
                  evidence=(("inline", ", ".join(inline)), ("managed", ", ".join(user.managed_policy_arns))),
                  key="direct")
