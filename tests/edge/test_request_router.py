"""Request router: exact routes for realistic CloudFront events, weights, stickiness, fallbacks."""
from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
import sys
from collections import Counter

import pytest
from edge_helpers import EXAMPLE_TABLE, LAMBDA_DIR

DOMAINS = {o["region"]: o["domain"] for o in EXAMPLE_TABLE["origins"]}
WEIGHTS = {o["region"]: o["weight"] for o in EXAMPLE_TABLE["origins"]}

# The origin object CloudFront puts in an origin-request event for a custom (ALB) origin.
CUSTOM_ORIGIN = {
    "customHeaders": {},
    "domainName": DOMAINS["us-east-1"],
    "keepaliveTimeout": 5,
    "path": "",
    "port": 443,
    "protocol": "https",
    "readTimeout": 30,
    "sslProtocols": ["TLSv1.2"],
}


def cf_event(uri="/api/orders", event_type="origin-request", client_ip="203.0.113.178",
             country=None, country_region=None, extra_headers=None):
    """A Lambda@Edge request event as documented ("Lambda@Edge event structure").

    viewer-request events carry no `origin`; origin-request events do, and their Host header is
    the origin's. CloudFront-Viewer-Country appears on origin-request when the origin request
    policy asks for it; on viewer-request only if the client sent it.
    """
    viewer = event_type == "viewer-request"
    host = "www.example.com" if viewer else CUSTOM_ORIGIN["domainName"]
    headers = {
        "host": [{"key": "Host", "value": host}],
        "user-agent": [{"key": "User-Agent", "value": "curl/8.5.0"}],
        "accept": [{"key": "Accept", "value": "application/json"}],
    }
    if country:
        headers["cloudfront-viewer-country"] = [{"key": "CloudFront-Viewer-Country", "value": country}]
    if country_region:
        headers["cloudfront-viewer-country-region"] = [
            {"key": "CloudFront-Viewer-Country-Region", "value": country_region}]
    headers.update(extra_headers or {})
    request = {"clientIp": client_ip, "headers": headers, "method": "GET",
               "querystring": "page=2", "uri": uri}
    if not viewer:
        request["origin"] = {"custom": copy.deepcopy(CUSTOM_ORIGIN)}
    return {"Records": [{"cf": {
        "config": {"distributionDomainName": "d111111abcdef8.cloudfront.net",
                   "distributionId": "EDFDVBD6EXAMPLE", "eventType": event_type,
                   "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
        "request": request}}]}


def routed(request):
    return request["headers"]["x-routed-region"][0]["value"]


def table_with(**changes):
    """The example table with per-region overrides, e.g. table_with(**{"us-west-2": {"weight": 0}})."""
    data = copy.deepcopy(EXAMPLE_TABLE)
    for origin in data["origins"]:
        origin.update(changes.get(origin["region"], {}))
    return data


def ips(n):
    return [f"198.51.{i // 250}.{i % 250 + 1}" for i in range(n)]


# --- origin-request: real routing ---------------------------------------------------------

@pytest.mark.parametrize("country,country_region,expected", [
    ("DE", None, "eu-west-1"),        # eu-central-1 not in the plan -> next nearest
    ("IE", None, "eu-west-1"),
    ("US", "NY", "us-east-1"),
    ("US", "WA", "us-west-2"),        # western state refines the US default
    ("US", None, "us-east-1"),
    ("CA", None, "us-east-1"),
    ("BR", None, "us-east-1"),        # sa-east-1 not in the plan
    ("SG", None, "ap-southeast-1"),
    ("JP", None, "ap-southeast-1"),   # no ap-northeast-* in the plan
    ("IN", None, "ap-southeast-1"),
    ("AU", None, "ap-southeast-1"),
    ("ZA", None, "eu-west-1"),
    ("jp", None, "ap-southeast-1"),   # case-insensitive
])
def test_origin_request_routes_to_nearest_region(router, country, country_region, expected):
    out = router.handler(cf_event(country=country, country_region=country_region), None)
    assert routed(out) == expected
    assert out["origin"]["custom"]["domainName"] == DOMAINS[expected]
    assert out["headers"]["host"] == [{"key": "Host", "value": DOMAINS[expected]}]
    assert out["headers"]["x-routed-region"] == [{"key": "X-Routed-Region", "value": expected}]


def test_origin_rewrite_keeps_other_origin_settings_and_request_fields(router):
    out = router.handler(cf_event(country="DE"), None)
    custom = out["origin"]["custom"]
    assert {k: v for k, v in custom.items() if k != "domainName"} == \
        {k: v for k, v in CUSTOM_ORIGIN.items() if k != "domainName"}
    assert (out["uri"], out["querystring"], out["method"]) == ("/api/orders", "page=2", "GET")
    assert out["headers"]["user-agent"] == [{"key": "User-Agent", "value": "curl/8.5.0"}]


def test_unhealthy_nearest_region_falls_to_next_nearest(bundle):
    router = bundle(table_with(**{"eu-west-1": {"healthy": False}}))
    assert routed(router.handler(cf_event(country="DE"), None)) == "us-east-1"


def test_weight_zero_nearest_region_falls_to_next_nearest(bundle):
    router = bundle(table_with(**{"us-west-2": {"weight": 0}}))
    assert routed(router.handler(cf_event(country="US", country_region="OR"), None)) == "us-east-1"


def test_unknown_country_uses_sticky_weighted_choice(router):
    for ip in ips(50):
        out = router.handler(cf_event(country="AQ", client_ip=ip), None)
        expected = router.weighted_choice(router.ROUTING_TABLE.origins, ip).region
        assert routed(out) == expected
        assert out["origin"]["custom"]["domainName"] == DOMAINS[expected]


# --- viewer-request: what CloudFront allows there ----------------------------------------

def test_viewer_request_never_adds_origin_or_touches_host(router):
    event = cf_event(event_type="viewer-request")
    out = router.handler(event, None)
    assert "origin" not in out
    assert out["headers"]["host"] == [{"key": "Host", "value": "www.example.com"}]
    assert routed(out) == router.weighted_choice(router.ROUTING_TABLE.origins, "203.0.113.178").region


def test_viewer_request_ignores_client_supplied_country(router):
    # On viewer-request CloudFront has not added its own header yet: this one is the client's.
    ip = next(ip for ip in ips(200)
              if router.weighted_choice(router.ROUTING_TABLE.origins, ip).region != "ap-southeast-1")
    out = router.handler(cf_event(event_type="viewer-request", client_ip=ip, country="SG"), None)
    assert routed(out) != "ap-southeast-1"


def test_client_cannot_supply_routed_region_header(router):
    spoof = {"x-routed-region": [{"key": "X-Routed-Region", "value": "evil"}]}
    out = router.handler(cf_event(country="DE", extra_headers=spoof), None)
    assert out["headers"]["x-routed-region"] == [{"key": "X-Routed-Region", "value": "eu-west-1"}]


# --- weights and stickiness ---------------------------------------------------------------

def test_weight_zero_and_unhealthy_regions_never_chosen(bundle):
    router = bundle(table_with(**{"us-west-2": {"weight": 0}, "eu-west-1": {"healthy": False}}))
    seen = Counter(routed(router.handler(cf_event(event_type=et, client_ip=ip), None))
                   for ip in ips(3000) for et in ("origin-request", "viewer-request"))
    assert set(seen) == {"us-east-1", "ap-southeast-1"}


def test_distribution_follows_weights_over_many_clients(router):
    n = 20000
    counts = Counter(router.choose_origin(router.ROUTING_TABLE, ip).region for ip in ips(n))
    total = sum(WEIGHTS.values())
    for region, weight in WEIGHTS.items():
        assert counts[region] / n == pytest.approx(weight / total, abs=0.02), counts


def test_client_sticks_to_its_region_across_requests_and_cold_starts(router, bundle):
    first = {ip: routed(router.handler(cf_event(client_ip=ip), None)) for ip in ips(200)}
    again = {ip: routed(router.handler(cf_event(client_ip=ip, uri="/api/x/y"), None)) for ip in ips(200)}
    assert again == first
    cold = bundle(copy.deepcopy(EXAMPLE_TABLE))  # a new execution environment
    assert {ip: routed(cold.handler(cf_event(client_ip=ip), None)) for ip in ips(200)} == first
    assert len(set(first.values())) == 4  # the sample really spans every region


def test_choice_is_stable_across_processes_with_different_hash_seeds():
    # Python's hash() is salted per process; a router built on it would reshuffle clients on
    # every cold start. Two interpreters with different PYTHONHASHSEED must agree.
    code = ("import json,sys; sys.path.insert(0, sys.argv[1]); import request_router as r;"
            "t = r.parse_routing_table(json.load(open(sys.argv[2])));"
            "print(','.join(r.weighted_choice(t.origins, f'10.0.0.{i}').region for i in range(60)))")
    outs = {subprocess.run([sys.executable, "-c", code, str(LAMBDA_DIR),
                            str(LAMBDA_DIR / "routing.example.json")],
                           env={**os.environ, "PYTHONHASHSEED": seed},
                           capture_output=True, text=True, check=True).stdout
            for seed in ("1", "2")}
    assert len(outs) == 1


def test_draining_a_region_moves_only_its_own_clients(router, bundle):
    before = {ip: router.choose_origin(router.ROUTING_TABLE, ip).region for ip in ips(2000)}
    drained = bundle(table_with(**{"us-west-2": {"healthy": False}}))
    after = {ip: drained.choose_origin(drained.ROUTING_TABLE, ip).region for ip in ips(2000)}
    moved = {ip for ip in before if before[ip] != after[ip]}
    assert moved == {ip for ip, region in before.items() if region == "us-west-2"}


# --- pass-through -------------------------------------------------------------------------

@pytest.mark.parametrize("uri", ["/static/app.js", "/", "/index.html", "/api", "/apiv2/orders"])
@pytest.mark.parametrize("event_type", ["origin-request", "viewer-request"])
def test_non_api_paths_pass_through_untouched(router, uri, event_type):
    event = cf_event(uri=uri, event_type=event_type, country="DE")
    expected = copy.deepcopy(event["Records"][0]["cf"]["request"])
    assert router.handler(event, None) == expected


def test_no_eligible_region_passes_through(bundle, caplog):
    router = bundle(table_with(**{r: {"weight": 0} for r in WEIGHTS}))
    event = cf_event(country="DE")
    expected = copy.deepcopy(event["Records"][0]["cf"]["request"])
    with caplog.at_level(logging.WARNING, logger="request_router"):
        assert router.handler(event, None) == expected
    assert "no eligible origin" in caplog.text


@pytest.mark.parametrize("routing", [
    None,                                       # file missing from the bundle
    "{not json",                                # truncated / corrupt
    json.dumps({"origins": []}),
    json.dumps({"origins": [{"region": "us-east-1", "domain": "a", "weight": -1}]}),
    json.dumps({"origins": [{"region": "us-east-1", "domain": "a", "weight": 1}],
                "default_region": "eu-west-1"}),
])
def test_missing_or_invalid_routing_json_passes_through_and_logs(bundle, caplog, routing):
    with caplog.at_level(logging.ERROR, logger="request_router"):
        router = bundle(routing)
    assert router.ROUTING_TABLE is None
    assert "passing requests through" in caplog.text
    event = cf_event(country="DE")
    expected = copy.deepcopy(event["Records"][0]["cf"]["request"])
    assert router.handler(event, None) == expected


def test_routing_json_is_read_once_at_cold_start(router, tmp_path):
    (tmp_path / "routing.json").write_text("{broken")  # changed after start: not re-read
    assert routed(router.handler(cf_event(country="DE"), None)) == "eu-west-1"


def test_unexpected_request_shape_returns_request_unchanged(router):
    event = cf_event()
    event["Records"][0]["cf"]["request"]["headers"] = None
    assert router.handler(event, None)["headers"] is None


# --- schema -------------------------------------------------------------------------------

@pytest.mark.parametrize("data,message", [
    ([], "top level must be an object"),
    ({"origins": "x"}, "'origins' must be a non-empty list"),
    ({"origins": [{"domain": "a", "weight": 1}]}, "origins[0].region"),
    ({"origins": [{"region": "r", "weight": 1}]}, "origins[0].domain"),
    ({"origins": [{"region": "r", "domain": "a", "weight": True}]}, "origins[0].weight"),
    ({"origins": [{"region": "r", "domain": "a", "weight": 1, "latency_ms": "50"}]}, "latency_ms"),
    ({"origins": [{"region": "r", "domain": "a", "weight": 1, "healthy": "yes"}]}, "healthy"),
    ({"origins": [{"region": "r", "domain": "a", "weight": 1}] * 2}, "listed twice"),
    ({"origins": [{"region": "r", "domain": "a", "weight": 1}], "default_region": "x"}, "default_region"),
])
def test_parse_routing_table_names_the_bad_field(router, data, message):
    with pytest.raises(ValueError, match=None) as err:
        router.parse_routing_table(data)
    assert message in str(err.value)


def test_parse_routing_table_defaults(router):
    table = router.parse_routing_table({"origins": [{"region": "r", "domain": "a", "weight": 5}]})
    assert table.origins[0] == router.Origin("r", "a", 5.0, 0.0, True)
    assert table.default_region is None


def test_runbook_limits_are_named(router):
    assert (router.RUNBOOK_TRIGGER, router.RUNBOOK_MEMORY_MB, router.RUNBOOK_TIMEOUT_S) == \
        ("viewer-request", 128, 5)
    assert router.HANDLER == "request_router.handler"
