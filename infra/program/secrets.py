"""Secrets the program reads from Pulumi config (never defaults, never in Pulumi.<stack>.yaml in clear).

Previews (and the offline plan, which runs as a preview) work without them, with a placeholder that
is still a secret; `pulumi up` without a required one stops with one line naming the key.
- `scaling-platform:originSecret`          header value CloudFront adds, the ALBs require (edge enabled)
- `scaling-platform:originSecretPrevious`  optional: still accepted while a new originSecret rolls out
- `scaling-platform:redisAuthToken`        Redis AUTH token (16-128 printable characters)
"""
from __future__ import annotations

import pulumi

PREVIEW_PLACEHOLDER = "preview-placeholder"
REDIS_AUTH_TOKEN_KEY = "redisAuthToken"


def config_secret(namespace: str, key: str, needed_for: str) -> pulumi.Output[str]:
    """The secret `namespace:key`; a secret placeholder in previews; else a one-line RunError."""
    value = pulumi.Config(namespace).get_secret(key)
    if value is not None:
        return value
    if pulumi.runtime.is_dry_run():
        return pulumi.Output.secret(PREVIEW_PLACEHOLDER)
    raise pulumi.RunError(f"{namespace}:{key} is not set; it is required for {needed_for} "
                          f"(pulumi config set --secret {namespace}:{key} ...)")


def optional_secret(namespace: str, key: str) -> pulumi.Output[str] | None:
    """The secret `namespace:key` if set, else None."""
    return pulumi.Config(namespace).get_secret(key)
