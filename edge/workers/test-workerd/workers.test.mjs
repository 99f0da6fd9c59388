// The two Workers running in workerd (Cloudflare's runtime) through Miniflare.
//
//   npm ci && node --test test-workerd/     (from edge/workers; tests/edge/test_workers_workerd.py runs it)
//
// What runs is what the plan uploads: with WORKERS_PLAN=<file> (written by the pytest driver from
// the offline plan's cloudflare WorkersScript inputs) each Worker starts from the planned `content`,
// `mainModule`, `compatibilityDate` and `bindings`; the secret binding, "[secret]" in a plan, gets a
// test value. Without WORKERS_PLAN the sources in edge/workers/ start with the documented default vars.
// The origin is Miniflare's outboundService: a function here that records what reached it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Miniflare } from 'miniflare';

const SECRET = 'workerd-test-secret-0123456789abcdef'; // >= 32 bytes (RFC 7518 §3.2)
const enc = new TextEncoder();
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const source = (file) => readFileSync(fileURLToPath(new URL(`../${file}`, import.meta.url)), 'utf8');

/** {name: {mainModule, content, compatibilityDate, bindings: {NAME: text}}} from the plan or the sources. */
function plannedWorkers() {
  const path = process.env.WORKERS_PLAN;
  const scripts = path ? JSON.parse(readFileSync(path, 'utf8')) : [
    { name: 'rate-limiter', mainModule: 'rate-limiter.js', compatibilityDate: '2024-09-23',
      bindings: [{ name: 'RATE_LIMIT', type: 'plain_text', text: '100' },
                 { name: 'RATE_LIMIT_WINDOW_SECONDS', type: 'plain_text', text: '60' }] },
    { name: 'auth-validator', mainModule: 'auth-validator.js', compatibilityDate: '2024-09-23',
      bindings: [{ name: 'JWT_SECRET', type: 'secret_text', text: '[secret]' }] },
  ].map((s) => ({ ...s, content: source(s.mainModule) }));
  return Object.fromEntries(scripts.map((s) => [s.name, {
    ...s,
    bindings: Object.fromEntries(s.bindings.map((b) => [b.name, b.type === 'secret_text' ? SECRET : b.text])),
  }]));
}

const planned = plannedWorkers();
const origin = []; // requests that reached the origin, in order

function workerOptions(name, plan, extraBindings = {}, dropBindings = []) {
  const bindings = { ...plan.bindings, ...extraBindings };
  for (const key of dropBindings) delete bindings[key];
  return {
    name,
    modules: [{ type: 'ESModule', path: plan.mainModule, contents: plan.content }],
    compatibilityDate: plan.compatibilityDate,
    bindings,
    outboundService: async (request) => {
      origin.push({ worker: name, url: request.url, method: request.method,
                    headers: Object.fromEntries(request.headers), body: await request.text() });
      return new Response('{"ok":true}', { status: 200, headers: { 'Content-Type': 'application/json', 'X-Origin': 'alb' } });
    },
  };
}

let mf;
const workers = {};

before(async () => {
  const rl = planned['rate-limiter'];
  const av = planned['auth-validator'];
  assert.ok(rl && av, `the plan has both Workers: ${Object.keys(planned)}`);
  // One workerd process, five isolates: the planned pair plus variants of their config bindings.
  mf = new Miniflare({ workers: [
    workerOptions('rate-limiter', rl),
    workerOptions('auth-validator', av),
    workerOptions('rate-limiter-3', rl, { RATE_LIMIT: '3' }),
    workerOptions('auth-validator-claims', av, { JWT_AUDIENCE: 'api.example.com', JWT_ISSUER: 'https://auth.example.com/' }),
    workerOptions('auth-validator-unconfigured', av, {}, ['JWT_SECRET']),
  ] });
  await mf.ready; // a module workerd refuses (e.g. a non-handler export) fails here
  for (const name of ['rate-limiter', 'auth-validator', 'rate-limiter-3', 'auth-validator-claims', 'auth-validator-unconfigured']) {
    workers[name] = await mf.getWorker(name);
  }
});

