"""Whether the alarms reach anyone (Issue 17): a prod stack whose alarm topics have no subscriber is warned.

Pure (no pulumi, no boto3). The subscriptions themselves are encoded by components/database.py.
"""
from __future__ import annotations

from infra.config import PlatformConfig

# Environments where an alarm nobody receives is a plan warning (a dev stack may have nobody on call).
ALERTED_ENVIRONMENTS = ("prod",)


def alert_notes(cfg: PlatformConfig) -> tuple[str, ...]:
    """One warning when an alerted environment has no `alerts` target, else nothing."""
    if cfg.environment not in ALERTED_ENVIRONMENTS or cfg.alerts.subscriptions():
        return ()
    return (f"WARNING: {cfg.environment} alarms publish to SNS topics with no subscriber: set alerts.email, "
            "alerts.https or alerts.pagerduty so the data alarms (replication lag, connections, storage) reach "
            "someone",)
