"""The pack served over gRPC as the Pulumi CLI runs it reports exactly what engine.evaluate reports.

The CLI starts a Python policy pack as `python -u -m pulumi.policy <engine-address> <pack-dir>`;
the pack's `PolicyPack(...)` starts the analyzer server on 127.0.0.1 and prints its port on
stdout. We do the same, then play the engine's part: GetAnalyzerInfo, Configure (schema defaults
from the served configSchema overlaid by policies/config/prod.json, as the CLI applies them),
Analyze per resource and AnalyzeStack over all of them.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policies.engine import evaluate, load_policy_config

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 20
LEVELS = {analyzer_pb2.ADVISORY: "advisory", analyzer_pb2.MANDATORY: "mandatory",
          analyzer_pb2.DISABLED: "disabled", analyzer_pb2.REMEDIATE: "remediate"}
LEVEL_CODES = {v: k for k, v in LEVELS.items()}


def _struct(d: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(d)
    return s


@pytest.fixture
def analyzer():
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(ROOT / "policies")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(TIMEOUT_S)
        if not line or not line[0].strip().isdigit():
            proc.kill()
            pytest.fail(f"analyzer did not print a port: {line!r} {proc.stderr.read().decode()[-2000:]}")
        channel = grpc.insecure_channel(f"127.0.0.1:{int(line[0])}")
        grpc.channel_ready_future(channel).result(timeout=TIMEOUT_S)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait(timeout=TIMEOUT_S)


def _bad_stack(stack):
    changes = {
        "prod-db-primary": {"publiclyAccessible": True},
        "prod-us-east-1-api-lt": {"metadataOptions": {"httpTokens": "optional"}},
        "prod-us-east-1-api-sg": {"ingress": [{"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                                               "cidrBlocks": ["0.0.0.0/0"]}]},
        "prod-us-east-1-api-scale-in": {"cooldown": 60.0},
        "prod-us-east-1-nat": {"tags": {"environment": "prod"}},
        "prod-us-east-1-api-asg": {"maxSize": 400.0},
    }
    return [dataclasses.replace(r, inputs={**r.inputs, **changes.get(r.name, {})}) for r in stack]


def _policy_config(info, file_config: dict) -> analyzer_pb2.ConfigureAnalyzerRequest:
    req = analyzer_pb2.ConfigureAnalyzerRequest()
    for p in info.policies:
        schema = json_format.MessageToDict(p.configSchema.properties) if p.configSchema.properties else {}
        props = {k: v["default"] for k, v in schema.items() if "default" in v}
        entry = dict(file_config.get(p.name, {}))
        level = LEVEL_CODES[entry.pop("enforcementLevel")] if "enforcementLevel" in entry else p.enforcementLevel
        props.update(entry)
        req.policyConfig[p.name].CopyFrom(analyzer_pb2.PolicyConfig(enforcementLevel=level, properties=_struct(props)))
    return req


def _resource(r, urns):
    provider = analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws", name=r.provider, urn=f"urn:pulumi:prod::scaling-platform::pulumi:providers:aws::{r.provider}",
        properties=_struct({"region": r.region})) if r.provider else None
    options = analyzer_pb2.AnalyzerResourceOptions(parent=urns.get(r.parent, ""))
    return dict(type=r.type, name=r.name, urn=r.urn, properties=_struct(dict(r.inputs)), options=options, provider=provider)


def test_grpc_diagnostics_match_engine(analyzer, good_stack):
    from tests.policies.stacks import make_edge_stack

    edge = [dataclasses.replace(r, inputs={**r.inputs, "publish": False}) if r.name == "prod-edge-request-router"
            else dataclasses.replace(r, inputs={**r.inputs, "webAclId": None}) if r.name == "prod-edge-cdn" else r
            for r in make_edge_stack()]
    stack = _bad_stack(good_stack) + edge
    file_config = load_policy_config("prod")
    from policies.rules import estimate_for

    # An advisory budget the stack (edge traffic from prod.json included) sits at ~91 % of.
    cost = estimate_for(stack, file_config["stack-budget-advisory"]).monthly_usd
    file_config["stack-budget-advisory"] = dict(file_config["stack-budget-advisory"], budget_usd=round(cost * 1.1))
    file_config["stateful-guard"] = {"previous_stateful": ["prod-cache", "prod-db-shard-9"]}

    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=TIMEOUT_S)
    assert info.name == "scaling-platform-policies" and info.supportsConfig
    analyzer.Configure(_policy_config(info, file_config), timeout=TIMEOUT_S)

    urns = {r.name: r.urn for r in stack}
    names = {r.urn: r.name for r in stack}
    descriptions = {p.name: p.description for p in info.policies}
    got = []

    def collect(response):
        for d in response.diagnostics:
            prefix = descriptions[d.policyName] + "\n"
            assert d.message.startswith(prefix), d.message
            got.append((d.policyName, LEVELS[d.enforcementLevel], names.get(d.urn, ""), d.message[len(prefix):]))

    for r in stack:
        response = analyzer.Analyze(analyzer_pb2.AnalyzeRequest(**_resource(r, urns)), timeout=TIMEOUT_S)
        # Resource diagnostics carry no urn: the CLI attributes them to the analyzed resource.
        got += [(d.policyName, LEVELS[d.enforcementLevel], r.name,
                 d.message[len(descriptions[d.policyName]) + 1:]) for d in response.diagnostics]
    stack_req = analyzer_pb2.AnalyzeStackRequest(resources=[
        analyzer_pb2.AnalyzerResource(parent=urns.get(r.parent, ""), **_resource(r, urns)) for r in stack])
    collect(analyzer.AnalyzeStack(stack_req, timeout=TIMEOUT_S))

    expected = [(v.policy, v.enforcement, v.resource, v.message) for v in evaluate(stack, file_config)]
    assert sorted(got) == sorted(expected)
    # The comparison is not vacuous: resource and stack rules, both enforcement levels.
    assert {p for p, *_ in expected} >= {"rds-not-public", "imdsv2-required", "no-public-ingress", "required-tags",
                                          "asg-min-max", "scaling-hygiene", "stateful-guard", "stack-budget-advisory",
                                          "edge-lambda-published", "edge-api-protection"}
    assert {lvl for _, lvl, *_ in expected} == {"mandatory", "advisory"}
