// The behaviours decided once in authflow-bind, as Node sees them; bindings/python/tests has the same checks.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Client, ClientConfig, FileStore, Flow, MemoryStore, Provider } from '../index.mjs'
import { approve, dev, startDevserver } from './helpers.mjs'

let server
before(async () => { server = await startDevserver() })
after(() => server?.stop())

const redirectUri = 'http://localhost:8080/oauth'
const sipgateConfig = () => new ClientConfig({
  provider: Provider.sipgate({ loginBase: server.base, apiBase: `${server.base}/v2` }),
  clientId: dev.sipgate.id,
  clientSecret: dev.sipgate.secret,
  redirectUri,
  scopes: ['account:read']
})

async function signIn (client) {
  const flow = client.start()
  return client.finish(flow, await approve(flow.authorizationUrl))
}

/** An authorization-code flow of the sans-IO Flow, finished with `flow.exchange()` through the Rust transport. */
async function exchanged (config) {
  const flow = Flow.start(config)
  flow.callback(await approve(flow.authorizationUrl))
  const tokens = await flow.exchange()
  assert.equal(flow.state, 'Authorized')
  return { flow, tokens }
}

test('sipgate: loginBase alone is accepted (the API stays api.sipgate.com), apiBase alone too', () => {
  const login = Provider.sipgate({ loginBase: 'http://127.0.0.1:9' })
  assert.equal(login.tokenEndpoint, 'http://127.0.0.1:9/auth/realms/third-party/protocol/openid-connect/token')
  assert.equal(login.apiBase, 'https://api.sipgate.com/v2/')
  const api = Provider.sipgate({ apiBase: 'http://127.0.0.1:9/api' })
  assert.ok(api.tokenEndpoint.startsWith('https://login.sipgate.com/'))
  assert.equal(api.apiBase, 'http://127.0.0.1:9/api/')
  const spec = Provider.fromSpec({ preset: 'sipgate', login_base: 'http://127.0.0.1:9' })
  assert.equal(spec.tokenEndpoint, login.tokenEndpoint)
})

