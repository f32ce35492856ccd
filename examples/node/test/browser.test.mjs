// The Speakap SSO example in a real headless browser (Debian's chromium, driven by playwright-core)
// against the devserver's interactive login form: approve lands back logged in; deny shows the error.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium } from 'playwright-core'
import * as speakap from '../speakap.mjs'

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium'


let browser, profile, app
before(async () => {
  // Never skipped: `cargo xtask test` installs Debian's chromium when it is missing.
  assert.ok(existsSync(executablePath), `no browser at ${executablePath}: apt-get install chromium (cargo xtask test does it), or set CHROMIUM`)
  profile = mkdtempSync(path.join(tmpdir(), 'authflow-chromium-'))
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  app = await speakap.start({ port: 0, env: {}, interactive: true })
})
after(async () => {
  await browser?.close()
  app?.close()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

async function login (button) {
  await browser.clearCookies()
  const page = await browser.newPage()
  try {
    await page.goto(`${app.url}/?network_eid=0f1e2d3c4b&network_auth_url=${encodeURIComponent(`${app.devserver}/auth`)}`)
    await page.click('#login')
    await page.waitForSelector(`#${button}`)
    assert.ok(page.url().startsWith(app.devserver), `on the devserver's form: ${page.url()}`)
    await page.fill('#password', 'demo')
    await page.click(`#${button}`)
    await page.waitForURL((u) => u.href.startsWith(`${app.url}/callback`))
    return await page.textContent(button === 'approve' ? '#user' : '#error')
  } finally {
    await page.close()
  }
}

test('approve on the login form: back in the app, logged in by name', async () => {
  assert.match(await login('approve'), /Logged in as Demo User/)
})

test('deny on the login form: the error redirect is shown to the user', async () => {
  assert.match(await login('deny'), /access_denied/)
})
