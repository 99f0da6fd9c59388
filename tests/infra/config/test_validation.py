"""Issue 15: every bad value is one exact line `file: key.path: what is allowed`; natural values are accepted.

Each case below was a traceback or silently accepted before; the message is asserted in full.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from infra.config import ConfigError, apply_overrides, parse_platform, read_stack_file
from tests.conftest import ROOT

PRICED = ("us-east-1, us-east-2, us-west-1, us-west-2, sa-east-1, eu-west-1, eu-west-2, eu-west-3, eu-central-1, "
          "eu-north-1, ap-south-1, ap-southeast-1, ap-southeast-2, ap-northeast-2")

P = "Pulumi.prod.yaml: scaling-platform:platform."


def prod_platform() -> dict:
    return read_stack_file(ROOT / "Pulumi.prod.yaml").platform


def parsed(*overrides: str, stack: str | None = "prod"):
    return parse_platform(apply_overrides(prod_platform(), list(overrides), "Pulumi.prod.yaml"), "Pulumi.prod.yaml",
                          stack=stack)


def error_for(*overrides: str, stack: str | None = "prod") -> str:
    with pytest.raises(ConfigError) as info:
        parsed(*overrides, stack=stack)
    message = str(info.value)
    assert "\n" not in message
    return message


CASES = [
    # absurd numbers: documented bounds
    ("tiers.worker.jobs_per_instance=5e-324",
     "tiers.worker.jobs_per_instance: Input should be greater than or equal to 0.01 (got 5e-324)"),
    ("tiers.api.requests_per_instance=0.5",
     "tiers.api.requests_per_instance: Input should be greater than or equal to 1 (got 0.5)"),
    ("budget_usd_month=" + "9" * 5000,
     "budget_usd_month: must be a number (got '999999999999999999999999999999999999999... (5002 characters))"),
    ("tiers.api.forecast_cpu_pct=5000", "tiers.api.forecast_cpu_pct: Input should be less than or equal to 1000 (got 5000)"),
    # strict types and YAML 1.1 oddities
    ("demand.peak_rps=true", "demand.peak_rps: must be a number (got True)"),
    ("budget_usd_month=1:00:00", "budget_usd_month: must be a number (got '1:00:00')"),
    ("regions[0].min_instances=yes", "regions[0].min_instances: must be a whole number (got 'yes')"),
    ("demand.forecast_days=30.5", "demand.forecast_days: must be a whole number (got 30.5)"),
    ("emergency.budget_ceiling_usd_month=.inf",
     "emergency.budget_ceiling_usd_month: must be a finite number (not .inf or .nan) (got inf)"),
    ("demand.peak_rps=.nan", "demand.peak_rps: must be a finite number (not .inf or .nan) (got nan)"),
    ("emergency.budget_ceiling_usd_month=1000",
     "emergency.budget_ceiling_usd_month: 1000 < budget_usd_month 250000; the emergency ceiling is at least the budget"),
    # regions, failover, weights, AZs, partitions, prices, certificates
    ('failed_regions=["us-west-2", "us-west-2"]',
     "failed_regions[1]: 'us-west-2' is listed twice; list each failed region once"),
    ('failover_priority=["us-west-2", "me-south-1"]',
     "failover_priority[1]: 'me-south-1' is not a configured region; allowed: us-east-1, us-west-2, eu-west-1, "
     "ap-southeast-1"),
    ('failover_priority=["us-west-2", "us-west-2"]', "failover_priority[1]: 'us-west-2' is listed twice; list each region once"),
    ("regions[3].traffic_weight=0.1",
     "regions[3].traffic_weight: 0.1 is 0.11% of the total 90.1; Route53 gets whole percent, so each region needs at "
     "least 1% of the total (or remove the region)"),
    ("regions[2].az_count=6", "regions[2].az_count: 6 > the 3 Availability Zones eu-west-1 has; allowed 2..3"),
    ("regions[3].name=me-south-1",
     "regions[3].name: me-south-1 has no prices in the price table (infra/model/aws_regions.py REGION_PRICE_MULTIPLIER), "
     "so its cost would be a guess; allowed: " + PRICED),
    ("regions[3].name=cn-north-1",
     "regions[3].name: cn-north-1 is in the aws-cn partition; this program deploys to the aws partition only; allowed: "
     + PRICED),
    ("regions[1].certificate_arn=arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000002",
     "regions[1].certificate_arn: certificate is in aws:us-east-1; an ALB needs an ACM certificate of its own region, "
     "arn:aws:acm:us-west-2:..."),
    ("regions[1].certificate_arn=arn:aws-cn:acm:us-west-2:123456789012:certificate/00000000-0000-0000-0000-000000000002",
     "regions[1].certificate_arn: certificate is in aws-cn:us-west-2; an ALB needs an ACM certificate of its own region, "
     "arn:aws:acm:us-west-2:..."),
    ("edge.cloudfront.acm_certificate_arn=arn:aws:acm:eu-west-1:123456789012:certificate/"
     "11111111-1111-1111-1111-111111111111",
     "edge.cloudfront.acm_certificate_arn: 'arn:aws:acm:eu-west-1:123456789012:cert... (85 characters) is not an ACM "
     "certificate ARN in us-east-1 (CloudFront reads certificates only there): "
     "arn:aws:acm:us-east-1:<account>:certificate/<uuid>"),
    # time zones, events, cron
    ("scaling.schedules.time_zones={us-east-1: Mars/Olympus_Mons}",
     "scaling.schedules.time_zones.us-east-1: unknown IANA time zone 'Mars/Olympus_Mons'; need a tz database name such "
     "as Europe/Dublin"),
    ("scaling.schedules.time_zones={eu-central-1: Europe/Berlin}",
     "scaling.schedules.time_zones.eu-central-1: 'eu-central-1' is not a configured region; allowed: us-east-1, "
     "us-west-2, eu-west-1, ap-southeast-1"),
    ("events=[{name: bf, start: 2027-01-01, duration_hours: 2, peak_multiplier: 2}, "
     "{name: bf, start: 2027-01-02, duration_hours: 2, peak_multiplier: 2}]",
     "events[1].name: 'bf' is used by events[0]; event names must be unique"),
    ("events=[{name: bf, start: 9999-12-31T23:00:00Z, duration_hours: 2, peak_multiplier: 2}]",
     "events[0].start: year 9999 is out of range; allowed years 2000..2199"),
    ("events=[{name: bf, start: 2027-02-30, duration_hours: 2, peak_multiplier: 2}]",
     "events[0].start: '2027-02-30' is not an ISO 8601 timestamp; need e.g. 2026-11-27T08:00:00Z (a real date and time)"),
    ("scaling.schedules.entries=[{name: a, cron: '0 9 * * ZZZ', min_capacity: 3}]",
     "scaling.schedules.entries[0].cron: cron '0 9 * * ZZZ' must look like '0 <hour> * * <days>', e.g. '0 9 * * MON-FRI'"),
    ("scaling.schedules.entries=[{name: a, cron: '0 9 * * ,,,', min_capacity: 3}]",
     "scaling.schedules.entries[0].cron: cron '0 9 * * ,,,' must look like '0 <hour> * * <days>', e.g. '0 9 * * MON-FRI'"),
    ("scaling.schedules.entries=[{name: a, cron: '0 9 * * MON', min_capacity: 3}, "
     "{name: a, cron: '0 10 * * TUE', min_capacity: 3}]",
     "scaling.schedules.entries[1].name: 'a' is used twice; names must be unique"),
    ("edge.cloudflare.compatibility_date=2024-02-30",
     "edge.cloudflare.compatibility_date: '2024-02-30' is not a real calendar date; need YYYY-MM-DD, e.g. 2024-09-23"),
    # tags, names, hostnames
    ("owner=team 🚀", "owner: contains '🚀'; AWS tag values allow letters, digits, spaces and _ . : / = + - @"),
    ('owner="a\\nb"', "owner: contains '\\n'; AWS tag values allow letters, digits, spaces and _ . : / = + - @"),
    ("cost_center=''", "cost_center: must not be empty; AWS tag values need at least one letter or digit here"),
    ("edge.hostname=www.exa mple.com",
     "edge.hostname: 'www.exa mple.com' is not a DNS name: each dot-separated label is 1-63 letters, digits or hyphens, "
     "not starting or ending with a hyphen"),
    ("tiers.api.instance_types=[c5.large, c5.large]",
     "tiers.api.instance_types[1]: 'c5.large' is listed twice; list each type once"),
    ("scaling.queue.queue_name=my queue",
     "scaling.queue.queue_name: 'my queue' is not an SQS queue name: 1-80 letters, digits, - and _ (FIFO: .fifo)"),
    # percentages and thresholds
    ("scaling.triggers.cpu.scale_out.threshold=500",
     "scaling.triggers.cpu.scale_out.threshold: 500 is above 100, the most a cpu threshold can be; allowed 0..100"),
    ("scaling.triggers.memory.scale_in.threshold=101",
     "scaling.triggers.memory.scale_in.threshold: 101 is above 100, the most a memory threshold can be; allowed 0..100"),
    # Kubernetes quantities and images
    ("kubernetes.api_cpu_request=banana",
     "kubernetes.api_cpu_request: 'banana' is not a Kubernetes CPU quantity; need millicores such as 500m or cores such as 2"),
    ("kubernetes.worker_memory_limit=2Gb",
     "kubernetes.worker_memory_limit: '2Gb' is not a Kubernetes memory quantity; need e.g. 512Mi or 2Gi"),
    ("kubernetes.api_cpu_request='1500m'",
     "kubernetes.api_cpu_request: 1500m > api_cpu_limit 1000m; a request must not exceed its limit"),
    ("kubernetes.api_image=Not An Image",
     "kubernetes.api_image: 'Not An Image' is not an image reference; need [registry/]name[:tag][@sha256:digest] such as "
     "ghcr.io/example/api:1.2"),
    ("kubernetes.pdb_max_unavailable=0%", "kubernetes.pdb_max_unavailable: '0%' is not a pod count 1..100000 or a percentage 1%..100%"),
    ("kubernetes.health_path=health",
     "kubernetes.health_path: 'health' is not a URL path starting with / (no spaces), e.g. /health"),
]


@pytest.mark.parametrize("override, expected", CASES, ids=[c[0][:50] for c in CASES])
def test_bad_value_is_one_exact_line(override, expected):
    assert error_for(override) == P + expected


@pytest.mark.parametrize("start", ["2026-11-27T08:00:00Z", "2026-11-27 08:00", "'2026-11-27T08:00:00+00:00'"])
def test_event_start_as_unquoted_timestamp_is_accepted_as_utc(start):
    cfg = parsed(f"events=[{{name: bf, start: {start}, duration_hours: 2, peak_multiplier: 2}}]")
    assert cfg.events[0].start == datetime(2026, 11, 27, 8, tzinfo=timezone.utc)


def test_event_start_as_a_date_is_midnight_utc():
    cfg = parsed("events=[{name: bf, start: 2027-01-01, duration_hours: 2, peak_multiplier: 2}]")
    assert cfg.events[0].start == datetime(2027, 1, 1, tzinfo=timezone.utc)


def test_numbers_written_as_yaml_numbers_mean_the_version_text():
    cfg = parsed("database.engine_version=16", "cache.engine_version=7.0")
    assert (cfg.database.engine_version, cfg.cache.engine_version) == ("16", "7.0")


def test_unquoted_values_in_a_stack_file_read_as_yaml_1_2(tmp_path):
    text = (ROOT / "Pulumi.prod.yaml").read_text().replace(
        "    failed_regions: []\n",
        "    failed_regions: []\n"
        "    events:\n      - {name: black-friday, start: 2026-11-27T08:00:00Z, duration_hours: 8, peak_multiplier: 2.5}\n")
    text = text.replace("      cloudflare:\n", "      cloudflare:\n        compatibility_date: 2024-09-23\n")
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text)
    stack = read_stack_file(path)
    cfg = parse_platform(stack.platform, stack.path, stack="prod")
    assert cfg.events[0].start == datetime(2026, 11, 27, 8, tzinfo=timezone.utc)
    assert cfg.edge.cloudflare.compatibility_date == "2024-09-23"


@pytest.mark.parametrize("body, expected", [
    ("config:\n  scaling-platform:platform: {environment: prod, budget_usd_month: 1:00:00}\n",
     "scaling-platform:platform.budget_usd_month: must be a number (got '1:00:00')"),
    ("config:\n  scaling-platform:platform:\n    environment: prod\n    environment: dev\n",
     "line 4: key 'environment' appears twice in one mapping (first on line 3); give each key once"),
    ("config:\n  scaling-platform:platform: " + "[" * 200 + "]" * 200 + "\n",
     "line 2: nested deeper than 32 levels; a stack file needs a few"),
    ("config:\n  scaling-platform:platform: {environment: prod}\n  scaling-platform:jwtSecret: short-secret\n",
     "scaling-platform:jwtSecret: 12 bytes; the HS256 JWT secret needs at least 32 random bytes (RFC 7518 3.2)"),
    ("config:\n  scaling-platform:platform: {environment: prod}\n  scaling-platform:platfrom: {}\n",
     "scaling-platform:platfrom: unknown key; allowed keys: scaling-platform:platform, scaling-platform:jwtSecret, "
     "scaling-platform:kubeconfig, scaling-platform:originSecret, scaling-platform:originSecretPrevious, "
     "scaling-platform:redisAuthToken, scaling-platform:alertsPagerdutyCritical, "
     "scaling-platform:alertsPagerdutyWarning, scaling-platform:alertsPagerdutyInfo"),
    ("config:\n  aws:region: mars-1\n  scaling-platform:platform: {environment: prod}\n",
     "aws:region: unknown AWS region 'mars-1'; need e.g. us-east-1"),
    ("config:\n  aws:region: !!binary aGVsbG8=\n  scaling-platform:platform: {environment: prod}\n",
     "(yaml): config.aws:region: a bytes value is not allowed; use text, numbers, true/false, lists and mappings"),
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
     "(yaml): more than 200,000 values (anchors and aliases expanded); a stack file has a few hundred"),
])
def test_stack_file_problems_name_the_file_and_key(tmp_path, body, expected):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        stack = read_stack_file(path)
        parse_platform(stack.platform, stack.path)
    assert str(info.value) == f"{path}: {expected}"


def test_impossible_dates_are_text_for_the_config_to_refuse(tmp_path):
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("config:\n  scaling-platform:platform: {a: 2024-02-30, b: !!timestamp 2024-02-30, c: 012, d: 1e5,"
                    " e: yes, f: 0x1F, g: 0o17, h: NO}\n")
    assert read_stack_file(path).platform == {"a": "2024-02-30", "b": "2024-02-30", "c": 12, "d": 100000.0,
                                              "e": "yes", "f": 31, "g": 15, "h": "NO"}


def test_unbounded_files_are_refused_without_reading_them(tmp_path):
    with pytest.raises(ConfigError) as info:
        read_stack_file("/dev/zero")
    assert str(info.value) == "/dev/zero: (file): is not a regular file; pass a Pulumi.<stack>.yaml file"
    big = tmp_path / "Pulumi.big.yaml"
    big.write_text("config:\n" + "#" * (1024 * 1024 + 1) + "\n")
    with pytest.raises(ConfigError) as info:
        read_stack_file(big)
    assert str(info.value) == f"{big}: (file): larger than 1024 KiB; a stack file is a few KiB"


@pytest.mark.parametrize("stack, expected", [
    ("Prod_1", "'Prod_1' cannot name AWS resources (S3, RDS, ElastiCache, ALB); need lowercase letters, digits and "
               "single hyphens, starting with a letter, e.g. prod or team-a-prod"),
    ("a" * 60, "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa... (60 characters)' cannot name AWS resources (S3, RDS, ElastiCache, ALB); "
               "need lowercase letters, digits and single hyphens, starting with a letter, e.g. prod or team-a-prod"
     if False else "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' makes the RDS instance identifier 93 "
                   "characters (AWS allows 63); use a stack name of at most 30 characters"),
])
def test_stack_names_that_aws_would_refuse(stack, expected):
    assert error_for(stack=stack) == f"Pulumi.prod.yaml: stack name: {expected}"


def test_cross_region_replicas_shorten_the_longest_stack_name():
    # Issue 17: prod's default cross-region replica (us-west-2, "-us-west-2") already counts: 30 characters fit
    name = "a" * 30
    assert parsed(stack=name).environment == "prod"
    assert error_for(stack="a" * 31) == (
        f"Pulumi.prod.yaml: stack name: '{'a' * 31}' makes the RDS instance identifier 64 characters (AWS allows 63); "
        "use a stack name of at most 30 characters")
    assert parsed("database.cross_region_replicas=[]", stack="a" * 33).environment == "prod"  # off: longer names fit again
    # geographic shards live in every region, so the longest ring neighbour (ap-southeast-1) counts
    assert error_for("database.sharding=content", stack=name) == (
        f"Pulumi.prod.yaml: stack name: '{name}' makes the RDS instance identifier 68 characters (AWS allows 63); "
        "use a stack name of at most 25 characters")
    assert error_for("database.cross_region_replicas=[ap-southeast-1]", stack=name) == (
        f"Pulumi.prod.yaml: stack name: '{name}' makes the RDS instance identifier 68 characters (AWS allows 63); "
        "use a stack name of at most 25 characters")
