// `tagwarden check` in production lists unsafe settings as warnings with their fix (README
// "Production checklist"); a safe configuration has none; the server logs the same list at start.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { productionWarnings } from '../../server/production-warnings'
import { packageFile } from '../../server/package-file'

const CLI = packageFile('dist', 'cli.js')
const strong = (seed: string) => `${seed}-Vq7Lz2Rk9Xw4Np8Ty3Hb6Mc1Jd5Fg0Su`

const SAFE = {
  NODE_ENV: 'production',
  TAGWARDEN_SECRET: `k1:${strong('sig')}`,
  TAGWARDEN_STORAGE: 'fs:/var/lib/tagwarden',
  TAGWARDEN_TRUSTED_PROXIES: 'loopback',
  TAGWARDEN_ADMIN_TOKEN: strong('adm'),
  TAGWARDEN_API_KEYS: strong('api'),
  PINTEREST_AD_ACCOUNT_ID: '549755885175',
  PINTEREST_ACCESS_TOKEN: 'pina_live_token_value',
}

describe('production warnings', () => {
  it('a safe production configuration has none', () => {
    expect(productionWarnings(parseConfig(SAFE))).toEqual([])
  })

  it('lists each unsafe setting with its fix', () => {
    const config = parseConfig({
      NODE_ENV: 'production',
      TAGWARDEN_SECRET: 'k1:0123456789abcdef0123456789abcdef',
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_API_KEYS: 'short-key-0123456',
      TAGWARDEN_COUNTRY_HEADER: 'cf-ipcountry',
      PINTEREST_TEST_EVENTS: 'true',
    })
    const w = productionWarnings(config)
    expect(w.map((x) => x.setting)).toEqual([
      'TAGWARDEN_ADMIN_TOKEN',
      'TAGWARDEN_TRUSTED_PROXIES',
      'TAGWARDEN_COUNTRY_HEADER',
      'TAGWARDEN_SECRET',
      'TAGWARDEN_API_KEYS',
      'PINTEREST_ACCESS_TOKEN',
      'PINTEREST_TEST_EVENTS',
      'TAGWARDEN_DEMO',
      'TAGWARDEN_STORAGE',
    ])
    const text = w.map((x) => `${x.problem} | ${x.fix}`).join('\n')
    expect(text).toMatch(/admin routes .* are off/)
    expect(text).toMatch(/no trusted proxy: X-Forwarded-For .* ignored/)
    expect(text).toMatch(/TAGWARDEN_SECRET: a value looks like a development or example value/)
    expect(text).toMatch(/TAGWARDEN_API_KEYS: a value is shorter than 32 characters/)
    expect(text).toMatch(/dry-run, nothing is sent/)
    for (const x of w) expect(x.fix.length, x.setting).toBeGreaterThan(10)
  })

  it('`NODE_ENV=production tagwarden check` prints them; without production it says they would apply', () => {
    const run = (env: Record<string, string>) => spawnSync(process.execPath, [CLI, 'check'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })
    const prod = run({ NODE_ENV: 'production', TAGWARDEN_SECRET: `k1:${strong('sig')}`, TAGWARDEN_STORAGE: 'memory:' })
    expect(prod.status).toBe(0)
    expect(prod.stdout).toMatch(/configuration is valid/)
    expect(prod.stdout).toMatch(/\d+ production warnings:/)
    expect(prod.stdout).toMatch(/no TAGWARDEN_ADMIN_TOKEN[^\n]*\n\s+fix: set TAGWARDEN_ADMIN_TOKEN/)
    expect(prod.stdout).toMatch(/no trusted proxy[^\n]*\n\s+fix: set TAGWARDEN_TRUSTED_PROXIES=loopback/)
    const safe = run({ ...SAFE, TAGWARDEN_STORAGE: 'memory:' })
    expect(safe.stdout).toMatch(/1 production warning:\n  - memory: storage loses/)
    const dev = run({ TAGWARDEN_STORAGE: 'memory:' })
    expect(dev.stdout).toMatch(/not production \(NODE_ENV=unset\); before going live, \d+ settings would need attention/)
  })
})