after(async () => { await mf?.dispose(); });

let nextIp = 0;
const freshIp = () => `203.0.113.${++nextIp}`;
const api = (worker, ip, init = {}) => workers[worker].fetch('https://www.example.com/api/orders', {
  ...init, headers: { ...(ip && { 'CF-Connecting-IP': ip }), ...(init.headers || {}) } });
const originCalls = (worker) => origin.filter((c) => c.worker === worker);

async function drain(response) {
  const text = await response.text();
  return { status: response.status, headers: Object.fromEntries(response.headers), text };
}

test('rate-limiter, planned bindings: 100 pass with X-RateLimit-*, the 101st gets 429 + Retry-After', async () => {
  const limit = Number(planned['rate-limiter'].bindings.RATE_LIMIT);
  const windowS = Number(planned['rate-limiter'].bindings.RATE_LIMIT_WINDOW_SECONDS);
  assert.deepEqual([limit, windowS], [100, 60]);
  // A run takes well under a second; if it straddles a window boundary the count restarts
  // (correct behaviour, wrong test), so try again once with a new client in the new window.
  for (let attempt = 0; attempt < 2; attempt++) {
    const ip = freshIp();
    const before = originCalls('rate-limiter').length;
    const responses = [];
    for (let i = 0; i <= limit; i++) responses.push(await drain(await api('rate-limiter', ip)));
    const resets = new Set(responses.map((r) => r.headers['x-ratelimit-reset']));
    if (resets.size > 1) continue;
    responses.slice(0, limit).forEach((r, i) => {
      assert.equal(r.status, 200);
      assert.equal(r.text, '{"ok":true}');
      assert.equal(r.headers['x-origin'], 'alb');
      assert.equal(r.headers['x-ratelimit-limit'], String(limit));
      assert.equal(r.headers['x-ratelimit-remaining'], String(limit - 1 - i));
    });
    const blocked = responses[limit];
    const reset = Number(blocked.headers['x-ratelimit-reset']);
    const nowS = Date.now() / 1000;
    assert.equal(blocked.status, 429);
    assert.equal(blocked.headers['x-ratelimit-limit'], String(limit));
    assert.equal(blocked.headers['x-ratelimit-remaining'], '0');
    assert.equal(reset % windowS, 0, 'reset is the end of an epoch-aligned window');
    assert.ok(reset > nowS - 1 && reset <= nowS + windowS + 1, `reset ${reset} within one window of ${nowS}`);
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowS, `Retry-After ${retryAfter}`);
    assert.equal(blocked.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(blocked.text), { error: 'rate_limited', retry_after: retryAfter });
    assert.equal(originCalls('rate-limiter').length - before, limit, 'the 429 never reaches the origin');
    return;
  }
  assert.fail('two runs straddled a window boundary');
});

test('rate-limiter: counts are per client IP; no CF-Connecting-IP (not from the edge) is not limited', async () => {
  const [a, b] = [freshIp(), freshIp()];
  const statuses = [];
  for (const ip of [a, a, a, a, b]) statuses.push((await drain(await api('rate-limiter-3', ip))).status);
  assert.deepEqual(statuses, [200, 200, 200, 429, 200]);
  for (let i = 0; i < 4; i++) {
    const r = await drain(await api('rate-limiter-3', null));
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-ratelimit-remaining'], undefined);
  }
});

test('rate-limiter: the RATE_LIMIT binding is read in workerd (3 -> the 4th request is refused)', async () => {
  const ip = freshIp();
  const remaining = [];
  for (let i = 0; i < 4; i++) {
    const r = await drain(await api('rate-limiter-3', ip));
    remaining.push([r.status, r.headers['x-ratelimit-limit'], r.headers['x-ratelimit-remaining']]);
  }
  // same window unless the 4 requests straddle a boundary (then the 4th passes with a new count)
  if (remaining[3][0] === 200) return;
  assert.deepEqual(remaining, [[200, '3', '2'], [200, '3', '1'], [200, '3', '0'], [429, '3', '0']]);
});

