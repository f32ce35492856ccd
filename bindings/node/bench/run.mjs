// Benchmarks of the authflow npm package against openid-client 6, oauth4webapi 3 and raw node:http,
// in one process, one run. Run by `cargo xtask bench` (which builds the release addon and devserver).
//
// 1. CPU path: start (state + PKCE S256), authorization URL, callback check, token request,
//    token response parse. No network: the peers get a fetch stub that answers the token request.
// 2. Sequential refresh grants over keep-alive to the local devserver (generic profile,
//    client_secret_post, rotating refresh tokens), each with its own token chain, in
//    interleaved rounds; the median round is reported.
import { performance } from 'node:perf_hooks'
import http from 'node:http'
import * as oauth from 'oauth4webapi'
import * as oidc from 'openid-client'
import { Client, ClientConfig, Flow, Provider } from '../index.mjs'
import { startDevserver } from '../test/helpers.mjs'

const TARGET_CPU_US = 9
const TARGET_CPU_RATIO = 7
const TARGET_REFRESH_PER_S = 3300
const TARGET_REFRESH_RATIO = 3.5

const line = (name, value, target, ok) =>
  console.log(`  ${name.padEnd(34)} ${value.padStart(16)}   ${target ? `${target.padEnd(30)} ${ok ? 'ok' : 'MISSED'}` : ''}`)
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]

// ---------------------------------------------------------------- CPU path
const AS = 'https://as.example'
const REDIRECT = 'https://app.example/cb'
const BODY = '{"access_token":"AT-0123456789abcdef","token_type":"Bearer","expires_in":300,"refresh_token":"RT-0123456789abcdef","scope":"profile"}'
const HEADERS = [['Content-Type', 'application/json']]
const NOW = 1700000000

function authflowCpu () {
  const provider = Provider.generic(`${AS}/authorize`, `${AS}/token`)
  provider.clientAuth = 'client_secret_post'
  const config = new ClientConfig({ provider, clientId: 'bench-client', clientSecret: 'bench-secret', redirectUri: REDIRECT, scopes: ['profile'] })
  return () => {
    const flow = Flow.start(config, { now: NOW })
    const url = flow.authorizationUrl
    flow.callback(`${REDIRECT}?code=CODE-1&state=${flow.stateParam}`)
    const request = flow.exchangeRequest()
    flow.exchangeResponse({ status: 200, headers: HEADERS, body: BODY }, NOW)
    return url.length + request.body.length + flow.tokens.accessToken.length
  }
}

const stubFetch = async () => new Response(BODY, { status: 200, headers: { 'content-type': 'application/json' } })

function oauth4webapiCpu () {
  const as = { issuer: AS, authorization_endpoint: `${AS}/authorize`, token_endpoint: `${AS}/token` }
  const client = { client_id: 'bench-client' }
  const auth = oauth.ClientSecretPost('bench-secret')
  return async () => {
    const verifier = oauth.generateRandomCodeVerifier()
    const challenge = await oauth.calculatePKCECodeChallenge(verifier)
    const state = oauth.generateRandomState()
    const url = new URL(as.authorization_endpoint)
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('client_id', client.client_id)
    url.searchParams.set('redirect_uri', REDIRECT)
    url.searchParams.set('scope', 'profile')
    url.searchParams.set('state', state)
    url.searchParams.set('code_challenge', challenge)
    url.searchParams.set('code_challenge_method', 'S256')
    const href = url.href
    const params = oauth.validateAuthResponse(as, client, new URL(`${REDIRECT}?code=CODE-1&state=${state}`), state)
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, { [oauth.customFetch]: stubFetch })
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
    return href.length + tokens.access_token.length
  }
}

function openidClientCpu () {
  const config = new oidc.Configuration({ issuer: AS, authorization_endpoint: `${AS}/authorize`, token_endpoint: `${AS}/token` }, 'bench-client', 'bench-secret', oidc.ClientSecretPost('bench-secret'))
  config[oidc.customFetch] = stubFetch
  return async () => {
    const verifier = oidc.randomPKCECodeVerifier()
    const challenge = await oidc.calculatePKCECodeChallenge(verifier)
    const state = oidc.randomState()
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'profile', state, code_challenge: challenge, code_challenge_method: 'S256' })
    const tokens = await oidc.authorizationCodeGrant(config, new URL(`${REDIRECT}?code=CODE-1&state=${state}`), { pkceCodeVerifier: verifier, expectedState: state })
    return url.href.length + tokens.access_token.length
  }
}

async function usPerIter (fn, iters) {
  const start = performance.now()
  for (let i = 0; i < iters; i++) await fn()
  return ((performance.now() - start) * 1000) / iters
}

function usPerIterSync (fn, iters) {
  const start = performance.now()
  for (let i = 0; i < iters; i++) fn()
  return ((performance.now() - start) * 1000) / iters
}

