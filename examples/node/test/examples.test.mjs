// Runs both example apps against the devserver with a fetch-based "browser" (cookies, manual redirects).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as sipgate from '../sipgate.mjs'
import * as speakap from '../speakap.mjs'

/** A tiny browser: keeps cookies per host, follows redirects one hop at a time. */
function browser () {
  const jars = new Map()
  return async function go (url, init = {}) {
    for (let hop = 0; hop < 10; hop++) {
      const u = new URL(url)
      const jar = jars.get(u.host) ?? new Map()
      jars.set(u.host, jar)
      const r = await fetch(u, { ...init, redirect: 'manual', headers: { ...init.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } })
      for (const c of r.headers.getSetCookie()) {
        const [pair] = c.split(';')
        const i = pair.indexOf('=')
        if (/max-age=0/i.test(c)) jar.delete(pair.slice(0, i))
        else jar.set(pair.slice(0, i), pair.slice(i + 1))
      }
      const location = r.headers.get('location')
      if (!location) return { status: r.status, url: u.href, text: await r.text() }
      url = new URL(location, u).href
      init = {}
    }
    throw new Error('too many redirects')
  }
}

test('sipgate example: login link, callback, tokens, userinfo, refresh', async () => {
  const app = await sipgate.start({ port: 0, env: {} })
  try {
    const go = browser()
    const home = await go(app.url)
    assert.match(home.text, /Login with sipgate/)
    const signedIn = await go(`${app.url}/login`)
    assert.match(signedIn.text, /Signed in/)
    const before = /id="access">([^<]+)</.exec(signedIn.text)[1]
    const info = await go(`${app.url}/userinfo`)
    assert.equal(info.status, 200)
    assert.match(info.text, /Demo User|demo/)
    const refreshed = await go(`${app.url}/refresh`)
    assert.match(refreshed.text, /Signed in/)
    assert.notEqual(/id="access">([^<]+)</.exec(refreshed.text)[1], before)
    // A callback with no login in progress is explained, not a crash.
    const stale = await browser()(`${app.url}/oauth?code=x&state=y`)
    assert.equal(stale.status, 400)
  } finally {
    app.close()
  }
})

test('speakap example: network_auth_url honoured, signed cookie, Basic auth, the user named', async () => {
  const app = await speakap.start({ port: 0, env: {} })
  try {
    const go = browser()
    const entry = await go(`${app.url}/?network_eid=0f1e2d3c4b&network_auth_url=${encodeURIComponent(`${app.devserver}/auth`)}`)
    assert.match(entry.text, /Login with Speakap/)
    const back = await go(`${app.url}/login`, { method: 'POST' })
    assert.equal(back.status, 200, back.text)
    assert.match(back.text, /Logged in as <b>Demo User<\/b>/)
    // A forged cookie is ignored: no login in progress.
    const forged = await fetch(`${app.url}/callback?code=x&state=y`, { headers: { cookie: 'speakap_sso=eyJmbG93Ijp7fX0.AAAA' } })
    assert.equal(forged.status, 400)
  } finally {
    app.close()
  }
})
