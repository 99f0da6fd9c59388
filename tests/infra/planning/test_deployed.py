"""infra/planning/deployed.py: what exists, read from an earlier plan (the bundled prod golden plan)."""
from __future__ import annotations

import json

import pytest

from infra.config import ConfigError, parse_platform
from infra.planning.deployed import deployed_from_plan, with_deployed
from infra.planning.pipeline import plan_capacity
from tests.conftest import ROOT, stack_platform

GOLDEN = ROOT / "tests" / "golden" / "prod.json"
PROD_DEPLOYED = {
    "deployed": {
        "regions": [{"name": "us-east-1", "az_count": 2, "vpc_cidr": "10.0.0.0/16"},
                    {"name": "us-west-2", "az_count": 2, "vpc_cidr": "10.1.0.0/16"},
                    {"name": "eu-west-1", "az_count": 2, "vpc_cidr": "10.2.0.0/16"},
                    {"name": "ap-southeast-1", "az_count": 2, "vpc_cidr": "10.3.0.0/16"}],
        "database": {"region": "us-east-1", "engine_version": "16", "storage_gb_per_shard": 1000, "sharding": "user"},
        "cache": {"engine_version": "7.1"},
    },
    "database": {"previous_shards": 4},
}


def test_prod_golden_plan_as_deployed():
    assert deployed_from_plan(json.loads(GOLDEN.read_text()), str(GOLDEN)) == PROD_DEPLOYED


def test_draining_shards_count_as_deployed():
    doc = {"capacity": {"regions": {}, "database": {"shards": 4, "draining_shards": [4, 5]}}}
    assert deployed_from_plan(doc, "old.json")["database"] == {"previous_shards": 6}


def test_declaring_what_exists_changes_nothing_in_the_plan():
    platform, _ = stack_platform("prod")
    live = with_deployed(platform, PROD_DEPLOYED)
    assert live["database"]["previous_shards"] == 4 and live["database"]["sharding"] == "user"
    assert "deployed" not in platform  # a copy
    assert plan_capacity(parse_platform(live, "f")).to_dict() == plan_capacity(parse_platform(platform, "f")).to_dict()


@pytest.mark.parametrize("doc, message", [
    ({}, "old.json: capacity: missing or not an object; need the output of `scaling plan --format json`"),
    ({"capacity": {"regions": []}},
     "old.json: regions: missing or not an object; need the output of `scaling plan --format json`"),
    ({"capacity": {"regions": {}, "database": {"shards": "4"}}},
     "old.json: capacity.database.shards: must be a whole number; need the output of `scaling plan --format json`"),
])
def test_not_a_plan_is_one_line(doc, message):
    with pytest.raises(ConfigError) as err:
        deployed_from_plan(doc, "old.json")
    assert str(err.value) == message
