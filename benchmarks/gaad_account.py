"""The synthetic account: who exists, what they attach, and the GAAD entries that describe them.

Everything is drawn from `random.Random` instances seeded with (seed, kind, index) strings, so each
entity is the same whatever else is generated, and no wall clock is read. Sharing follows a Zipf law:
a few managed policies and groups are attached almost everywhere, the long tail rarely; inline policies
are partly copies of a shared pool (infrastructure-as-code stamps the same document on many roles) and
partly unique to their owner.
"""
from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator, Sequence

from benchmarks import gaad_shapes as shapes
from benchmarks.gaad_managed import AwsManaged
from benchmarks.gaad_trust import RoleKind, trust_document

ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BASE_DATE = datetime(2018, 1, 1, tzinfo=timezone.utc)
REGIONS = ("us-east-1", "eu-west-1", "us-west-2")
TEAMS = ("marketing", "growth", "payments", "identity", "platform", "data", "mobile", "support", "risk",
         "notifications", "search", "billing", "ads", "crm", "analytics", "infra", "security", "sre")
COMPONENTS = ("api", "worker", "ingest", "sender", "scheduler", "export", "sync", "gateway", "etl", "campaigns")
FIRST = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
         "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki", "zoe", "amir", "bea", "chen",
         "dmitri", "esra", "fatima", "goran", "hana", "ines", "jonas", "kofi", "lena", "mateo", "noor", "oskar")
LAST = ("smith", "nguyen", "garcia", "muller", "rossi", "kim", "silva", "novak", "cohen", "ito", "okafor",
        "larsen", "dubois", "haddad", "kowalski", "patel", "santos", "yilmaz", "berg", "fischer", "moreau")
SSO_SETS = ("AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess", "ViewOnlyAccess")
ROLE_KIND_WEIGHTS = ((RoleKind.LAMBDA, 30), (RoleKind.ECS, 15), (RoleKind.EC2, 10), (RoleKind.SSO, 3),
                     (RoleKind.CROSS_ACCOUNT, 10), (RoleKind.CI, 10), (RoleKind.HUMAN, 22))
SSO_CAP = 40


def iam_id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choices(ID_ALPHABET, k=17))


def iso_date(rng: random.Random, first_day: int = 0, last_day: int = 2400) -> str:
    moment = BASE_DATE + timedelta(seconds=rng.randrange(first_day * 86400, last_day * 86400))
    return moment.isoformat()


class Zipf:
    """Rank-weighted picks: item i is chosen with weight 1 / (i + 1)."""

    def __init__(self, items: Sequence):
        self.items = list(items)
        self.cum = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(self.items))))

    def pick(self, rng: random.Random, k: int) -> list:
        if not self.items or k <= 0:
            return []
        # Indices, not items, are deduplicated: items may be unhashable (documents).
        picked = dict.fromkeys(rng.choices(range(len(self.items)), cum_weights=self.cum, k=k))
        return [self.items[i] for i in picked]


