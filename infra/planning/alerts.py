"""Whether the alarms reach anyone (Issue 17): a prod stack whose critical alarms have no subscriber is warned.

Pure (no pulumi, no boto3). The subscriptions themselves are encoded by components/monitoring.py (one topic
per severity per region) and components/database.py (the data alarms' topic).
"""
from __future__ import annotations

from infra.config import PlatformConfig

# Environments where an alarm nobody receives is a plan warning (a dev stack may have nobody on call).
ALERTED_ENVIRONMENTS = ("prod",)
# The severity that must reach a person: data alarms and relay's critical thresholds page on it.
PAGED_SEVERITY = "critical"


def alert_notes(cfg: PlatformConfig) -> tuple[str, ...]:
    """One warning when an alerted environment has no target for the paged severity, else nothing."""
    if cfg.environment not in ALERTED_ENVIRONMENTS or cfg.alerts.has_target(PAGED_SEVERITY):
        return ()
    return (f"WARNING: {cfg.environment} {PAGED_SEVERITY} alarms publish to SNS topics with no subscriber: set "
            f"alerts.{PAGED_SEVERITY} (email, https, pagerduty_secret) or alerts.email, alerts.https or "
            "alerts.pagerduty so the data alarms (replication lag, connections, storage) and relay's critical "
            "thresholds reach someone",)
