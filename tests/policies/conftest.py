"""Fixtures for the policy tests: the baseline stacks (tests/policies/stacks.py) and prod's config."""
from __future__ import annotations

import pytest

from infra.model.recorded import RecordedResource
from tests.policies.stacks import make_edge_stack, make_good_stack


@pytest.fixture
def good_stack() -> list[RecordedResource]:
    return make_good_stack()


@pytest.fixture
def edge_stack() -> list[RecordedResource]:
    return make_edge_stack()


PROD_CONFIG = {"stack-budget": {"budget_usd": 250000}, "stack-budget-advisory": {"budget_usd": 250000},
               "asg-min-max": {"environment": "prod"}, "multi-az-in-prod": {"environment": "prod"}}


@pytest.fixture
def prod_config() -> dict:
    return {k: dict(v) for k, v in PROD_CONFIG.items()}
