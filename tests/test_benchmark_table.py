"""The benchmark's summary of repeated runs and its table: what the README's numbers come from."""
from __future__ import annotations

import pytest

from benchmarks.measure import Measurement, median_of
from benchmarks.report_table import SizeResult, render_markdown


def _run(wall: float, peak: float = 100.0, code: int = 0) -> Measurement:
    return Measurement(wall, wall * 1.5, peak, code, "")


def test_the_median_run_is_reported_with_the_highest_peak_memory():
    summary = median_of([_run(4.0, 90), _run(2.6, 230), _run(2.9, 120)])
    assert (summary.wall_s, summary.cpu_s, summary.peak_mb) == (2.9, 2.9 * 1.5, 230)


def test_of_an_even_count_the_slower_middle_run_is_reported():
    assert median_of([_run(1.0), _run(3.0), _run(2.0), _run(4.0)]).wall_s == 3.0


def test_a_failed_run_is_reported_instead_of_a_median():
    assert median_of([_run(1.0), _run(2.0, code=4), _run(3.0)]).returncode == 4
    assert median_of([_run(1.0, code=3), _run(2.0)], ok_codes=(0, 3)).wall_s == 2.0


def test_no_runs_is_an_error():
    with pytest.raises(ValueError):
        median_of([])


def test_the_table_shows_every_run_and_compares_the_medians():
    result = SizeResult(5000, 13.1, 0.1, 0.1, median_of([_run(2.6), _run(4.0), _run(2.7)]),
                        scan_walls=(2.6, 4.0, 2.7), cloudsplaining=median_of([_run(30.0), _run(40.0), _run(29.0)]),
                        cloudsplaining_walls=(30.0, 40.0, 29.0))
    text = render_markdown([result], ["header"], [])
    row = next(line for line in text.splitlines() if line.startswith("| 5,000"))
    assert "| 2.60 / 4.00 / 2.70 |" in row and "| 30.0 / 40.0 / 29.0 |" in row
    assert "| 11.1x |" in row  # 30.0 / 2.7
    assert "speedup 11.1x ok" in text


def test_a_single_run_table_has_no_runs_columns():
    result = SizeResult(500, 1.6, 0.01, 0.01, _run(1.0), scan_walls=(1.0,))
    assert "runs s" not in render_markdown([result], ["header"], [])
