"""`alerts:` who the alarms reach (Issue 17: every data alarm published to an SNS topic nobody read).

```yaml
alerts:
  email: [oncall@example.com]                                  # SNS "email" (the address confirms once)
  https: ["https://hooks.example.com/sns"]                     # SNS "https" webhooks
  pagerduty: ["https://events.pagerduty.com/integration/<key>/enqueue"]  # PagerDuty's SNS integration URL
```
Each target becomes an SNS subscription on every region's alarm topic. Default: none (a dev stack may
well have nobody on call); a prod stack without any target gets a plan warning (infra/planning/alerts.py).
The PagerDuty integration URL embeds its key: keep the stack file private or pass it with `--set`.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# RFC 5321-ish: what SNS accepts as an email endpoint, kept simple on purpose (SNS confirms the address).
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=2048)]


class AlertsConfig(BaseModel):
    """Notification targets of the alarm topics; every list may be empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: list[EmailAddress] = []
    https: list[HttpsUrl] = []
    pagerduty: list[HttpsUrl] = []

    def subscriptions(self) -> tuple[tuple[str, str], ...]:
        """(SNS protocol, endpoint) of every target; PagerDuty's integration is an https subscription."""
        return (tuple(("email", e) for e in self.email) + tuple(("https", u) for u in self.https)
                + tuple(("https", u) for u in self.pagerduty))
