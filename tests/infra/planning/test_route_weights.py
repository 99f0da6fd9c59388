"""infra/planning/capacity.route_weights: whole percents that always sum to 100 (issue 17 point 5)."""
from __future__ import annotations

from infra.config import parse_platform
from infra.planning.capacity import route_weights
from tests.conftest import stack_platform


def weights(*overrides: str) -> dict[str, int]:
    platform, _ = stack_platform("prod", overrides)
    cfg = parse_platform(platform, "Pulumi.prod.yaml")
    return {name: fig.value for name, fig in route_weights(cfg, {}).items()}


def test_bundled_table_is_kept_as_is():
    assert weights() == {"us-east-1": 40, "us-west-2": 30, "eu-west-1": 20, "ap-southeast-1": 10}


def test_a_table_that_does_not_add_to_100_still_sums_to_100():
    two = weights("regions[2].traffic_weight=25", "regions[3].traffic_weight=12")
    # 40/30/25/12 of 107: 37.38 / 28.04 / 23.36 / 11.21 -> 37/28/23/11 + 1 to us-east-1 (.38 is largest)
    assert two == {"us-east-1": 38, "us-west-2": 28, "eu-west-1": 23, "ap-southeast-1": 11}
