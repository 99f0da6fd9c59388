"""infra/shard_map.py: adding a shard moves ~1/(N+1) of the keys, only to the new shard, for every strategy."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from infra.config import parse_platform
from infra.data_plan import plan_database
from infra.shard_map import build_shard_map, jump_hash, key_hash, route, shard_map_for, shard_name
from tests.conftest import stack_platform

KEYS = [f"user-{i}" for i in range(100_000)]


@pytest.fixture(scope="module")
def hashes():
    return [key_hash(k) for k in KEYS]


def cfg_for(*overrides: str):
    platform, _ = stack_platform("prod", overrides)
    return parse_platform(platform, "Pulumi.prod.yaml")


def maps_for(cfg, counts):
    plan = plan_database(cfg)
    return [build_shard_map(cfg, replace(plan, shards=n), "prod") for n in counts]


@pytest.mark.parametrize("n", [1, 3, 4, 9, 63])
def test_jump_hash_moves_one_over_n_plus_one_only_to_the_new_shard(hashes, n):
    before = [jump_hash(h, n) for h in hashes]
    after = [jump_hash(h, n + 1) for h in hashes]
    moved = [(b, a) for b, a in zip(before, after) if b != a]
    assert all(a == n for _, a in moved), "a key moved between existing shards"
    expected = len(KEYS) / (n + 1)
    assert abs(len(moved) - expected) < 0.05 * expected + 300, (len(moved), expected)


def test_jump_hash_balances_and_is_deterministic(hashes):
    counts = Counter(jump_hash(h, 4) for h in hashes)
    assert set(counts) == {0, 1, 2, 3}
    assert all(abs(c - 25_000) < 1_000 for c in counts.values())
    assert key_hash("user-42") == key_hash("user-42") and jump_hash(key_hash("user-42"), 1) == 0


def test_route_uses_the_published_hash_rule():
    doc = shard_map_for(cfg_for(), "prod")
    assert doc["strategy"] == "hash" and doc["shard_count"] == 4
    assert [s["identifier"] for s in doc["shards"]] == [f"prod-db-shard-{i}" for i in range(4)]
    assert route(doc, "user-7") == (jump_hash(key_hash("user-7"), 4),)


def test_time_ranges_close_only_the_open_last_range():
    cfg = cfg_for("database.sharding=transaction")
    four, five = maps_for(cfg, (4, 5))
    ranges = four["time"]["ranges"]
    assert four["time"]["months_per_shard"] == 2  # 1000 GB target / 500 GB per month
    assert ranges[0]["from"] == "2024-01" and ranges[-1]["to"] is None
    assert all(a["to"] == b["from"] for a, b in zip(ranges, ranges[1:]))
    months = [f"{y}-{m:02d}" for y in range(2023, 2030) for m in range(1, 13)]
    for month in months:
        old, new = route(four, month)[0], route(five, month)[0]
        assert old == new or new == 4
    assert route(four, "2019-05-17") == (0,)  # before the epoch: shard 0


def test_geographic_moves_keys_only_to_the_new_shard():
    cfg = cfg_for("database.sharding=content")
    regions = [r.name for r in cfg.regions]
    keys = [f"{regions[i % len(regions)]}/item-{i}" for i in range(5_000)]
    maps = maps_for(cfg, range(1, 11))
    for n, (small, big) in enumerate(zip(maps, maps[1:]), start=1):
        for key in keys:
            old, new = route(small, key)[0], route(big, key)[0]
            assert old == new or new == n, (n, key, old, new)
    eight = maps[7]["geographic"]["regions"]
    assert eight["us-east-1"] == [0, 4] and eight["ap-southeast-1"] == [3, 7]


def test_replicated_every_shard_holds_every_key():
    doc = shard_map_for(cfg_for("database.sharding=governance"), "prod")
    assert route(doc, "anything") == (0, 1, 2, 3) and doc["replicated"]["write"] == "every shard"


def test_draining_shards_get_no_keys():
    cfg = cfg_for("database.previous_shards=6", "database.allow_shard_removal=true")
    doc = shard_map_for(cfg, "prod")
    assert doc["shard_count"] == 4 and doc["draining"] == ["prod-db-shard-4", "prod-db-shard-5"]


def test_shard_names_are_stable_and_valid_identifiers():
    assert shard_name("prod", 3) == "prod-db-shard-3"
    assert shard_name("Team_QA", 0) == "team-qa-db-shard-0"
    assert shard_name("1st", 0).startswith("s-1st")