class Unique:
    """Makes names unique the way people do: by appending a number."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, name: str) -> str:
        self.seen[name] += 1
        count = self.seen[name]
        return name if count == 1 else f"{name}{count}"


@dataclass(frozen=True, eq=False)
class ManagedSlot:
    """A managed policy of the account (customer, boundary or AWS managed)."""

    name: str
    arn: str
    path: str
    shape_index: int  # into shapes.SHAPES; -1 for AWS managed, -2 - variant for boundaries
    aws: AwsManaged | None = None


class Account:
    """Plans the account for `principals` users + roles and yields its GAAD entries."""

    def __init__(self, principals: int, seed: int, aws_catalogue: Sequence[AwsManaged],
                 account_id: str = "403918275564", partition: str = "aws"):
        self.seed, self.account_id, self.partition = seed, account_id, partition
        self.n_users = principals * 2 // 5
        self.n_roles = principals - self.n_users
        rng = self.rng("facts", 0)
        self.facts = shapes.Facts(
            account_id, partition, REGIONS,
            tuple(f"{rng.getrandbits(128):032x}" for _ in range(max(3, principals // 250))),
            tuple(str(rng.randrange(10**11, 10**12)) for _ in range(5)),
            ("sender@example.com",) + tuple(f"noreply@{t}.example.com" for t in TEAMS[:6]),
        )
        self.attachments: Counter[str] = Counter()
        self.boundary_uses: Counter[str] = Counter()
        self._plan_managed(principals, aws_catalogue)
        self._plan_inline_pool(principals)
        self._plan_groups(principals)

    def rng(self, kind: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}/{kind}/{index}")

    # --- planning -------------------------------------------------------------------------------------

    def _plan_managed(self, principals: int, catalogue: Sequence[AwsManaged]) -> None:
        n_aws = min(len(catalogue), 40 + principals // 50)
        rng = self.rng("aws-pick", 0)
        head = [p for p in catalogue[:20]]
        tail = sorted(catalogue[20:], key=lambda p: rng.random())[: max(0, n_aws - len(head))]
        self.aws = [ManagedSlot(p.name, p.arn(self.partition), p.path, -1, p) for p in head + tail]
        self.aws_by_name = {s.name: s for s in self.aws}
        self.service_linked = [s for s in self.aws if s.path == "/aws-service-role/"]
        unique = Unique()
        weights = [w for _, w, _ in shapes.SHAPES]
        self.customer: list[ManagedSlot] = []
        for i in range(max(12, principals // 20)):
            r = self.rng("customer", i)
            index = r.choices(range(len(shapes.SHAPES)), weights=weights)[0]
            label = shapes.SHAPES[index][0].__name__.replace("_", "-")
            name = unique(f"{r.choice(TEAMS)}-{label}")
            path = "/" if r.random() < 0.7 else f"/teams/{r.choice(TEAMS)}/"
            self.customer.append(ManagedSlot(name, self._policy_arn(path, name), path, index))
        self.boundaries = [ManagedSlot(name, self._policy_arn("/boundaries/", name), "/boundaries/", -2 - v)
                           for v, name in enumerate(("DelegatedAdminBoundary", "MessagingWorkloadBoundary",
                                                     "NoIdentityWritesBoundary"))]
        self.customer_zipf = Zipf(self.customer)
        self.aws_zipf = Zipf(self.aws)

    def _policy_arn(self, path: str, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:policy{path}{name}"

    def _plan_inline_pool(self, principals: int) -> None:
        weights = [w for _, _, w in shapes.SHAPES]
        self.inline_pool: list[tuple[str, dict]] = []
        for i in range(max(8, principals // 50)):
            r = self.rng("inline-pool", i)
            shape = r.choices(shapes.SHAPES, weights=weights)[0][0]
            team = r.choice(TEAMS)
            self.inline_pool.append((f"{team}-{shape.__name__.replace('_', '-')}", shape(r, self.facts, team)))
        self.inline_zipf = Zipf(self.inline_pool)

    def _plan_groups(self, principals: int) -> None:
        unique = Unique()
        self.groups: list[dict] = []
        for i in range(max(4, principals // 80)):
            r = self.rng("group", i)
            name = unique(f"{r.choice(TEAMS)}-{r.choice(('developers', 'operators', 'readers', 'admins'))}")
            inline = [self._inline(r, name, unique=r.random() < 0.5) for _ in range(r.choice((0, 0, 1, 2)))]
            self.groups.append({
                "Path": "/", "GroupName": name, "GroupId": iam_id(r, "AGPA"),
                "Arn": f"arn:{self.partition}:iam::{self.account_id}:group/{name}", "CreateDate": iso_date(r),
                "GroupPolicyList": inline, "AttachedManagedPolicies": self._attach(r, r.choice((1, 1, 2, 3, 4))),
            })
        self.group_zipf = Zipf([g["GroupName"] for g in self.groups])

    # --- attachments ----------------------------------------------------------------------------------

    def _attach(self, r: random.Random, k: int, fixed: Sequence[str] = ()) -> list[dict]:
        slots = [self.aws_by_name[n] for n in fixed if n in self.aws_by_name]
        for _ in range(k):
            zipf = self.aws_zipf if r.random() < 0.35 else self.customer_zipf
            slots.extend(zipf.pick(r, 1))
        slots = list(dict.fromkeys(slots))
        self.attachments.update(s.arn for s in slots)
        return [{"PolicyName": s.name, "PolicyArn": s.arn} for s in slots]

    def _inline(self, r: random.Random, owner: str, unique: bool) -> dict:
        if not unique:
            name, document = self.inline_zipf.pick(r, 1)[0]
            return {"PolicyName": name, "PolicyDocument": document}
        weights = [w for _, _, w in shapes.SHAPES]
        shape = r.choices(shapes.SHAPES, weights=weights)[0][0]
        return {"PolicyName": f"{owner}-{shape.__name__.replace('_', '-')}", "PolicyDocument": shape(r, self.facts, owner)}

    def _boundary(self, r: random.Random, entry: dict, chance: float) -> None:
        if r.random() < chance:
            slot = r.choice(self.boundaries)
            self.boundary_uses[slot.arn] += 1
            entry["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": slot.arn}

    # --- entries --------------------------------------------------------------------------------------

    def users(self) -> Iterator[dict]:
        unique = Unique()
        for i in range(self.n_users):
            r = self.rng("user", i)
            name = "richard-roe" if i == 0 else unique(f"{r.choice(FIRST)}.{r.choice(LAST)}")
            service = i > 0 and r.random() < 0.15
            if service:
                name = unique(f"svc-{r.choice(TEAMS)}-{r.choice(COMPONENTS)}")
            inline = [self._inline(r, name, unique=r.random() < 0.4) for _ in range(r.choice((0, 0, 0, 0, 1, 2)))]
            entry = {
                "Path": "/" if r.random() < 0.8 else f"/{r.choice(TEAMS)}/", "UserName": name,
                "UserId": iam_id(r, "AIDA"), "Arn": f"arn:{self.partition}:iam::{self.account_id}:user/{name}",
                "CreateDate": iso_date(r), "UserPolicyList": inline,
                "GroupList": [] if service else self.group_zipf.pick(r, r.choice((0, 1, 1, 2, 2, 3))),
                "AttachedManagedPolicies": self._attach(r, r.choice((0, 0, 0, 1, 1, 2))),
            }
            self._boundary(r, entry, 0.1)
            entry["Tags"] = [{"Key": "team", "Value": r.choice(TEAMS)}] + (
                [{"Key": "Owner", "Value": name}] if r.random() < 0.3 else [])
            yield entry

    def roles(self) -> Iterator[dict]:
        unique = Unique()
        sso = 0
        n_linked = min(len(self.service_linked), 3 + self.n_roles // 400)
        for i in range(self.n_roles):
            r = self.rng("role", i)
            if i < n_linked:
                yield self._service_linked_role(r, self.service_linked[i], unique)
                continue
            kind = r.choices([k for k, _ in ROLE_KIND_WEIGHTS], weights=[w for _, w in ROLE_KIND_WEIGHTS])[0]
            if kind is RoleKind.SSO:
                sso += 1
                kind = RoleKind.SSO if sso <= SSO_CAP else RoleKind.HUMAN
            yield self._role(r, kind, unique)

    def _role(self, r: random.Random, kind: RoleKind, unique: Unique) -> dict:
        app = f"{r.choice(TEAMS)}-{r.choice(COMPONENTS)}"
        env = r.choice(("prod", "staging", "dev"))
        path, fixed, k, n_inline, boundary = "/", (), r.choice((0, 1, 1, 2)), 0, 0.0
        if kind is RoleKind.SSO:
            permission_set = r.choice(SSO_SETS)
            name = unique(f"AWSReservedSSO_{permission_set}_{r.getrandbits(64):016x}")
            path, fixed, k = "/aws-reserved/sso.amazonaws.com/", (permission_set,), 0
        else:
            name = unique(f"{app}-{env}-{kind.value}-role")
            n_inline = {RoleKind.LAMBDA: r.choice((1, 1, 2, 3)), RoleKind.ECS: r.choice((1, 2)),
                        RoleKind.CI: r.choice((0, 1))}.get(kind, r.choice((0, 0, 1)))
            fixed = {RoleKind.LAMBDA: ("AWSLambdaBasicExecutionRole",),
                     RoleKind.ECS: ("AmazonECSTaskExecutionRolePolicy",),
                     RoleKind.EC2: ("AmazonSSMManagedInstanceCore",)}.get(kind, ())
            boundary = {RoleKind.LAMBDA: 0.3, RoleKind.ECS: 0.3, RoleKind.CI: 0.5}.get(kind, 0.05)
        role_id = iam_id(r, "AROA")
        arn = f"arn:{self.partition}:iam::{self.account_id}:role{path}{name}"
        trust = trust_document(kind, r, self.facts, name)
        created = iso_date(r)
        entry = {"Path": path, "RoleName": name, "RoleId": role_id, "Arn": arn, "CreateDate": created,
                 "AssumeRolePolicyDocument": trust, "InstanceProfileList": [],
                 "RolePolicyList": [self._inline(r, app, unique=r.random() < 0.6) for _ in range(n_inline)],
                 "AttachedManagedPolicies": self._attach(r, k, fixed)}
        if kind is RoleKind.EC2:
            entry["InstanceProfileList"] = [self._instance_profile(r, entry)]
        self._boundary(r, entry, boundary)
        entry["Tags"] = [{"Key": "env", "Value": env}, {"Key": "app", "Value": app}]
        entry["RoleLastUsed"] = ({"LastUsedDate": iso_date(r, 2400, 2500), "Region": r.choice(REGIONS)}
                                 if r.random() < 0.7 else {})
        return entry

    def _instance_profile(self, r: random.Random, role: dict) -> dict:
        nested = {k: role[k] for k in ("Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument")}
        return {"Path": "/", "InstanceProfileName": role["RoleName"], "InstanceProfileId": iam_id(r, "AIPA"),
                "Arn": f"arn:{self.partition}:iam::{self.account_id}:instance-profile/{role['RoleName']}",
                "CreateDate": role["CreateDate"], "Roles": [nested]}

    def _service_linked_role(self, r: random.Random, slot: ManagedSlot, unique: Unique) -> dict:
        service = slot.name.removesuffix("ServiceRolePolicy").removeprefix("AWS").removeprefix("Amazon") or "Service"
        principal = f"{service.lower()}.amazonaws.com"
        name = unique(f"AWSServiceRoleFor{service}")
        path = f"/aws-service-role/{principal}/"
        return {"Path": path, "RoleName": name, "RoleId": iam_id(r, "AROA"),
                "Arn": f"arn:{self.partition}:iam::{self.account_id}:role{path}{name}", "CreateDate": iso_date(r),
                "AssumeRolePolicyDocument": trust_document(RoleKind.SERVICE_LINKED, r, self.facts, name, principal),
                "InstanceProfileList": [], "RolePolicyList": [], "AttachedManagedPolicies": self._attach(r, 0, (slot.name,)),
                "RoleLastUsed": {"LastUsedDate": iso_date(r, 2400, 2500), "Region": r.choice(REGIONS)}}

    def policies(self) -> Iterator[dict]:
        """Managed policy entries; call after users() and roles() were consumed (they count attachments).
        AWS managed policies appear only when attached, as in GAAD output; customer ones always."""
        for index, slot in enumerate(self.customer + self.boundaries):
            yield self._managed_entry(self.rng("policy", index), slot)
        for index, slot in enumerate(self.aws):
            if self.attachments[slot.arn]:
                yield self._managed_entry(self.rng("aws-policy", index), slot)

    def _managed_entry(self, r: random.Random, slot: ManagedSlot) -> dict:
        created = iso_date(r, 0, 1800)
        if slot.aws is not None:
            versions = [(slot.aws.version_id, slot.aws.document)]
            default = 0
        else:
            count = r.choices((1, 2, 3, 5), weights=(50, 25, 15, 10))[0]
            versions = [(f"v{n + 1}", self._document(r, slot)) for n in range(count)]
            # Usually the newest version is the default; sometimes someone rolled back.
            default = count - 1 if count == 1 or r.random() < 0.85 else r.randrange(count - 1)
        dates = sorted(iso_date(r, 1800, 2400) for _ in versions[1:])
        version_dates = [created] + dates
        return {
            "PolicyName": slot.name, "PolicyId": iam_id(r, "ANPA"), "Arn": slot.arn, "Path": slot.path,
            "DefaultVersionId": versions[default][0], "AttachmentCount": self.attachments[slot.arn],
            "PermissionsBoundaryUsageCount": self.boundary_uses[slot.arn], "IsAttachable": True,
            "CreateDate": created, "UpdateDate": version_dates[-1],
            "PolicyVersionList": [
                {"Document": doc, "VersionId": vid, "IsDefaultVersion": n == default, "CreateDate": version_dates[n]}
                for n, (vid, doc) in enumerate(versions)
            ],
        }

    def _document(self, r: random.Random, slot: ManagedSlot) -> dict:
        if slot.shape_index <= -2:
            return shapes.boundary_document(r, self.facts, -2 - slot.shape_index)
        return shapes.SHAPES[slot.shape_index][0](r, self.facts, slot.name.split("-")[0])
