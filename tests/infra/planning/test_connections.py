"""Issue 17: max_connections starts from RDS's own formula; runbook raises only go upward."""
from __future__ import annotations

import pytest

from infra.planning.connections import RDS_PG_DEFAULT_FORMULA, engine_default, plan_max_connections


@pytest.mark.parametrize(("instance_class", "expected"), [
    ("db.t3.medium", 450),    # 4 GiB: 4294967296 // 9531392 = 450
    ("db.r5.large", 1802),    # 16 GiB
    ("db.r5.xlarge", 3604),   # 32 GiB
    ("db.r5.2xlarge", 5000),  # 64 GiB: 7209, capped at 5000
    ("db.r5.4xlarge", 5000),  # 128 GiB: 14419, capped
])
def test_engine_default_per_class(instance_class, expected):
    assert engine_default(instance_class)[0] == expected


def test_default_keeps_the_formula_and_never_pins_500():
    limit = plan_max_connections("db.r5.2xlarge", None, None)
    assert (limit.limit, limit.parameter, limit.raised) == (5000, RDS_PG_DEFAULT_FORMULA, False)
    assert RDS_PG_DEFAULT_FORMULA == "LEAST({DBInstanceClassMemory/9531392},5000)"


def test_runbook_500_below_the_default_is_not_a_cut():
    limit = plan_max_connections("db.r5.2xlarge", 500, None)
    assert (limit.limit, limit.parameter) == (5000, RDS_PG_DEFAULT_FORMULA)
    assert "database.max_connections 500 <= 5000: not applied" in limit.reason


def test_raises_apply_above_the_default_and_need_a_reboot():
    limit = plan_max_connections("db.t3.medium", 500, 1000)
    assert (limit.limit, limit.parameter, limit.raised) == (1000, "1000", True)
    assert limit.reason == (
        "RDS default LEAST({DBInstanceClassMemory/9531392},5000) for db.t3.medium (4 GiB): LEAST(4 GiB / 9531392 = "
        "450, 5000) = 450; database.max_connections 500 > 450: raised to 500; emergency up (novacron 2) 1000 > 500: "
        "raised to 1000; max_connections is a static parameter (apply_method pending-reboot): it takes effect on "
        "each shard instance only after `aws rds reboot-db-instance --db-instance-identifier <id>` (Multi-AZ: add "
        "--force-failover to keep the outage to a failover)")
