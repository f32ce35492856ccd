// Self-test for server.mjs: `node --test smoke.mjs`.
// Uses only Node built-ins (fetch, crypto, child_process, node:test).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const CLIENTS = [
  {
    id: 'basic-client',
    secret: 'basic-secret-0123456789abcdef',
    method: 'client_secret_basic',
  },
  {
    id: 'post-client',
    secret: 'post-secret-0123456789abcdef',
    method: 'client_secret_post',
  },
];

let child;
let issuer;
let discovery;
let jwks;

function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['server.mjs', '--port', '0', '--lifetime', '120'], {
      cwd: here,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no URL line within 20s; stderr:\n${err}`)), 20000);
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl !== -1) {
        clearTimeout(timer);
        resolve({ proc, url: out.slice(0, nl), rest: () => out.slice(nl + 1) });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}); stderr:\n${err}`));
    });
    proc.on('error', reject);
  });
}

// Minimal cookie jar: name -> value, paths ignored.
class CookieJar {
  #cookies = new Map();

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let expired = value === '';
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=');
        const key = k.trim().toLowerCase();
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v.trim()) <= Date.now()) expired = true;
      }
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

function pkcePair() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function randomRedirectUri() {
  const port = 20000 + crypto.randomInt(40000);
  return `http://127.0.0.1:${port}/callback`;
}

// GET /auth without following redirects automatically; follow each 302/303
// by hand, carrying cookies, until Location starts with the redirect URI.
async function authorize(client, redirectUri, extra = {}) {
  const { verifier, challenge } = pkcePair();
  const state = crypto.randomBytes(12).toString('base64url');
  const nonce = crypto.randomBytes(12).toString('base64url');
  const params = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    scope: 'openid profile email offline_access',
    redirect_uri: redirectUri,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const jar = new CookieJar();
  let url = `${discovery.authorization_endpoint}?${params}`;
  const chain = [];
  for (let hop = 0; hop < 10; hop += 1) {
    const headers = {};
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    const res = await fetch(url, { redirect: 'manual', headers });
    jar.store(res);
    const location = res.headers.get('location');
    chain.push(`${res.status} ${new URL(url).pathname} -> ${location}`);
    assert.ok([302, 303].includes(res.status), `hop ${hop}: expected a redirect, got ${res.status}: ${await res.text()}`);
    assert.ok(location, 'redirect without Location');
    const next = new URL(location, url).href;
    if (next.startsWith(redirectUri)) {
      const cb = new URL(next);
      return { callback: cb, params: cb.searchParams, state, nonce, verifier, chain };
    }
    url = next;
  }
  throw new Error(`too many redirects:\n${chain.join('\n')}`);
}

function clientAuth(client, body) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.method === 'client_secret_basic') {
    const id = encodeURIComponent(client.id);
    const secret = encodeURIComponent(client.secret);
    headers.authorization = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  } else {
    body.set('client_id', client.id);
    body.set('client_secret', client.secret);
  }
  return headers;
}

async function tokenRequest(client, fields) {
  const body = new URLSearchParams(fields);
  const headers = clientAuth(client, body);
  const res = await fetch(discovery.token_endpoint, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

function verifyIdToken(idToken, client, nonce) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  assert.equal(header.alg, 'RS256');
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'id_token kid is in the JWKS');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
  assert.ok(ok, 'id_token signature verifies');
  assert.equal(payload.iss, issuer);
  assert.equal(payload.aud, client.id);
  assert.equal(payload.sub, 'user-1');
  assert.equal(payload.nonce, nonce);
  return payload;
}

async function userinfo(accessToken) {
  const res = await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return { status: res.status, json: res.status === 200 ? await res.json() : null };
}

before(async () => {
  const started = await startServer();
  child = started.proc;
  issuer = started.url;
  assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  discovery = await res.json();
  jwks = await (await fetch(discovery.jwks_uri)).json();
});

