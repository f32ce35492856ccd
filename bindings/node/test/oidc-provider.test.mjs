// The Client against a real OpenID Connect server (npm oidc-provider, tests/oidc-provider).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { Client, ClientConfig, Provider } from '../index.mjs'
import { root, startChild } from './helpers.mjs'

let server
before(async () => {
  server = await startChild(process.execPath, [path.join(root, 'tests/oidc-provider/server.mjs'), '--port', '0', '--lifetime', '300'])
})
after(() => server?.stop())

const redirectUri = 'http://127.0.0.1:9/callback'

/** Follows /auth through the interaction hops with a cookie jar until the redirect URI comes up. */
async function browse (url) {
  const jar = new Map()
  for (let hop = 0; hop < 10; hop++) {
    const r = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } })
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair.indexOf('=')
      const name = pair.slice(0, i)
      const value = pair.slice(i + 1)
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name)
      else jar.set(name, value)
    }
    const location = new URL(r.headers.get('location'), url).href
    if (location.startsWith(redirectUri)) return location
    url = location
  }
  throw new Error('too many hops')
}

async function client (id, secret, params) {
  const provider = await Provider.discover(server.base)
  assert.equal(provider.requireIss, true, 'oidc-provider announces RFC 9207')
  return new Client(new ClientConfig({ provider, clientId: id, clientSecret: secret, redirectUri, scopes: 'openid profile email', params }))
}

for (const [id, secret, auth] of [['basic-client', 'basic-secret-0123456789abcdef', 'client_secret_basic'], ['post-client', 'post-secret-0123456789abcdef', 'client_secret_post']]) {
  test(`${id}: discovery, code + PKCE, iss, userinfo, rotating refresh, revoke`, async () => {
    const c = await client(id, secret)
    if (auth === 'client_secret_post') {
      // Discovery offers both; this client is registered for post only.
      const provider = await Provider.discover(server.base)
      provider.clientAuth = auth
      return runFlow(new Client(new ClientConfig({ provider, clientId: id, clientSecret: secret, redirectUri, scopes: ['openid', 'profile', 'email'] })))
    }
    return runFlow(c)
  })
}

async function runFlow (c) {
  const flow = c.start()
  const back = await browse(flow.authorizationUrl)
  assert.match(back, /[?&]iss=/)
  const tokens = await c.finish(flow, back)
  assert.ok(tokens.idToken)
  assert.equal(tokens.expiresAt - tokens.issuedAt, 300)
  const me = (await c.get('')).json()
  assert.equal(me.sub, 'user-1')
  assert.equal(me.name, 'Test User')
  const fresh = await c.refresh()
  assert.notEqual(fresh.refreshToken, tokens.refreshToken)
  assert.equal((await c.get('')).status, 200)
  await c.revoke('refresh_token')
  assert.equal(c.tokens, null)
}

test('denial carries the provider error and iss', async () => {
  const c = await client('basic-client', 'basic-secret-0123456789abcdef', { login_hint: 'deny' })
  const flow = c.start()
  await assert.rejects(c.finish(flow, await browse(flow.authorizationUrl)), {
    code: 'ERR_AUTHORIZATION_DENIED',
    error: 'access_denied',
    description: 'the user said no'
  })
})

test('a wrong secret is ERR_OAUTH_INVALID_CLIENT with status 401, without the secret', async () => {
  const c = await client('basic-client', 'not-the-secret-xyz')
  const flow = c.start()
  await assert.rejects(c.finish(flow, await browse(flow.authorizationUrl)), (e) => {
    assert.equal(e.code, 'ERR_OAUTH_INVALID_CLIENT')
    assert.equal(e.status, 401)
    assert.ok(!e.message.includes('not-the-secret-xyz'))
    return true
  })
})

test('a callback with a foreign iss is ERR_ISSUER_MISMATCH', async () => {
  const c = await client('basic-client', 'basic-secret-0123456789abcdef')
  const flow = c.start()
  const back = new URL(await browse(flow.authorizationUrl))
  back.searchParams.set('iss', 'https://evil.example')
  await assert.rejects(c.finish(flow, back.href), { code: 'ERR_ISSUER_MISMATCH' })
})
