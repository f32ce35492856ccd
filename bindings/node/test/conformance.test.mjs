// Runs every shared conformance vector (conformance/vectors/*.json) through the JS API.
// The format is in conformance/README.md; the Rust runner is the reference.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { Flow, Provider, ClientConfig } from '../index.mjs'

const dir = new URL('../../../conformance/vectors/', import.meta.url)
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()

test('there are at least 30 vectors', () => {
  assert.ok(files.length >= 30, `only ${files.length} vectors`)
})

class BrokenVector extends Error {}

function checkKeys (o, allowed, what) {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new BrokenVector(`unknown key ${k} in ${what}`)
  }
}

class Vars {
  constructor () { this.v = {} }
  learn (flow) {
    const s = flow.toJSON()
    for (const [key, name] of [['csrf', 'state'], ['verifier', 'verifier'], ['nonce', 'nonce']]) {
      if (typeof s[key] === 'string') this.v[name] = s[key]
    }
    if (this.v.verifier) this.v.code_challenge = createHash('sha256').update(this.v.verifier).digest('base64url')
  }

  sub (s) {
    return s.replace(/\{\{([a-z_]+)\}\}/g, (_, name) => {
      if (!(name in this.v)) throw new BrokenVector(`placeholder {{${name}}} is not known yet`)
      return this.v[name]
    })
  }

  text (v) {
    if (typeof v === 'string') return this.sub(v)
    if (v && typeof v === 'object') {
      checkKeys(v, ['prefix', 'repeat', 'count', 'suffix'], 'string generator')
      return this.sub(v.prefix ?? '') + v.repeat.repeat(v.count) + this.sub(v.suffix ?? '')
    }
    throw new BrokenVector(`expected a string or a generator, got ${JSON.stringify(v)}`)
  }
}

/** The vector's provider and client objects are specs as data, built as every language builds them. */
function buildConfig (vector) {
  return ClientConfig.fromSpec(Provider.fromSpec(vector.provider), vector.client)
}

const TOKEN_FIELDS = {
  access_token: 'accessToken',
  refresh_token: 'refreshToken',
  id_token: 'idToken',
  token_type: 'tokenType',
  scope: 'scope',
  expires_at: 'expiresAt',
  issued_at: 'issuedAt',
  extra: 'extra'
}

function sortedNames (w) {
  return Array.isArray(w.names) ? { ...w, names: [...w.names].sort() } : w
}

function runVector (vector) {
  checkKeys(vector, ['name', 'description', 'provider', 'client', 'seed', 'now', 'steps'], 'vector')
  const run = { flow: null, config: null, vars: new Vars() }
  vector.steps.forEach((step, i) => {
    try {
      runStep(vector, run, step)
    } catch (e) {
      e.message = `step ${i} (${step.op}): ${e.message}`
      throw e
    }
  })
}

function response (vars, r) {
  checkKeys(r, ['status', 'headers', 'body'], 'response')
  return { status: r.status, headers: r.headers ?? [], body: r.body === undefined ? '' : vars.text(r.body) }
}

function runStep (vector, run, step) {
  const now = step.now ?? vector.now
  const { vars } = run
  const flow = () => {
    if (!run.flow) throw new BrokenVector('no flow: the first step must be a successful start')
    return run.flow
  }
  let produced
  let error = null
  try {
    switch (step.op) {
      case 'start': {
        run.flow = null
        run.config = buildConfig(vector)
        const options = { now }
        if (vector.seed !== undefined) options.seed = vector.seed
        run.flow = Flow.start(run.config, options)
        run.vars = new Vars()
        produced = { url: run.flow.authorizationUrl }
        break
      }
      case 'authorization_url': produced = { url: flow().authorizationUrl }; break
      case 'callback': flow().callback(vars.text(step.url)); break
      case 'exchange_request': produced = { request: flow().exchangeRequest() }; break
      case 'exchange_response': flow().exchangeResponse(response(vars, step.response), now); break
      case 'refresh_request': produced = { request: flow().refreshRequest() }; break
      case 'refresh_response': flow().refreshResponse(response(vars, step.response), now); break
      case 'request_failed': flow().requestFailed(); break
      case 'authorize': {
        const r = step.request
        checkKeys(r, ['method', 'url', 'headers', 'body'], 'request')
        produced = {
          request: flow().authorize({
            method: r.method ?? 'GET',
            url: vars.text(r.url),
            headers: r.headers ?? [],
            body: r.body === undefined ? undefined : vars.text(r.body)
          })
        }
        break
      }
      case 'revocation_request': produced = { request: flow().revocationRequest(step.token) }; break
      case 'expiry':
        produced = { expiry: { expires_within: flow().expiresWithin(now, step.skew ?? 0), refresh_due: flow().refreshDue(now) } }
        break
      case 'save_restore': {
        const json = JSON.stringify(flow())
        const restored = Flow.fromJSON(run.config, json)
        assert.equal(JSON.stringify(restored), json, 'toJSON after fromJSON differs')
        run.flow = restored
        break
      }
      default:
        throw new BrokenVector(`unknown op ${step.op}`)
    }
  } catch (e) {
    if (e instanceof BrokenVector || e instanceof assert.AssertionError) throw e
    if (typeof e?.code !== 'string' || !e.code.startsWith('ERR_')) throw e
    error = e
  }
  if (run.flow) run.vars.learn(run.flow)
  check(run, step.expect ?? {}, produced, error)
}