test('rate-limiter: a POST body reaches the origin intact', async () => {
  const r = await drain(await api('rate-limiter', freshIp(), { method: 'POST', body: '{"order":1}',
    headers: { 'Content-Type': 'application/json' } }));
  assert.equal(r.status, 200);
  const call = originCalls('rate-limiter').at(-1);
  assert.deepEqual([call.method, call.body, call.url], ['POST', '{"order":1}', 'https://www.example.com/api/orders']);
});

/** A real HS256 JWT, signed the way an issuer would. */
async function sign(claims, { secret = SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const data = `${b64url(enc.encode(JSON.stringify(header)))}.${b64url(enc.encode(JSON.stringify(claims)))}`;
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return `${data}.${b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(data))))}`;
}

const nowS = () => Math.floor(Date.now() / 1000);
const claims = (extra = {}) => ({ sub: 'user-42', iat: nowS() - 10, exp: nowS() + 300, ...extra });
const secure = (worker, token, headers = {}) => workers[worker].fetch('https://www.example.com/secure/report', {
  headers: { ...(token !== undefined && { Authorization: `Bearer ${token}` }), ...headers } });

test('auth-validator, planned bindings: a valid token reaches the origin with X-Auth-Subject (spoof replaced)', async () => {
  const token = await sign(claims());
  const before = originCalls('auth-validator').length;
  const r = await drain(await secure('auth-validator', token, { 'X-Auth-Subject': 'admin' }));
  assert.equal(r.status, 200);
  assert.equal(r.text, '{"ok":true}');
  const calls = originCalls('auth-validator').slice(before);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].headers['x-auth-subject'], 'user-42');
  assert.equal(calls[0].headers.authorization, `Bearer ${token}`);
});

test('auth-validator: 401 with the RFC 6750 challenge, and nothing reaches the origin', async () => {
  const before = originCalls('auth-validator').length;
  const none = `${b64url(enc.encode('{"alg":"none"}'))}.${b64url(enc.encode(JSON.stringify(claims())))}.`;
  const cases = [
    [undefined, 'Bearer realm="secure"'],
    [await sign(claims({ exp: nowS() - 31 })), 'token expired'],
    [await sign(claims(), { secret: 'another-secret-0123456789abcdef0123' }), 'invalid signature'],
    [none, 'unsupported algorithm'],
    [await sign(claims({ nbf: nowS() + 600 })), 'token not yet valid'],
    ['a.b', 'malformed token'],
  ];
  for (const [token, expected] of cases) {
    const r = await drain(await secure('auth-validator', token));
    assert.equal(r.status, 401, expected);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['www-authenticate'], expected.startsWith('Bearer')
      ? expected : `Bearer realm="secure", error="invalid_token", error_description="${expected}"`);
  }
  assert.equal(originCalls('auth-validator').length, before);
});

test('auth-validator: JWT_AUDIENCE / JWT_ISSUER vars are enforced when set', async () => {
  const good = await sign(claims({ aud: ['other', 'api.example.com'], iss: 'https://auth.example.com/' }));
  const badAud = await sign(claims({ aud: 'other', iss: 'https://auth.example.com/' }));
  const badIss = await sign(claims({ aud: 'api.example.com', iss: 'https://evil.example.com/' }));
  assert.equal((await drain(await secure('auth-validator-claims', good))).status, 200);
  assert.match((await drain(await secure('auth-validator-claims', badAud))).headers['www-authenticate'], /invalid audience/);
  assert.match((await drain(await secure('auth-validator-claims', badIss))).headers['www-authenticate'], /invalid issuer/);
  // the planned worker (no audience/issuer vars in the prod plan) accepts the same token
  assert.equal((await drain(await secure('auth-validator', badAud))).status, 200);
});

test('auth-validator: without the JWT_SECRET binding every request fails closed with 500', async () => {
  const r = await drain(await secure('auth-validator-unconfigured', await sign(claims())));
  assert.equal(r.status, 500);
  assert.deepEqual(JSON.parse(r.text), { error: 'auth_not_configured' });
  assert.equal(originCalls('auth-validator-unconfigured').length, 0);
});
