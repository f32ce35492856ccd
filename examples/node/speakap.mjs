// Seed 003 (Speakap SSO) as a web app: a "Login with Speakap" button, the pending login in a
// signed cookie (HMAC-SHA256 with node:crypto), network_eid / network_auth_url honoured,
// HTTP Basic client authentication, and the error redirect shown to the user.
//
//   node speakap.mjs                     against the embedded devserver (INTERACTIVE=1 for its login form)
//   APP_ID=... APP_SECRET=... NETWORK=acme node speakap.mjs
import { createServer } from 'node:http'
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { Client, ClientConfig, Flow, Provider } from 'authflow'
import { demo, devserver, escape } from './devserver.mjs'

const COOKIE = 'speakap_sso'

export async function start ({ port = Number(process.env.PORT ?? 8081), env = process.env, interactive = env.INTERACTIVE === '1' } = {}) {
  const server = env.APP_ID ? null : await devserver({ interactive })
  const key = env.COOKIE_SECRET ? Buffer.from(env.COOKIE_SECRET) : randomBytes(32)
  const sign = (value) => {
    const payload = Buffer.from(JSON.stringify(value)).toString('base64url')
    return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`
  }
  const verify = (cookie) => {
    const [payload, mac] = (cookie ?? '').split('.')
    if (!payload || !mac) return null
    const want = createHmac('sha256', key).update(payload).digest()
    const got = Buffer.from(mac, 'base64url')
    if (got.length !== want.length || !timingSafeEqual(got, want)) return null
    return JSON.parse(Buffer.from(payload, 'base64url').toString())
  }
  const cookieOf = (req) => /(?:^|;\s*)speakap_sso=([\w.-]+)/.exec(req.headers.cookie ?? '')?.[1]
  let base

  /** The provider for a login: the network_auth_url the app was opened with, else the configured network. */
  function configFor (networkAuthUrl) {
    let provider
    if (server) {
      provider = Provider.speakap({ authUrl: networkAuthUrl ?? `${server.base}/auth`, tokenUrl: `${server.base}/oauth/v2/token`, apiBase: server.base })
    } else {
      provider = networkAuthUrl ? Provider.speakap({ networkAuthUrl }) : Provider.speakap({ network: env.NETWORK })
    }
    // Speakap recommends HTTP Basic over client_secret in the body; the preset uses it.
    provider.clientAuth = 'client_secret_basic'
    return new ClientConfig({
      provider,
      clientId: env.APP_ID ?? demo.speakap.id,
      clientSecret: env.APP_SECRET ?? demo.speakap.secret,
      redirectUri: env.REDIRECT_URI ?? `${base}/callback`,
      scopes: 'profile.basic.read'
    })
  }

  const http = createServer(async (req, res) => {
    const url = new URL(req.url, base)
    const session = verify(cookieOf(req)) ?? {}
    const page = (status, body, cookie) => {
      const headers = { 'content-type': 'text/html; charset=utf-8' }
      if (cookie !== undefined) headers['set-cookie'] = `${COOKIE}=${cookie}; HttpOnly; SameSite=Lax; Path=/`
      res.writeHead(status, headers)
      res.end(`<!doctype html><title>Hello World SSO</title>${body}`)
    }
    try {
      if (url.pathname === '/login' && req.method === 'POST') {
        const config = configFor(session.networkAuthUrl)
        const flow = Flow.start(config)
        const pending = { ...session, flow: flow.toJSON() }
        res.writeHead(303, { location: flow.authorizationUrl, 'set-cookie': `${COOKIE}=${sign(pending)}; HttpOnly; SameSite=Lax; Path=/` })
        return res.end()
      }
      if (url.pathname === '/callback') {
        if (!session.flow) return page(400, '<p id="error">No login in progress. <a href="/">Start again</a></p>')
        const config = configFor(session.networkAuthUrl)
        const flow = Flow.fromJSON(config, session.flow)
        const client = new Client(config)
        try {
          await client.finish(flow, req.url)
        } catch (e) {
          if (e.code !== 'ERR_AUTHORIZATION_DENIED') throw e
          const { flow: _, ...rest } = session
          return page(403, `<h1>Login refused</h1><p id="error">Speakap said <b>${escape(e.error)}</b>${e.description ? `: ${escape(e.description)}` : ''}</p><a href="/">back</a>`, sign(rest))
        }
        const eid = session.networkEid ?? env.NETWORK_EID ?? demo.speakap.network
        const network = (await client.get(`networks/${eid}/?embed=userProfile`)).json()
        const user = network._embedded?.userProfile ?? {}
        return page(200, `<h1>Hello World SSO</h1><p id="user">Logged in as <b>${escape(user.name ?? user.EID ?? 'a Speakap user')}</b></p><a href="/logout">log out</a>`, sign({ networkEid: session.networkEid, networkAuthUrl: session.networkAuthUrl, user: user.name }))
      }
      if (url.pathname === '/logout') {
        res.writeHead(302, { location: '/', 'set-cookie': `${COOKIE}=; Max-Age=0; Path=/` })
        return res.end()
      }
      // The app's external URL: with urlAppendNetwork, Speakap adds network_eid and network_auth_url.
      const networkEid = url.searchParams.get('network_eid') ?? session.networkEid
      const networkAuthUrl = url.searchParams.get('network_auth_url') ?? session.networkAuthUrl
      if (session.user) return page(200, `<p id="user">Logged in as <b>${escape(session.user)}</b></p><a href="/logout">log out</a>`)
      return page(200, `<h1>Hello World SSO</h1>
<form method="post" action="/login"><button id="login" type="submit">Login with Speakap</button></form>`, sign({ networkEid, networkAuthUrl }))
    } catch (e) {
      return page(502, `<p id="error">${escape(e.code ?? 'error')}: ${escape(e.message)}</p><a href="/">back</a>`)
    }
  })
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve))
  base = `http://localhost:${http.address().port}`
  return { url: base, devserver: server?.base, close () { http.close(); http.closeAllConnections(); server?.stop() } }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await start()
  console.log(`Speakap SSO example on ${app.url}`)
}