function check (run, expect, produced, error) {
  const { vars } = run
  checkKeys(expect, ['state', 'error', 'authorization_url', 'request', 'tokens', 'warnings', 'expires_within', 'refresh_due'], 'expect')
  if (expect.error && !error) assert.fail(`expected error ${JSON.stringify(expect.error)}, but the step succeeded`)
  if (!expect.error && error) assert.fail(`unexpected error ${error.code}: ${error.message}`)
  if (expect.error) {
    const w = expect.error
    checkKeys(w, ['kind', 'oauth_error', 'status', 'description', 'uri', 'message_contains', 'message_excludes'], 'error')
    assert.equal(error.kind, w.kind, `error kind (${error.message})`)
    assert.equal(error.code, error.kind === 'oauth' ? `ERR_OAUTH_${error.error.toUpperCase().replace(/[^A-Z0-9]/g, '_')}` : `ERR_${w.kind.toUpperCase()}`)
    if (w.oauth_error !== undefined) assert.equal(error.error, w.oauth_error, 'oauth_error')
    if (w.status !== undefined) assert.equal(error.status, w.status, 'error status')
    for (const key of ['description', 'uri']) {
      if (key in w) assert.equal(error[key] ?? null, w[key] === null ? null : vars.sub(w[key]), `error ${key}`)
    }
    for (const part of [w.message_contains ?? []].flat()) {
      assert.ok(error.message.includes(vars.sub(part)), `message ${JSON.stringify(error.message)} lacks ${part}`)
    }
    const shown = inspect(error, { depth: 5 }) + String(error.stack)
    for (const part of [w.message_excludes ?? []].flat()) {
      const secret = vars.sub(part)
      assert.ok(!error.message.includes(secret) && !shown.includes(secret), `error shows ${secret}: ${shown}`)
    }
  }
  if (expect.state !== undefined) assert.equal(run.flow ? run.flow.state : 'none', expect.state, 'state')
  if (expect.authorization_url !== undefined) {
    assert.ok(produced?.url !== undefined, 'this step yields no url')
    assert.equal(produced.url, vars.text(expect.authorization_url), 'authorization_url')
  }
  if (expect.request !== undefined) {
    assert.ok(produced?.request, 'this step yields no request')
    checkRequest(vars, produced.request, expect.request)
  }
  if ('tokens' in expect) checkTokens(run, expect.tokens)
  if (expect.warnings !== undefined) {
    const have = run.flow.warnings.map(sortedNames)
    const used = have.map(() => false)
    for (const w of expect.warnings) {
      const i = have.findIndex((h, j) => !used[j] && (typeof w === 'string' ? h.warning === w : isDeepEqual(h, sortedNames(w))))
      assert.ok(i >= 0, `warning ${JSON.stringify(w)} not reported; warnings: ${JSON.stringify(have)}`)
      used[i] = true
    }
    assert.ok(used.every(Boolean), `unexpected warnings: ${JSON.stringify(have)}`)
  }
  for (const key of ['expires_within', 'refresh_due']) {
    if (expect[key] !== undefined) {
      assert.ok(produced?.expiry, `${key} is only yielded by expiry`)
      assert.equal(produced.expiry[key], expect[key], key)
    }
  }
}

function isDeepEqual (a, b) {
  try { assert.deepStrictEqual(a, b); return true } catch { return false }
}

function checkRequest (vars, got, want) {
  checkKeys(want, ['method', 'url', 'headers', 'body', 'form'], 'expected request')
  if (want.method !== undefined) assert.equal(got.method, want.method, 'request method')
  if (want.url !== undefined) assert.equal(got.url, vars.text(want.url), 'request url')
  if (want.headers !== undefined) {
    const norm = (list) => list.map(([n, v]) => [n.toLowerCase(), v]).sort((a, b) => (a.join('\n') < b.join('\n') ? -1 : 1))
    assert.deepEqual(norm(got.headers), norm(want.headers.map(([n, v]) => [n, vars.sub(v)])), 'request headers')
  }
  const body = got.body ?? ''
  if (want.body !== undefined) assert.equal(body, vars.text(want.body), 'request body')
  if (want.form !== undefined) {
    const sort = (l) => l.map((p) => JSON.stringify(p)).sort()
    assert.deepEqual(sort([...new URLSearchParams(body)]), sort(want.form.map(([n, v]) => [n, vars.sub(v)])), 'request form')
  }
}

function checkTokens (run, want) {
  const got = run.flow?.tokens ?? null
  if (want === null) return assert.equal(got, null, 'tokens: expected none')
  assert.ok(got, 'tokens: expected a token set, the flow holds none')
  checkKeys(want, Object.keys(TOKEN_FIELDS), 'tokens')
  for (const [key, expected] of Object.entries(want)) {
    let value = expected
    if (typeof expected === 'string') value = run.vars.sub(expected)
    else if (expected && typeof expected === 'object' && 'repeat' in expected) value = run.vars.text(expected)
    const have = got[TOKEN_FIELDS[key]] ?? (key === 'extra' ? {} : null)
    assert.deepEqual(have, value, `tokens.${key}`)
  }
}

const names = new Map()
for (const file of files) {
  test(`vector ${file}`, () => {
    const vector = JSON.parse(readFileSync(new URL(file, dir), 'utf8'))
    assert.ok(!names.has(vector.name), `name ${vector.name} is also used by ${names.get(vector.name)}`)
    names.set(vector.name, file)
    runVector(vector)
  })
}
