// Bad inputs: every misuse is a thrown Error with a code, never a crash or a silent default.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { inspect } from 'node:util'
import * as esm from '../index.mjs'
import { Client, ClientConfig, Flow, Provider } from '../index.mjs'
import { root } from './helpers.mjs'

const provider = () => Provider.generic('https://as.example/authorize', 'https://as.example/token')
const config = () => new ClientConfig({ provider: provider(), clientId: 'c', clientSecret: 'top-secret-value', redirectUri: 'http://127.0.0.1:9/cb' })

test('package: version equals the crate version; CommonJS and ESM export the same classes', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const cargo = readFileSync(`${root}/Cargo.toml`, 'utf8')
  const version = cargo.match(/\[workspace\.package\][^[]*?\nversion = "([^"]+)"/)[1]
  assert.equal(pkg.version, version, 'bindings/node/package.json version must equal [workspace.package] version in Cargo.toml')
  const cjs = createRequire(import.meta.url)('../index.js')
  for (const name of ['Provider', 'ClientConfig', 'Flow', 'Client', 'ApiResponse', 'MemoryStore', 'FileStore']) {
    assert.equal(typeof cjs[name], 'function', name)
    assert.equal(esm[name], cjs[name], name)
  }
})

test('configuration errors are ERR_CONFIG', () => {
  const cases = [
    () => Provider.generic('http://as.example/authorize', 'https://as.example/token'),
    () => Provider.generic('not a url', 'https://as.example/token'),
    () => Provider.speakap({}),
    () => Provider.speakap({ network: 'evil.com/x' }),
    () => Provider.speakap({ network: 'a', networkAuthUrl: 'https://a.speakap.com/auth' }),
    () => Provider.sipgate({ realm: 'a/b' }),
    () => Provider.sipgate({ loginBase: 'http://x.example' }),
    () => Provider.fromSpec({ preset: 'phorge', base_url: 'https://p.example', network: 'acme' }),
    () => Provider.fromSpec({ preset: 'generic', colour: 'red' }),
    () => ClientConfig.fromSpec(provider(), { client_id: 'c' }),
    () => { provider().clientAuth = 'magic' },
    () => { provider().pkce = 'S512' },
    () => { provider().tokenPlacement = 'body' },
    () => { provider().revocationEndpoint = 'http://as.example/revoke' },
    () => new ClientConfig({ clientId: 'c', redirectUri: 'http://127.0.0.1/cb' }),
    () => new ClientConfig({ provider: provider(), redirectUri: 'http://127.0.0.1/cb' }),
    () => new ClientConfig({ provider: provider(), clientId: 'c', redirectUri: 'http://example.com/cb' }),
    () => new ClientConfig({ provider: provider(), clientId: '', redirectUri: 'http://127.0.0.1/cb' }),
    () => Flow.start(new ClientConfig({ provider: provider(), clientId: 'c', redirectUri: 'http://127.0.0.1/cb' })),
    () => Flow.start(new ClientConfig({ provider: provider(), clientId: 'c', clientSecret: 's', redirectUri: 'http://127.0.0.1/cb', params: { state: 'x' } })),
    () => Flow.start(config(), { now: -1 }),
    () => Flow.start(config(), { now: NaN }),
    () => Flow.start(config(), { seed: -3 }),
    () => Flow.fromJSON(config(), 'not json'),
    () => Flow.fromJSON(config(), { state: 'Nowhere' }),
    () => Flow.start(config()).revocationRequest('id_token'),
    () => Flow.fromTokens(config(), { accessToken: 'a', tokenType: 'Bearer', issuedAt: -5, extra: {} }),
    () => new Client(config()).revoke('id_token'),
    () => Flow.start(config()).authorize({ method: 'DELETE', url: 'https://api.example/x' })
  ]
  for (const [i, bad] of cases.entries()) {
    assert.throws(bad, (e) => {
      assert.ok(e instanceof Error, `case ${i}`)
      assert.equal(e.code, 'ERR_CONFIG', `case ${i}: ${e.message}`)
      assert.equal(e.kind, 'config')
      return true
    }, `case ${i}`)
  }
})

