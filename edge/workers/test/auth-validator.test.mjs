// node --test edge/workers/test/  (Node >= 20: real Request/Response/Headers + WebCrypto, fake upstream)
//
// The Worker module exports only its handler (what workerd accepts), so these tests drive
// `worker.fetch` the way the runtime does, with Date.now and the global fetch replaced.
// test-workerd/ runs the same module in workerd itself.
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';

import worker from '../auth-validator.js';

const CLOCK_SKEW_SECONDS = 30; // documented in edge/README.md; the module keeps it private
const SECRET = 'test-secret-0123456789abcdef0123456789'; // >= 32 bytes
const NOW_S = 1_735_732_800; // 2025-01-01T12:00:00Z
const now = () => NOW_S * 1000;
const enc = new TextEncoder();

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** Build a real HS256 JWT with crypto.subtle (what an issuer would produce). */
async function sign(claims, { secret = SECRET, header = { alg: 'HS256', typ: 'JWT' } } = {}) {
  const data = `${b64url(enc.encode(JSON.stringify(header)))}.${b64url(enc.encode(JSON.stringify(claims)))}`;
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(data)));
  return `${data}.${b64url(sig)}`;
}

const claims = (extra = {}) => ({ sub: 'user-42', iat: NOW_S - 10, exp: NOW_S + 300, ...extra });

let calls = [];

beforeEach(() => {
  calls = [];
  mock.method(Date, 'now', now);
  mock.method(globalThis, 'fetch', async (request) => {
    calls.push(request);
    return new Response('secret stuff', { status: 200 });
  });
});
afterEach(() => mock.restoreAll());

const secureRequest = (token, extraHeaders = {}) =>
  new Request('https://app.example.com/secure/report', {
    headers: { ...(token !== undefined && { Authorization: `Bearer ${token}` }), ...extraHeaders },
  });

async function call(request, env = { JWT_SECRET: SECRET }) {
  const response = await worker.fetch(request, env, { waitUntil() {} });
  return { response, calls };
}

async function assert401(response, description) {
  assert.equal(response.status, 401);
  const challenge = response.headers.get('WWW-Authenticate');
  if (description) {
    assert.equal(challenge, `Bearer realm="secure", error="invalid_token", error_description="${description}"`);
  } else {
    assert.equal(challenge, 'Bearer realm="secure"');
  }
}

test('the module exports only the handler object (what workerd accepts)', async () => {
  const module = await import('../auth-validator.js');
  assert.deepEqual(Object.keys(module), ['default']);
  assert.equal(typeof worker.fetch, 'function');
});

test('valid token: forwarded once with X-Auth-Subject, spoofed subject replaced', async () => {
  const token = await sign(claims());
  const { response, calls } = await call(secureRequest(token, { 'X-Auth-Subject': 'admin' }));
  assert.equal(response.status, 200);
  assert.equal(await response.text(), 'secret stuff');
  assert.equal(calls.length, 1);
  assert.equal(calls[0].headers.get('X-Auth-Subject'), 'user-42');
  assert.equal(calls[0].headers.get('Authorization'), `Bearer ${token}`);
  assert.equal(calls[0].url, 'https://app.example.com/secure/report');
});

test('missing Authorization: 401 without error code (RFC 6750 §3.1)', async () => {
  const { response, calls } = await call(secureRequest(undefined));
  await assert401(response);
  assert.equal(calls.length, 0);
});

test('non-Bearer credentials: 401', async () => {
  const { response } = await call(new Request('https://app.example.com/secure/x', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } }));
  await assert401(response);
});

test('expired token: 401 token expired (beyond the clock skew)', async () => {
  const { response, calls } = await call(secureRequest(await sign(claims({ exp: NOW_S - CLOCK_SKEW_SECONDS }))));
  await assert401(response, 'token expired');
  assert.equal(calls.length, 0);
});

test('just expired but within the clock skew: accepted', async () => {
  const { response } = await call(secureRequest(await sign(claims({ exp: NOW_S - CLOCK_SKEW_SECONDS + 1 }))));
  assert.equal(response.status, 200);
});