test('discovery falls back to RFC 8414 when openid-configuration is 404', async () => {
  const seen = []
  const as = createServer((req, res) => {
    seen.push(req.url)
    const base = `http://127.0.0.1:${as.address().port}`
    if (req.url === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token` }))
    }
    if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' })
      return res.end('<html>not json</html>')
    }
    res.writeHead(404).end()
  })
  await new Promise((resolve) => as.listen(0, '127.0.0.1', resolve))
  try {
    const issuer = `http://127.0.0.1:${as.address().port}`
    const provider = await Provider.discover(issuer)
    assert.equal(provider.issuer, issuer)
    assert.equal(provider.tokenEndpoint, `${issuer}/token`)
    assert.deepEqual(seen, ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])
    // The sans-IO requests for both kinds.
    assert.equal(Provider.discoveryRequest(issuer).url, `${issuer}/.well-known/openid-configuration`)
    assert.equal(Provider.discoveryRequest(issuer, 'oauth').url, `${issuer}/.well-known/oauth-authorization-server`)
    assert.throws(() => Provider.discoveryRequest(issuer, 'saml'), { code: 'ERR_CONFIG' })

    // A body that is not JSON: `.json()` is ERR_UNEXPECTED_RESPONSE, with the status and content type.
    const config = new ClientConfig({ provider, clientId: 'c', clientSecret: 's', redirectUri })
    const flow = Flow.fromTokens(config, { accessToken: 'AT-parity', tokenType: 'Bearer', issuedAt: Date.now() / 1000, extra: {} })
    const page = await flow.get(`${issuer}/page`)
    assert.equal(page.status, 200)
    assert.throws(() => page.json(), { code: 'ERR_UNEXPECTED_RESPONSE', kind: 'unexpected_response', category: 'unexpected_response', status: 200, contentType: 'text/html' })
  } finally {
    as.close()
  }
})

test('login timeout: 0, NaN, -1 and 1e19 are refused with ERR_CONFIG at the call', () => {
  const client = new Client(sipgateConfig())
  for (const timeout of [0, NaN, -1, 1e19]) {
    assert.throws(() => client.login({ timeout, onUrl: () => {} }), { code: 'ERR_CONFIG', kind: 'config' }, String(timeout))
  }
})

test('times, skews and seeds are checked: -1, NaN, Infinity and 1e19 are ERR_CONFIG, a seed is whole', () => {
  const config = new ClientConfig({ provider: Provider.generic('https://as.example/a', 'https://as.example/t'), clientId: 'c', clientSecret: 's', redirectUri: 'http://127.0.0.1:9/cb' })
  const flow = Flow.start(config)
  for (const bad of [-1, NaN, Infinity, 1e19]) {
    for (const call of [() => Flow.start(config, { now: bad }), () => flow.expiresWithin(undefined, bad), () => flow.refreshDue(bad), () => Flow.start(config, { seed: bad })]) {
      assert.throws(call, { code: 'ERR_CONFIG' }, String(bad))
    }
  }
  assert.throws(() => Flow.start(config, { seed: 1.5 }), { code: 'ERR_CONFIG' })
  assert.equal(Flow.start(config, { now: 1.9, seed: 7 }).authorizationUrl, Flow.start(config, { now: 1, seed: 7 }).authorizationUrl, 'a fraction of a second is dropped')
})

test('responses handed in: status 99, 600 and -1 are ERR_CONFIG', () => {
  const config = new ClientConfig({ provider: Provider.generic('https://as.example/a', 'https://as.example/t'), clientId: 'c', clientSecret: 's', redirectUri: 'http://127.0.0.1:9/cb' })
  const flow = Flow.start(config, { seed: 1 })
  flow.callback(`/cb?code=abc&state=${flow.stateParam}`)
  flow.exchangeRequest()
  for (const status of [99, 600, -1]) {
    assert.throws(() => flow.exchangeResponse({ status, body: '{}' }), { code: 'ERR_CONFIG' }, String(status))
  }
  assert.equal(flow.state, 'Exchanging')
})

test('stores: none, "memory", a path, a MemoryStore, a FileStore', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'authflow-parity-'))
  const memory = new MemoryStore()
  const file = new FileStore(path.join(dir, 'object.json'))
  assert.equal(file.path, path.join(dir, 'object.json'))
  const choices = [undefined, { store: 'memory' }, { store: path.join(dir, 'named.json') }, { store: memory }, { store: file }]
  for (const options of choices) {
    const client = new Client(sipgateConfig(), options)
    assert.equal(client.tokens, null)
    const tokens = await signIn(client)
    assert.equal(client.tokens.accessToken, tokens.accessToken, JSON.stringify(options))
  }
  assert.equal(statSync(path.join(dir, 'named.json')).mode & 0o777, 0o600)
  // The store objects are shared with the clients they were given to.
  assert.ok(memory.load().refreshToken)
  const fresh = await new Client(sipgateConfig(), { store: file }).refresh()
  assert.equal(file.load().refreshToken, fresh.refreshToken)
  const seeded = new Client(sipgateConfig(), { store: new MemoryStore(fresh) })
  assert.equal(seeded.tokens.accessToken, fresh.accessToken)
  memory.save(fresh)
  assert.equal(memory.load().accessToken, fresh.accessToken)
  memory.clear()
  file.clear()
  assert.equal(memory.load(), null)
  assert.equal(file.load(), null)
  assert.throws(() => new Client(sipgateConfig(), { store: 42 }), { code: 'ERR_CONFIG' })
  assert.throws(() => new Client(sipgateConfig(), { store: new Map() }), { code: 'ERR_CONFIG' })
})

test('errors: name, code, kind, category and the fields of their kind, camelCase', async () => {
  const config = new ClientConfig({ provider: Provider.generic('https://as.example/a', 'https://as.example/t'), clientId: 'c', clientSecret: 's', redirectUri: 'http://127.0.0.1:9/cb' })
  const flow = Flow.start(config, { seed: 2 })
  assert.throws(() => flow.callback('/cb?code=a&state=wrong'), (e) => {
    assert.ok(e instanceof Error)
    assert.deepEqual([e.name, e.code, e.kind, e.category], ['StateMismatch', 'ERR_STATE_MISMATCH', 'state_mismatch', 'callback'])
    return true
  })
  assert.throws(() => flow.callback(`/cb?error=access_denied&state=${flow.stateParam}`), {
    name: 'AuthorizationDenied', code: 'ERR_AUTHORIZATION_DENIED', kind: 'authorization_denied', category: 'callback', error: 'access_denied', description: null, uri: null
  })
  assert.throws(() => flow.refreshRequest(), { name: 'InvalidStateError', code: 'ERR_INVALID_STATE', category: 'invalid_state', state: 'AwaitingCallback', operation: 'build a refresh request' })
  flow.callback(`/cb?code=abc&state=${flow.stateParam}`)
  flow.exchangeRequest()
  assert.throws(() => flow.exchangeResponse({ status: 400, headers: [['content-type', 'application/json']], body: '{"error":"invalid_grant","error_description":"used"}' }), {
    name: 'OAuthError', code: 'ERR_OAUTH_INVALID_GRANT', kind: 'oauth', category: 'oauth', error: 'invalid_grant', description: 'used', uri: null, status: 400
  })
  assert.throws(() => Provider.generic('http://as.example/a', 'https://as.example/t'), { name: 'ConfigError', code: 'ERR_CONFIG', kind: 'config', category: 'config' })
  // Transport failures carry the transport kind in `transport`; `kind` is 'transport'.
  const refused = new ClientConfig({ provider: Provider.generic('http://127.0.0.1:9/a', 'http://127.0.0.1:9/t'), clientId: 'c', clientSecret: 's', redirectUri: 'http://127.0.0.1:9/cb' })
  const stuck = Flow.fromTokens(refused, { accessToken: 'a', tokenType: 'Bearer', refreshToken: 'r', issuedAt: 1, extra: {} })
  await assert.rejects(stuck.refresh(), { name: 'TransportError', code: 'ERR_TRANSPORT', kind: 'transport', category: 'transport', transport: 'connect' })
  assert.equal(stuck.state, 'Authorized', 'a failed refresh keeps the tokens')
})

