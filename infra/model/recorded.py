"""What the mock engine saw: one registered resource, as the provider and engine would receive it.

Shared by the offline plan (infra/offline/runner.py), the cost model (infra/cost/pricing.py) and the
policy evaluation (policies/engine.py), so all three read the same record.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class RecordedResource:
    """One resource registration seen by the SDK mocks.

    `inputs` are camelCase as the provider receives them (numbers arrive as floats);
    `options` holds protect / retainOnDelete / ignoreChanges / deleteBeforeReplace;
    `provider` is the explicit provider's resource name (e.g. "aws-us-east-1") or None;
    `urn` identifies the resource the way the engine does.
    """

    type: str
    name: str
    inputs: Mapping[str, Any]
    parent: str | None = None
    provider: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    urn: str = ""
    custom: bool = True

    @property
    def region(self) -> str | None:
        """AWS region of the resource, taken from its explicit provider name `aws-<region>`."""
        if self.provider and self.provider.startswith("aws-"):
            return self.provider[len("aws-"):]
        return None
