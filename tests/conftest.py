import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("AUDITOR_SHARED", Path(__file__).resolve().parents[2] / "shared"))
SEED_DIR = SHARED / "fixtures" / "seed_policies"
CORPUS = SHARED / "corpus" / "aws-managed-policies.jsonl"


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch):
    # Tests must never reach AWS: fake credentials and a default region for boto3.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def seed(name: str) -> bytes:
    return (SEED_DIR / name).read_bytes()
