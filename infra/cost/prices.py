"""Price tables (cited, dated) and the cost constants: one home for every rate the estimator uses."""
from __future__ import annotations

import math

from infra.model.aws_regions import REGION_PRICE_MULTIPLIER

# A month is 365 × 24 / 12 = 730 hours: AWS bills monthly estimates on 730 h (the AWS Pricing
# Calculator uses it). relay's flat model quoted "monthly: 72" for $0.10/h, i.e. 720 h; we keep
# one month length for both models so they differ only in rates.
HOURS_PER_MONTH = 730.0
PRICE_SOURCE = "AWS public price list, on-demand Linux, us-east-1, retrieved 2025-01-15"


# Spot capacity is priced at its ceiling: the ASG's spotMaxPrice, which the plan sets to the
# class's novacron "6. Cost Optimization" implement_spot_strategy max_price ('on_demand * 0.7'
# stateless / 0.6 batch / 0.5 dev; `spot_max_price` below). Without one AWS caps spot at the
# on-demand price, so a spot instance is priced as on-demand (factor 1). A ceiling, so a
# conservative estimate of what spot really costs.
NO_MAX_PRICE_SPOT_FACTOR = 1.0


# EC2 on-demand $/instance-hour (PRICE_SOURCE). The keys are the instance types the project
# allows; the policy pack's `instance-type-allowlist` defaults to exactly this set.
EC2_HOURLY_USD: dict[str, float] = {
    "t3.small": 0.0208,
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t3.xlarge": 0.1664,
    "c5.large": 0.085,
    "c5.xlarge": 0.17,
    "c5.2xlarge": 0.34,
    "c5.4xlarge": 0.68,
    "c5n.large": 0.108,
    "c5n.xlarge": 0.216,
    "c5n.2xlarge": 0.432,
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m5.2xlarge": 0.384,
    "m5n.large": 0.119,
    "m5n.xlarge": 0.238,
    "r5.large": 0.126,
    "r5.xlarge": 0.252,
    "r5.2xlarge": 0.504,
    "r5n.large": 0.149,
    "r5n.xlarge": 0.298,
    "r5n.2xlarge": 0.596,
}
ALLOWED_INSTANCE_TYPES: tuple[str, ...] = tuple(EC2_HOURLY_USD)


# EBS $/GB-month (PRICE_SOURCE). gp3 is what the components create; gp2 kept for imports.
EBS_GB_MONTH_USD: dict[str, float] = {"gp3": 0.08, "gp2": 0.10}
DEFAULT_EBS_VOLUME_TYPE = "gp3"


# RDS for PostgreSQL, Single-AZ on-demand $/instance-hour (PRICE_SOURCE).
RDS_HOURLY_USD: dict[str, float] = {
    "db.t3.medium": 0.072,
    "db.r5.large": 0.25,
    "db.r5.xlarge": 0.50,
    "db.r5.2xlarge": 1.00,
    "db.r5.4xlarge": 2.00,
}


# RDS storage $/GB-month, Single-AZ (PRICE_SOURCE).
RDS_STORAGE_GB_MONTH_USD: dict[str, float] = {"gp3": 0.115, "gp2": 0.115}


# Multi-AZ runs a synchronous standby: instance and storage are billed twice.
RDS_MULTI_AZ_FACTOR = 2.0


# ElastiCache (Redis OSS) on-demand $/node-hour (PRICE_SOURCE).
CACHE_NODE_HOURLY_USD: dict[str, float] = {
    "cache.t3.small": 0.034,
    "cache.t3.medium": 0.068,
    "cache.r5.large": 0.216,
    "cache.r5.xlarge": 0.431,
    "cache.r5.2xlarge": 0.862,
}


# Application Load Balancer $/hour and $/LCU-hour (PRICE_SOURCE).
ALB_HOURLY_USD = 0.0225
ALB_LCU_HOURLY_USD = 0.008


