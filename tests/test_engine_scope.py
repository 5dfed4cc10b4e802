"""Which checks run on which documents in a scan."""
import json

from auditor.config import Config
from auditor.engine import run_inventory_checks
from auditor.model.finding import PolicyType
from auditor.model.inventory import Inventory, ManagedPolicy, PolicyRef, Principal, PrincipalType
from auditor.parse.policy import parse_policy

ACCT = "210987654321"


def _managed(name: str, doc: dict, *, aws: bool) -> ManagedPolicy:
    arn = f"arn:aws:iam::{'aws' if aws else ACCT}:policy/{name}"
    kind = PolicyType.AWS_MANAGED if aws else PolicyType.MANAGED
    ref = PolicyRef(name, arn, kind, parse_policy(json.dumps(doc)))
    return ManagedPolicy(arn, name, "/", "v1", aws, 1, ref)


def _scan(managed, managed_policy_arns=(), **user):
    principal = Principal(PrincipalType.USER, "alice", f"arn:aws:iam::{ACCT}:user/alice", "AIDA", "/", (),
                          managed_policy_arns, **user)
    inv = Inventory(ACCT, "aws", ("us-east-1",), "test", users=(principal,), managed_policies=tuple(managed))
    config = Config()
    return run_inventory_checks(inv, config.options, config.selection())


def _doc(action, resource="*"):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}


def test_aws_managed_policy_is_not_linted_but_its_grants_are_judged():
    retired = _managed("AWSRetiredThing", _doc(["deeplens:ListProjects", "sms-voice:*"]), aws=True)
    findings = _scan([retired], managed_policy_arns=(retired.arn,))
    ids = {f.check_id for f in findings if f.policy_arn == retired.arn}
    assert "POL005" not in ids  # AWS's own document: the account cannot fix its wording
    assert "IAM002" in ids  # but attaching sms-voice:* is the account's choice


def test_customer_policy_is_linted():
    mine = _managed("Mine", _doc(["deeplens:ListProjects"]), aws=False)
    findings = _scan([mine], managed_policy_arns=(mine.arn,))
    assert "POL005" in {f.check_id for f in findings}


def test_boundary_only_policy_grants_nothing_itself():
    boundary = _managed("Boundary", _doc(["sms-voice:*", "bogus:Thing"]), aws=False)
    findings = _scan([boundary], boundary_arn=boundary.arn)
    ids = {f.check_id for f in findings if f.policy_arn == boundary.arn}
    assert "IAM002" not in ids
    assert "POL005" in ids
    assert all(f.policy_type is PolicyType.BOUNDARY for f in findings if f.policy_arn == boundary.arn)


def test_authoring_hits_of_a_shared_document_reach_every_owner():
    shared = parse_policy(json.dumps(_doc(["deeplens:ListProjects"])))
    users = tuple(
        Principal(PrincipalType.USER, name, f"arn:aws:iam::{ACCT}:user/{name}", "AIDA", "/",
                  (PolicyRef("copy", "", PolicyType.INLINE, shared, f"arn:aws:iam::{ACCT}:user/{name}"),), ())
        for name in ("alice", "bob")
    )
    inv = Inventory(ACCT, "aws", ("us-east-1",), "test", users=users)
    config = Config()
    findings = [f for f in run_inventory_checks(inv, config.options, config.selection()) if f.check_id == "POL005"]
    assert sorted(f.principal_name for f in findings) == ["alice", "bob"]
    assert len({f.fingerprint for f in findings}) == 2


def _holders(doc: dict, names: tuple[str, ...], policy_names: tuple[str, ...] | None = None):
    shared = parse_policy(json.dumps(doc))
    policy_names = policy_names or ("copy",) * len(names)
    return tuple(
        Principal(PrincipalType.USER, name, f"arn:aws:iam::{ACCT}:user/{name}", "AIDA", "/",
                  (PolicyRef(pname, "", PolicyType.INLINE, shared, f"arn:aws:iam::{ACCT}:user/{name}"),), ())
        for name, pname in zip(names, policy_names)
    )


def _per_context(inv: Inventory):
    """The same checks run once per document holder, with no reuse: what the scan must equal."""
    from auditor.engine import policy_contexts, run_policy_checks

    config = Config()
    selection = config.selection()
    out = []
    for ctx in policy_contexts(inv, config.options):
        out.extend(run_policy_checks(ctx, selection, in_scan=True))
    return {f.fingerprint: f for f in out}


