// The client scenarios of conformance/scenarios/*.json, run through Client against the devserver.
//
// The same files run in Rust (crates/authflow-bind/tests/scenarios.rs) and Python
// (bindings/python/tests/test_scenarios.py); the step language is described in
// conformance/README.md ("Client scenarios"). One interpreter loop over the steps;
// every OAuth decision is the client's.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Client, ClientConfig, Provider } from '../index.mjs'
import { approve, root, startDevserver } from './helpers.mjs'

/** The runner fails if it finds fewer scenario files than this (no silent empty run). */
const MIN_SCENARIOS = 17

const folder = path.join(root, 'conformance/scenarios')
const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort()

let server
before(async () => { server = await startDevserver() })
after(() => server?.stop())

/** A failed check or a broken scenario (as opposed to an error the client threw). */
class Broken extends Error {}

function checkKeys (obj, allowed, what) {
  const unknown = Object.keys(obj).find((k) => !allowed.includes(k))
  if (unknown !== undefined) throw new Broken(`unknown key ${JSON.stringify(unknown)} in ${what}`)
}

function buildConfig (scenario) {
  const p = scenario.provider
  const presetKeys = {
    sipgate: ['login_base', 'api_base', 'realm'],
    speakap: ['auth_url', 'token_url', 'api_base'],
    phorge: ['base_url'],
    generic: ['authorization_endpoint', 'token_endpoint']
  }
  if (!presetKeys[p.preset]) throw new Broken(`unknown preset ${JSON.stringify(p.preset)}`)
  checkKeys(p, ['preset', 'issuer', 'revocation_endpoint', 'client_auth', ...presetKeys[p.preset]], 'provider')
  const provider = {
    sipgate: () => Provider.sipgate({ realm: p.realm, loginBase: p.login_base, apiBase: p.api_base }),
    speakap: () => Provider.speakap({ authUrl: p.auth_url, tokenUrl: p.token_url, apiBase: p.api_base }),
    phorge: () => Provider.phorge(p.base_url),
    generic: () => Provider.generic(p.authorization_endpoint, p.token_endpoint)
  }[p.preset]()
  if ('issuer' in p) provider.issuer = p.issuer
  if ('revocation_endpoint' in p) provider.revocationEndpoint = p.revocation_endpoint
  if ('client_auth' in p) provider.clientAuth = p.client_auth
  const c = scenario.client
  checkKeys(c, ['client_id', 'client_secret', 'redirect_uri', 'scopes'], 'client')
  return new ClientConfig({ provider, clientId: c.client_id, clientSecret: c.client_secret, redirectUri: c.redirect_uri, scopes: c.scopes })
}

/** The access and refresh token, which is what `same_as` and `differs_from` compare. */
const pair = (tokens) => [tokens.accessToken, tokens.refreshToken ?? null]

const OPS = {
  login: ['via'],
  start: ['as'],
  browse: ['flow', 'as'],
  finish: ['flow', 'callback'],
  refresh: [],
  valid_tokens: [],
  tokens: [],
  get: ['path'],
  revoke: ['token'],
  sign_out: [],
  knobs: ['set'],
  counters: [],
  sleep: ['ms'],
  store_copy: ['as'],
  store_restore: ['from']
}
const TOKEN_OPS = ['login', 'finish', 'refresh', 'valid_tokens', 'tokens']

/** One scenario's client and the names its steps gave to flows, callbacks, tokens and store copies. */
class Run {
  constructor (scenario, dir) {
    const store = scenario.store ?? 'memory'
    if (store !== 'memory' && store !== 'file') throw new Broken(`unknown store ${JSON.stringify(store)}`)
    this.storeFile = store === 'file' ? path.join(dir, 'tokens.json') : null
    this.client = new Client(buildConfig(scenario), this.storeFile ? { store: this.storeFile } : {})
    this.flows = {}
    this.callbacks = {}
    this.saved = {}
    this.files = {}
  }

  /** Runs one step and returns what it yields; the client's errors propagate. */
  async step (step) {
    const op = step.op
    if (!OPS[op]) throw new Broken(`unknown op ${JSON.stringify(op)}`)
    checkKeys(step, ['op', 'expect', ...OPS[op], ...(TOKEN_OPS.includes(op) ? ['save_as'] : [])], 'step')
    const named = (map, name) => {
      if (!(name in map)) throw new Broken(`nothing named ${JSON.stringify(name)}`)
      return map[name]
    }
    const client = this.client
    switch (op) {
      case 'login': {
        const via = step.via ?? 'browser'
        if (via === 'browser') {
          const flow = client.start()
          return client.finish(flow, await approve(flow.authorizationUrl))
        }
        if (via === 'loopback') {
          return client.login({ timeout: 20, onUrl: (url) => { approve(url).then((back) => fetch(back)).catch(() => {}) } })
        }
        throw new Broken(`unknown via ${JSON.stringify(via)}`)
      }
      case 'start': this.flows[step.as] = client.start(); return null
      case 'browse': this.callbacks[step.as] = await approve(named(this.flows, step.flow).authorizationUrl); return null
      case 'finish': return client.finish(named(this.flows, step.flow), named(this.callbacks, step.callback))
      case 'refresh': return client.refresh()
      case 'valid_tokens': return client.validTokens()
      case 'tokens': return client.tokens
      case 'get': return client.get(step.path)
      case 'revoke':
        if (!['access_token', 'refresh_token'].includes(step.token)) throw new Broken(`unknown token ${JSON.stringify(step.token)}`)
        await client.revoke(step.token)
        return null
      case 'sign_out': await client.signOut(); return null
      case 'knobs':
        if (typeof step.set !== 'object' || step.set === null) throw new Broken('set must be an object')
        await server.knobs(step.set)
        return null
      case 'counters': return server.counters()
      case 'sleep': await new Promise((resolve) => setTimeout(resolve, step.ms)); return null
      case 'store_copy':
        if (!this.storeFile) throw new Broken('store_copy needs "store": "file"')
        this.files[step.as] = readFileSync(this.storeFile)
        return null
      default:
        if (!this.storeFile) throw new Broken('store_restore needs "store": "file"')
        writeFileSync(this.storeFile, named(this.files, step.from))
        return null
    }
  }

