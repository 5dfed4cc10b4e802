"""The scan pauses the cycle collector between reading its input and writing its reports."""
import gc

import pytest

from auditor.heap import cycle_collection_paused


@pytest.fixture(autouse=True)
def collector_enabled():
    gc.enable()
    yield
    gc.enable()


def test_paused_inside_and_restored_after():
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_error():
    with pytest.raises(RuntimeError):
        with cycle_collection_paused():
            raise RuntimeError("boom")
    assert gc.isenabled()


def test_not_paused_when_told_not_to():
    with cycle_collection_paused(when=False):
        assert gc.isenabled()
    assert gc.isenabled()


def test_nested_pause_keeps_the_outer_one():
    with cycle_collection_paused():
        with cycle_collection_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled():
    gc.disable()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_what_was_made_while_paused_is_not_walked_again():
    before = gc.get_freeze_count()
    with cycle_collection_paused():
        made = [[i] for i in range(1000)]
    assert gc.get_freeze_count() >= before + len(made)
