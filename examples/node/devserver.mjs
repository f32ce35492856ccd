// Starts the embedded devserver (the default provider of the examples) unless a base URL is given.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** `{base, stop}` for AUTHFLOW_DEVSERVER_URL, or for a devserver child started from AUTHFLOW_DEVSERVER or target/debug. */
export async function devserver ({ interactive = false } = {}) {
  if (process.env.AUTHFLOW_DEVSERVER_URL) return { base: process.env.AUTHFLOW_DEVSERVER_URL, stop () {} }
  const binary = [process.env.AUTHFLOW_DEVSERVER, path.join(root, 'target/debug/authflow-devserver')].find((p) => p && existsSync(p))
  if (!binary) throw new Error('no devserver: run `cargo build -p authflow-devserver`, or set AUTHFLOW_DEVSERVER_URL')
  const args = ['--port', '0', '--lifetime', '900']
  if (interactive) args.push('--interactive')
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await Promise.race([
    new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve([l]))),
    new Promise((resolve, reject) => child.once('exit', (code) => reject(new Error(`devserver exited with ${code}`))))
  ])
  return { base: line.trim(), stop () { try { process.kill(child.pid) } catch {} } }
}

/** The devserver's demo clients. */
export const demo = {
  sipgate: { id: '2556404-0-dc848ae6-4b1c-4a8e-9b3e-devserver000:third-party', secret: 'sipgate-devserver-secret-0b9f3c2e' },
  speakap: { id: 'a1b2c3d4e5', secret: 'speakap-devserver-secret-7d41e8a2', network: '0f1e2d3c4b' }
}

export function escape (s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