test('bad signature: 401 invalid signature', async () => {
  const wrongKey = await sign(claims(), { secret: 'another-secret-0123456789abcdef0123' });
  await assert401((await call(secureRequest(wrongKey))).response, 'invalid signature');
  // payload swapped after signing (privilege escalation attempt)
  const [h, , s] = (await sign(claims())).split('.');
  const forged = `${h}.${b64url(enc.encode(JSON.stringify(claims({ sub: 'admin' }))))}.${s}`;
  await assert401((await call(secureRequest(forged))).response, 'invalid signature');
});

test('alg none / RS256 rejected before any signature check', async () => {
  const none = `${b64url(enc.encode('{"alg":"none"}'))}.${b64url(enc.encode(JSON.stringify(claims())))}.`;
  await assert401((await call(secureRequest(none))).response, 'unsupported algorithm');
  const rs = await sign(claims(), { header: { alg: 'RS256' } });
  await assert401((await call(secureRequest(rs))).response, 'unsupported algorithm');
});

test('nbf in the future: 401; missing exp: 401; missing sub: 401', async () => {
  await assert401((await call(secureRequest(await sign(claims({ nbf: NOW_S + 600 }))))).response, 'token not yet valid');
  const { exp, ...noExp } = claims();
  await assert401((await call(secureRequest(await sign(noExp)))).response, 'missing exp');
  const { sub, ...noSub } = claims();
  await assert401((await call(secureRequest(await sign(noSub)))).response, 'invalid subject');
  await assert401((await call(secureRequest(await sign(claims({ sub: 'a\r\nX-Evil: 1' }))))).response, 'invalid subject');
});

test('malformed tokens: 401 malformed token', async () => {
  for (const token of ['abc', 'a.b', 'a.b.c.d', '!!!.e30.sig', `${b64url(enc.encode('[1]'))}.e30.AA`]) {
    await assert401((await call(secureRequest(token))).response, 'malformed token');
  }
  await assert401((await call(secureRequest('a'.repeat(9000)))).response, 'token too long');
});

test('aud and iss checked only when configured', async () => {
  const env = { JWT_SECRET: SECRET, JWT_AUDIENCE: 'api.example.com', JWT_ISSUER: 'https://auth.example.com/' };
  const good = await sign(claims({ aud: ['other', 'api.example.com'], iss: 'https://auth.example.com/' }));
  assert.equal((await call(secureRequest(good), env)).response.status, 200);
  const badAud = await sign(claims({ aud: 'other', iss: 'https://auth.example.com/' }));
  await assert401((await call(secureRequest(badAud), env)).response, 'invalid audience');
  const badIss = await sign(claims({ aud: 'api.example.com', iss: 'https://evil.example.com/' }));
  await assert401((await call(secureRequest(badIss), env)).response, 'invalid issuer');
  // without JWT_AUDIENCE / JWT_ISSUER the same tokens pass
  assert.equal((await call(secureRequest(badAud))).response.status, 200);
});

test('missing or short JWT_SECRET fails closed with 500, upstream never called', async () => {
  const token = await sign(claims());
  for (const env of [{}, { JWT_SECRET: 'short' }]) {
    const { response, calls } = await call(secureRequest(token), env);
    assert.equal(response.status, 500);
    assert.equal(calls.length, 0);
  }
});

test('base64url only: a token with base64 "+" or "/" is malformed', async () => {
  const [h, p] = (await sign(claims())).split('.');
  await assert401((await call(secureRequest(`${h}.${p}.a+b/`))).response, 'malformed token');
});

test('a client-sent X-Auth-Subject never reaches the origin without a valid token', async () => {
  const { response } = await call(secureRequest(undefined, { 'X-Auth-Subject': 'admin' }));
  await assert401(response);
  assert.equal(calls.length, 0);
});

test('POST body is forwarded intact', async () => {
  const token = await sign(claims());
  const request = new Request('https://app.example.com/secure/upload', {
    method: 'POST', body: '{"a":1}',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });
  const { response, calls } = await call(request);
  assert.equal(response.status, 200);
  assert.equal(calls[0].method, 'POST');
  assert.equal(await calls[0].text(), '{"a":1}');
});
