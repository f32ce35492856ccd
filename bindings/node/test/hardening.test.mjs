// Issue 9 ("Hardening") seen from Node: the holes the core and the batteries close, through the addon.
// The conformance vectors already run the sans-IO cases (Speakap's networkAuthUrl, fragments,
// requireIss without an issuer, redaction, an empty refused refresh); these tests cover what only
// the Client against the devserver shows: the store, revocation errors, Conduit's errors, the lock file.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, statSync, symlinkSync, unlinkSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { Client, ClientConfig, Flow, Provider } from '../index.mjs'
import { approve, dev, startDevserver } from './helpers.mjs'

let server
before(async () => { server = await startDevserver() })
after(() => server?.stop())

const redirectUri = 'http://127.0.0.1:8080/oauth'

function generic ({ post = false } = {}) {
  const provider = Provider.generic(`${server.base}/authorize`, `${server.base}/token`)
  provider.issuer = server.base
  provider.revocationEndpoint = `${server.base}/revoke`
  provider.clientAuth = post ? 'client_secret_post' : 'client_secret_basic'
  const demo = post ? dev.genericPost : dev.genericBasic
  return new ClientConfig({ provider, clientId: demo.id, clientSecret: demo.secret, redirectUri, scopes: ['openid', 'profile'] })
}

function phorge () {
  return new ClientConfig({ provider: Provider.phorge(server.base), clientId: dev.phorge.id, clientSecret: dev.phorge.secret, redirectUri })
}

async function signedIn (client) {
  const flow = client.start()
  return client.finish(flow, await approve(flow.authorizationUrl))
}

/** Fails if the error's message, stack or any property shows one of the secrets (or its first 8 characters). */
function assertNoSecret (e, secrets) {
  const shown = inspect(e, { depth: 5 }) + e.stack + JSON.stringify(Object.fromEntries(Object.entries(e)))
  for (const s of secrets) assert.ok(!shown.includes(s.slice(0, 8)), `${s} leaked: ${shown}`)
}

async function control (method, p, body) {
  const r = await fetch(server.base + p, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  assert.ok(r.ok, `${method} ${p}: ${r.status}`)
}

// Hole 2: Speakap's networkAuthUrl is only what Speakap hands out.
test('speakap networkAuthUrl: only https://<network>.speakap.com/auth', () => {
  assert.equal(Provider.speakap({ networkAuthUrl: 'https://acme.speakap.com/auth' }).authorizationEndpoint, 'https://acme.speakap.com/auth')
  for (const evil of [
    'https://acme.speakap.com/auth?response_type=token&redirect_uri=https://evil.example/',
    'https://acme.speakap.com:8443/auth',
    'https://user:pw@acme.speakap.com/auth',
    'https://acme.speakap.com/auth#x',
    'https://acme.speakap.com/elsewhere',
    'https://a.b.speakap.com/auth'
  ]) {
    assert.throws(() => Provider.speakap({ networkAuthUrl: evil }), { code: 'ERR_CONFIG' }, evil)
  }
})

// Holes 9 and 15: requireIss without an issuer, an endpoint with a fragment.
test('requireIss without an issuer and an endpoint with a fragment are ERR_CONFIG', () => {
  const provider = Provider.generic('https://as.example/authorize', 'https://as.example/token')
  provider.requireIss = true
  // Refused when the configuration is made, or at the latest when a flow starts.
  const start = () => Flow.start(new ClientConfig({ provider, clientId: 'c', clientSecret: 's3cret', redirectUri }))
  assert.throws(start, (e) => e.code === 'ERR_CONFIG' && /no issuer/.test(e.message))
  assert.throws(() => Provider.generic('https://as.example/authorize#x', 'https://as.example/token'), (e) => e.code === 'ERR_CONFIG' && /fragment/.test(e.message))
})

// Holes 6 and 14: secrets echoed across the 512-byte clip, percent-encoded and in the error code.
test('echoed secrets never reach an error; revocation errors name the revocation endpoint', async () => {
  const client = new Client(generic({ post: true }))
  const tokens = await signedIn(client)
  const secrets = [tokens.accessToken, tokens.refreshToken, dev.genericPost.secret]
  try {
    await server.knobs({ fault: 'echo' })
    for (const kind of ['refresh_token', 'access_token']) {
      await assert.rejects(client.revoke(kind), (e) => {
        assert.equal(e.kind, 'oauth')
        assert.match(e.message, /^revocation endpoint said/)
        assertNoSecret(e, secrets)
        return true
      })
    }
    assert.equal(client.tokens.refreshToken, tokens.refreshToken, 'a refused revocation keeps the tokens')
    await assert.rejects(client.refresh(), (e) => {
      assert.match(e.message, /^token endpoint said/)
      assertNoSecret(e, secrets)
      return true
    })
  } finally {
    await server.reset()
  }
})

// Hole 12: a refresh refused with an empty 400 is final, as invalid_grant is.
test('a refresh refused with an empty body clears the store', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'authflow-hardening-')), 'tokens.json')
  const client = new Client(generic(), { store: file })
  await signedIn(client)
  try {
    await server.knobs({ fault: 'empty_bad_request' })
    await assert.rejects(client.refresh(), (e) => {
      assert.equal(e.code, 'ERR_OAUTH_INVALID_GRANT')
      assert.equal(e.status, 400)
      assert.match(e.message, /empty body/)
      return true
    })
  } finally {
    await server.reset()
  }
  assert.equal(client.tokens, null)
  assert.ok(!existsSync(file))
  await assert.rejects(client.refresh(), { code: 'ERR_NOT_SIGNED_IN' })
})

