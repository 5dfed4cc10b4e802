"""Snapshots: written atomically and deterministically, read back by `scan --input` to the same
inventory, raw policy text (and so duplicate keys) intact."""
from __future__ import annotations

import json
import os

import pytest
from test_collect_support import (
    DUPLICATE_KEY_POLICY,
    add_project,
    add_ses_identity,
    aws,  # noqa: F401 - fixture
    collect,
)

from auditor.collect.inventory_builder import build_inventory
from auditor.collect.offline import read_input
from auditor.collect.snapshot import GAAD_LISTS, SCHEMA_VERSION, Snapshot, to_json_bytes, write_snapshot
from auditor.errors import InputError, UsageError
from auditor.model.inventory import CoverageEntry, CoverageStatus


@pytest.fixture
def snapshot(aws) -> Snapshot:
    iam = aws.client("iam")
    arn = iam.create_policy(PolicyName="dup", PolicyDocument=DUPLICATE_KEY_POLICY)["Policy"]["Arn"]
    iam.create_user(UserName="richard-roe")
    iam.attach_user_policy(UserName="richard-roe", PolicyArn=arn)
    iam.create_login_profile(UserName="richard-roe", Password="x-Test-1234")
    add_ses_identity(aws, "us-east-1", "sender@example.com", {"send": DUPLICATE_KEY_POLICY}, {"team": "mail"})
    add_project(aws, "eu-west-1", "<script>x</script>", {"Owner": "richard-roe"})
    return collect(aws, regions=["us-east-1", "eu-west-1", "ap-east-1"])


def test_round_trip_gives_the_same_snapshot_and_inventory(snapshot, tmp_path):
    path = write_snapshot(snapshot, tmp_path / "snap.json")
    loaded = read_input(path)

    assert loaded.source == f"snapshot:{path}"
    for name in ("account_id", "partition", "regions", "collected_at", "credential_report", "ses", "pinpoint", "coverage"):
        assert getattr(loaded, name) == getattr(snapshot, name), name
    assert {k: loaded.iam[k] for k in GAAD_LISTS} == {k: snapshot.iam[k] for k in GAAD_LISTS}
    before, after = build_inventory(snapshot), build_inventory(loaded)
    assert after.users == before.users and after.managed_policies == before.managed_policies
    assert after.ses_identities == before.ses_identities and after.credentials == before.credentials
    assert after.coverage == before.coverage and after.raw_text_available
    # The raw text survived the file: the duplicate key is still there to be found.
    assert after.managed_policies[0].ref.policy.duplicates
    assert after.ses_identities[0].policies[0].policy.duplicates
    gap = next(c for c in after.coverage if c.region == "ap-east-1" and c.family == "sesv2:*")
    assert gap.status is CoverageStatus.UNAVAILABLE


def test_document_is_versioned_sorted_and_deterministic(snapshot):
    data = to_json_bytes(snapshot)
    assert data == to_json_bytes(snapshot)
    doc = json.loads(data)
    assert doc["schema_version"] == SCHEMA_VERSION and doc["tool"]["name"] == "auditor"
    for key in ("collected_at", "account_id", "partition", "regions", "credential_report", "ses", "pinpoint",
                "coverage", *GAAD_LISTS):
        assert key in doc, key

    def keys_sorted(node) -> bool:
        if isinstance(node, dict):
            return list(node) == sorted(node) and all(keys_sorted(v) for v in node.values())
        if isinstance(node, list):
            return all(keys_sorted(v) for v in node)
        return True

    assert keys_sorted(json.loads(data, object_pairs_hook=lambda pairs: dict(pairs)))
    # Policy documents are strings (the raw text), not decoded objects.
    [policy] = doc["Policies"]
    assert policy["PolicyVersionList"][0]["Document"] == DUPLICATE_KEY_POLICY
    assert doc["ses"]["us-east-1"][0]["Policies"] == {"send": DUPLICATE_KEY_POLICY}
    assert doc["coverage"][0] == {"family": "iam:GetAccountAuthorizationDetails", "region": "global",
                                  "status": "ok", "error": "", "account_id": "123456789012"}


def test_written_atomically_replacing_the_old_file(snapshot, tmp_path):
    target = tmp_path / "snap.json"
    target.write_text("old")
    write_snapshot(snapshot, target)
    assert json.loads(target.read_text())["account_id"] == "123456789012"
    assert os.listdir(tmp_path) == ["snap.json"]  # no temp file left behind
    with pytest.raises(UsageError, match="cannot write snapshot"):
        write_snapshot(snapshot, tmp_path / "missing-dir" / "snap.json")


def test_newer_or_broken_schema_version_is_an_input_error(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1, "account_id": "1"}))
    with pytest.raises(InputError, match=f"schema version {SCHEMA_VERSION + 1} is not supported"):
        read_input(path)
    path.write_text(json.dumps({"schema_version": "1"}))
    with pytest.raises(InputError, match="schema_version must be a whole number, not a string"):
        read_input(path)
    path.write_text(json.dumps({"schema_version": 1, "ses": []}))
    with pytest.raises(InputError, match="ses must be an object, not a list"):
        read_input(path)


def test_unreadable_coverage_entry_makes_the_snapshot_incomplete(tmp_path):
    doc = Snapshot("111122223333", "aws", "live", coverage=(
        CoverageEntry("pinpoint:GetApps", "us-east-1", CoverageStatus.OK),)).to_document()
    doc["coverage"].append({"family": "sesv2:GetEmailIdentity", "status": "maybe"})
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    loaded = read_input(path)
    statuses = {c.family: c.status for c in loaded.coverage}
    assert statuses == {"pinpoint:GetApps": CoverageStatus.OK, "snapshot:coverage": CoverageStatus.ERROR}
    assert loaded.load_errors and "coverage[1]" in loaded.load_errors[0][0]