def test_grant_hits_of_a_shared_document_name_each_holder():
    # One inline document stamped on three users under two names: IAM002 is judged once and
    # each finding names its own user and policy name, exactly as running it for each would.
    doc = _doc(["sms-voice:*", "mobiletargeting:DeleteApp"])
    users = _holders(doc, ("alice", "bob", "carol"), ("copy", "copy", "other-name"))
    inv = Inventory(ACCT, "aws", ("us-east-1",), "test", users=users)
    config = Config()
    scanned = {f.fingerprint: f for f in run_inventory_checks(inv, config.options, config.selection())
               if f.check_id.startswith(("IAM002", "IAM004", "IAM010"))}
    expected = {k: f for k, f in _per_context(inv).items() if f.check_id in {x.check_id for x in scanned.values()}}
    assert scanned == expected
    iam002 = sorted((f.principal_name, f.policy_name, f.message) for f in scanned.values() if f.check_id == "IAM002")
    assert [(n, p) for n, p, _ in iam002] == [("alice", "copy"), ("bob", "copy"), ("carol", "other-name")]
    for name, pname, message in iam002:
        assert message.startswith(f'policy "{pname}" of user {name} ')
        assert all(other not in message for other in {"alice", "bob", "carol"} - {name})


def test_holder_named_inside_the_document_is_judged_for_each_holder():
    # The statement text (in the evidence) names bob, so bob's hits cannot be alice's renamed:
    # the engine runs the check again rather than leave alice's name in bob's finding.
    doc = _doc(["sms-voice:*"], [f"arn:aws:sms-voice:us-east-1:{ACCT}:*", f"arn:aws:iam::{ACCT}:user/bob"])
    users = _holders(doc, ("bob", "alice"))
    inv = Inventory(ACCT, "aws", ("us-east-1",), "test", users=users)
    config = Config()
    scanned = {f.fingerprint: f for f in run_inventory_checks(inv, config.options, config.selection())}
    per_context = _per_context(inv)
    assert {k: f for k, f in scanned.items() if k in per_context} == per_context


def test_a_policy_subject_keeps_every_field_of_its_principal_subject():
    import dataclasses

    from auditor.analysis.subjects import with_policy
    from auditor.registry import Subject

    # Every field set, so a field added to Subject later and not carried over fails here.
    base = Subject(**{f.name: (PolicyType.INLINE if f.name == "policy_type" else f"value of {f.name}")
                      for f in dataclasses.fields(Subject)})
    ref = PolicyRef("p", "arn:aws:iam::111122223333:policy/p", PolicyType.MANAGED, parse_policy("{}"))
    expected = dataclasses.replace(base, policy_name=ref.name, policy_arn=ref.arn, policy_type=ref.policy_type,
                                   policy_ref=ref.ref)
    assert with_policy(base, ref) == expected


def test_only_checks_that_declare_it_read_effective_access(tmp_path):
    """With a worker, checks without `reads_access` may run in the worker process: one that read the
    access anyway would compute it a second time there, unseen. Every check here runs on an account
    whose access is a tripwire."""
    import dataclasses

    from auditor.collect.inventory_builder import build_inventory
    from auditor.collect.offline import load_inputs
    from auditor.engine import ScanContext
    from auditor.registry import Scope, load_checks
    from benchmarks.generate_gaad import generate
    from conftest import CORPUS

    path = tmp_path / "gaad.json"
    generate(40, path, corpus=CORPUS)
    inventory = build_inventory(load_inputs([str(path)]))

    @dataclasses.dataclass(frozen=True)
    class Tripwire(ScanContext):
        @property
        def access(self):
            raise AssertionError("read effective access without declaring reads_access")

    ctx = Tripwire(inventory, Config().options)
    checks = load_checks().values()
    account_wide = [(c, c.func) for c in checks if c.meta.scope is Scope.INVENTORY]
    account_wide += [(c, c.scan_func) for c in checks if c.scan_func is not None]
    readers = {c.meta.id for c, _ in account_wide if c.meta.reads_access}
    assert readers == {"IAM009"}
    for check, func in account_wide:
        if not check.meta.reads_access:
            list(func(ctx))
