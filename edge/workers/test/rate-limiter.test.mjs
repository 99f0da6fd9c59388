// node --test edge/workers/test/  (Node 20: real Request/Response/Headers, fake upstream fetch)
import { test } from 'node:test';
import assert from 'node:assert/strict';

import worker, {
  DEFAULT_LIMIT, DEFAULT_WINDOW_SECONDS, RUNBOOK_CPU_LIMIT_MS, RUNBOOK_ROUTES,
  handleRequest, hit, parseConfig, prune,
} from '../rate-limiter.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0); // a window boundary for any window dividing 60 s

function fakeUpstream() {
  const calls = [];
  const fetch = async (request) => {
    calls.push(request);
    return new Response('{"ok":true}', { status: 200, headers: { 'Content-Type': 'application/json', 'X-Origin': 'alb' } });
  };
  return { fetch, calls };
}

const apiRequest = (ip = '203.0.113.7') =>
  new Request('https://app.example.com/api/orders', { headers: ip ? { 'CF-Connecting-IP': ip } : {} });

test('runbook numbers and documented defaults', () => {
  assert.equal(RUNBOOK_CPU_LIMIT_MS, 10);
  assert.deepEqual([...RUNBOOK_ROUTES], ['*/api/*']);
  assert.deepEqual(parseConfig({}), { limit: DEFAULT_LIMIT, windowSeconds: DEFAULT_WINDOW_SECONDS });
  assert.deepEqual([DEFAULT_LIMIT, DEFAULT_WINDOW_SECONDS], [100, 60]);
  assert.deepEqual(parseConfig({ RATE_LIMIT: '5', RATE_LIMIT_WINDOW_SECONDS: '10' }), { limit: 5, windowSeconds: 10 });
  assert.deepEqual(parseConfig({ RATE_LIMIT: 'lots', RATE_LIMIT_WINDOW_SECONDS: '0' }), { limit: 100, windowSeconds: 60 });
});

test('passes through under the limit, adding X-RateLimit-* and keeping upstream headers', async () => {
  const { fetch, calls } = fakeUpstream();
  const store = new Map();
  const env = { RATE_LIMIT: '3', RATE_LIMIT_WINDOW_SECONDS: '60' };
  const res = await handleRequest(apiRequest(), env, { now: () => T0 + 1500, fetch, store });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '{"ok":true}');
  assert.equal(res.headers.get('X-Origin'), 'alb');
  assert.equal(res.headers.get('X-RateLimit-Limit'), '3');
  assert.equal(res.headers.get('X-RateLimit-Remaining'), '2');
  assert.equal(res.headers.get('X-RateLimit-Reset'), String(T0 / 1000 + 60));
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, 'https://app.example.com/api/orders');
});

test('429 with Retry-After and X-RateLimit-* after the limit; upstream not called', async () => {
  const { fetch, calls } = fakeUpstream();
  const store = new Map();
  const env = { RATE_LIMIT: '3' };
  const now = () => T0 + 20_000;
  const remaining = [];
  for (let i = 0; i < 3; i++) {
    const res = await handleRequest(apiRequest(), env, { now, fetch, store });
    assert.equal(res.status, 200);
    remaining.push(res.headers.get('X-RateLimit-Remaining'));
  }
  assert.deepEqual(remaining, ['2', '1', '0']);
  const res = await handleRequest(apiRequest(), env, { now, fetch, store });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('Retry-After'), '40');
  assert.equal(res.headers.get('X-RateLimit-Limit'), '3');
  assert.equal(res.headers.get('X-RateLimit-Remaining'), '0');
  assert.equal(res.headers.get('X-RateLimit-Reset'), String(T0 / 1000 + 60));
  assert.deepEqual(await res.json(), { error: 'rate_limited', retry_after: 40 });
  assert.equal(calls.length, 3);
});

test('limits are per client IP', async () => {
  const { fetch } = fakeUpstream();
  const store = new Map();
  const env = { RATE_LIMIT: '1' };
  const now = () => T0;
  assert.equal((await handleRequest(apiRequest('198.51.100.1'), env, { now, fetch, store })).status, 200);
  assert.equal((await handleRequest(apiRequest('198.51.100.1'), env, { now, fetch, store })).status, 429);
  assert.equal((await handleRequest(apiRequest('198.51.100.2'), env, { now, fetch, store })).status, 200);
  assert.equal((await handleRequest(apiRequest('2001:db8::1'), env, { now, fetch, store })).status, 200);
});

test('a new window resets the count', async () => {
  const { fetch } = fakeUpstream();
  const store = new Map();
  const env = { RATE_LIMIT: '1', RATE_LIMIT_WINDOW_SECONDS: '60' };
  assert.equal((await handleRequest(apiRequest(), env, { now: () => T0 + 59_999, fetch, store })).status, 200);
  assert.equal((await handleRequest(apiRequest(), env, { now: () => T0 + 59_999, fetch, store })).status, 429);
  const res = await handleRequest(apiRequest(), env, { now: () => T0 + 60_000, fetch, store });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('X-RateLimit-Remaining'), '0');
});

test('Retry-After is at least one second at the very end of a window', () => {
  const d = hit(new Map(), 'k', T0 + 59_999, 0, 60);
  assert.equal(d.allowed, false);
  assert.equal(d.retryAfterSeconds, 1);
});

test('requests without CF-Connecting-IP (not from the edge) are not limited', async () => {
  const { fetch, calls } = fakeUpstream();
  const store = new Map();
  const res = await handleRequest(apiRequest(null), { RATE_LIMIT: '1' }, { now: () => T0, fetch, store });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('X-RateLimit-Remaining'), null);
  assert.equal(store.size, 0);
  assert.equal(calls.length, 1);
});

test('the store stays bounded: expired windows first, then the oldest clients', () => {
  const store = new Map();
  for (let i = 0; i < 10; i++) hit(store, `old-${i}`, T0, 100, 60, 10);
  assert.equal(store.size, 10);
  hit(store, 'new-0', T0 + 60_000, 100, 60, 10); // 11th client: expired windows go first
  assert.deepEqual([...store.keys()], ['new-0']);
  for (let i = 1; i < 50; i++) {
    hit(store, `new-${i}`, T0 + 60_000, 100, 60, 10);
    assert.ok(store.size <= 10);
  }
  assert.ok(store.has('new-49') && store.has('new-48') && !store.has('new-1')); // oldest evicted
  prune(store, T0 + 120_000, 0);
  assert.equal(store.size, 0);
});

test('default export is an ES module Worker using the global fetch', async () => {
  const saved = globalThis.fetch;
  const { fetch, calls } = fakeUpstream();
  globalThis.fetch = fetch;
  try {
    const res = await worker.fetch(apiRequest('192.0.2.55'), {}, { waitUntil() {} });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('X-RateLimit-Limit'), '100');
    assert.equal(res.headers.get('X-RateLimit-Remaining'), '99');
    assert.equal(calls.length, 1);
  } finally {
    globalThis.fetch = saved;
  }
});

test('hot path is cheap: well under the 10 ms CPU budget per request', () => {
  const store = new Map();
  const n = 20_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) hit(store, `10.0.${(i >> 8) & 255}.${i & 255}`, T0 + i, 100, 60);
  const perRequestMs = (performance.now() - start) / n;
  assert.ok(perRequestMs < RUNBOOK_CPU_LIMIT_MS / 100, `${perRequestMs} ms per request`);
});
