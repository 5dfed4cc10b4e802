"""Organization scans against moto's Organizations and STS.

What is real here: the organization and its accounts (moto), listing them through the paginated
API, sts:AssumeRole per account with the external id, and member sessions whose calls land in the
member account (moto keys its backends by the assumed role's account). What is simulated: moto
lets anyone assume any role, so the one member whose role "cannot be assumed" is made to fail by
a botocore hook that raises AccessDenied for that role ARN; and, in most tests, the per-account
scan is a fake `scan_one` returning synthetic results, so these tests do not depend on the
collector and the checks.
"""
import argparse
import json
import threading
import time

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from auditor.config import parse_config
from auditor.errors import UsageError
from auditor.model.finding import Severity
from auditor.model.inventory import CoverageStatus
from auditor.org import add_org_arguments, wants_org_scan
from auditor.org.runner import run_org_scan, scan_organization
from test_org_support import create_organization, make_finding, make_result, ok

MEMBERS = 5


def _parser():
    p = argparse.ArgumentParser()
    add_org_arguments(p)
    # the scan command's own options that run_org_scan reads
    p.add_argument("--output-dir")
    p.add_argument("--format")
    p.add_argument("--fail-on")
    return p


def _config(**org):
    org.setdefault("role_name", "audit/AuditorReadOnly")
    # A high cap keeps the tests fast; the one-cap test counts tokens, not time.
    return parse_config({"org": org, "scan": {"session_name": "auditor-test", "rate_limit": 1000.0}})


@pytest.fixture
def org():
    """A moto organization with MEMBERS member accounts; yields (session, management id, member ids)."""
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        members = create_organization(session, MEMBERS)
        management = session.client("sts").get_caller_identity()["Account"]
        yield session, management, members


def deny_assume_role(session, account_id):
    """Simulated: moto's STS never refuses AssumeRole, so refuse this account's role here."""
    def hook(params, **_):
        if f":{account_id}:" in params["RoleArn"]:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}},
                              "AssumeRole")

    session.events.register("provide-client-params.sts.AssumeRole", hook)


def fake_scan_one(calls=None):
    def scan_one(member_session, account_id):
        # The session really is in the member account: STS says so.
        identity = member_session.client("sts").get_caller_identity()
        assert identity["Account"] == account_id
        assert identity["Arn"].endswith(":assumed-role/AuditorReadOnly/auditor-test")
        if calls is not None:
            calls.append(account_id)
        return make_result((account_id,), (make_finding(account_id, "alice", Severity.HIGH),
                                           make_finding(account_id, "bob", Severity.LOW)), (ok(account_id),))
    return scan_one


def test_org_scan_reports_every_account_and_a_gap_for_the_one_that_cannot_be_assumed(org, tmp_path):
    session, management, members = org
    denied = members[2]
    deny_assume_role(session, denied)
    args = _parser().parse_args(["--org", "--output-dir", str(tmp_path), "--format", "json,csv",
                                 "--exclude-accounts", management])
    lines = []
    code = run_org_scan(args, _config(), fake_scan_one(), session=session, echo=lines.append)
    assert code == 3  # incomplete wins over findings
    combined = json.loads((tmp_path / "findings.json").read_text())
    assert combined["run"]["account_ids"] == members
    assert combined["run"]["source"] == "organization"
    scanned = [m for m in members if m != denied]
    scanned_findings = [f for f in combined["findings"] if f["check_id"] == "IAM002"]
    assert sorted({f["account_id"] for f in scanned_findings}) == scanned
    assert len(scanned_findings) == 2 * len(scanned)
    # the gap is also a COV001 finding, made by the collection-gap check like any account's own gaps
    (cov,) = [f for f in combined["findings"] if f["check_id"] == "COV001"]
    assert (cov["account_id"], cov["resource_arn"], cov["severity"]) == (denied, "sts:AssumeRole", "high")
    (gap,) = [c for c in combined["coverage"] if c["status"] != "ok"]
    assert (gap["family"], gap["status"], gap["account_id"]) == ("sts:AssumeRole", "denied", denied)
    assert "AccessDenied" in gap["error"] and f"arn:aws:iam::{denied}:role/audit/AuditorReadOnly" in gap["error"]
    for m in scanned:
        own = json.loads((tmp_path / "accounts" / m / "findings.json").read_text())
        assert {f["account_id"] for f in own["findings"]} == {m} and len(own["findings"]) == 2
    failed = json.loads((tmp_path / "accounts" / denied / "findings.json").read_text())
    assert [f["check_id"] for f in failed["findings"]] == ["COV001"]
    assert failed["coverage"][0]["family"] == "sts:AssumeRole"
    assert (tmp_path / "findings.csv").is_file()
    assert any(f"{denied}: NOT SCANNED" in line for line in lines)
    assert "INCOMPLETE: 1 coverage gap" in lines[-1]


