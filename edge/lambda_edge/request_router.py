"""Lambda@Edge request router: send each `/api/*` request to one regional ALB origin.

Runbook: novacron "7. Edge Location Scaling" (function `request-router`, 128 MB, 5 s) and
"4. Multi-Region Scaling" (region weights 40/30/20/10, failover to the nearest healthy region).

Handler string: ``request_router.handler`` (this file at the root of the zip, next to
``routing.json``).

Why the routing table is a bundled file: Lambda@Edge functions cannot have environment
variables, and a network call per request (S3/SSM) would blow the viewer-side latency budget.
The Pulumi program serialises the capacity plan into ``routing.json`` and ships it inside the
zip; a new plan means a new function version, which is exactly how Lambda@Edge wants changes.

routing.json schema (every key below; nothing else is read)::

    {
      "origins": [
        {"region": "us-east-1",                         # unique, non-empty string
         "domain": "alb-123.us-east-1.elb.amazonaws.com",  # origin host name, non-empty string
         "weight": 40,                                  # number >= 0; 0 = never chosen
         "latency_ms": 50,                              # number >= 0 (optional, default 0)
         "healthy": true},                              # bool (optional, default true)
        ...
      ],
      "default_region": "us-east-1"                     # optional; must name an origin
    }

Which trigger (read this before wiring the function into a distribution):

* **origin-request** (recommended). The event carries ``request.origin.custom`` and the Host
  header is writable, so the router rewrites ``origin.custom.domainName`` and ``host``.
  CloudFront adds ``CloudFront-Viewer-Country`` *before* this event (when the origin request
  policy asks for it), so the nearest-region preference sees the real value. On the ``/api/*``
  behaviour the cache policy is "no-cache" (runbook §7), so origin-request runs on every API
  request, i.e. the same invocation count as viewer-request.
* **viewer-request** (what runbook §7 names). CloudFront sends no ``origin`` object, ``Host`` is
  read-only (changing it fails validation and the viewer gets a 502) and
  ``CloudFront-Viewer-Country`` is added only *after* this event, so any value seen here was sent
  by the client. The router therefore still decides a region (client-IP weighting only) and adds
  ``x-routed-region``, but leaves ``host`` and the origin alone: the request goes to the
  behaviour's configured origin. That keeps requests working but does not route them.
  Source: AWS CloudFront Developer Guide, "Restrictions on edge functions" (read-only headers in
  viewer request events; CloudFront headers) and "Lambda@Edge event structure" (dynamic origin
  selection happens in the origin request event).
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

# --- Runbook numbers (novacron runbook, "7. Edge Location Scaling" -> edge_compute.lambda_edge)
RUNBOOK_TRIGGER = "viewer-request"
RUNBOOK_MEMORY_MB = 128
RUNBOOK_TIMEOUT_S = 5
# Where the function can actually route (module docstring): origin-request; 128 MB / 5 s fit it.
RECOMMENDED_TRIGGER = "origin-request"
RUNTIME = "python3.12"
HANDLER = "request_router.handler"

# Only the API behaviour is routed; /static/* is cached and served from the default origin
# (runbook §7 behaviours: "/api/*" no-cache, "/static/*" max-age-31536000).
ROUTED_PREFIX = "/api/"
ROUTED_REGION_HEADER = "x-routed-region"
ROUTING_FILE = Path(__file__).with_name("routing.json")

VIEWER_REQUEST = "viewer-request"
ORIGIN_REQUEST = "origin-request"

logger = logging.getLogger("request_router")
logger.setLevel(logging.INFO)

# --- Viewer country -> nearest AWS regions, nearest first.
# The first region of the list that the plan has (and that is healthy with weight > 0) wins; a
# country with no entry, or whose regions are all unavailable, falls back to client-IP weighting.
# Lists cover more regions than today's four so a plan that adds e.g. eu-central-1 is used at
# once. Distances are geographic judgement, not measurements: the plan's latency_ms is its
# per-region threshold, not a per-viewer RTT, so it is validated but is not a routing input.
_US_EAST = ("us-east-1", "us-east-2", "ca-central-1", "us-west-2", "us-west-1")
_US_WEST = ("us-west-2", "us-west-1", "us-east-2", "us-east-1")
_SOUTH_AMERICA = ("sa-east-1", "us-east-1", "us-east-2")
_EUROPE_WEST = ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "us-east-1")
_EUROPE_CENTRAL = ("eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-west-2", "us-east-1")
_EUROPE_NORTH = ("eu-north-1", "eu-central-1", "eu-west-1", "eu-west-2", "us-east-1")
_MIDDLE_EAST = ("me-south-1", "me-central-1", "eu-central-1", "ap-south-1", "eu-west-1")
_AFRICA = ("af-south-1", "eu-west-1", "eu-central-1", "us-east-1")
_SOUTH_ASIA = ("ap-south-1", "ap-southeast-1", "me-south-1", "eu-central-1")
_SOUTHEAST_ASIA = ("ap-southeast-1", "ap-southeast-3", "ap-southeast-2", "ap-northeast-1", "ap-south-1")
_EAST_ASIA = ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-east-1", "ap-southeast-1")
_OCEANIA = ("ap-southeast-2", "ap-southeast-4", "ap-southeast-1", "us-west-2")


def _countries(codes: str, regions: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {code: regions for code in codes.split()}


COUNTRY_REGIONS: dict[str, tuple[str, ...]] = {
    # North America and the Caribbean; US states in the west are refined by US_WEST_STATES.
    **_countries("US CA MX PR BS CU DO JM HT TT BB GT HN SV NI CR PA BZ", _US_EAST),
    **_countries("BR AR CL CO PE VE EC BO PY UY GY SR", _SOUTH_AMERICA),
    **_countries("IE GB FR ES PT BE NL LU IS", _EUROPE_WEST),
    **_countries("DE AT CH IT PL CZ SK HU SI HR RO BG GR RS BA ME MK AL MT CY UA MD LT LV EE",
                 _EUROPE_CENTRAL),
    **_countries("SE NO FI DK", _EUROPE_NORTH),
    **_countries("AE SA QA BH KW OM IL JO LB TR IR IQ", _MIDDLE_EAST),
    **_countries("ZA NG KE EG MA TN DZ GH ET TZ UG", _AFRICA),
    **_countries("IN PK BD LK NP", _SOUTH_ASIA),
    **_countries("SG MY ID TH VN PH KH MM", _SOUTHEAST_ASIA),
    **_countries("JP KR TW HK CN MO MN", _EAST_ASIA),
    **_countries("AU NZ FJ PG", _OCEANIA),
}

# CloudFront-Viewer-Country-Region carries the ISO 3166-2 subdivision ("WA", "CA", ...); a US
# viewer in one of these states is nearer us-west-2 than us-east-1.
US_WEST_STATES = frozenset("WA OR CA NV ID UT AZ MT WY CO NM AK HI".split())


@dataclass(frozen=True)
class Origin:
    region: str
    domain: str
    weight: float
    latency_ms: float = 0.0
    healthy: bool = True

    @property
    def eligible(self) -> bool:
        """A region takes traffic only when the plan gave it weight and it is not failed."""
        return self.healthy and self.weight > 0


@dataclass(frozen=True)
class RoutingTable:
    origins: tuple[Origin, ...]
    default_region: str | None = None

    def by_region(self, region: str) -> Origin | None:
        for origin in self.origins:
            if origin.region == region:
                return origin
        return None


def parse_routing_table(data: Any) -> RoutingTable:
    """Validate the decoded routing.json; raise ValueError naming the bad field.

    Importable by the Pulumi program so a bad plan fails at preview, not at the edge.
    """
    if not isinstance(data, Mapping):
        raise ValueError("routing.json: top level must be an object")
    raw_origins = data.get("origins")
    if not isinstance(raw_origins, list) or not raw_origins:
        raise ValueError("routing.json: 'origins' must be a non-empty list")
    origins: list[Origin] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_origins):
        where = f"routing.json: origins[{i}]"
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where} must be an object")
        region, domain = raw.get("region"), raw.get("domain")
        if not isinstance(region, str) or not region:
            raise ValueError(f"{where}.region must be a non-empty string")
        if region in seen:
            raise ValueError(f"{where}.region {region!r} is listed twice")
        if not isinstance(domain, str) or not domain:
            raise ValueError(f"{where}.domain must be a non-empty string")
        weight = raw.get("weight")
        latency = raw.get("latency_ms", 0)
        healthy = raw.get("healthy", True)
        for name, value in (("weight", weight), ("latency_ms", latency)):
            # bool is an int subclass; `true` as a weight is a plan bug, not 1.
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0:
                raise ValueError(f"{where}.{name} must be a finite number >= 0")
        if not isinstance(healthy, bool):
            raise ValueError(f"{where}.healthy must be true or false")
        seen.add(region)
        assert isinstance(weight, (int, float)) and isinstance(latency, (int, float))  # checked just above
        origins.append(Origin(region, domain, float(weight), float(latency), healthy))
    default_region = data.get("default_region")
    if default_region is not None and default_region not in seen:
        raise ValueError(f"routing.json: default_region {default_region!r} is not an origin region")
    return RoutingTable(tuple(origins), default_region)


def load_routing_table(path: Path = ROUTING_FILE) -> RoutingTable | None:
    """Read and validate routing.json; None (logged) when missing or invalid.

    None means "pass every request through untouched": a broken bundle must degrade to the
    distribution's own origin, never to failed viewer requests.
    """
    try:
        with open(path, encoding="utf-8") as f:
            return parse_routing_table(json.load(f))
    except FileNotFoundError:
        logger.error("routing table %s not found; passing requests through", path)
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        logger.error("routing table %s unusable (%s); passing requests through", path, exc)
    return None


# Loaded once per execution environment (cold start), reused by every invocation.
ROUTING_TABLE: RoutingTable | None = load_routing_table()


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """First value of a header in CloudFront's {lowercase: [{key, value}]} shape."""
    entries = headers.get(name)
    if entries and isinstance(entries, list) and isinstance(entries[0], Mapping):
        value = entries[0].get("value")
        return value if isinstance(value, str) else None
    return None


