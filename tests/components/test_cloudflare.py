"""Cloudflare: proxied record, cache rules ruleset, runbook Workers and routes (issue 7)."""
from __future__ import annotations

import pytest

from tests.conftest import by_name, of_type, run_stack

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
