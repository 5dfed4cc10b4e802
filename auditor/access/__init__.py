"""Effective access to the audited services, and the documented examples as envelopes."""
from auditor.access.compute import AccountAccess, compute_access

__all__ = ["AccountAccess", "compute_access"]