async function cpu () {
  const iters = Number(process.env.BENCH_CPU_ITERS ?? 20000)
  console.log(`cpu path: state + pkce s256 + url + callback check + token request + token parse (${iters} iterations x 5 rounds, median)`)
  const ours = authflowCpu()
  const o4w = oauth4webapiCpu()
  const oc = openidClientCpu()
  usPerIterSync(ours, 2000); await usPerIter(o4w, 2000); await usPerIter(oc, 2000)
  const r = { ours: [], o4w: [], oc: [] }
  for (let round = 0; round < 5; round++) {
    r.ours.push(usPerIterSync(ours, iters))
    r.o4w.push(await usPerIter(o4w, iters / 4))
    r.oc.push(await usPerIter(oc, iters / 4))
  }
  const [a, b, c] = [median(r.ours), median(r.o4w), median(r.oc)]
  line('authflow (node binding)', `${a.toFixed(2)} us/iter`, `<= ${TARGET_CPU_US} us/iter`, a <= TARGET_CPU_US)
  line('oauth4webapi 3', `${b.toFixed(2)} us/iter`, '', true)
  line('openid-client 6', `${c.toFixed(2)} us/iter`, '', true)
  line('ratio oauth4webapi / authflow', `${(b / a).toFixed(1)}x`, `>= ${TARGET_CPU_RATIO}x`, b / a >= TARGET_CPU_RATIO)
  line('ratio openid-client / authflow', `${(c / a).toFixed(1)}x`, '', true)
  return { a, b, c }
}

// ---------------------------------------------------------------- refresh over keep-alive
const CLIENT_ID = 'generic-post-client'
const SECRET = 'generic-post-secret-9a2d4b'
const CB = 'http://127.0.0.1:9/cb'

async function firstRefreshToken (base) {
  const provider = Provider.generic(`${base}/authorize`, `${base}/token`)
  provider.clientAuth = 'client_secret_post'
  const client = new Client(new ClientConfig({ provider, clientId: CLIENT_ID, clientSecret: SECRET, redirectUri: CB }))
  const flow = client.start()
  const r = await fetch(flow.authorizationUrl, { redirect: 'manual' })
  await client.finish(flow, r.headers.get('location'))
  return client
}

async function refresh () {
  const n = Number(process.env.BENCH_REFRESHES ?? 3000)
  const rounds = 7
  const per = Math.max(1, Math.floor(n / rounds))
  console.log(`sequential refresh grants over keep-alive to the local devserver (${per} x ${rounds} rounds each, median round)`)
  const server = await startDevserver({ tokenLifetime: 3600 })
  try {
    const ours = await firstRefreshToken(server.base)
    const tokenUrl = `${server.base}/token`

    const as = { issuer: server.base, token_endpoint: tokenUrl }
    const o4wClient = { client_id: CLIENT_ID }
    const o4wAuth = oauth.ClientSecretPost(SECRET)
    let o4wToken = (await firstRefreshToken(server.base)).tokens.refreshToken

    const ocConfig = new oidc.Configuration({ issuer: server.base, token_endpoint: tokenUrl }, CLIENT_ID, SECRET, oidc.ClientSecretPost(SECRET))
    oidc.allowInsecureRequests(ocConfig)
    let ocToken = (await firstRefreshToken(server.base)).tokens.refreshToken

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    let rawToken = (await firstRefreshToken(server.base)).tokens.refreshToken
    const rawRefresh = () => new Promise((resolve, reject) => {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rawToken, client_id: CLIENT_ID, client_secret: SECRET }).toString()
      const req = http.request(tokenUrl, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => { text += d })
        res.on('end', () => {
          const json = JSON.parse(text)
          if (!json.refresh_token) return reject(new Error(text))
          rawToken = json.refresh_token
          resolve()
        })
      })
      req.on('error', reject)
      req.end(body)
    })

    const runners = {
      authflow: async () => { await ours.refresh() },
      oauth4webapi: async () => {
        const response = await oauth.refreshTokenGrantRequest(as, o4wClient, o4wAuth, o4wToken, { [oauth.allowInsecureRequests]: true })
        o4wToken = (await oauth.processRefreshTokenResponse(as, o4wClient, response)).refresh_token
      },
      'openid-client': async () => { ocToken = (await oidc.refreshTokenGrant(ocConfig, ocToken)).refresh_token },
      'raw node:http keep-alive': rawRefresh
    }
    const rates = Object.fromEntries(Object.keys(runners).map((k) => [k, []]))
    for (const run of Object.values(runners)) for (let i = 0; i < 50; i++) await run()
    for (let round = 0; round < rounds; round++) {
      for (const [name, run] of Object.entries(runners)) {
        const start = performance.now()
        for (let i = 0; i < per; i++) await run()
        rates[name].push(per / ((performance.now() - start) / 1000))
      }
    }
    const m = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]))
    line('authflow (node binding)', `${m.authflow.toFixed(0)} /s`, `>= ${TARGET_REFRESH_PER_S} /s`, m.authflow >= TARGET_REFRESH_PER_S)
    for (const k of ['oauth4webapi', 'openid-client', 'raw node:http keep-alive']) line(k, `${m[k].toFixed(0)} /s`, '', true)
    const ratio = m.authflow / m.oauth4webapi
    line('ratio authflow / oauth4webapi', `${ratio.toFixed(2)}x`, `>= ${TARGET_REFRESH_RATIO}x`, ratio >= TARGET_REFRESH_RATIO)
    line('ratio authflow / openid-client', `${(m.authflow / m['openid-client']).toFixed(2)}x`, '', true)
    line('ratio authflow / raw node:http', `${(m.authflow / m['raw node:http keep-alive']).toFixed(2)}x`, '', true)
    agent.destroy()
  } finally {
    server.stop()
  }
}

const filter = process.argv[2]
if (!filter || 'cpu'.includes(filter) || filter === 'node') await cpu()
if (!filter || 'refresh'.includes(filter) || filter === 'node') await refresh()
