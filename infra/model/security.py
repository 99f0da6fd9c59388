"""Security posture constants (issue 16): named once here, used by components, program and policy pack.

The runbooks give no security numbers; every value below is this project's choice, with the AWS
document it follows. Pure stdlib: the policy pack imports this module.
"""
from __future__ import annotations

# --- Origins only through the edge -------------------------------------------------------------
# AWS-managed prefix list of CloudFront's origin-facing servers ("Use the CloudFront managed prefix
# list", CloudFront Developer Guide); looked up per region, its id differs by region.
CLOUDFRONT_ORIGIN_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
# CloudFront adds this header to every origin request; the ALB forwards only requests carrying it
# ("Restricting access to Application Load Balancers", CloudFront Developer Guide).
ORIGIN_SECRET_HEADER = "X-Origin-Verify"
# Pulumi config keys (secrets) of the header value; the previous value stays accepted while the
# new one propagates to CloudFront, so rotating it needs no downtime.
ORIGIN_SECRET_KEY = "originSecret"
ORIGIN_SECRET_PREVIOUS_KEY = "originSecretPrevious"
# Priority of the ALB listener rule that forwards edge traffic (lowest = evaluated first).
EDGE_LISTENER_RULE_PRIORITY = 10
# What the ALB answers to anything that did not come through the edge.
DIRECT_ACCESS_STATUS = "403"

# --- WAF ---------------------------------------------------------------------------------------
# AWS managed rule groups on every web ACL ("AWS Managed Rules rule groups list", WAF Developer Guide).
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
# SQL injection rules, scoped to the API paths (only the API reaches the database).
API_MANAGED_RULE_GROUPS = ("AWSManagedRulesSQLiRuleSet",)
# The common rule set blocks request bodies over 8 KB (SizeRestrictions_BODY); API uploads may be
# larger, so that one rule only counts.
COUNT_ONLY_MANAGED_RULES = ("SizeRestrictions_BODY",)
# Normalise the URI before matching the /api/ prefix, so /API/ or /%61pi/ cannot skip the rate rule.
API_MATCH_TRANSFORMATIONS = ("URL_DECODE", "LOWERCASE")  # in this order: decode, then lowercase
# WAF logs go to CloudWatch log groups whose name must start with this ("Logging web ACL traffic").
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
# Retention of WAF and VPC flow logs: one year, the usual audit look-back (this project's choice).
SECURITY_LOG_RETENTION_DAYS = 365

# --- Log bucket --------------------------------------------------------------------------------
# Access logs kept one year, old versions 30 days, stale multipart uploads 7 days (this project's choice).
LOG_EXPIRATION_DAYS = 365
LOG_NONCURRENT_EXPIRATION_DAYS = 30
ABORT_MULTIPART_DAYS = 7

# --- Cloudflare's edge --------------------------------------------------------------------------
# Route53 health checkers' AWS-managed prefix list ("AWS-managed prefix lists", VPC User Guide; per region).
ROUTE53_HEALTH_CHECK_PREFIX_LIST = "com.amazonaws.{region}.route53-healthchecks"
# Cloudflare's published edge ranges (https://www.cloudflare.com/ips-v4 and /ips-v6, the list behind
# https://www.cloudflare.com/ips/; checked 2026-12-03; it changes rarely, Cloudflare announces changes).
# Used only where the Cloudflare edge itself connects to an ALB: a stack whose edge is Cloudflare
# without CloudFront. With CloudFront enabled, Cloudflare's proxied record resolves to the service
# name, which aliases the CloudFront distribution, so Cloudflare reaches the ALBs through CloudFront
# and the ALBs stay closed to it (infra/program/origin_lockdown.py).
CLOUDFLARE_IPS_SOURCE = "https://www.cloudflare.com/ips/ (checked 2026-12-03)"
CLOUDFLARE_IPV4_RANGES = (
    "173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18",
    "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17",
    "162.158.0.0/15", "104.16.0.0/13", "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
)
CLOUDFLARE_IPV6_RANGES = (
    "2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32",
    "2a06:98c0::/29", "2c0f:f248::/32",
)

# --- Access logs ---------------------------------------------------------------------------------
# ALB access logs ("Enable access logs for your Application Load Balancer", ELB User Guide): the bucket
# must be in the ALB's region and "the only server-side encryption option that's supported is Amazon
# S3-managed keys (SSE-S3)", so each region has its own SSE-S3 bucket (tagged with SSE_S3_REASON_TAG).
ALB_LOG_PREFIX = "alb"
# Who may write the logs. Regions opened before August 2022 deliver from a per-region Elastic Load
# Balancing account (the bucket policy names it); newer regions use the log-delivery service principal
# (same page, "Attach a policy to your S3 bucket"). A region missing below gets the service principal.
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
ELB_LOG_DELIVERY_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
    "eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
# CloudFront standard logging (legacy) writes through the log-delivery service with an ACL grant to the
# awslogsdelivery account, so its bucket keeps ACLs enabled (BucketOwnerPreferred: the bucket owner
# still owns every object); an SSE-KMS bucket works when the key policy lets this principal use the key
# ("Standard logging (legacy)": permissions, and "SSE-KMS" key policy, CloudFront Developer Guide).
LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
# Tags a bucket carries when a delivery service forces a weaker setting; the policy pack accepts the
# weaker setting only with a non-empty reason (policies/rules/hardening.py).
SSE_S3_REASON_TAG = "sse-s3-reason"
ACL_REASON_TAG = "acl-reason"

# --- Instance identity -------------------------------------------------------------------------
# What the fleet instances may touch besides SSM Session Manager (components/identity.py): SSM
# parameters and CloudWatch log groups under the stack's own path, metrics only in the CloudWatch
# agent's namespace (infra/model/user_data.py publishes there).
APP_PATH = "/scaling-platform/{stack}/"
# Managed policies broader than what an instance needs (AWSGuard iam-policy-no-statements-with-admin-access,
# Checkov CKV_AWS_355 family): the pack refuses to attach them to any role.
BROAD_MANAGED_POLICIES = (
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    "arn:aws:iam::aws:policy/AmazonSSMFullAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
)

# --- ALB -> instance traffic -------------------------------------------------------------------
# The ALB reaches the instances over HTTP on the app port; a target group on plain HTTP carries this
# tag with the reason (the pack refuses an untagged one). See components/region.py BACKEND_HTTP_REASON.
PLAINTEXT_REASON_TAG = "plaintext-reason"
