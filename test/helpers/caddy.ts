// Start a real Caddy for a test: the Caddyfile written to a temp dir that is also Caddy's home
// (config autosave, data), the admin endpoint off, one plain-HTTP site on a free loopback port
// (no automatic HTTPS, nothing fetched from the internet); killed after the suite.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './redis'
import { acceptsConnections, proxyProcess, type ProxyProcess } from './reverse-proxy'

export const CADDY_INSTALL = 'apt-get install -y caddy'

/** The caddy binary's version (e.g. "2.6.2"), or undefined when there is none on PATH. */
export function caddyVersion(): string | undefined {
  const r = spawnSync('caddy', ['version'], { encoding: 'utf8' })
  return r.status === 0 ? /v?(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? r.stdout.trim() : undefined
}

/**
 * What a suite needing Caddy does when it is missing: in CI (CI=true) it must fail, naming the
 * install command; elsewhere it is skipped with a loud message.
 */
export function caddyAvailability(): 'run' | 'skip' {
  if (caddyVersion()) return 'run'
  const message = `[tagwarden] caddy is not installed: the Caddy reverse-proxy tests need it (${CADDY_INSTALL})`
  if (process.env.CI === 'true') throw new Error(message)
  console.warn(`\n${'!'.repeat(100)}\n${message} — SKIPPING them\n${'!'.repeat(100)}\n`)
  return 'skip'
}

export type Caddy = ProxyProcess

/**
 * Run Caddy with `site` (the body of one site block, `http://shop.test:<port>`, bound to 127.0.0.1)
 * on a free port. Resolves once Caddy has said it serves the configuration and accepts connections.
 */
export async function startCaddy(site: string): Promise<Caddy> {
  if (!caddyVersion()) throw new Error(`caddy is not installed (${CADDY_INSTALL})`)
  const dir = mkdtempSync(join(tmpdir(), 'tw-caddy-'))
  const port = await freePort()
  const caddyfile = `{
\tadmin off
}

http://shop.test:${port} {
\tbind 127.0.0.1
${site}
}
`
  writeFileSync(join(dir, 'Caddyfile'), caddyfile)
  const child = spawn('caddy', ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') },
  })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
  const log = () => `${out}\n--- Caddyfile ---\n${caddyfile}`
  try {
    // Caddy logs this once its listeners are up; until then a connection could reach whatever else has the port.
    const end = Date.now() + 10_000
    while (!out.includes('serving initial configuration')) {
      if (child.exitCode !== null) throw new Error(`caddy exited with ${child.exitCode}: ${log()}`)
      if (Date.now() > end) throw new Error(`caddy did not start: ${log()}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    await acceptsConnections(port, child, 'caddy', log)
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return proxyProcess(child, port, dir, 'SIGTERM')
}