def test_external_id_and_session_name_are_sent(org):
    session, management, members = org
    seen = []
    session.events.register("provide-client-params.sts.AssumeRole", lambda params, **_: seen.append(params))
    args = _parser().parse_args(["--accounts", members[0], "--org-external-id", "ext-123456"])
    scan_organization(args, _config(external_id="from-config"), fake_scan_one(), session=session)
    (params,) = seen
    assert params == {"RoleArn": f"arn:aws:iam::{members[0]}:role/audit/AuditorReadOnly",
                      "RoleSessionName": "auditor-test", "ExternalId": "ext-123456"}


def test_selection_by_flags_and_config(org):
    session, management, members = org
    args = _parser().parse_args(["--org", "--exclude-accounts", members[0]])
    calls = []
    scan = scan_organization(args, _config(exclude_accounts=[management]), fake_scan_one(calls), session=session)
    assert sorted(calls) == members[1:]  # excludes from the command line and the config both apply
    assert scan.result.run.account_ids == tuple(members[1:])
    # --accounts replaces config org.accounts; an account the organization does not hold is a gap
    args = _parser().parse_args(["--org", "--accounts", f"{members[3]},999999999999"])
    scan = scan_organization(args, _config(accounts=[members[4]]), fake_scan_one(), session=session)
    assert {f.account_id for f in scan.result.findings if f.check_id != "COV001"} == {members[3]}
    (gap,) = [c for c in scan.result.coverage if c.status is not CoverageStatus.OK]
    assert gap.account_id == "999999999999" and "not in the organization" in gap.error
    assert "999999999999" in scan.result.run.account_ids
    assert [f.account_id for f in scan.result.findings if f.check_id == "COV001"] == ["999999999999"]
    # without --org the listed accounts are used as given, Organizations is never called
    session.events.register("before-call.organizations", lambda **_: pytest.fail("Organizations called"))
    args = _parser().parse_args(["--accounts", members[1], "--accounts", members[2]])
    scan = scan_organization(args, _config(), fake_scan_one(), session=session)
    assert scan.result.run.account_ids == (members[1], members[2])


def test_suspended_accounts_are_skipped_with_a_note(org, monkeypatch):
    session, management, members = org
    from auditor.org import accounts as accounts_mod

    real = accounts_mod.list_accounts

    def with_suspended(s):
        return [a if a.id != members[0] else accounts_mod.Account(a.id, a.name, "SUSPENDED", a.partition)
                for a in real(s)]

    # moto cannot suspend an account: the listing is edited to have one.
    monkeypatch.setattr("auditor.org.runner.list_accounts", with_suspended)
    calls = []
    scan = scan_organization(_parser().parse_args(["--org"]), _config(), fake_scan_one(calls), session=session)
    assert members[0] not in calls and len(calls) == MEMBERS  # the other members and the management account
    assert "1 account of the organization not ACTIVE, not scanned" in scan.result.notes


def test_shards_cover_every_account_exactly_once(org):
    session, management, members = org
    seen = []
    for i in range(1, 4):
        calls = []
        scan_organization(_parser().parse_args(["--org", "--shard", f"{i}/3"]), _config(), fake_scan_one(calls),
                          session=session)
        seen.extend(calls)
    assert sorted(seen) == sorted(members + [management])


def test_one_account_raising_does_not_stop_the_others(org):
    session, management, members = org

    def scan_one(member_session, account_id):
        if account_id == members[1]:
            raise RuntimeError("collector exploded")
        return fake_scan_one()(member_session, account_id)

    scan = scan_organization(_parser().parse_args(["--accounts", ",".join(members)]), _config(), scan_one,
                             session=session)
    (gap,) = [c for c in scan.result.coverage if c.status is not CoverageStatus.OK]
    assert (gap.family, gap.status, gap.account_id) == ("auditor:ScanAccount", CoverageStatus.ERROR, members[1])
    assert "collector exploded" in gap.error
    assert len({f.account_id for f in scan.result.findings if f.check_id == "IAM002"}) == MEMBERS - 1


def test_concurrency_is_capped_by_config(org):
    session, management, members = org
    running, peak, lock = [0], [0], threading.Lock()

    def scan_one(member_session, account_id):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return make_result((account_id,))

    scan_organization(_parser().parse_args(["--accounts", ",".join(members)]), _config(concurrency=2), scan_one,
                      session=session)
    assert peak[0] == 2