# LCUs one ALB averages when the caller gives no traffic figure: 1 LCU = 25 new conn/s,
# 3,000 active conn/min, 1 GB/h processed; 5 is a busy-but-ordinary web front door.
DEFAULT_ALB_LCUS = 5.0


# NAT gateway $/hour and $/GB processed (PRICE_SOURCE).
NAT_HOURLY_USD = 0.045
NAT_GB_PROCESSED_USD = 0.045


# CloudFront, North America: first 10 TB/month $/GB, and $ per 10,000 HTTPS requests.
CLOUDFRONT_GB_USD = 0.085
CLOUDFRONT_HTTPS_PER_10K_USD = 0.01


# Data transfer out tiers, North America (aws.amazon.com/cloudfront/pricing, PRICE_SOURCE date):
# (tier size in GB, $/GB); 1 TB = 1,024 GB as the AWS Pricing Calculator counts. The always-free
# 1 TB / 10M requests per month is not subtracted (a conservative estimate). PriceClass_All
# also serves from dearer regions; the North America rate is applied to all traffic.
CLOUDFRONT_GB_TIERS_USD: tuple[tuple[float, float], ...] = (
    (10 * 1024, 0.085), (40 * 1024, 0.080), (100 * 1024, 0.060), (350 * 1024, 0.040),
    (524 * 1024, 0.030), (4 * 1024 * 1024, 0.025), (math.inf, 0.020))


# Lambda@Edge: $0.60 per 1M requests + $0.00005001 per GB-second (aws.amazon.com/lambda/pricing,
# "Lambda@Edge", PRICE_SOURCE date). Duration is billed at the function's memory; a header
# rewrite or routing-table lookup takes ~5 ms (chosen; the runbook gives no figure).
LAMBDA_EDGE_PER_1M_REQUESTS_USD = 0.60
LAMBDA_EDGE_GB_SECOND_USD = 0.00005001
LAMBDA_EDGE_DURATION_S = 0.005
LAMBDA_EDGE_DEFAULT_MEMORY_MB = 128.0  # the minimum; used when the function is not in the stack
LAMBDA_EDGE_GB_SECONDS_PER_REQUEST = LAMBDA_EDGE_DEFAULT_MEMORY_MB / 1024 * LAMBDA_EDGE_DURATION_S





# Chosen defaults (no runbook figure): the share of a CDN's requests per path pattern and the
# share of cacheable requests that miss the cache. The default behaviour gets what the listed
# patterns leave (1 − their sum); a pattern not listed here gets 0.
EDGE_REQUEST_SHARE_BY_PATH: dict[str, float] = {"/api/*": 0.5, "/static/*": 0.3, "/secure/*": 0.05}
EDGE_CACHE_MISS_RATIO = 0.1


# AWS WAF (aws.amazon.com/waf/pricing, PRICE_SOURCE date): $5 per web ACL-month, $1 per rule-month,
# $0.60 per 1M requests inspected (every request of the distributions using the ACL).
WAF_WEB_ACL_MONTH_USD = 5.0
WAF_RULE_MONTH_USD = 1.0
WAF_PER_1M_REQUESTS_USD = 0.60


# Route53 health checks (aws.amazon.com/route53/pricing, PRICE_SOURCE date): basic $0.50/month on
# an AWS endpoint, $0.75 otherwise; each optional feature (HTTPS, string matching, 10 s fast
# interval, latency measurement) +$1.00 (AWS endpoint) / +$2.00 (other). An endpoint counts as
# AWS when its fqdn is an AWS service name (`AWS_ENDPOINT_SUFFIXES`); anything else is priced as
# non-AWS (conservative: a custom name aliasing an ALB may bill at the AWS rate).
ROUTE53_HEALTH_CHECK_MONTH_USD = {"aws": 0.50, "other": 0.75}
ROUTE53_HEALTH_CHECK_FEATURE_MONTH_USD = {"aws": 1.00, "other": 2.00}
AWS_ENDPOINT_SUFFIXES = (".amazonaws.com", ".cloudfront.net")


