"""`alerts:` who the alarms reach (Issue 17: every data alarm published to an SNS topic nobody read).

```yaml
alerts:
  # Targets of critical and warning (kept from the first version of this section; info, where the
  # scaling triggers report every scale-out, only reaches the targets listed under `info`):
  email: [oncall@example.com]                                  # SNS "email" (the address confirms once)
  https: ["https://hooks.example.com/sns"]                     # SNS "https" webhooks
  pagerduty: ["https://events.pagerduty.com/integration/<key>/enqueue"]  # in clear: prefer pagerduty_secret
  # Targets of one severity (infra/model/monitoring.py SEVERITIES: critical, warning, info):
  critical:
    email: [pager@example.com]
    https: ["https://hooks.example.com/critical"]
    pagerduty_secret: true    # subscribe the Pulumi secret scaling-platform:alertsPagerdutyCritical
  warning: {email: [team@example.com]}
  info: {https: ["https://hooks.example.com/chatops"]}
```
Each region has one SNS topic per severity (components/monitoring.py); every target of a severity (and
every top-level target, for critical and warning) is a subscription on that severity's topic in every
region. The data alarms also keep their own topic (components/database.py) with the top-level targets,
and reach the data family's severity topic (ALARM_FAMILY_SEVERITY["data"]) through EventBridge.
PagerDuty's integration URL embeds its key, so it lives in a Pulumi *secret* of a fixed name per severity
(`pagerduty_secret_key`): `pulumi config set --secret scaling-platform:alertsPagerdutyCritical
https://events.pagerduty.com/integration/<key>/enqueue`; `pagerduty_secret: true` subscribes it (`pulumi up`
stops with one line naming the key while it is unset; previews use a placeholder).
Default: no target (a dev stack may well have nobody on call); a prod stack without a critical target
gets a plan warning (infra/planning/alerts.py).
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Severities the top-level email/https/pagerduty lists reach (infra/model/monitoring.py SEVERITIES minus info).
TOP_LEVEL_SEVERITIES = ("critical", "warning")

# RFC 5321-ish: what SNS accepts as an email endpoint, kept simple on purpose (SNS confirms the address).
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=2048)]
# The severities of infra/model/monitoring.py SEVERITIES, each with its PagerDuty secret (fixed config names,
# listed in infra/config/stack_file.py SECRET_KEYS so a stack file may carry them).
PAGERDUTY_SECRET_KEYS = {"critical": "alertsPagerdutyCritical", "warning": "alertsPagerdutyWarning",
                         "info": "alertsPagerdutyInfo"}


class SeverityTargets(BaseModel):
    """Notification targets of one severity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: list[EmailAddress] = []
    https: list[HttpsUrl] = []
    pagerduty_secret: bool = False  # subscribe the secret scaling-platform:PAGERDUTY_SECRET_KEYS[severity] (https)


class AlertsConfig(BaseModel):
    """Notification targets of the alarm topics; every list may be empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: list[EmailAddress] = []
    https: list[HttpsUrl] = []
    pagerduty: list[HttpsUrl] = []
    critical: SeverityTargets = SeverityTargets()
    warning: SeverityTargets = SeverityTargets()
    info: SeverityTargets = SeverityTargets()

    def subscriptions(self) -> tuple[tuple[str, str], ...]:
        """(SNS protocol, endpoint) of every top-level target; PagerDuty's integration is an https subscription."""
        return (tuple(("email", e) for e in self.email) + tuple(("https", u) for u in self.https)
                + tuple(("https", u) for u in self.pagerduty))

    def subscriptions_for(self, severity: str) -> tuple[tuple[str, str], ...]:
        """(SNS protocol, endpoint) in clear of one severity: the top-level targets (critical, warning), then
        the severity's own, each endpoint once."""
        own: SeverityTargets = getattr(self, severity)
        top = self.subscriptions() if severity in TOP_LEVEL_SEVERITIES else ()
        extra = tuple(("email", e) for e in own.email) + tuple(("https", u) for u in own.https)
        return tuple(dict.fromkeys(top + extra))

    def secret_for(self, severity: str) -> str | None:
        """The Pulumi secret key holding `severity`'s PagerDuty integration URL, when it is subscribed."""
        own: SeverityTargets = getattr(self, severity)
        return PAGERDUTY_SECRET_KEYS[severity] if own.pagerduty_secret else None

    def has_target(self, severity: str) -> bool:
        """Whether anything at all is subscribed to `severity`."""
        return bool(self.subscriptions_for(severity) or self.secret_for(severity))