test('wrong types are thrown as errors, not crashes', () => {
  const flow = Flow.start(config())
  const cases = [
    () => Flow.start(null),
    () => Flow.start({}),
    () => Flow.start(provider()),
    () => flow.callback(42),
    () => flow.callback(),
    () => new ClientConfig(),
    () => new ClientConfig({ provider: {}, clientId: 'c', redirectUri: 'http://127.0.0.1/cb' }),
    () => new ClientConfig({ provider: provider(), clientId: 7, redirectUri: 'http://127.0.0.1/cb' }),
    () => Provider.phorge(),
    () => new Client(null)
  ]
  for (const [i, bad] of cases.entries()) assert.throws(bad, Error, `case ${i}`)
})

test('responses: bad status and headers are ERR_CONFIG; odd shapes are accepted', () => {
  const f = Flow.start(config(), { seed: 1 })
  const state = new URL(f.authorizationUrl).searchParams.get('state')
  f.callback(`/cb?code=abc&state=${state}`)
  f.exchangeRequest()
  assert.throws(() => f.exchangeResponse({ status: 99999 }), { code: 'ERR_CONFIG' })
  assert.throws(() => f.exchangeResponse({ status: 200, headers: [['only-a-name']] }), { code: 'ERR_CONFIG' })
  assert.throws(() => f.exchangeResponse({ status: 200, headers: 'content-type: json' }), { code: 'ERR_CONFIG' })
  assert.equal(f.state, 'Exchanging')
  // node:http style headers, with an array value, and a Buffer body.
  f.exchangeResponse({ status: 200, headers: { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }, body: Buffer.from('{"access_token":"AT-123456","token_type":"Bearer"}') }, 1700000000)
  assert.equal(f.tokens.accessToken, 'AT-123456')
  assert.deepEqual(f.warnings.map((w) => w.warning), ['expires_in_missing'])
})

test('wrong state calls are ERR_INVALID_STATE and leave the flow as it was', () => {
  const f = Flow.start(config())
  assert.equal(f.stateParam, new URL(f.authorizationUrl).searchParams.get('state'))
  assert.throws(() => f.exchangeRequest(), { code: 'ERR_INVALID_STATE', kind: 'invalid_state' })
  assert.throws(() => f.refreshRequest(), { code: 'ERR_INVALID_STATE' })
  assert.throws(() => f.authorize({ url: 'https://api.example/x' }), { code: 'ERR_INVALID_STATE' })
  assert.throws(() => f.exchangeResponse({ status: 200, body: '{}' }), { code: 'ERR_INVALID_STATE' })
  assert.equal(f.tokens, null)
  assert.equal(f.state, 'AwaitingCallback')
})

test('callback errors have their codes', () => {
  const f = Flow.start(config())
  const state = new URL(f.authorizationUrl).searchParams.get('state')
  const cases = [
    ['http://127.0.0.1:9/cb?code=a&state=wrong', 'ERR_STATE_MISMATCH'],
    ['http://127.0.0.1:9/other?code=a&state=' + state, 'ERR_WRONG_REDIRECT'],
    ['not a url at all', 'ERR_MALFORMED_CALLBACK'],
    ['/cb?state=' + state, 'ERR_MISSING_CODE'],
    ['/cb?error=access_denied&error_description=no&state=' + state, 'ERR_AUTHORIZATION_DENIED'],
    ['/cb?' + 'x'.repeat(20000), 'ERR_MALFORMED_CALLBACK']
  ]
  for (const [url, code] of cases) assert.throws(() => f.callback(url), { code }, url)
  assert.equal(f.state, 'AwaitingCallback')
})

test('no secret in messages, inspect() output or error stacks', () => {
  const f = Flow.start(config(), { seed: 7 })
  const secrets = ['top-secret-value', f.toJSON().verifier]
  const state = f.toJSON().csrf
  f.callback(`/cb?code=THE-CODE-123&state=${state}`)
  f.exchangeRequest()
  const errors = []
  for (const body of ['{"error":"invalid_grant","error_description":"code THE-CODE-123 with top-secret-value"}', '<html>top-secret-value</html>', 'access_token=zzz-secret-token&x=1', '{"access_token": 5}']) {
    try { f.exchangeResponse({ status: 400, headers: [['content-type', 'text/html']], body }) } catch (e) { errors.push(e) }
  }
  assert.equal(errors.length, 4)
  const shown = errors.map((e) => inspect(e) + e.stack).join('\n') + inspect(f) + inspect(config())
  for (const s of [...secrets, 'THE-CODE-123', 'zzz-secret-token']) assert.ok(!shown.includes(s), `${s} shown in: ${shown}`)
})

