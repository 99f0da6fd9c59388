// node --test edge/workers/test/  (Node 20: real Request/Response/Headers + WebCrypto, fake upstream)
import { test } from 'node:test';
import assert from 'node:assert/strict';

import worker, {
  CLOCK_SKEW_SECONDS, RUNBOOK_CPU_LIMIT_MS, RUNBOOK_ROUTES, base64UrlDecode, handleRequest, verifyJwt,
} from '../auth-validator.js';

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

function fakeUpstream() {
  const calls = [];
  return {
    calls,
    fetch: async (request) => {
      calls.push(request);
      return new Response('secret stuff', { status: 200 });
    },
  };
}

const secureRequest = (token, extraHeaders = {}) =>
  new Request('https://app.example.com/secure/report', {
    headers: { ...(token !== undefined && { Authorization: `Bearer ${token}` }), ...extraHeaders },
  });

async function call(request, env = { JWT_SECRET: SECRET }) {
  const upstream = fakeUpstream();
  const response = await handleRequest(request, env, { now, fetch: upstream.fetch });
  return { response, calls: upstream.calls };
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

test('runbook numbers', () => {
  assert.equal(RUNBOOK_CPU_LIMIT_MS, 50);
  assert.deepEqual([...RUNBOOK_ROUTES], ['*/secure/*']);
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

test('verifyJwt returns the claims; base64UrlDecode rejects non-base64url', async () => {
  const result = await verifyJwt(await sign(claims()), { secret: SECRET, nowSeconds: NOW_S });
  assert.equal(result.ok, true);
  assert.equal(result.claims.sub, 'user-42');
  assert.throws(() => base64UrlDecode('a+b/'));
  assert.deepEqual([...base64UrlDecode('AQID')], [1, 2, 3]);
});

test('default export validates and forwards through the global fetch', async () => {
  const saved = globalThis.fetch;
  const upstream = fakeUpstream();
  globalThis.fetch = upstream.fetch;
  try {
    const token = await sign({ sub: 'svc', exp: Math.floor(Date.now() / 1000) + 60 });
    const res = await worker.fetch(secureRequest(token), { JWT_SECRET: SECRET }, { waitUntil() {} });
    assert.equal(res.status, 200);
    assert.equal(upstream.calls[0].headers.get('X-Auth-Subject'), 'svc');
  } finally {
    globalThis.fetch = saved;
  }
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