test('not_signed_in and storage have their own kinds', async () => {
  const client = new Client(sipgateConfig())
  await assert.rejects(client.validTokens(), { name: 'NotSignedIn', code: 'ERR_NOT_SIGNED_IN', kind: 'not_signed_in', category: 'not_signed_in', provider: 'sipgate' })
  await assert.rejects(client.get('account'), { code: 'ERR_NOT_SIGNED_IN' })
  const corrupt = path.join(mkdtempSync(path.join(tmpdir(), 'authflow-parity-')), 'tokens.json')
  writeFileSync(corrupt, '{"access_token": ')
  assert.throws(() => new FileStore(corrupt).load(), { name: 'StorageError', code: 'ERR_STORAGE', kind: 'storage', category: 'storage' })
  await assert.rejects(new Client(sipgateConfig(), { store: corrupt }).refresh(), { code: 'ERR_STORAGE' })
})

test('a Flow does HTTP too: exchange(), refresh(), get(), send() through the Rust transport', async () => {
  await server.reset()
  const { flow, tokens } = await exchanged(sipgateConfig())
  assert.equal(flow.config.clientId, dev.sipgate.id)
  const fresh = await flow.refresh()
  assert.notEqual(fresh.refreshToken, tokens.refreshToken, 'rotated')
  assert.equal(flow.tokens.refreshToken, fresh.refreshToken, 'the flow holds the new tokens')
  const account = await flow.get('account')
  assert.equal(account.status, 200)
  assert.equal(typeof account.json(), 'object')
  const sent = await flow.send({ method: 'get', url: `${server.base}/v2/account`, headers: { accept: 'application/json' } })
  assert.equal(sent.status, 200)
  const counters = await server.counters()
  assert.equal(counters.code_grants, 1)
  assert.equal(counters.refresh_grants, 1)
  // A flow that holds no tokens rejects, and nothing is sent.
  await assert.rejects(Flow.start(sipgateConfig()).refresh(), { code: 'ERR_INVALID_STATE' })
})

test('specs as data: Provider.fromSpec and ClientConfig.fromSpec build what the presets build', () => {
  const provider = Provider.fromSpec({ preset: 'generic', authorization_endpoint: 'https://as.example/a', token_endpoint: 'https://as.example/t', client_auth: 'client_secret_post', pkce: 'plain', issuer: 'https://as.example' })
  assert.deepEqual([provider.clientAuth, provider.pkce, provider.issuer], ['client_secret_post', 'plain', 'https://as.example'])
  const config = ClientConfig.fromSpec(provider, { client_id: 'c', redirect_uri: 'http://127.0.0.1:9/cb', client_secret: 's', scopes: 'openid profile', extra_params: [['prompt', 'login']] })
  assert.deepEqual(config.scopes, ['openid', 'profile'])
  assert.equal(config.hasSecret, true)
  const url = new URL(Flow.start(config).authorizationUrl)
  assert.equal(url.searchParams.get('prompt'), 'login')
  assert.ok(url.searchParams.get('nonce'), 'openid turns the nonce on')
  assert.throws(() => Provider.fromSpec({ preset: 'speakap', network: 'acme', auth_url: 'https://x' }), { code: 'ERR_CONFIG' })
})
