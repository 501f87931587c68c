// The built CLI as a user runs it (the test command builds first): serve on a fresh data dir,
// health, an event in dry-run with no other setup, `check`, and config errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeCapi } from '../fakes/fake-capi'
import { startFakeMetaCapi } from '../fakes/fake-meta-capi'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CLI = join(process.cwd(), 'dist/cli.js')
const dirs: string[] = []
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const cleanEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }
  return { ...env, ...extra }
}

function startCli(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; logs: string[] }> {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const logs: string[] = []
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${logs.join('')}`)), 15_000)
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString())
      const m = /listening on (http:\/\/[^/\s"]+)/.exec(logs.join(''))
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1], logs })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${logs.join('')}`)))
  })
}

describe('tagwarden CLI (built)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` (npm test does it first)')
  })

  it('serves health and accepts events in dry-run with no other setup, then stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-cli-'))
    dirs.push(dir)
    const { child, url, logs } = await startCli({ PORT: '0', TAGWARDEN_STORAGE: `fs:${dir}` })
    expect(logs.join('')).toMatch(/TAGWARDEN_SECRET is not set/)
    const health = await fetch(`${url}/tw/_/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', storage: { kind: 'fs', state: 'ok' }, dry_run: true })
    const res = await fetch(`${url}/tw/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [{ event_name: 'checkout', event_id: 'ord_1001', user_data: { em: 'a@b.co' }, custom_data: { value: 10, currency: 'EUR' }, consent: { ad_storage: 'granted', ad_user_data: 'granted' } }] }),
    })
    expect(res.status).toBe(202)
    expect((await res.json()).events[0]).toEqual({ event_id: 'ord_1001', status: 'accepted' })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(logs.join('')).toMatch(/dry-run/)
  })

  it('`check` prints the effective configuration without secrets', () => {
    const out = spawnSync(process.execPath, [CLI, 'check'], {
      env: cleanEnv({ TAGWARDEN_SECRET: 'k9:0123456789abcdef0123456789abcdef', PINTEREST_AD_ACCOUNT_ID: '42', PINTEREST_ACCESS_TOKEN: 'pina_secret_value', TAGWARDEN_STORAGE: 'memory:' }),
      encoding: 'utf8',
    })
    expect(out.status).toBe(0)
    expect(out.stdout).toMatch(/configuration is valid/)
    expect(out.stdout).toMatch(/"kid": "k9"/)
    expect(out.stdout).not.toMatch(/0123456789abcdef|pina_secret_value/)
  })

  it('stops with every problem listed on bad configuration', () => {
    const out = spawnSync(process.execPath, [CLI, 'serve'], { env: cleanEnv({ PORT: 'x', TAGWARDEN_DEFAULT_CONSENT: 'perhaps', NODE_ENV: 'production' }), encoding: 'utf8' })
    expect(out.status).toBe(78)
    expect(out.stderr).toMatch(/invalid configuration/)
    expect(out.stderr).toMatch(/PORT/)
    expect(out.stderr).toMatch(/TAGWARDEN_DEFAULT_CONSENT/)
  })

  it('`consent explain` prints the normalized state and each decision with its rule', () => {
    const out = spawnSync(process.execPath, [CLI, 'consent', 'explain', '--gpc', '--country', 'US', '--consent', '{"ad_storage":"granted","ad_user_data":"granted"}'], {
      env: cleanEnv({ TAGWARDEN_STORAGE: 'memory:' }),
      encoding: 'utf8',
    })
    expect(out.stderr).toBe('')
    const json = JSON.parse(out.stdout)
    expect(json.consent).toMatchObject({ sale_opt_out: true, gpc: true, ad_storage: 'granted', source: 'gpc' })
    expect(json.decisions['pinterest-capi']).toMatchObject({ action: 'restricted', rule: expect.any(String) })
    expect(json.decisions['pinterest-tag']).toMatchObject({ action: 'restricted' })
    // One decision per destination: GPC → each platform's restricted mode (LDP, LDU, limited data use).
    expect(json.decisions['meta-capi']).toMatchObject({ action: 'restricted' })
    expect(json.decisions['tiktok-events']).toMatchObject({ action: 'restricted' })
    const bad = spawnSync(process.execPath, [CLI, 'consent', 'explain', '--country', 'USA'], { env: cleanEnv({}), encoding: 'utf8' })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/--country/)
  })

  it('explains an unknown command', () => {
    const out = spawnSync(process.execPath, [CLI, 'frobnicate'], { env: cleanEnv({}), encoding: 'utf8' })
    expect(out.status).toBe(2)
    expect(out.stderr).toMatch(/unknown command "frobnicate"/)
  })

  it('send-test-event sends one ?test=true event through the real path and prints the answer', async () => {
    const fake = await startFakeCapi()
    try {
      const child = spawn(process.execPath, [CLI, 'send-test-event'], {
        env: cleanEnv({ TAGWARDEN_STORAGE: 'memory:', PINTEREST_API_URL: fake.url, PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_test_token_123', TAGWARDEN_LOG_LEVEL: 'silent' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      child.stdout!.on('data', (c) => (stdout += c))
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
      expect(code).toBe(0)
      const printed = JSON.parse(stdout)
      expect(printed.pinterest).toEqual([{ status: 200, body: expect.objectContaining({ num_events_processed: 1 }) }])
      expect(fake.received).toHaveLength(1)
      expect(fake.received[0].test).toBe(true)
      expect(fake.received[0].event.event_id).toBe(printed.event_id)
    } finally {
      await fake.close()
    }
  })

  it('send-test-event --dest meta-capi sends with the Test Events code and prints Meta\'s answer; without the code it says which setting', async () => {
    const fake = await startFakeMetaCapi()
    try {
      const env = { TAGWARDEN_STORAGE: 'memory:', META_API_URL: `${fake.url}/v26.0`, META_PIXEL_ID: '1234567890', META_ACCESS_TOKEN: 'EAAB-meta-test-token-0123456789', TAGWARDEN_LOG_LEVEL: 'silent' }
      const child = spawn(process.execPath, [CLI, 'send-test-event', '--dest', 'meta-capi'], { env: cleanEnv({ ...env, META_TEST_EVENT_CODE: 'TEST4242' }), stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      child.stdout!.on('data', (c) => (stdout += c))
      expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(0)
      const printed = JSON.parse(stdout)
      expect(printed.meta).toEqual([{ status: 200, body: expect.objectContaining({ events_received: 1 }) }])
      expect(fake.received.map((r) => [r.event.event_id, r.testEventCode])).toEqual([[printed.event_id, 'TEST4242']])
      const noCode = spawnSync(process.execPath, [CLI, 'send-test-event', '--dest', 'meta-capi'], { env: cleanEnv(env), encoding: 'utf8' })
      expect(noCode.status).toBe(1)
      expect(noCode.stderr).toMatch(/META_TEST_EVENT_CODE/)
      expect(fake.received).toHaveLength(1)
    } finally {
      await fake.close()
    }
  })

  it('send-test-event refuses to run without credentials', () => {
    const out = spawnSync(process.execPath, [CLI, 'send-test-event'], { env: cleanEnv({ TAGWARDEN_STORAGE: 'memory:' }), encoding: 'utf8' })
    expect(out.status).toBe(1)
    expect(out.stderr).toMatch(/PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN/)
  })
})
