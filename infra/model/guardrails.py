"""Rules that the planners/components encode and the policy pack enforces: each named once, here.

Pure and cheap: stdlib and `infra.model.triggers` only (no pydantic, no pulumi), because
`policies/rules.py` imports this module and the policy pack must stay cheap to import.
`infra/planning/edge_plan.py`, `infra/planning/data_plan.py` and `components/region.py` re-export these names.
"""
from __future__ import annotations

from infra.model.triggers import trigger

# ---------------------------------------------------------------------------------------------
# Edge: novacron "7. Edge Location Scaling" -> cdn_configuration (CloudFront, Cloudflare).

API_PATH = "/api/*"  # CloudFront behaviours[0] path pattern (cache_policy "no-cache")
API_PREFIX = API_PATH.removesuffix("*")  # "/api/": what WAF, Cloudflare rules and Workers match on
# Origin and viewer TLS: the runbook names no versions, so this project's choice from the CloudFront
# Developer Guide ("Supported protocols and ciphers between viewers and CloudFront" / "... between
# CloudFront and the origin"): custom origins over TLSv1.2 only, viewers at least TLSv1.2_2021.
ORIGIN_TLS = ("TLSv1.2",)
VIEWER_MIN_TLS = "TLSv1.2_2021"

# ---------------------------------------------------------------------------------------------
# Network and data tier.

# Only the ALB is public: 443 (and 80, which redirects to 443 when a certificate is configured).
# This project's choice: the runbooks list no ports.
PUBLIC_PORTS = (443, 80)
# Environments whose primaries run Multi-AZ (novacron "5. Database Scaling Operations":
# the replicas' `--multi-az true`).
MULTI_AZ_ENVIRONMENTS = ("prod",)

# ---------------------------------------------------------------------------------------------
# Group size hard limits (policy `asg-min-max`).

# novacron "1. Auto-scaling Triggers & Thresholds" queue_depth: max_workers 200, the largest
# runbook group bound (infra/model/triggers.py).
WORKER_MAX = trigger("queue_depth", "up").bound
# Headroom of the prod hard limit above WORKER_MAX, for emergency scale-up: this project's choice
# (the runbooks give no cap on a group; the same 1.5x as pricing.EMERGENCY_CEILING_FACTOR's budget).
HARD_LIMIT_HEADROOM_PCT = 50
PROD_MAX_GROUP_SIZE = WORKER_MAX + WORKER_MAX * HARD_LIMIT_HEADROOM_PCT // 100  # 200 + 50 % = 300
