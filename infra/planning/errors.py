"""Planner errors: a data-tier setting the planners cannot honour (one line naming the key, exit 2)."""
from __future__ import annotations

from infra.config import PLATFORM_KEY, ConfigError


class DataPlanError(ConfigError):
    """A data-tier setting the planner cannot honour; one line naming the key and what is allowed."""

    def __init__(self, key: str, message: str, source: str = "stack config"):
        super().__init__(source, f"{PLATFORM_KEY}.{key}", message)
