"""Cloudflare: proxied record, cache rules ruleset, runbook Workers and routes (issue 7)."""
from __future__ import annotations

import json

import pulumi
import pytest

from components.cloudflare import CloudflareEdge, CloudflareEdgeArgs, cloudflare
from infra.model.edge import WorkerPlan
from tests.components.alone import build_alone, check_conventions
from tests.conftest import ROOT, by_name, of_type, run_stack

ZONE = "fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="module")
def prod():
    return run_stack("prod")


def test_explicit_provider_and_every_resource_uses_it(prod):
    [provider] = of_type(prod, "pulumi:providers:cloudflare")
    assert provider.name == "cloudflare-prod"
    # no token offline: the provider falls back to CLOUDFLARE_API_TOKEN; a set token is a secret
    assert provider.inputs.get("apiToken") in (None, "[secret]")
    cf = [r for r in prod.resources if r.type.startswith("cloudflare:index/")]
    assert len(cf) == 6 and all(r.provider == "cloudflare-prod" and r.parent == "prod-cloudflare" for r in cf)


def test_proxied_cname_to_the_regional_name(prod):
    record = by_name(prod, "prod-cloudflare-record")
    assert record.inputs == {**record.inputs, "zoneId": ZONE, "name": "www.example.com", "type": "CNAME",
                             "proxied": True, "content": "api.example.com"}


def test_cache_rules_api_bypass_static_cache_everything_one_year(prod):
    ruleset = by_name(prod, "prod-cloudflare-cache-rules")
    assert (ruleset.inputs["phase"], ruleset.inputs["kind"], ruleset.inputs["zoneId"]) == \
        ("http_request_cache_settings", "zone", ZONE)
    api, static = ruleset.inputs["rules"]
    assert api["action"] == static["action"] == "set_cache_settings"
    assert '"/api/"' in api["expression"] and api["actionParameters"] == {"cache": False}
    assert '"/static/"' in static["expression"] and static["actionParameters"]["cache"] is True
    assert static["actionParameters"]["edgeTtl"] == {"mode": "override_origin", "default": 31536000}


def test_workers_limits_bindings_and_routes(prod):
    limiter = by_name(prod, "prod-cloudflare-rate-limiter")
    auth = by_name(prod, "prod-cloudflare-auth-validator")
    assert limiter.inputs["limits"] == {"cpuMs": 10} and auth.inputs["limits"] == {"cpuMs": 50}
    assert limiter.inputs["mainModule"] == "rate-limiter.js"
    assert "export default" in limiter.inputs["content"]
    assert {b["name"]: (b["type"], b["text"]) for b in limiter.inputs["bindings"]} == {
        "RATE_LIMIT": ("plain_text", "100"), "RATE_LIMIT_WINDOW_SECONDS": ("plain_text", "60")}
    assert auth.inputs["bindings"] == [{"name": "JWT_SECRET", "type": "secret_text", "text": "[secret]"}]
    routes = {r.inputs["script"]: r.inputs["pattern"] for r in of_type(prod, "cloudflare:index/workersRoute:WorkersRoute")}
    assert routes == {"prod-rate-limiter": "www.example.com/api/*", "prod-auth-validator": "www.example.com/secure/*"}


def test_cloudflare_only_stack_has_no_distribution():
    run = run_stack("prod", ("edge.providers[0].enabled=false",))
    assert not of_type(run, "aws:cloudfront/distribution:Distribution")
    assert of_type(run, "cloudflare:index/ruleset:Ruleset")
    [record] = [r for r in of_type(run, "aws:route53/record:Record") if r.parent == "prod-cdn-dns"]
    assert record.inputs["setIdentifier"] == "cloudflare"


# --- CloudflareEdge built alone from hand-made args (tests/components/alone.py) ------------------------------

SECRET = "hand-made-jwt-secret-0123456789abcdef"
RULES = ({"ref": "api_bypass", "expression": '(http.host eq "www.example.com")', "action": "set_cache_settings",
          "action_parameters": {"cache": False}},)
