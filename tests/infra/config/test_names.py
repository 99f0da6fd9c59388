"""The longest stack name the config accepts yields only names AWS and Cloudflare accept.

infra/config/names.py lists the name templates; this runs the real program (offline) with the longest
accepted name and checks every recorded physical name, so a template added to a component without a
line in names.py fails here.
"""
from __future__ import annotations

from infra.config import parse_platform, read_stack_file
from infra.config.names import AUTONAME_SUFFIX, stack_name_problem
from infra.offline.runner import run_program
from tests.conftest import ROOT

# (resource type, input holding the physical name or None for an auto-named logical name, limit)
LIMITS = [
    ("aws:lb/loadBalancer:LoadBalancer", "name", 32),
    ("aws:lb/targetGroup:TargetGroup", "name", 32),
    ("aws:rds/instance:Instance", "identifier", 63),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "replicationGroupId", 40),
    ("cloudflare:index/workersScript:WorkersScript", "scriptName", 63),
    ("aws:s3/bucket:Bucket", None, 63),
    ("aws:iam/role:Role", None, 64),
    ("aws:lambda/function:Function", None, 64),
]


def test_longest_accepted_stack_name_yields_valid_names():
    stack_file = read_stack_file(ROOT / "Pulumi.prod.yaml")
    cfg = parse_platform(stack_file.platform, stack_file.path)
    longest = max(n for n in range(1, 80) if stack_name_problem("s" * n, cfg) is None)
    assert stack_name_problem("s" * (longest + 1), cfg) is not None
    stack = "s" * longest
    run = run_program(stack, stack_file.platform, stack_file.other)
    checked = 0
    for rtype, key, limit in LIMITS:
        for res in (r for r in run.resources if r.type == rtype):
            # an explicit physical name (e.g. the flow-logs role, shortened) is not auto-suffixed
            name = res.inputs.get(key) if key else (res.inputs.get("name") or res.name + "x" * AUTONAME_SUFFIX)
            assert isinstance(name, str) and len(name) <= limit, (rtype, name, len(name), limit)
            checked += 1
    assert checked > 30  # every kind above, in every region