def test_one_rate_cap_is_shared_by_every_account(org, monkeypatch):
    session, management, members = org
    import auditor.org.runner as runner

    buckets = []

    class CountingBucket(runner.TokenBucket):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.taken = 0
            buckets.append(self)

        def acquire(self):
            self.taken += 1
            super().acquire()

    monkeypatch.setattr(runner, "TokenBucket", CountingBucket)
    requests = []
    session.events.register("before-send", lambda **_: requests.append(1))

    def scan_one(member_session, account_id):
        for _ in range(3):
            member_session.client("iam").list_users()
        return make_result((account_id,))

    scan_organization(_parser().parse_args(["--org"]), _config(concurrency=3), scan_one, session=session)
    (bucket,) = buckets
    accounts = MEMBERS + 1
    # list_accounts + one AssumeRole and three IAM calls per account, all through the one bucket
    assert bucket.taken == 1 + accounts * 4
    assert len(requests) == 1 + accounts  # the caller's own session made only the listing and AssumeRole calls


def test_empty_shard_is_an_empty_report_not_an_error(org, tmp_path):
    session, management, members = org
    args = _parser().parse_args(["--accounts", members[0], "--shard", "1/1", "--output-dir", str(tmp_path),
                                 "--format", "json"])
    assert run_org_scan(args, _config(), fake_scan_one(), session=session) == 1  # the HIGH finding
    from auditor.org.options import Shard

    other = next(f"{i}/2" for i in (1, 2) if not Shard(i, 2).holds(members[0]))
    args = _parser().parse_args(["--accounts", members[0], "--shard", other, "--output-dir", str(tmp_path / "e"),
                                 "--format", "json"])
    assert run_org_scan(args, _config(), fake_scan_one(), session=session) == 0
    doc = json.loads((tmp_path / "e" / "findings.json").read_text())
    assert doc["findings"] == [] and doc["notes"] == [f"shard {other}: 0 accounts"]


def test_history_is_recorded(org, tmp_path):
    session, management, members = org
    from auditor.history import list_runs

    db = tmp_path / "h.sqlite"
    args = _parser().parse_args(["--accounts", ",".join(members[:2]), "--output-dir", str(tmp_path), "--format",
                                 "json", "--history", str(db), "--fail-on", "never"])
    assert run_org_scan(args, _config(), fake_scan_one(), session=session) == 0
    (run,) = list_runs(db)
    assert run.account_ids == tuple(members[:2]) and run.count(Severity.HIGH) == 2


def test_org_options_usage_errors(org):
    session, management, members = org
    with pytest.raises(UsageError, match="--role-name NAME or org.role_name"):
        scan_organization(_parser().parse_args(["--org"]), parse_config({}), fake_scan_one(), session=session)
    with pytest.raises(UsageError, match="--shard only apply to organization scans"):
        wants_org_scan(_parser().parse_args(["--shard", "1/2"]))
    assert not wants_org_scan(_parser().parse_args(["--history", "h.sqlite"]))
    for bad in (["--shard", "0/2"], ["--shard", "3/2"], ["--shard", "x"], ["--accounts", "12345"]):
        with pytest.raises(SystemExit):
            _parser().parse_args(bad)


def test_reused_output_dir_keeps_no_findings_of_accounts_no_longer_scanned(org, tmp_path):
    session, management, members = org
    stranger = tmp_path / "accounts" / "notes"  # not ours: left alone
    stranger.mkdir(parents=True)
    for chosen in (members[:3], members[:2]):
        args = _parser().parse_args(["--accounts", ",".join(chosen), "--output-dir", str(tmp_path), "--format", "json"])
        run_org_scan(args, _config(), fake_scan_one(), session=session)
    assert sorted(p.name for p in (tmp_path / "accounts").iterdir()) == sorted(members[:2] + ["notes"])
    from auditor.merge import merge_paths

    merged = merge_paths([tmp_path])  # what a later `auditor merge` of this directory sees
    assert merged.run.account_ids == tuple(members[:2])
    assert merged.notes[-1].startswith("merged 3 findings.json files")


def test_gaps_follow_accept_gaps_and_suppressions(org):
    session, management, members = org
    deny_assume_role(session, members[0])
    deny_assume_role(session, members[1])
    config = parse_config({
        "org": {"role_name": "audit/AuditorReadOnly"}, "scan": {"session_name": "auditor-test",
                                                               "accept_gaps": ["sts:AssumeRole@*"]},
        "suppress": [{"check": "COV001", "resource": "sts:AssumeRole", "account": members[1], "reason": "closing"}],
    })
    args = _parser().parse_args(["--accounts", ",".join(members[:3])])
    scan = scan_organization(args, config, fake_scan_one(), session=session)
    assert not scan.result.incomplete  # both gaps are accepted by the config
    cov = {f.account_id: f for f in scan.result.findings if f.check_id == "COV001"}
    assert cov[members[0]].severity is Severity.INFO  # accepted gaps are reported as info
    assert cov[members[1]].status.value == "suppressed"
