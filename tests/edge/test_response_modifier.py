"""Response modifier: security headers, banner removal, no-store on the API, header shape kept."""
from __future__ import annotations

import copy

import pytest

SECURITY = {
    "strict-transport-security": [{"key": "Strict-Transport-Security",
                                   "value": "max-age=63072000; includeSubDomains; preload"}],
    "x-content-type-options": [{"key": "X-Content-Type-Options", "value": "nosniff"}],
    "x-frame-options": [{"key": "X-Frame-Options", "value": "DENY"}],
    "referrer-policy": [{"key": "Referrer-Policy", "value": "strict-origin-when-cross-origin"}],
    "content-security-policy": [{"key": "Content-Security-Policy", "value": "default-src 'self'"}],
    "permissions-policy": [{"key": "Permissions-Policy",
                            "value": "camera=(), microphone=(), geolocation=(), payment=(), usb=()"}],
}


def response_event(uri="/api/orders", event_type="viewer-response", status="200", headers=None):
    """A Lambda@Edge response event as documented ("Lambda@Edge event structure")."""
    if headers is None:
        headers = {
            "content-type": [{"key": "Content-Type", "value": "application/json"}],
            "content-length": [{"key": "Content-Length", "value": "1024"}],
            "server": [{"key": "Server", "value": "nginx/1.25.3"}],
            "x-powered-by": [{"key": "X-Powered-By", "value": "Express"}],
            "cache-control": [{"key": "Cache-Control", "value": "public, max-age=60"}],
            "set-cookie": [{"key": "Set-Cookie", "value": "a=1; Secure"},
                           {"key": "Set-Cookie", "value": "b=2; Secure"}],
            "via": [{"key": "Via", "value": "1.1 a1b2.cloudfront.net (CloudFront)"}],
        }
    return {"Records": [{"cf": {
        "config": {"distributionDomainName": "d111111abcdef8.cloudfront.net",
                   "distributionId": "EDFDVBD6EXAMPLE", "eventType": event_type,
                   "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="},
        "request": {"clientIp": "203.0.113.178", "method": "GET", "querystring": "",
                    "uri": uri, "headers": {"host": [{"key": "Host", "value": "www.example.com"}]}},
        "response": {"status": status, "statusDescription": "OK", "headers": headers},
    }}]}


@pytest.mark.parametrize("event_type", ["viewer-response", "origin-response"])
def test_api_response_gets_exact_headers(modifier, event_type):
    out = modifier.handler(response_event(event_type=event_type), None)
    assert out["headers"] == {
        **SECURITY,
        "content-type": [{"key": "Content-Type", "value": "application/json"}],
        "content-length": [{"key": "Content-Length", "value": "1024"}],
        "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        "set-cookie": [{"key": "Set-Cookie", "value": "a=1; Secure"},
                       {"key": "Set-Cookie", "value": "b=2; Secure"}],
        "via": [{"key": "Via", "value": "1.1 a1b2.cloudfront.net (CloudFront)"}],
    }
    assert (out["status"], out["statusDescription"]) == ("200", "OK")  # viewer-response may not change it


def test_static_response_keeps_its_cache_control(modifier):
    out = modifier.handler(response_event(uri="/static/app.js"), None)
    assert out["headers"]["cache-control"] == [{"key": "Cache-Control", "value": "public, max-age=60"}]
    for name, value in SECURITY.items():
        assert out["headers"][name] == value


def test_api_response_without_cache_control_gets_no_store(modifier):
    out = modifier.handler(response_event(headers={}), None)
    assert out["headers"]["cache-control"] == [{"key": "Cache-Control", "value": "no-store"}]


def test_banners_removed_and_absent_banners_are_fine(modifier):
    out = modifier.handler(response_event(uri="/"), None)
    assert "server" not in out["headers"] and "x-powered-by" not in out["headers"]
    out = modifier.handler(response_event(uri="/", headers={}), None)
    assert set(out["headers"]) == set(SECURITY)


def test_origin_cannot_weaken_enforced_headers(modifier):
    weak = {"x-frame-options": [{"key": "X-Frame-Options", "value": "ALLOWALL"}],
            "strict-transport-security": [{"key": "strict-transport-security", "value": "max-age=0"}]}
    out = modifier.handler(response_event(uri="/", headers=weak), None)
    assert out["headers"]["x-frame-options"] == SECURITY["x-frame-options"]
    assert out["headers"]["strict-transport-security"] == SECURITY["strict-transport-security"]


def test_application_csp_is_kept(modifier):
    csp = [{"key": "Content-Security-Policy", "value": "default-src 'self'; img-src https://cdn.example.com"}]
    out = modifier.handler(response_event(uri="/", headers={"content-security-policy": copy.deepcopy(csp)}), None)
    assert out["headers"]["content-security-policy"] == csp


def test_read_only_viewer_response_headers_untouched(modifier):
    # CloudFront rejects (502) a viewer-response that edits these.
    read_only = {"content-encoding": [{"key": "Content-Encoding", "value": "gzip"}],
                 "content-length": [{"key": "Content-Length", "value": "10"}],
                 "transfer-encoding": [{"key": "Transfer-Encoding", "value": "chunked"}],
                 "warning": [{"key": "Warning", "value": "110 - stale"}],
                 "via": [{"key": "Via", "value": "1.1 x.cloudfront.net (CloudFront)"}]}
    out = modifier.handler(response_event(headers=copy.deepcopy(read_only)), None)
    for name, value in read_only.items():
        assert out["headers"][name] == value


def test_every_header_is_lowercase_key_list_of_key_value(modifier):
    out = modifier.handler(response_event(), None)
    for name, entries in out["headers"].items():
        assert name == name.lower()
        assert entries and all(set(e) == {"key", "value"} and e["key"].lower() == name for e in entries)


def test_broken_response_is_returned_unchanged(modifier):
    event = response_event()
    event["Records"][0]["cf"]["response"]["headers"] = None
    assert modifier.handler(event, None)["headers"] is None


def test_runbook_limits_are_named_and_viewer_quota_documented(modifier):
    assert (modifier.RUNBOOK_TRIGGER, modifier.RUNBOOK_MEMORY_MB, modifier.RUNBOOK_TIMEOUT_S) == \
        ("viewer-response", 256, 10)
    # The runbook asks for more than CloudFront allows on a viewer event: the deploy must pick.
    assert modifier.RUNBOOK_MEMORY_MB > modifier.VIEWER_EVENT_MAX_MEMORY_MB
    assert modifier.HANDLER == "response_modifier.handler"
