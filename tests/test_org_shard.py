from auditor.org.options import Shard, parse_shard

IDS = [f"{i:012d}" for i in range(0, 10_000_000_000, 9_999_991)]  # ~1000 synthetic account ids


def test_every_account_in_exactly_one_shard():
    for n in (1, 2, 3, 7, 16):
        shards = [Shard(i, n) for i in range(1, n + 1)]
        for account in IDS:
            assert sum(s.holds(account) for s in shards) == 1


def test_shards_are_balanced():
    n = 8
    sizes = [sum(Shard(i, n).holds(a) for a in IDS) for i in range(1, n + 1)]
    expected = len(IDS) / n
    assert all(abs(size - expected) < expected * 0.25 for size in sizes), sizes


def test_assignment_depends_only_on_the_account():
    # An account added or closed between two shards' listings moves no other account.
    before = {a for a in IDS if Shard(2, 5).holds(a)}
    after = {a for a in IDS + ["999999999999"] if Shard(2, 5).holds(a)} - {"999999999999"}
    assert before == after


def test_parse_shard():
    assert parse_shard("3/4") == Shard(3, 4) and str(Shard(3, 4)) == "3/4"
