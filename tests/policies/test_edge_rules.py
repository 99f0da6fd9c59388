"""Moved: the edge policy tests are tests/policies/rules/test_edge_policies.py, the baseline edge
stack is tests/policies/stacks.py. This name stays until tests/infra/cost/test_pricing.py imports
`make_edge_stack` from `tests.policies.stacks`."""
from tests.policies.stacks import make_edge_stack  # noqa: F401
