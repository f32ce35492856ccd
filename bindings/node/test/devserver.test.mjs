// The Client (batteries) and the sans-IO Flow against the devserver, per provider profile.
import { test, before, after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { Client, ClientConfig, Flow, Provider } from '../index.mjs'
import { approve, dev, startDevserver } from './helpers.mjs'

let server
before(async () => { server = await startDevserver() })
after(() => server?.stop())

const redirectUri = 'http://localhost:8080/oauth'

function sipgate (options) {
  const provider = Provider.sipgate({ loginBase: server.base, apiBase: `${server.base}/v2` })
  const config = new ClientConfig({ provider, clientId: dev.sipgate.id, clientSecret: dev.sipgate.secret, redirectUri, scopes: ['account:read'] })
  return new Client(config, options)
}

async function signedIn (client) {
  const flow = client.start()
  const tokens = await client.finish(flow, await approve(flow.authorizationUrl))
  assert.equal(flow.state, 'Authorized')
  return tokens
}

describe('per profile', () => {
  test('sipgate: login, userinfo, rotating refresh, revoke', async () => {
    await server.reset()
    const client = sipgate()
    const tokens = await signedIn(client)
    assert.equal(tokens.tokenType, 'Bearer')
    assert.equal(tokens.expiresAt - tokens.issuedAt, 300)
    assert.ok(tokens.idToken && tokens.refreshToken)
    assert.equal(tokens.extra.refresh_expires_in, 2592000)
    const me = await client.get('authorization/userinfo')
    assert.equal(me.status, 200)
    assert.ok(me.ok)
    assert.match(me.text(), /Demo User|demo/)
    assert.equal(typeof me.json(), 'object')
    const account = await client.get('account')
    assert.equal(account.status, 200)
    const fresh = await client.refresh()
    assert.notEqual(fresh.refreshToken, tokens.refreshToken, 'sipgate rotates refresh tokens')
    assert.equal(client.tokens.accessToken, fresh.accessToken)
    await client.revoke('refresh_token')
    assert.equal(client.tokens, null)
    const counters = await server.counters()
    assert.equal(counters.code_grants, 1)
    assert.equal(counters.refresh_grants, 1)
  })

  test('speakap: HTTP Basic client auth, network profile with the vendor Accept type', async () => {
    const provider = Provider.speakap({ authUrl: `${server.base}/auth`, tokenUrl: `${server.base}/oauth/v2/token`, apiBase: server.base })
    assert.equal(provider.clientAuth, 'client_secret_basic')
    const config = new ClientConfig({ provider, clientId: dev.speakap.id, clientSecret: dev.speakap.secret, redirectUri, scopes: 'profile.basic.read' })
    const client = new Client(config)
    await signedIn(client)
    const network = (await client.get(`networks/${dev.speakap.network}/?embed=userProfile`)).json()
    assert.equal(network._embedded.userProfile.name ?? network._embedded.userProfile.fullName ?? 'Demo User', 'Demo User')
    await client.refresh()
  })

  test('phorge: token in the query, no refresh token', async () => {
    const client = new Client(new ClientConfig({ provider: Provider.phorge(server.base), clientId: dev.phorge.id, clientSecret: dev.phorge.secret, redirectUri }))
    const flow = client.start()
    // Phorge shows a page with a link instead of redirecting; the devserver auto-approves with a redirect.
    const tokens = await client.finish(flow, await approve(flow.authorizationUrl))
    assert.equal(tokens.refreshToken, undefined)
    const whoami = (await client.get('user.whoami')).json()
    assert.equal(whoami.error_code, null)
    assert.ok(whoami.result)
    await assert.rejects(client.refresh(), { code: 'ERR_INVALID_STATE' })
  })

  test('generic via discovery, client_secret_basic, openid nonce', async () => {
    const provider = await Provider.discover(server.base)
    assert.equal(provider.issuer, server.base)
    const config = new ClientConfig({ provider, clientId: dev.genericBasic.id, clientSecret: dev.genericBasic.secret, redirectUri: 'http://127.0.0.1:9/cb', scopes: ['openid', 'profile'] })
    const client = new Client(config)
    const tokens = await signedIn(client)
    assert.ok(tokens.idToken)
    const info = await client.get(provider.userinfoEndpoint)
    assert.equal(info.status, 200)
  })
})

test('sans-IO flow with fetch: generic post client, public client', async () => {
  for (const [who, auth] of [[dev.genericPost, 'client_secret_post'], [dev.genericPublic, 'none']]) {
    const provider = Provider.generic(`${server.base}/authorize`, `${server.base}/token`)
    provider.clientAuth = auth
    const config = new ClientConfig({ provider, clientId: who.id, clientSecret: who.secret, redirectUri: 'http://127.0.0.1:9/cb' })
    const flow = Flow.start(config)
    const location = await approve(flow.authorizationUrl)
    flow.callback(location)
    const request = flow.exchangeRequest()
    const r = await fetch(request.url, request)
    flow.exchangeResponse({ status: r.status, headers: r.headers, body: await r.text() })
    assert.equal(flow.state, 'Authorized', who.id)
    const refresh = flow.refreshRequest()
    assert.equal(flow.state, 'Refreshing')
    const rr = await fetch(refresh.url, refresh)
    flow.refreshResponse({ status: rr.status, headers: [...rr.headers], body: Buffer.from(await rr.arrayBuffer()) })
    assert.equal(flow.state, 'Authorized')
    const api = flow.authorize({ url: `${server.base}/userinfo` })
    assert.equal((await fetch(api.url, api)).status, 200)
    // A pending flow survives a trip through a cookie.
    const again = Flow.fromJSON(config, JSON.stringify(flow))
    assert.equal(again.tokens.accessToken, flow.tokens.accessToken)
  }
})

test('denial: the error redirect is ERR_AUTHORIZATION_DENIED with the description', async () => {
  await server.knobs({ deny: true })
  try {
    const client = sipgate()
    const flow = client.start()
    await assert.rejects(client.finish(flow, await approve(flow.authorizationUrl)), (e) => {
      assert.equal(e.code, 'ERR_AUTHORIZATION_DENIED')
      assert.equal(e.error, 'access_denied')
      assert.equal(e.description, 'The user denied access')
      return true
    })
    assert.equal(flow.state, 'AwaitingCallback')
  } finally {
    await server.reset()
  }
})

test('a code is exchanged once: a second finish is ERR_INVALID_STATE, two at once reject the second', async () => {
  const client = sipgate()
  const flow = client.start()
  const location = await approve(flow.authorizationUrl)
  // A slow token endpoint keeps the first exchange in flight while the second call is made.
  await server.knobs({ slow_ms: 100 })
  try {
    const first = client.finish(flow, location)
    assert.equal(flow.busy, true)
    await assert.rejects(client.finish(flow, location), { code: 'ERR_INVALID_STATE' })
    await assert.rejects(flow.exchange(), { code: 'ERR_INVALID_STATE' })
    assert.throws(() => flow.exchangeRequest(), { code: 'ERR_INVALID_STATE' })
    await first
  } finally {
    await server.reset()
  }
  assert.equal(flow.busy, false)
  await assert.rejects(client.finish(flow, location), { code: 'ERR_INVALID_STATE' })
})

test('64 concurrent refresh() calls on one client make exactly one token request', async () => {
  const client = sipgate()
  await signedIn(client)
  // A slow token endpoint keeps the first refresh in flight while all 64 calls are made: each
  // call takes its ticket when it is made, and every call made before a refresh completes shares it.
  await server.knobs({ slow_ms: 100 })
  let before, after, results
  try {
    before = await server.counters()
    results = await Promise.all(Array.from({ length: 64 }, () => client.refresh()))
    after = await server.counters()
  } finally {
    await server.reset()
  }
  assert.equal(after.refresh_grants - before.refresh_grants, 1, JSON.stringify([before, after]))
  assert.equal(new Set(results.map((t) => t.accessToken)).size, 1)
  // A call made after that refresh completed gets a refresh of its own.
  const again = await client.refresh()
  assert.notEqual(again.accessToken, results[0].accessToken)
  // Concurrent API calls with tokens due for refresh share one refresh too.
  const due = sipgate()
  await signedIn(due)
  await server.knobs({ access_token_lifetime: 1 })
  await due.refresh()
  await server.reset()
  const b2 = await server.counters()
  await new Promise((resolve) => setTimeout(resolve, 1100))
  await Promise.all(Array.from({ length: 16 }, () => due.get('account')))
  const a2 = await server.counters()
  assert.equal(a2.refresh_grants - b2.refresh_grants, 1)
})

test('the event loop keeps running while the token endpoint is slow', async () => {
  const client = sipgate()
  await signedIn(client)
  await server.knobs({ slow_ms: 800 })
  try {
    let ticks = 0
    const timer = setInterval(() => { ticks++ }, 20)
    const started = Date.now()
    await client.refresh()
    clearInterval(timer)
    const took = Date.now() - started
    assert.ok(took >= 750, `the refresh took ${took} ms, the knob says 800`)
    assert.ok(ticks >= 20, `only ${ticks} timer ticks in ${took} ms`)
  } finally {
    await server.reset()
  }
})

test('faults: typed errors, the tokens kept (but not after an empty 400), no secret in any message', async () => {
  const client = sipgate()
  const tokens = await signedIn(client)
  const secrets = [dev.sipgate.secret, tokens.accessToken, tokens.refreshToken, tokens.idToken]
  const cases = [
    ['server_error', { code: 'ERR_UNEXPECTED_RESPONSE', status: 500 }],
    ['garbage', { code: 'ERR_UNEXPECTED_RESPONSE', status: 200 }],
    ['drop', { code: 'ERR_TRANSPORT' }],
    ['oversized', { code: 'ERR_TRANSPORT', transport: 'too_large' }]
  ]
  try {
    for (const [fault, expected] of cases) {
      await server.knobs({ fault })
      await assert.rejects(client.refresh(), (e) => {
        assert.ok(e instanceof Error)
        for (const [k, v] of Object.entries(expected)) assert.equal(e[k], v, `${fault}: ${k}`)
        const shown = inspect(e) + e.stack
        for (const s of secrets) assert.ok(!shown.includes(s), `${fault} error shows a secret: ${shown}`)
        return true
      })
      assert.equal(client.tokens.refreshToken, tokens.refreshToken, `${fault}: tokens kept`)
    }
  } finally {
    await server.reset()
  }
  // A refresh token that was rotated away: the RFC 6749 error, typed.
  const stale = Flow.fromJSON(new ClientConfig({ provider: Provider.sipgate({ loginBase: server.base, apiBase: `${server.base}/v2` }), clientId: dev.sipgate.id, clientSecret: dev.sipgate.secret, redirectUri }), { state: 'Authorized', tokens: { access_token: 'x', token_type: 'Bearer', refresh_token: tokens.refreshToken } })
  await client.refresh()
  const request = stale.refreshRequest()
  const r = await fetch(request.url, request)
  const body = await r.text()
  assert.throws(() => stale.refreshResponse({ status: r.status, headers: r.headers, body }), (e) => {
    assert.equal(e.code, 'ERR_OAUTH_INVALID_GRANT')
    assert.equal(e.error, 'invalid_grant')
    assert.equal(e.status, 400)
    assert.equal(e.description, 'Token is not active')
    assert.ok(!(inspect(e) + e.stack).includes(tokens.refreshToken))
    return true
  })
  assert.equal(stale.state, 'Authorized')
  // A 400 without an RFC 6749 body ends the grant: the store is cleared, the dead token never resent.
  await server.knobs({ fault: 'empty_bad_request' })
  try {
    await assert.rejects(client.refresh(), { code: 'ERR_OAUTH_INVALID_GRANT', error: 'invalid_grant', status: 400 })
  } finally {
    await server.reset()
  }
  assert.equal(client.tokens, null)
  await assert.rejects(client.refresh(), { code: 'ERR_NOT_SIGNED_IN' })
})

test('file store: 0600, shared by a second client, survives the object', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'authflow-node-')), 'tokens.json')
  const first = sipgate({ store: file })
  const tokens = await signedIn(first)
  assert.equal(statSync(file).mode & 0o777, 0o600)
  const second = sipgate({ store: file })
  assert.equal(second.tokens.accessToken, tokens.accessToken)
  const fresh = await second.refresh()
  assert.equal(first.tokens.refreshToken, fresh.refreshToken)
  await second.signOut()
  assert.equal(first.tokens, null)
  await assert.rejects(first.validTokens(), { code: 'ERR_NOT_SIGNED_IN', kind: 'not_signed_in', category: 'not_signed_in' })
})

test('login(): the loopback listener for CLIs, onUrl from the worker thread', async () => {
  const provider = Provider.generic(`${server.base}/authorize`, `${server.base}/token`)
  const config = new ClientConfig({ provider, clientId: dev.genericBasic.id, clientSecret: dev.genericBasic.secret, redirectUri: 'http://127.0.0.1:0/callback' })
  const client = new Client(config)
  let announced
  const tokens = await client.login({
    timeout: 20,
    onUrl: (url) => {
      announced = url
      // The "browser": follow the redirect to the listener.
      approve(url).then((back) => fetch(back)).catch(() => {})
    }
  })
  assert.match(announced, /^http:\/\/127\.0\.0\.1:\d+\/authorize\?/)
  assert.ok(tokens.accessToken)
  await assert.rejects(client.login({ timeout: 0.3, onUrl: () => {} }), { code: 'ERR_TRANSPORT', transport: 'timeout' })
})