def preferred_regions(country: str | None, country_region: str | None = None) -> tuple[str, ...]:
    """Nearest regions for a viewer country (ISO 3166-1 alpha-2), nearest first."""
    if not country:
        return ()
    country = country.strip().upper()
    if country == "US" and country_region and country_region.strip().upper() in US_WEST_STATES:
        return _US_WEST
    return COUNTRY_REGIONS.get(country, ())


def _unit_hash(key: str, region: str) -> float:
    """Stable uniform number in (0, 1) for (client, region).

    blake2b, not hash(): Python salts str hashes per process, which would reshuffle clients
    on every cold start and across edge locations.
    """
    digest = hashlib.blake2b(f"{key}|{region}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 1) / (2**64 + 2)


def weighted_choice(origins: Sequence[Origin], key: str) -> Origin | None:
    """Pick an eligible origin with probability weight/sum(weights), sticky per key.

    Weighted rendezvous hashing (score = weight / -ln(u)): the same client always gets the same
    region, the split over many clients follows the weights, and when one region drops out only
    its own clients move (a cumulative-range pick would reshuffle everybody).
    """
    best, best_score = None, -1.0
    for origin in origins:
        if not origin.eligible:
            continue
        score = origin.weight / -math.log(_unit_hash(key, origin.region))
        if score > best_score:
            best, best_score = origin, score
    return best


def choose_origin(table: RoutingTable, client_ip: str, country: str | None = None,
                  country_region: str | None = None) -> Origin | None:
    """Nearest eligible region for the viewer's country, else sticky weighted choice.

    None when no region is eligible: the caller then leaves the request on the behaviour's
    configured origin rather than sending traffic to a region the plan drained.
    """
    for region in preferred_regions(country, country_region):
        origin = table.by_region(region)
        if origin is not None and origin.eligible:
            return origin
    return weighted_choice(table.origins, client_ip)


def route_request(request: dict, table: RoutingTable | None, event_type: str) -> dict:
    """Route one CloudFront request in place and return it (pure apart from the dict)."""
    uri = request.get("uri") or ""
    if table is None or not uri.startswith(ROUTED_PREFIX):
        return request
    headers = request.setdefault("headers", {})
    # The origin may log or trust this header; a client must not be able to supply it.
    headers.pop(ROUTED_REGION_HEADER, None)
    trust_geo = event_type != VIEWER_REQUEST  # viewer-request geo headers come from the client
    origin = choose_origin(
        table,
        request.get("clientIp") or "",
        _header(headers, "cloudfront-viewer-country") if trust_geo else None,
        _header(headers, "cloudfront-viewer-country-region") if trust_geo else None,
    )
    if origin is None:
        logger.warning("no eligible origin for %s; passing through", uri)
        return request
    headers[ROUTED_REGION_HEADER] = [{"key": "X-Routed-Region", "value": origin.region}]
    custom = (request.get("origin") or {}).get("custom")
    if isinstance(custom, dict):
        # Only origin-request events carry the origin; there Host is writable and must match
        # the new origin or the ALB listener rules / TLS name check would see the old host.
        custom["domainName"] = origin.domain
        headers["host"] = [{"key": "Host", "value": origin.domain}]
    return request


def handler(event: dict, context: Any = None) -> dict:
    """Lambda@Edge entry point for viewer-request and origin-request events.

    Any unexpected error returns the request unchanged: an exception here would turn into a
    502 for the viewer, which is worse than serving from the default origin.
    """
    request = event["Records"][0]["cf"]["request"]
    try:
        event_type = event["Records"][0]["cf"].get("config", {}).get("eventType", VIEWER_REQUEST)
        return route_request(request, ROUTING_TABLE, event_type)
    except Exception:  # noqa: BLE001 - never fail the viewer's request
        logger.exception("routing failed; passing request through")
        return request
