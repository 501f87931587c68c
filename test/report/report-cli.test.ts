// `tagwarden report` as a user runs it (the built CLI) against a real HTTP server holding the
// scripted mix: the table shows the exact counts, --json is the endpoint's JSON, and bad input or
// a wrong token says what to do.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../server/report/build-report'
import { ADMIN_TOKEN } from '../helpers/build-app'
import { freePort } from '../helpers/redis'
import { runScenario, TODAY, YESTERDAY, type Scenario } from './scenario'

const CLI = join(process.cwd(), 'dist/cli.js')

function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'report', ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TAGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** The cells of the table row starting with `label` in the block headed by `head`. */
function row(out: string, head: string, label: string): string[] {
  const block = out.split('\n\n').find((b) => b.startsWith(head))
  const line = block?.split('\n').find((l) => l.startsWith(`${label} `))
  if (!line) throw new Error(`no row "${label}" under "${head}" in:\n${out}`)
  return line.split(/\s{2,}/).slice(1)
}

describe('tagwarden report (built CLI)', () => {
  let s: Scenario
  let server: Server
  let url: string
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it first)')
    s = await runScenario()
    server = createServer(s.tw.nodeHandler)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/tw`
  })
  afterAll(async () => {
    await new Promise((r) => server?.close(r))
    await s?.close()
  })

  it('prints the mix as tables with the exact counts', async () => {
    const out = await cli(['--days', '2', '--url', url])
    expect(out.stderr).toBe('')
    expect(out.status).toBe(0)
    expect(out.stdout).toContain(`tagwarden report · ${YESTERDAY} → ${TODAY} (2 days, UTC)`)
    // orders: webhook, browser, matched, webhook only, browser only, api
    expect(row(out.stdout, 'orders', TODAY)).toEqual(['6', '5', '3', '3', '2', '1'])
    expect(row(out.stdout, 'orders', YESTERDAY)).toEqual(['1', '0', '0', '1', '0', '0'])
    expect(row(out.stdout, 'orders', 'total')).toEqual(['7', '5', '3', '4', '2', '1'])
    // pinterest-capi: delivered, recovered, suppressed, dead, median ≤, p95 ≤, dedup
    expect(row(out.stdout, 'pinterest-capi ', TODAY)).toEqual(['5', '2', '1', '0', '30 s', '30 s', '67%'])
    expect(row(out.stdout, 'pinterest-capi ', 'total')).toEqual(['6', '3', '1', '0', '30 s', '1 d', '57%'])
    expect(row(out.stdout, 'pinterest-capi-eu', 'total')).toEqual(['0', '0', '7', '0', '—', '—', '—'])
    // match keys (all days): events, em, ph, click_id, ip+ua, external_id
    expect(row(out.stdout, 'match keys · pinterest-capi ', 'checkout')).toEqual(['8', '100%', '13%', '13%', '75%', '0%'])
  })

  it('--json prints the endpoint JSON', async () => {
    const out = await cli(['--days', '2', '--json', '--url', url])
    expect(out.status).toBe(0)
    const r = JSON.parse(out.stdout) as Report
    expect(r.daily[1].destinations['pinterest-capi'].recovered).toBe(2)
    expect(r.totals.destinations['pinterest-capi'].recovered).toBe(3)
  })

  it('refuses bad --days, names a wrong token and an unreachable server', async () => {
    const bad = await cli(['--days', '91', '--url', url])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('[tagwarden] [report] --days: days must be a whole number from 1 to 90, got "91"')
    const token = await cli(['--url', url], { TAGWARDEN_ADMIN_TOKEN: 'not-the-admin-token-0123' })
    expect(token.status).toBe(1)
    expect(token.stderr).toContain('refused the admin token: set TAGWARDEN_ADMIN_TOKEN')
    const port = await freePort()
    const closed = await cli(['--url', `http://127.0.0.1:${port}/tw`])
    expect(closed.status).toBe(1)
    expect(closed.stderr).toContain(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED — is \`tagwarden serve\` running there?`)
  })
})
