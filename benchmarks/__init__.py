"""Benchmarks: a synthetic large-account generator and the timing harness (not part of the package)."""