test('Client: a busy flow, a missing store entry, and bad store paths reject with codes', async () => {
  const client = new Client(config())
  await assert.rejects(client.refresh(), { code: 'ERR_NOT_SIGNED_IN' })
  await assert.rejects(client.validTokens(), { code: 'ERR_NOT_SIGNED_IN' })
  await assert.rejects(client.get('https://api.example/x'), { code: 'ERR_NOT_SIGNED_IN' })
  await assert.rejects(client.get('x'), { code: 'ERR_CONFIG' }) // no api base to resolve it against
  const flow = client.start()
  await assert.rejects(client.exchange(flow), { code: 'ERR_INVALID_STATE' })
  await assert.rejects(client.finish(flow, '/cb?code=a&state=nope'), { code: 'ERR_STATE_MISMATCH' })
  // A token file that does not exist yet is no tokens; one that cannot be read is ERR_STORAGE.
  await assert.rejects(new Client(config(), { store: '/proc/authflow/cannot/tokens.json' }).refresh(), { code: 'ERR_NOT_SIGNED_IN' })
  await assert.rejects(new Client(config(), { store: tmpdir() }).refresh(), { code: 'ERR_STORAGE', kind: 'storage', category: 'storage' })
  // A flow without tokens: the Promise rejects, nothing is sent.
  await assert.rejects(Flow.start(config()).refresh(), { code: 'ERR_INVALID_STATE' })
  await assert.rejects(Flow.start(config()).get('https://api.example/x'), { code: 'ERR_INVALID_STATE' })
  // Argument errors are thrown at the call, before any Promise exists.
  assert.throws(() => client.login({ timeout: -1 }), { code: 'ERR_CONFIG' })
  assert.throws(() => Flow.start(config()).send({ method: 'PUT', url: 'https://api.example/x' }), { code: 'ERR_CONFIG' })
})

test('requests and tokens are the same objects when JS code generation is disallowed', () => {
  const script = `
    import { ClientConfig, Flow, Provider } from ${JSON.stringify(new URL('../index.mjs', import.meta.url).href)}
    const config = new ClientConfig({ provider: Provider.generic('https://as.example/authorize', 'https://as.example/token'), clientId: 'c', clientSecret: 's', redirectUri: 'http://127.0.0.1:9/cb' })
    const flow = Flow.start(config, { now: 1700000000, seed: 3 })
    flow.callback('/cb?code=abc&state=' + flow.stateParam)
    const request = flow.exchangeRequest()
    flow.exchangeResponse({ status: 200, headers: [['content-type', 'application/json']], body: '{"access_token":"AT","token_type":"Bearer","expires_in":60,"refresh_token":"RT","x":[1]}' }, 1700000000)
    const api = flow.authorize({ url: 'https://api.example/me' })
    console.log(JSON.stringify([request, flow.tokens, api, Object.keys(flow.tokens), Object.keys(api)]))`
  const run = (...flags) => execFileSync(process.execPath, [...flags, '--input-type=module', '-e', script], { encoding: 'utf8' })
  const normal = run()
  assert.match(normal, /"accessToken":"AT"/)
  assert.equal(run('--disallow-code-generation-from-strings'), normal)
})

test("README's table of error codes is the core's table (docs/errors.md)", () => {
  const rows = (text, header) => {
    const lines = text.split('\n')
    const start = lines.findIndex((l) => l.startsWith(header))
    assert.ok(start >= 0, `no table starting ${header}`)
    const body = []
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith('|')) break
      body.push(line.split('|').slice(1, -1).map((cell) => cell.trim()))
    }
    return body
  }
  const names = (cell) => [...new Set([...cell.matchAll(/`([a-zA-Z_]+)`/g)].map(([, n]) => n.replace(/_([a-z])/g, (_, c) => c.toUpperCase())))]
  const fromCore = rows(readFileSync(`${root}/docs/errors.md`, 'utf8'), '| kind | category |')
    .map(([, category, , type, code, fields]) => [code, type, category, fields === 'none' ? [] : names(fields)].join(' '))
  const fromReadme = rows(readFileSync(new URL('../README.md', import.meta.url), 'utf8'), '| `code` | `name` |')
    .map(([code, type, category, fields]) => [code, type, category, names(fields)].join(' '))
  assert.deepEqual(fromReadme, fromCore)
})