after(() => {
  if (child && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
});

test('discovery document', () => {
  assert.equal(discovery.issuer, issuer);
  assert.equal(discovery.authorization_endpoint, `${issuer}/auth`);
  assert.equal(discovery.token_endpoint, `${issuer}/token`);
  assert.equal(discovery.userinfo_endpoint, `${issuer}/me`);
  assert.equal(discovery.revocation_endpoint, `${issuer}/token/revocation`);
  assert.equal(discovery.jwks_uri, `${issuer}/jwks`);
  assert.equal(discovery.authorization_response_iss_parameter_supported, true);
  assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
  for (const s of ['openid', 'profile', 'email', 'offline_access']) {
    assert.ok(discovery.scopes_supported.includes(s), `scope ${s} supported`);
  }
  assert.ok(jwks.keys.length >= 1);
});

for (const client of CLIENTS) {
  test(`authorization code flow with PKCE, refresh rotation (${client.id})`, async (t) => {
    const redirectUri = randomRedirectUri();
    const auth = await authorize(client, redirectUri);
    t.diagnostic(`redirect chain:\n${auth.chain.join('\n')}`);
    assert.equal(auth.params.get('iss'), issuer, 'iss in authorization response (RFC 9207)');
    assert.equal(auth.params.get('state'), auth.state);
    assert.equal(auth.params.get('error'), null);
    const code = auth.params.get('code');
    assert.ok(code);

    // Code exchange.
    const tok = await tokenRequest(client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: auth.verifier,
    });
    assert.equal(tok.status, 200, JSON.stringify(tok.json));
    assert.equal(tok.json.token_type, 'Bearer');
    assert.equal(tok.json.expires_in, 300);
    assert.ok(tok.json.access_token);
    assert.ok(tok.json.refresh_token);
    // offline_access is dropped without prompt=consent (OIDC Core 11); a
    // refresh token is issued anyway because the client may use the grant.
    assert.deepEqual(tok.json.scope.split(' ').sort(), ['email', 'openid', 'profile']);
    verifyIdToken(tok.json.id_token, client, auth.nonce);

    // A replayed code is rejected.
    const replay = await tokenRequest(client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: auth.verifier,
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.json.error, 'invalid_grant');
    // ...and the replay revoked the tokens issued from that code.
    assert.equal((await userinfo(tok.json.access_token)).status, 401);

    // Fresh flow for the refresh part (the replay above revoked the grant).
    const auth2 = await authorize(client, redirectUri);
    const tok1 = await tokenRequest(client, {
      grant_type: 'authorization_code',
      code: auth2.params.get('code'),
      redirect_uri: redirectUri,
      code_verifier: auth2.verifier,
    });
    assert.equal(tok1.status, 200, JSON.stringify(tok1.json));

    const ui = await userinfo(tok1.json.access_token);
    assert.equal(ui.status, 200);
    assert.deepEqual(ui.json, { sub: 'user-1', name: 'Test User', email: 'user-1@example.test' });

    // Refresh: a new refresh token is issued (rotation).
    const tok2 = await tokenRequest(client, {
      grant_type: 'refresh_token',
      refresh_token: tok1.json.refresh_token,
    });
    assert.equal(tok2.status, 200, JSON.stringify(tok2.json));
    assert.ok(tok2.json.access_token);
    assert.ok(tok2.json.refresh_token);
    assert.notEqual(tok2.json.refresh_token, tok1.json.refresh_token);
    assert.notEqual(tok2.json.access_token, tok1.json.access_token);
    assert.equal((await userinfo(tok2.json.access_token)).status, 200);

    // Revocation of the new access token.
    const revBody = new URLSearchParams({ token: tok2.json.access_token, token_type_hint: 'access_token' });
    const revHeaders = clientAuth(client, revBody);
    const rev = await fetch(discovery.revocation_endpoint, { method: 'POST', headers: revHeaders, body: revBody });
    assert.equal(rev.status, 200);
    assert.equal((await userinfo(tok2.json.access_token)).status, 401);

    // Reusing the rotated (old) refresh token: invalid_grant.
    const reuse = await tokenRequest(client, {
      grant_type: 'refresh_token',
      refresh_token: tok1.json.refresh_token,
    });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.json.error, 'invalid_grant');

    // The reuse revoked the whole grant, so the newest refresh token is dead too.
    const after = await tokenRequest(client, {
      grant_type: 'refresh_token',
      refresh_token: tok2.json.refresh_token,
    });
    assert.equal(after.status, 400);
    assert.equal(after.json.error, 'invalid_grant');
  });
}

test('offline_access is granted with prompt=consent', async () => {
  const client = CLIENTS[0];
  const redirectUri = randomRedirectUri();
  const auth = await authorize(client, redirectUri, { prompt: 'consent' });
  const tok = await tokenRequest(client, {
    grant_type: 'authorization_code',
    code: auth.params.get('code'),
    redirect_uri: redirectUri,
    code_verifier: auth.verifier,
  });
  assert.equal(tok.status, 200, JSON.stringify(tok.json));
  assert.deepEqual(tok.json.scope.split(' ').sort(), ['email', 'offline_access', 'openid', 'profile']);
  assert.ok(tok.json.refresh_token);
});

test('wrong client secret is invalid_client', async () => {
  const res = await tokenRequest({ ...CLIENTS[0], secret: 'nope' }, {
    grant_type: 'refresh_token',
    refresh_token: 'whatever',
  });
  assert.equal(res.status, 401);
  assert.equal(res.json.error, 'invalid_client');
  assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
});

test('each client must use its registered authentication method', async () => {
  // basic-client presenting its secret in the body, post-client via HTTP Basic.
  for (const [client, method] of [
    [CLIENTS[0], 'client_secret_post'],
    [CLIENTS[1], 'client_secret_basic'],
  ]) {
    const res = await tokenRequest({ ...client, method }, {
      grant_type: 'refresh_token',
      refresh_token: 'whatever',
    });
    assert.equal(res.status, 401, `${client.id} via ${method}`);
    assert.equal(res.json.error, 'invalid_client');
  }
});

test('deny trigger: login_hint=deny yields error=access_denied', async (t) => {
  const redirectUri = randomRedirectUri();
  const auth = await authorize(CLIENTS[1], redirectUri, { login_hint: 'deny' });
  t.diagnostic(`redirect chain:\n${auth.chain.join('\n')}`);
  assert.equal(auth.params.get('error'), 'access_denied');
  assert.equal(auth.params.get('error_description'), 'the user said no');
  assert.equal(auth.params.get('state'), auth.state);
  assert.equal(auth.params.get('iss'), issuer);
  assert.equal(auth.params.get('code'), null);
});

test('PKCE is required', async () => {
  const params = new URLSearchParams({
    client_id: 'basic-client',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: randomRedirectUri(),
    state: 'xyz',
  });
  const res = await fetch(`${discovery.authorization_endpoint}?${params}`, { redirect: 'manual' });
  assert.ok([302, 303].includes(res.status));
  const cb = new URL(res.headers.get('location'));
  assert.equal(cb.searchParams.get('error'), 'invalid_request');
  assert.equal(cb.searchParams.get('state'), 'xyz');
});