  /** Compares what a successful step yielded with its `expect`. */
  check (step, outcome) {
    const expect = step.expect ?? {}
    if (step.op === 'counters') {
      for (const [name, want] of Object.entries(expect)) {
        if (!(name in outcome)) throw new Broken(`no counter ${JSON.stringify(name)}`)
        if (outcome[name] !== want) throw new Broken(`counter ${name}: got ${outcome[name]}, expected ${want}`)
      }
    } else if (step.op === 'get') {
      checkKeys(expect, ['status', 'body_contains'], 'expect')
      const body = outcome.text()
      if ('status' in expect && outcome.status !== expect.status) throw new Broken(`status ${outcome.status}, expected ${expect.status}: ${body}`)
      if ('body_contains' in expect && !body.includes(expect.body_contains)) throw new Broken(`body lacks ${JSON.stringify(expect.body_contains)}: ${body}`)
    } else if (TOKEN_OPS.includes(step.op)) {
      checkKeys(expect, ['present', 'refresh_token', 'same_as', 'differs_from'], 'expect')
      const present = outcome !== null && outcome !== undefined
      if ('present' in expect && expect.present !== present) throw new Broken(`tokens present: ${present}, expected ${expect.present}`)
      if (!present) {
        if (Object.keys(expect).some((k) => k !== 'present') || 'save_as' in step) throw new Broken('no tokens stored')
        return
      }
      const [access, refresh] = pair(outcome)
      const saved = (name) => {
        if (!(name in this.saved)) throw new Broken(`no tokens saved as ${JSON.stringify(name)}`)
        return pair(this.saved[name])
      }
      if ('refresh_token' in expect && expect.refresh_token !== (refresh !== null)) throw new Broken(`has a refresh token: ${refresh !== null}, expected ${expect.refresh_token}`)
      if ('same_as' in expect) {
        const [a, r] = saved(expect.same_as)
        if (access !== a || refresh !== r) throw new Broken(`tokens are not the ones saved as ${JSON.stringify(expect.same_as)}`)
      }
      if ('differs_from' in expect) {
        const [a, r] = saved(expect.differs_from)
        if (access === a || refresh === null || refresh === r) throw new Broken(`access and refresh token must both differ from ${JSON.stringify(expect.differs_from)}'s`)
      }
      if ('save_as' in step) this.saved[step.save_as] = outcome
    } else {
      checkKeys(expect, [], 'expect')
    }
  }
}

function checkError (step, e, want) {
  checkKeys(step.expect, ['error'], 'an expect with error')
  checkKeys(want, ['kind', 'oauth_error', 'status', 'transport'], 'error')
  const got = { kind: e.kind, oauth_error: e.error, status: e.status, transport: e.transport }
  for (const [key, value] of Object.entries(want)) {
    if (got[key] !== value) throw new Broken(`error ${key}: got ${JSON.stringify(got[key])}, expected ${JSON.stringify(value)} (${e.kind}: ${e.message})`)
  }
}

test(`at least ${MIN_SCENARIOS} scenario files`, () => {
  assert.ok(files.length >= MIN_SCENARIOS, `found ${files.length} scenario files, expected at least ${MIN_SCENARIOS}`)
})

for (const file of files) {
  test(file, async () => {
    const text = readFileSync(path.join(folder, file), 'utf8').replaceAll('{{base}}', server.base)
    assert.ok(!text.includes('{{'), `${file}: a placeholder other than {{base}}`)
    const scenario = JSON.parse(text)
    checkKeys(scenario, ['name', 'description', 'provider', 'client', 'store', 'steps'], 'scenario')
    await server.reset()
    const dir = mkdtempSync(path.join(tmpdir(), 'authflow-scenario-'))
    try {
      const run = new Run(scenario, dir)
      for (const [index, step] of scenario.steps.entries()) {
        const where = `${file}: step ${index} (${step.op})`
        const wantError = step.expect?.error
        let outcome
        try {
          outcome = await run.step(step)
        } catch (e) {
          if (e instanceof Broken) assert.fail(`${where}: ${e.message}`)
          if (typeof e?.kind !== 'string') assert.fail(`${where}: ${e?.stack ?? e}`)
          if (wantError === undefined) assert.fail(`${where}: failed with ${e.kind}: ${e.message}`)
          try { checkError(step, e, wantError) } catch (broken) { assert.fail(`${where}: ${broken.message}`) }
          continue
        }
        if (wantError !== undefined) assert.fail(`${where}: succeeded, expected the error ${JSON.stringify(wantError)}`)
        try { run.check(step, outcome) } catch (broken) { assert.fail(`${where}: ${broken.message}`) }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
}
