"""infra/offline/runner.py echoes only the inputs the program reads back (READ_BACK); the plan is the same.

Guard for that saving: the prod stack with every optional part on (edge, Cloudflare, DNS, k8s)
records exactly the same resources, inputs, options and stack outputs as with the full echo, and
nothing reads back a property the mocks did not echo (it would show as "[unknown]").
"""
from __future__ import annotations

from infra.model.unknown import UNKNOWN_TEXT
from infra.offline.runner import run_program
from tests.conftest import K8S_ENABLED as K8S
from tests.conftest import run_stack, stack_platform


def _unknown_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _unknown_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unknown_paths(item, (*path, index))
    elif value == UNKNOWN_TEXT:
        yield path


def _by_name(run):
    return {r.name: (r.type, r.parent, r.provider, dict(r.inputs), dict(r.options)) for r in run.resources}


def test_trimmed_echo_records_the_same_plan_as_the_full_echo():
    trimmed = run_stack("prod", K8S)
    platform, other = stack_platform("prod", K8S)
    full = run_program("prod", platform, other, echo_all=True)
    assert _by_name(trimmed) == _by_name(full)
    # registrations arrive from SDK executor threads in varying order; the plan lists them by name
    order = [(r.name, r.type) for r in trimmed.resources]
    assert order == sorted(order) == [(r.name, r.type) for r in full.resources]
    assert trimmed.outputs == full.outputs


def test_nothing_reads_back_an_unechoed_property():
    run = run_stack("prod", K8S)
    unknown = {(r.name, path) for r in run.resources for path in _unknown_paths(r.inputs)}
    # A new KMS key's key id is computed by AWS: unknown in any preview, real or mocked.
    assert unknown == {(f"prod-{region}-data-key-alias", ("targetKeyId",))
                       for region in ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1")}
    assert list(_unknown_paths(run.outputs)) == []
