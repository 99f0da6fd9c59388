"""WAFv2 rule statements shared by the CloudFront web ACL (components/edge.py) and the regional
ALB web ACLs (components/region.py), plus the logging both use.

Only builds the rule dictionaries and the log destination; which groups each ACL gets is named in
infra/model/security.py.
"""
from __future__ import annotations

from typing import Any, Sequence

import pulumi
import pulumi_aws as aws

from components.naming import Naming, short_name
from infra.model import guardrails, security


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True, "metric_name": metric}


def api_path_match() -> dict[str, Any]:
    """URI path starts with /api/ after URL-decoding and lowercasing (so /API/ or /%61pi/ match too)."""
    return {"byte_match_statement": {
        "positional_constraint": "STARTS_WITH", "search_string": guardrails.API_PREFIX,
        "field_to_match": {"uri_path": {}},
        "text_transformations": [{"priority": i, "type": t}
                                 for i, t in enumerate(security.API_MATCH_TRANSFORMATIONS)]}}


def managed_rules(groups: Sequence[str], first_priority: int) -> list[dict[str, Any]]:
    """One rule per AWS managed rule group (the API-only groups scoped down to /api/), from `first_priority`."""
    rules = []
    for offset, group in enumerate(list(groups) + list(security.API_MANAGED_RULE_GROUPS)):
        statement: dict[str, Any] = {"vendor_name": "AWS", "name": group}
        if group == "AWSManagedRulesCommonRuleSet":
            statement["rule_action_overrides"] = [{"name": r, "action_to_use": {"count": {}}}
                                                  for r in security.COUNT_ONLY_MANAGED_RULES]
        if group in security.API_MANAGED_RULE_GROUPS:
            statement["scope_down_statement"] = api_path_match()
        rules.append({"name": group, "priority": first_priority + offset, "override_action": {"none": {}},
                      "statement": {"managed_rule_group_statement": statement},
                      "visibility_config": _visibility(group)})
    return rules


def waf_logging(name: str, naming: Naming, web_acl: aws.wafv2.WebAcl, opts: pulumi.ResourceOptions) -> None:
    """A CloudWatch log group (the name WAF requires) and the web ACL's logging configuration."""
    group = aws.cloudwatch.LogGroup(
        f"{name}-waf-logs", name=short_name(f"{security.WAF_LOG_GROUP_PREFIX}{name}", 512),
        retention_in_days=security.SECURITY_LOG_RETENTION_DAYS, tags=naming.tags("waf-logs"), opts=opts)
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-waf-logging", resource_arn=web_acl.arn, log_destination_configs=[group.arn],
        # never log the origin secret or credentials
        redacted_fields=[{"single_header": {"name": security.ORIGIN_SECRET_HEADER.lower()}},
                         {"single_header": {"name": "authorization"}}],
        opts=opts)
