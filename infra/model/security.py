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