# S3 Standard $/GB-month (aws.amazon.com/s3/pricing, PRICE_SOURCE date) for CloudFront standard
# logs: one gzip'd log line per request, ~50 bytes (a ~500-byte W3C line at ~10:1; chosen).
# The month's logs are priced; without a lifecycle rule storage accumulates month over month.
S3_STANDARD_GB_MONTH_USD = 0.023
CLOUDFRONT_LOG_BYTES_PER_REQUEST = 50.0


# KMS (aws.amazon.com/kms/pricing, PRICE_SOURCE date): $1 per customer-managed key-month
# (API requests, $0.03/10k, are not modelled). Rotated key material adds $1/month for each of
# the first two rotations; not modelled.
KMS_KEY_MONTH_USD = 1.0


# CloudWatch alarms (aws.amazon.com/cloudwatch/pricing, PRICE_SOURCE date): $0.10 per standard-
# resolution alarm metric-month, $0.30 high resolution (period < 60 s); a metric-math alarm is
# billed per metric it reads. The 10 free alarms are not subtracted.
CLOUDWATCH_ALARM_METRIC_MONTH_USD = 0.10
CLOUDWATCH_HIGH_RES_ALARM_METRIC_MONTH_USD = 0.30


# Public IPv4 (aws.amazon.com/vpc/pricing, "Public IPv4 address", since 2024-02-01): $0.005 per
# address-hour, attached or idle. EIPs are priced; the ALBs' own public addresses are not.
PUBLIC_IPV4_HOURLY_USD = 0.005


# SNS standard topics have no monthly fee; the first 1M publishes a month are free and alarm
# notifications stay far below that (aws.amazon.com/sns/pricing, PRICE_SOURCE date).
SNS_TOPIC_MONTH_USD = 0.0


# Cloudflare Workers Paid, Standard usage model (developers.cloudflare.com/workers/platform/pricing,
# in effect since 2024-03-01; figures checked 2026-11-23): $5/month per account including 10M
# requests and 30M CPU-ms; then $0.30 per 1M requests and $0.02 per 1M CPU-ms. CPU per request
# is priced at each script's `limits.cpu_ms` cap (an upper bound: rate-limiter 10 ms,
# auth-validator 50 ms).
CLOUDFLARE_WORKERS_SOURCE = ("Cloudflare Workers Paid, Standard usage model, "
                             "developers.cloudflare.com/workers/platform/pricing, checked 2026-11-23")
CLOUDFLARE_WORKERS_MONTH_USD = 5.0
CLOUDFLARE_WORKERS_INCLUDED_REQUESTS = 10_000_000
CLOUDFLARE_WORKERS_INCLUDED_CPU_MS = 30_000_000
CLOUDFLARE_WORKERS_PER_1M_REQUESTS_USD = 0.30
CLOUDFLARE_WORKERS_PER_1M_CPU_MS_USD = 0.02


# Regional uplift over us-east-1 for instance-hour prices (EC2, RDS, ElastiCache): the region catalog's
# table, so the regions a stack may use and the regions that have a price are one list.
REGION_MULTIPLIER: dict[str, float] = REGION_PRICE_MULTIPLIER


# relay "Cost Optimization" (CostOptimizer.costModels): one rate per category, no instance
# sizes. compute $0.10/h, storage $0.10/GB-month, bandwidth $0.09/GB, database $0.20/h.
FLAT_MODEL: dict[str, float] = {
    "compute_hourly": 0.10,
    "storage_gb_month": 0.10,
    "bandwidth_gb": 0.09,
    "database_hourly": 0.20,
}
MODELS = ("aws", "flat")


# Emergency scale-up (emergency.mode up) may spend up to this × the monthly budget when the stack
# names no `emergency.budget_ceiling_usd_month`: a chosen default (the runbooks give no figure).
# `stack-budget` (policies/rules.py, config `emergency_ceiling_factor`) and the plan's emergency
# note read it from here.
EMERGENCY_CEILING_FACTOR = 1.5