WORKERS = (WorkerPlan("rate-limiter", "rate-limiter.js", 10, ("*/api/*", "*/v2/*"),
                      {"RATE_LIMIT_WINDOW_SECONDS": "60", "RATE_LIMIT": "100"}),
           WorkerPlan("auth-validator", "auth-validator.js", 50, ("*/secure/*",), {"JWT_ISSUER": "issuer"},
                      ("JWT_SECRET",)))


def _build_cloudflare():
    def make():
        provider = cloudflare.Provider("cloudflare-test", api_token=pulumi.Output.secret("token-" + "x" * 34))
        return CloudflareEdge("t-cloudflare", CloudflareEdgeArgs(
            account_id="acc123", zone_id="zone123", hostname="www.example.com", origin="api.example.com",
            cache_rules=RULES, workers=WORKERS, secrets={"JWT_SECRET": pulumi.Output.secret(SECRET)},
            compatibility_date="2024-09-23", stack="test"),
            opts=pulumi.ResourceOptions(providers={"cloudflare": provider}))
    return build_alone(make)


def test_cloudflare_alone_record_rules_workers_routes():
    built = _build_cloudflare()
    check_conventions(built, "cloudflare", "CloudflareEdge")
    script, route = "cloudflare:index/workersScript:WorkersScript", "cloudflare:index/workersRoute:WorkersRoute"
    assert built.roles() == {"record": "cloudflare:index/dnsRecord:DnsRecord",
                             "cache-rules": "cloudflare:index/ruleset:Ruleset",
                             "rate-limiter": script, "rate-limiter-route": route, "rate-limiter-route1": route,
                             "auth-validator": script, "auth-validator-route": route}
    assert {r.provider for r in built.children.values()} == {"cloudflare-test"}
    assert built.named("t-cloudflare-record").inputs == {
        "zoneId": "zone123", "name": "www.example.com", "type": "CNAME", "content": "api.example.com",
        "proxied": True, "ttl": 1, "comment": "scaling-platform test: proxied service name"}
    ruleset = built.named("t-cloudflare-cache-rules").inputs
    assert (ruleset["kind"], ruleset["phase"], ruleset["name"]) == ("zone", "http_request_cache_settings",
                                                                    "test cache rules")
    assert ruleset["rules"] == [{"ref": "api_bypass", "expression": '(http.host eq "www.example.com")',
                                 "action": "set_cache_settings", "actionParameters": {"cache": False}}]
    limiter = built.named("t-cloudflare-rate-limiter").inputs
    assert (limiter["scriptName"], limiter["mainModule"], limiter["limits"], limiter["accountId"]) == (
        "test-rate-limiter", "rate-limiter.js", {"cpuMs": 10}, "acc123")
    assert limiter["content"] == (ROOT / "edge" / "workers" / "rate-limiter.js").read_text(encoding="utf-8")
    assert limiter["bindings"] == [  # plain vars, sorted by name
        {"name": "RATE_LIMIT", "type": "plain_text", "text": "100"},
        {"name": "RATE_LIMIT_WINDOW_SECONDS", "type": "plain_text", "text": "60"}]
    assert built.named("t-cloudflare-auth-validator").inputs["bindings"] == [
        {"name": "JWT_ISSUER", "type": "plain_text", "text": "issuer"},
        {"name": "JWT_SECRET", "type": "secret_text", "text": "[secret]"}]  # stays a secret in state
    assert SECRET not in json.dumps([dict(r.inputs) for r in built.resources])
    assert [built.named(f"t-cloudflare-{n}").inputs["pattern"] for n in (
        "rate-limiter-route", "rate-limiter-route1", "auth-validator-route")] == [
        "www.example.com/api/*", "www.example.com/v2/*", "www.example.com/secure/*"]
    assert built.named("t-cloudflare-auth-validator-route").inputs["script"] == "test-auth-validator"
    assert built.outputs == {"record": "www.example.com", "ruleset_id": "t-cloudflare-cache-rules_id",
                             "scripts": {"rate-limiter": "test-rate-limiter", "auth-validator": "test-auth-validator"}}
