"""infra/planning/network.py and the catalog's VPC ranges: a region's network depends on the region only."""
from __future__ import annotations

import ipaddress

import pytest

from infra.config import ConfigError, apply_overrides, parse_platform
from infra.model.catalog import AWS_REGIONS, REGION_VPC_CIDRS
from infra.planning.network import plan_network, region_network, subnet_pair
from tests.conftest import stack_platform

ROW = {"min_instances": 3, "max_instances": 30, "current_instances": 5, "latency_ms": 80, "traffic_weight": 10,
       "certificate_arn": "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000005"}


def cfg_for(*overrides: str, stack: str = "prod"):
    platform, _ = stack_platform(stack, overrides)
    return parse_platform(platform, f"Pulumi.{stack}.yaml")


def test_every_region_has_its_own_private_16():
    assert set(REGION_VPC_CIDRS) == set(AWS_REGIONS)
    nets = [ipaddress.ip_network(c) for c in REGION_VPC_CIDRS.values()]
    assert all(n.prefixlen == 16 and n.subnet_of(ipaddress.ip_network("10.0.0.0/8")) for n in nets)
    assert len(set(nets)) == len(nets)


def test_bundled_regions_keep_the_ranges_they_were_deployed_with():
    # The ranges `10.<position>.0.0/16` gave the bundled prod table (tests/golden/prod.json): never moved.
    assert {r: REGION_VPC_CIDRS[r] for r in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")} == {
        "us-east-1": "10.0.0.0/16", "us-west-2": "10.1.0.0/16", "eu-west-1": "10.2.0.0/16",
        "ap-southeast-1": "10.3.0.0/16"}
    assert REGION_VPC_CIDRS["eu-central-1"] == "10.12.0.0/16"


def test_subnet_layout_per_az_letter():
    assert subnet_pair("10.1.0.0/16", "us-west-2", 0).__dict__ == {
        "zone": "us-west-2a", "public_cidr": "10.1.0.0/20", "private_cidr": "10.1.128.0/20"}
    assert subnet_pair("172.20.0.0/16", "eu-west-1", 2).__dict__ == {
        "zone": "eu-west-1c", "public_cidr": "172.20.32.0/20", "private_cidr": "172.20.160.0/20"}


def test_prod_network_plan():
    plans = plan_network(cfg_for())
    assert {r: p.vpc_cidr for r, p in plans.items()} == {
        "us-east-1": "10.0.0.0/16", "us-west-2": "10.1.0.0/16", "eu-west-1": "10.2.0.0/16",
        "ap-southeast-1": "10.3.0.0/16"}
    east = plans["us-east-1"]
    assert east.zones == ("us-east-1a", "us-east-1b")
    assert [(s.public_cidr, s.private_cidr) for s in east.subnets] == [
        ("10.0.0.0/20", "10.0.128.0/20"), ("10.0.16.0/20", "10.0.144.0/20")]
    assert east.reason.startswith("10.0.0.0/16: us-east-1's fixed range (infra/model/catalog.py REGION_VPC_CIDRS)")


def test_position_does_not_matter():
    platform, _ = stack_platform("prod")
    rows = platform["regions"]
    new = {"name": "eu-central-1", **ROW}
    for order in ([new, *rows], [*rows[:2], new, *rows[2:]], list(reversed(rows)), rows[1:] + rows[:1]):
        plans = plan_network(parse_platform({**platform, "regions": order}, "f"))
        for name, plan in plan_network(cfg_for()).items():
            assert plans[name] == plan
    assert region_network(parse_platform({**platform, "regions": [*rows, new]}, "f").regions[-1]).vpc_cidr == \
        "10.12.0.0/16"


def test_vpc_cidr_override_and_more_azs():
    cfg = cfg_for("regions[1].vpc_cidr=172.20.0.0/16", "regions[1].az_count=3")
    plan = plan_network(cfg)["us-west-2"]
    assert (plan.vpc_cidr, plan.zones) == ("172.20.0.0/16", ("us-west-2a", "us-west-2b", "us-west-2c"))
    assert plan.subnets[2].private_cidr == "172.20.160.0/20"
    assert plan.reason.startswith("regions[].vpc_cidr of us-west-2: 172.20.0.0/16")


def test_overlapping_ranges_are_one_line():
    with pytest.raises(ConfigError) as err:
        plan_network(cfg_for("regions[3].vpc_cidr=10.1.0.0/16"))
    assert str(err.value) == ("stack config: scaling-platform:platform.regions[3].vpc_cidr: 10.1.0.0/16 overlaps "
                              "us-west-2's VPC range 10.1.0.0/16; regions never share addresses (they may peer later): "
                              "pick a free /16")


@pytest.mark.parametrize("value, message", [
    ("10.0.1.0/16", ("'10.0.1.0/16' is not a network address; allowed: a /16 network address such as 10.42.0.0/16, "
                     "inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16")),
    ("10.0.0.0/20", ("10.0.0.0/20 is not a /16; allowed: a /16 network address such as 10.42.0.0/16, inside "
                     "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (the subnet layout needs a /16)")),
    ("8.8.0.0/16", ("8.8.0.0/16 is not a private range; allowed: a /16 network address such as 10.42.0.0/16, "
                    "inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16")),
])
def test_bad_vpc_cidr_is_one_line(value, message):
    platform, _ = stack_platform("prod")
    with pytest.raises(ConfigError) as err:
        parse_platform(apply_overrides(platform, [f"regions[0].vpc_cidr={value}"], "f"), "Pulumi.prod.yaml")
    assert str(err.value) == f"Pulumi.prod.yaml: scaling-platform:platform.regions[0].vpc_cidr: {message}"
