// Seed 002 (sipgate's OAuth2 guide) as a small node:http app: login link, callback, tokens, userinfo, refresh.
//
//   node sipgate.mjs                      against the embedded devserver
//   CLIENT_ID=... CLIENT_SECRET=... REDIRECT_URI=http://localhost:8080/oauth node sipgate.mjs
//
// The pending login lives server-side, keyed by a session cookie (the PHP sample's
// io_session_identifier); each session has its own Client with the tokens in memory.
import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { Client, ClientConfig, Flow, Provider } from 'authflow'
import { demo, devserver, escape } from './devserver.mjs'

export async function start ({ port = Number(process.env.PORT ?? 8080), env = process.env } = {}) {
  const server = env.CLIENT_ID ? null : await devserver()
  const provider = server
    ? Provider.sipgate({ loginBase: server.base, apiBase: `${server.base}/v2` })
    : Provider.sipgate({ realm: env.REALM ?? 'third-party' })
  const sessions = new Map()
  let config

  const http = createServer(async (req, res) => {
    const sid = /(?:^|;\s*)io_session_identifier=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1]
    const session = sessions.get(sid)
    const path = new URL(req.url, 'http://x').pathname
    const page = (status, body) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>sipgate OAuth2</title>${body}`)
    }
    try {
      if (path === '/login') {
        const id = randomBytes(16).toString('base64url')
        const client = new Client(config)
        const flow = client.start()
        sessions.set(id, { client, pending: JSON.stringify(flow) })
        res.writeHead(302, { location: flow.authorizationUrl, 'set-cookie': `io_session_identifier=${id}; HttpOnly; SameSite=Lax; Path=/` })
        return res.end()
      }
      if (path === new URL(config.redirectUri).pathname) {
        if (!session?.pending) return page(400, '<p>No login in progress (a restart or a stale tab). <a href="/login">Start again</a></p>')
        const flow = Flow.fromJSON(config, session.pending)
        session.pending = null
        await session.client.finish(flow, req.url) // state, iss and error= are checked; the code is exchanged once
        res.writeHead(302, { location: '/' })
        return res.end()
      }
      if (!session?.client.tokens) return page(200, '<p><a id="login" href="/login">Login with sipgate</a></p>')
      if (path === '/userinfo') {
        const info = await session.client.get('authorization/userinfo') // refreshed first when due
        return page(info.status, `<pre id="userinfo">${escape(JSON.stringify(info.json(), null, 2))}</pre><a href="/">back</a>`)
      }
      if (path === '/refresh') {
        await session.client.refresh()
        res.writeHead(302, { location: '/' })
        return res.end()
      }
      const t = session.client.tokens
      return page(200, `<p id="status">Signed in. The access token expires at <span id="expires">${new Date(t.expiresAt * 1000).toISOString()}</span>.</p>
<p>Access token: <code id="access">${escape(t.accessToken.slice(0, 12))}…</code></p>
<p><a id="userinfo-link" href="/userinfo">userinfo</a> · <a id="refresh-link" href="/refresh">refresh now</a></p>`)
    } catch (e) {
      return page(e.code === 'ERR_AUTHORIZATION_DENIED' ? 403 : 502, `<p id="error">${escape(e.code)}: ${escape(e.message)}</p><a href="/login">try again</a>`)
    }
  })
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve))
  const url = `http://localhost:${http.address().port}`
  config = new ClientConfig({
    provider,
    clientId: env.CLIENT_ID ?? demo.sipgate.id,
    clientSecret: env.CLIENT_SECRET ?? demo.sipgate.secret,
    redirectUri: env.REDIRECT_URI ?? `${url}/oauth`,
    scopes: (env.OAUTH_SCOPE ?? 'account:read').split(/\s+/)
  })
  return { url, close () { http.close(); http.closeAllConnections(); server?.stop() } }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await start()
  console.log(`sipgate example on ${app.url}`)
}
