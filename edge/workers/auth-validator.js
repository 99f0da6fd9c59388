/**
 * Cloudflare Worker: HS256 JWT bearer validation in front of /secure/*.
 *
 * Runbook: novacron "7. Edge Location Scaling" -> cloudflare_workers `auth-validator`,
 * routes ["*\/secure/*"], cpu_limit 50ms. One HMAC-SHA256 over a few hundred bytes is well under
 * a millisecond; the CryptoKey is imported once per isolate and reused.
 *
 * Checks, in order (the first failure answers 401 with RFC 6750 WWW-Authenticate):
 *   1. `Authorization: Bearer <token>` present, token at most MAX_TOKEN_LENGTH characters;
 *   2. three base64url parts; header `alg` exactly "HS256" (never "none"/RS256: algorithm
 *      confusion), no `crit`;
 *   3. signature, with crypto.subtle.verify (constant-time) - before any claim is trusted;
 *   4. `exp` required (a token that never expires cannot be revoked at the edge), `nbf` if
 *      present, both with CLOCK_SKEW_SECONDS of leeway;
 *   5. `aud` contains env.JWT_AUDIENCE and `iss` equals env.JWT_ISSUER, each only when set;
 *   6. `sub` a non-empty printable-ASCII string (it becomes a header value).
 * On success the request goes upstream with `X-Auth-Subject: <sub>`; a client-sent
 * X-Auth-Subject is always replaced, so the origin can trust it.
 *
 * Configuration: env.JWT_SECRET (secret binding, required, at least 32 bytes: RFC 7518 §3.2
 * requires an HS256 key of at least the hash size), env.JWT_AUDIENCE and env.JWT_ISSUER
 * (optional vars). A missing or short secret fails closed with 500: every request is refused
 * rather than let through unauthenticated.
 *
 * The module exports the handler object and nothing else: workerd treats every export of the main
 * module as an entrypoint and refuses to start on a constant ("Incorrect type for map entry
 * 'CLOCK_SKEW_SECONDS'"). infra/planning/edge_plan.py reads the RUNBOOK_* constants from this source.
 */

// novacron runbook, "7. Edge Location Scaling", cloudflare_workers.scripts[auth-validator]
const RUNBOOK_CPU_LIMIT_MS = 50;
const RUNBOOK_ROUTES = Object.freeze(['*/secure/*']);

const CLOCK_SKEW_SECONDS = 30;
const MAX_TOKEN_LENGTH = 8192; // bounds decode + HMAC work per request
const MIN_SECRET_BYTES = 32; // RFC 7518 §3.2, HS256
const REALM = 'secure';
const SUBJECT_HEADER = 'X-Auth-Subject';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** base64url (RFC 7515, no padding) -> bytes; throws on anything else. */
function base64UrlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('bad base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function decodeJson(part) {
  const value = JSON.parse(decoder.decode(base64UrlDecode(part)));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
  return value;
}

/** The bearer token, or null when the header is missing or not a Bearer credential. */
function bearerToken(request) {
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(request.headers.get('Authorization') || '');
  return match ? match[1] : null;
}

let cachedSecret = null;
let cachedKey = null;

/** HMAC key for the secret, imported once per isolate (importKey is the costly step). */
function importHmacKey(secret) {
  if (secret !== cachedSecret) {
    cachedSecret = secret;
    cachedKey = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }
  return cachedKey;
}

const fail = (description) => ({ ok: false, description });

/**
 * Verify an HS256 JWT. Returns {ok: true, claims} or {ok: false, description}.
 * options: {secret, audience?, issuer?, nowSeconds}
 */
async function verifyJwt(token, { secret, audience, issuer, nowSeconds }) {
  if (token.length > MAX_TOKEN_LENGTH) return fail('token too long');
  const parts = token.split('.');
  if (parts.length !== 3) return fail('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts;

  let header;
  let signature;
  try {
    header = decodeJson(headerPart);
    signature = base64UrlDecode(signaturePart);
  } catch {
    return fail('malformed token');
  }
  if (header.alg !== 'HS256') return fail('unsupported algorithm');
  if (header.crit !== undefined) return fail('unsupported critical header');

  const key = await importHmacKey(secret);
  const valid = await crypto.subtle.verify('HMAC', key, signature, encoder.encode(`${headerPart}.${payloadPart}`));
  if (!valid) return fail('invalid signature');

  let claims;
  try {
    claims = decodeJson(payloadPart);
  } catch {
    return fail('malformed token');
  }
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return fail('missing exp');
  if (nowSeconds >= claims.exp + CLOCK_SKEW_SECONDS) return fail('token expired');
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf)) return fail('invalid nbf');
    if (nowSeconds + CLOCK_SKEW_SECONDS < claims.nbf) return fail('token not yet valid');
  }
  if (audience) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(audience)) return fail('invalid audience');
  }
  if (issuer && claims.iss !== issuer) return fail('invalid issuer');
  if (typeof claims.sub !== 'string' || !/^[\x20-\x7e]{1,256}$/.test(claims.sub)) return fail('invalid subject');
  return { ok: true, claims };
}

/** 401 per RFC 6750 §3: no error code when no credentials were sent, invalid_token otherwise. */
function unauthorized(description) {
  const challenge = description
    ? `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`
    : `Bearer realm="${REALM}"`;
  return new Response(JSON.stringify({ error: 'unauthorized', ...(description && { reason: description }) }), {
    status: 401,
    headers: { 'WWW-Authenticate': challenge, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
  });
}

/** The Worker's logic: fail closed without a secret, 401 on a bad token, else forward with the subject. */
async function handleRequest(request, env) {
  const secret = env.JWT_SECRET;
  if (typeof secret !== 'string' || encoder.encode(secret).length < MIN_SECRET_BYTES) {
    console.error('auth-validator: JWT_SECRET missing or shorter than 32 bytes; refusing all requests');
    return new Response(JSON.stringify({ error: 'auth_not_configured' }), {
      status: 500,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    });
  }
  const token = bearerToken(request);
  if (token === null) return unauthorized();

  const result = await verifyJwt(token, {
    secret,
    audience: env.JWT_AUDIENCE || undefined,
    issuer: env.JWT_ISSUER || undefined,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  if (!result.ok) return unauthorized(result.description);

  const headers = new Headers(request.headers);
  headers.set(SUBJECT_HEADER, result.claims.sub); // replaces any client-sent value
  return fetch(new Request(request, { headers }));
}

export default {
  async fetch(request, env, ctx) {
    return handleRequest(request, env);
  },
};
