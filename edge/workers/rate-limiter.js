/**
 * Cloudflare Worker: per-client-IP rate limit in front of the API.
 *
 * Runbook: novacron "7. Edge Location Scaling" -> cloudflare_workers `rate-limiter`,
 * routes ["*\/api/*"], cpu_limit 10ms.
 *
 * Algorithm: fixed window aligned to the epoch (window = floor(now / windowMs)), one counter per
 * client IP. Chosen over a token bucket because it is one Map lookup and one increment, and its
 * headers are exact ("N left until T"). Cost: a client can send up to 2x the limit across a
 * window boundary; acceptable for a first line of defence against floods, not for billing.
 *
 * Where the counters live, and why (the trade-off):
 * - In-memory Map per isolate (this file). Zero I/O, microseconds of CPU, so it fits the 10 ms
 *   CPU budget with room to spare. But Cloudflare runs many isolates per data centre and one set
 *   per data centre, and evicts idle isolates: the effective limit is "limit per isolate", a
 *   client spread over N isolates gets up to N x limit, and counts reset on eviction. It stops
 *   a single noisy client hammering one location; it is not a global quota.
 * - Workers KV: eventually consistent (writes take time to reach other locations) and limited to
 *   about one write per second per key, so it cannot hold a per-request counter.
 * - Durable Objects: exact global counts, but every request pays a round trip to the object's
 *   location (wall time, not CPU) and a per-request charge. Use when the limit is contractual.
 * - Cloudflare's own rate limiting (WAF rate limiting rules, or the Workers rate limiting
 *   binding) keeps counters per location outside the isolate; the natural upgrade if the
 *   per-isolate leak above matters. This Worker stays dependency- and binding-free on purpose.
 *
 * Configuration (Worker vars, strings): RATE_LIMIT (default 100 requests) and
 * RATE_LIMIT_WINDOW_SECONDS (default 60). Missing, non-numeric or < 1 values use the defaults.
 *
 * The module exports the handler object and nothing else: workerd treats every export of the main
 * module as an entrypoint, and refuses to start on any other value ("Incorrect type for map entry
 * 'DEFAULT_LIMIT'"). The constants below stay module-private; infra/planning/edge_plan.py reads the
 * RUNBOOK_* ones from this source. Tests drive the handler (node --test, and workerd via Miniflare).
 */

// novacron runbook, "7. Edge Location Scaling", cloudflare_workers.scripts[rate-limiter]
const RUNBOOK_CPU_LIMIT_MS = 10;
const RUNBOOK_ROUTES = Object.freeze(['*/api/*']);

const DEFAULT_LIMIT = 100;
const DEFAULT_WINDOW_SECONDS = 60;
// Bounds the isolate's memory under a spoof-free but wide flood (one entry ~100 bytes).
const MAX_TRACKED_CLIENTS = 10_000;
const PRUNE_TO = 0.9;

const STORE = new Map();

function positiveInt(value, fallback) {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 1 ? n : fallback;
}

/** Limit and window from the Worker's env bindings, with the documented defaults. */
function parseConfig(env = {}) {
  return {
    limit: positiveInt(env.RATE_LIMIT, DEFAULT_LIMIT),
    windowSeconds: positiveInt(env.RATE_LIMIT_WINDOW_SECONDS, DEFAULT_WINDOW_SECONDS),
  };
}

/**
 * The client's IP as Cloudflare saw it. Cloudflare sets CF-Connecting-IP on every request from
 * the internet and a client cannot override it; null means a request that did not come through
 * the edge (e.g. a Worker subrequest), which is not limited.
 */
function clientKey(request) {
  return request.headers.get('CF-Connecting-IP') || null;
}

/**
 * Keep the store under `max`: drop expired windows, then the oldest clients, down to
 * PRUNE_TO of the cap. The slack matters: pruning to exactly `max` would rescan the whole Map on
 * every new client once full (measured: ~60 us per request at 10k clients); with 10% slack one
 * O(n) scan pays for the next n/10 new clients.
 */
function prune(store, windowStart, max = MAX_TRACKED_CLIENTS) {
  if (store.size <= max) return;
  const target = Math.floor(max * PRUNE_TO);
  for (const [key, entry] of store) {
    if (entry.windowStart < windowStart) store.delete(key);
  }
  for (const key of store.keys()) {
    if (store.size <= target) break;
    store.delete(key); // Map iterates in insertion order: oldest window first
  }
}

/**
 * Count one request for `key` at `nowMs` and decide. Pure apart from `store`.
 * Returns {allowed, limit, remaining, resetSeconds (epoch s), retryAfterSeconds}.
 */
function hit(store, key, nowMs, limit, windowSeconds, max = MAX_TRACKED_CLIENTS) {
  const windowMs = windowSeconds * 1000;
  const windowStart = Math.floor(nowMs / windowMs) * windowMs;
  let entry = store.get(key);
  if (!entry || entry.windowStart !== windowStart) {
    store.delete(key); // re-insert so insertion order tracks recency for prune()
    entry = { windowStart, count: 0 };
    store.set(key, entry);
    prune(store, windowStart, max);
  }
  entry.count += 1;
  const resetMs = windowStart + windowMs;
  return {
    allowed: entry.count <= limit,
    limit,
    remaining: Math.max(0, limit - entry.count),
    resetSeconds: Math.ceil(resetMs / 1000),
    retryAfterSeconds: Math.max(1, Math.ceil((resetMs - nowMs) / 1000)),
  };
}

/** X-RateLimit-* headers (Reset is epoch seconds, the GitHub convention). */
function rateLimitHeaders(decision) {
  return {
    'X-RateLimit-Limit': String(decision.limit),
    'X-RateLimit-Remaining': String(decision.remaining),
    'X-RateLimit-Reset': String(decision.resetSeconds),
  };
}

function tooManyRequests(decision) {
  return new Response(
    JSON.stringify({ error: 'rate_limited', retry_after: decision.retryAfterSeconds }),
    {
      status: 429,
      headers: {
        'Content-Type': 'application/json',
        'Retry-After': String(decision.retryAfterSeconds),
        'Cache-Control': 'no-store',
        ...rateLimitHeaders(decision),
      },
    },
  );
}

/** The Worker's logic: count, then answer 429 or forward to the origin and add the headers. */
async function handleRequest(request, env) {
  const key = clientKey(request);
  if (key === null) return fetch(request);
  const { limit, windowSeconds } = parseConfig(env);
  const decision = hit(STORE, key, Date.now(), limit, windowSeconds);
  if (!decision.allowed) return tooManyRequests(decision);

  const response = await fetch(request);
  // A WebSocket upgrade (101) cannot be re-wrapped without losing the socket: pass it as is.
  if (response.status === 101 || response.webSocket) return response;
  // fetch() responses have immutable headers; copy to add ours.
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(rateLimitHeaders(decision))) out.headers.set(name, value);
  return out;
}

export default {
  async fetch(request, env, ctx) {
    return handleRequest(request, env);
  },
};