// Hole 11: Conduit's HTTP 200 errors are errors; a revoked Phorge token ends the grant.
test('phorge: Conduit errors are ERR_API_ERROR, a revoked token is dropped', async () => {
  const client = new Client(phorge())
  const tokens = await signedIn(client)
  assert.equal((await client.get('user.whoami')).status, 200)
  await assert.rejects(client.get('no.such.method'), (e) => {
    assert.equal(e.code, 'ERR_API_ERROR')
    assert.equal(e.errorCode, 'ERR-CONDUIT-CALL')
    return true
  })
  assert.equal(client.tokens.accessToken, tokens.accessToken, 'another api error keeps the tokens')
  await control('POST', '/_dev/revoke', { token: tokens.accessToken })
  await assert.rejects(client.get('user.whoami'), (e) => {
    assert.equal(e.name, 'ApiError')
    assert.equal(e.code, 'ERR_API_ERROR')
    assert.equal(e.kind, 'api_error')
    assert.equal(e.category, 'unexpected_response')
    assert.equal(e.status, 200)
    assert.equal(e.errorCode, 'ERR-INVALID-AUTH')
    assert.match(e.errorInfo, /does not exist or has expired/)
    assertNoSecret(e, [tokens.accessToken])
    return true
  })
  assert.equal(client.tokens, null, 'the dead token is dropped')
  await assert.rejects(client.get('user.whoami'), { code: 'ERR_NOT_SIGNED_IN' })
})

// Hole 10: the lock file beside a token file is never followed through a symlink.
test('a symlinked lock file is refused; a new one is 0600', { skip: process.platform === 'win32' && 'symlinks and modes are POSIX' }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'authflow-hardening-'))
  const file = path.join(dir, 'tokens.json')
  const planted = path.join(dir, 'created-through-the-link')
  symlinkSync(planted, `${file}.lock`)
  const client = new Client(generic(), { store: file })
  await assert.rejects(client.signOut(), (e) => e.code === 'ERR_STORAGE' && /symbolic link/.test(e.message))
  assert.ok(!existsSync(planted))
  unlinkSync(`${file}.lock`)
  await client.signOut()
  assert.equal(statSync(`${file}.lock`).mode & 0o777, 0o600)
})

// Hole 16: the devserver every language's tests share answers a 1 MiB form at once.
test('the devserver answers a 1 MiB form of distinct parameters at once', async () => {
  let body = 'grant_type=authorization_code'
  for (let i = 0; body.length < (1 << 20) - 32; i++) body += `&p${i}=`
  body += '&grant_type=x'
  const started = Date.now()
  const answer = await new Promise((resolve, reject) => {
    const req = httpRequest(`${server.base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, timeout: 20000 }, (res) => {
      let text = ''
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode, text }))
    })
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')))
    req.on('error', reject)
    req.end(body)
  })
  assert.equal(answer.status, 400)
  assert.match(answer.text, /grant_type was sent more than once/)
  assert.ok(Date.now() - started < 15000)
})

// Hole 4: a failed save is a warning on the client, not a lost token (the failure itself is
// proven in crates/authflow/tests/hardening_store_writes.rs with a store whose saves fail).
test('storageWarning is null while saves succeed', async () => {
  const client = new Client(generic(), { store: path.join(mkdtempSync(path.join(tmpdir(), 'authflow-warn-')), 'tokens.json') })
  await signedIn(client)
  await client.refresh()
  assert.equal(client.storageWarning, null)
  assert.ok(client.tokens)
})
