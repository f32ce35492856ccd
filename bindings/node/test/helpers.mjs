// Test helpers: the devserver and the oidc-provider server as child processes, killed by PID.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

export const root = fileURLToPath(new URL('../../../', import.meta.url))

/** The devserver binary: $AUTHFLOW_DEVSERVER (set by `cargo xtask test`) or the debug build. */
export function devserverPath () {
  const candidates = [
    process.env.AUTHFLOW_DEVSERVER,
    process.env.CARGO_TARGET_DIR && path.join(process.env.CARGO_TARGET_DIR, 'debug/authflow-devserver'),
    path.join(root, 'target/debug/authflow-devserver')
  ].filter(Boolean)
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`no devserver binary: build it with \`cargo build -p authflow-devserver\` or set AUTHFLOW_DEVSERVER (tried ${candidates.join(', ')})`)
  return found
}

/** Starts a child that prints its base URL as the first line of stdout. */
export function startChild (command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    const failed = (why) => reject(new Error(`${command} did not start: ${why}`))
    child.once('error', failed)
    child.once('exit', (code) => failed(`exited with ${code}`))
    lines.once('line', (line) => {
      child.removeAllListeners('exit')
      resolve({
        base: line.trim(),
        pid: child.pid,
        stop () {
          try { process.kill(child.pid, 'SIGTERM') } catch {}
        }
      })
    })
  })
}

/** A devserver with its control API. */
export async function startDevserver ({ interactive = false, tokenLifetime } = {}) {
  const args = ['--port', '0', '--lifetime', '600']
  if (interactive) args.push('--interactive')
  if (tokenLifetime) args.push('--token-lifetime', String(tokenLifetime))
  const server = await startChild(devserverPath(), args)
  const control = async (method, p, body) => {
    const r = await fetch(server.base + p, { method, body: body && JSON.stringify(body), headers: body ? { 'content-type': 'application/json' } : {} })
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`)
    return r.status === 204 ? null : r.json()
  }
  return {
    ...server,
    counters: () => control('GET', '/_dev/counters'),
    knobs: (k) => control('POST', '/_dev/knobs', k),
    reset: () => control('POST', '/_dev/reset')
  }
}

/** The demo clients of the devserver (see crates/authflow-devserver/README.md). */
export const dev = {
  sipgate: { id: '2556404-0-dc848ae6-4b1c-4a8e-9b3e-devserver000:third-party', secret: 'sipgate-devserver-secret-0b9f3c2e' },
  speakap: { id: 'a1b2c3d4e5', secret: 'speakap-devserver-secret-7d41e8a2', network: '0f1e2d3c4b' },
  phorge: { id: 'PHID-OASC-devserverdemo0000000', secret: 'phorgedevserversecret3k5m7p9r2t4' },
  genericBasic: { id: 'generic-basic-client', secret: 'generic-basic-secret-5c8e1f' },
  genericPost: { id: 'generic-post-client', secret: 'generic-post-secret-9a2d4b' },
  genericPublic: { id: 'generic-public-client' }
}

/** What the browser does at an auto-approving authorize endpoint: one GET, the redirect's Location. */
export async function approve (authorizationUrl) {
  const r = await fetch(authorizationUrl, { redirect: 'manual' })
  const location = r.headers.get('location')
  if (!location) throw new Error(`authorize answered ${r.status} without a redirect: ${await r.text()}`)
  return location
}
