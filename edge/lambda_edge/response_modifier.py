"""Lambda@Edge response modifier: security headers on every response, no-store on the API.

Runbook: novacron "7. Edge Location Scaling" (function `response-modifier`, viewer-response,
256 MB, 10 s). Handler string: ``response_modifier.handler`` (this file at the zip root).

Which trigger (read this before wiring it):

* **viewer-response**, as the runbook says, is capped by CloudFront at 128 MB and 5 s (Quotas on
  Lambda@Edge: viewer events). The runbook's 256 MB / 10 s cannot be associated with a viewer
  event, so the deploy must either use 128 MB / 5 s on viewer-response or
* **origin-response** with the runbook's 256 MB / 10 s (origin events allow up to 30 s). This is
  also the better fit: CloudFront does not invoke viewer-response functions when the origin
  answers 400 or more, so error pages would ship without HSTS/CSP; origin-response runs for every
  origin response and the headers are cached with the object (fewer invocations for /static/*).

The handler accepts both event types. It never touches the status code (viewer-response may not
change it) nor the read-only headers (Content-Encoding, Content-Length, Transfer-Encoding,
Warning, Via); it only sets, replaces and removes the headers below.
"""
from __future__ import annotations

import logging
from typing import Any

# --- Runbook numbers (novacron runbook, "7. Edge Location Scaling" -> edge_compute.lambda_edge)
RUNBOOK_TRIGGER = "viewer-response"
RUNBOOK_MEMORY_MB = 256
RUNBOOK_TIMEOUT_S = 10
# CloudFront quota for viewer events; the runbook's numbers above exceed it (see module doc).
VIEWER_EVENT_MAX_MEMORY_MB = 128
VIEWER_EVENT_MAX_TIMEOUT_S = 5
# Where the runbook's 256 MB / 10 s are valid and error responses are covered too.
RECOMMENDED_TRIGGER = "origin-response"
RUNTIME = "python3.12"
HANDLER = "response_modifier.handler"

# API responses are per-user and already uncached at the CDN (runbook §7: "/api/*" no-cache);
# no-store also keeps browsers and intermediate proxies from keeping them.
API_PREFIX = "/api/"
API_CACHE_CONTROL = "no-store"

HSTS_MAX_AGE_S = 63072000  # two years: the minimum the HSTS preload list accepts is one year

# lowercase name -> (canonical key, value). These are enforced: the edge is the one place the
# whole estate's policy is set, so an origin cannot weaken it by sending its own value.
ENFORCED_HEADERS: dict[str, tuple[str, str]] = {
    "strict-transport-security": (
        "Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}; includeSubDomains; preload"),
    "x-content-type-options": ("X-Content-Type-Options", "nosniff"),
    "x-frame-options": ("X-Frame-Options", "DENY"),
    "referrer-policy": ("Referrer-Policy", "strict-origin-when-cross-origin"),
    # Deny powerful features nobody on the API or static site uses; an app that needs one
    # must change it here, in review, not from its own origin.
    "permissions-policy": (
        "Permissions-Policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
}

# Added only when the origin sent none: a CSP is page-specific (script hashes, API hosts), so
# an application that ships its own policy knows better than a blanket default.
DEFAULT_HEADERS: dict[str, tuple[str, str]] = {
    "content-security-policy": ("Content-Security-Policy", "default-src 'self'"),
}

# Version banners help attackers pick exploits and help nobody else.
REMOVED_HEADERS = ("server", "x-powered-by")

logger = logging.getLogger("response_modifier")


def _set(headers: dict, name: str, key: str, value: str) -> None:
    headers[name] = [{"key": key, "value": value}]


def modify_response(response: dict, uri: str) -> dict:
    """Apply the header policy to one CloudFront response in place and return it."""
    headers = response.setdefault("headers", {})
    for name, (key, value) in ENFORCED_HEADERS.items():
        _set(headers, name, key, value)
    for name, (key, value) in DEFAULT_HEADERS.items():
        if not headers.get(name):
            _set(headers, name, key, value)
    for name in REMOVED_HEADERS:
        headers.pop(name, None)
    if uri.startswith(API_PREFIX):
        _set(headers, "cache-control", "Cache-Control", API_CACHE_CONTROL)
    return response


def handler(event: dict, context: Any = None) -> dict:
    """Lambda@Edge entry point for viewer-response and origin-response events.

    Errors return the response unchanged: missing headers are better than a 502.
    """
    cf = event["Records"][0]["cf"]
    response = cf["response"]
    try:
        return modify_response(response, (cf.get("request") or {}).get("uri") or "")
    except Exception:  # noqa: BLE001 - never fail the viewer's response
        logger.exception("response modification failed; returning response unchanged")
        return response
