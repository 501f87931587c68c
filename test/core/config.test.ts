import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, redactConfig } from '../../server/config'

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    parseConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems
  }
  throw new Error('expected a ConfigError')
}

describe('config', () => {
  it('has working defaults with nothing set (development, dry-run)', () => {
    const c = parseConfig({})
    expect(c).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      prefix: '/tw',
      storage: { kind: 'fs', dir: '.data' },
      apiKeys: [],
      defaultConsent: 'denied',
      eventIdTemplate: 'ord_{order_id}',
      dryRun: true,
    })
    expect(c.destinations.map((d) => [d.name, d.describe()])).toEqual([
      ['pinterest-capi', { apiUrl: 'https://api.pinterest.com', testEvents: false }],
      ['pinterest-tag', { scriptOrigin: 'https://s.pinimg.com', beaconOrigin: 'https://ct.pinterest.com' }],
    ])
    expect(c.secrets).toEqual([])
  })

  it('parses every variable', () => {
    const c = parseConfig({
      PORT: '9000', HOST: '0.0.0.0', TAGWARDEN_PREFIX: '/track/pin', TAGWARDEN_STORAGE: 'redis://localhost:6379/2',
      TAGWARDEN_SECRET: 'new:0123456789abcdef0123456789abcdef, old:fedcba9876543210fedcba9876543210',
      TAGWARDEN_API_KEYS: 'key-one-0123456789,key-two-0123456789', TAGWARDEN_ADMIN_TOKEN: 'admin-token-0123456789',
      PINTEREST_TAG_ID: '2612345678901', PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_abcdefgh',
      PINTEREST_API_URL: 'http://127.0.0.1:9999/', PINTEREST_TEST_EVENTS: 'true', TAGWARDEN_DEFAULT_CONSENT: 'granted',
      SHOPIFY_WEBHOOK_SECRET: 'shpss_12345678', WOOCOMMERCE_WEBHOOK_SECRET: 'woo-secret-123',
    })
    expect(c.port).toBe(9000)
    expect(c.prefix).toBe('/track/pin')
    expect(c.storage).toEqual({ kind: 'redis', url: 'redis://localhost:6379/2' })
    expect(c.secrets.map((k) => k.kid)).toEqual(['new', 'old'])
    expect(c.apiKeys).toHaveLength(2)
    expect(c.dryRun).toBe(false)
    expect(c.destinations.map((d) => d.describe())).toEqual([
      { adAccountId: expect.any(String), accessToken: '<set>', apiUrl: 'http://127.0.0.1:9999', testEvents: true },
      { tagId: '2612345678901', scriptOrigin: 'https://s.pinimg.com', beaconOrigin: 'https://ct.pinterest.com' },
    ])
    expect(c.defaultConsent).toBe('granted')
    expect(c.webhooks.shopifySecret).toBe('shpss_12345678')
  })

  it('lists every problem at once', () => {
    const problems = problemsOf({
      PORT: 'eighty', TAGWARDEN_PREFIX: 'tw/', TAGWARDEN_DEFAULT_CONSENT: 'maybe', PINTEREST_API_URL: 'ftp://x',
    })
    expect(problems.length).toBeGreaterThanOrEqual(4)
    expect(problems.join('\n')).toMatch(/PORT/)
    expect(problems.join('\n')).toMatch(/TAGWARDEN_PREFIX/)
    expect(problems.join('\n')).toMatch(/TAGWARDEN_DEFAULT_CONSENT/)
    expect(problems.join('\n')).toMatch(/PINTEREST_API_URL/)
  })

  it('lists a bad value together with the problems found after it (secrets, storage, credentials)', () => {
    expect(problemsOf({ PORT: 'abc', TAGWARDEN_STORAGE: 'ftp://x', NODE_ENV: 'production', PINTEREST_ACCESS_TOKEN: 'pina_abcdefgh' })).toEqual([
      'PORT must be a number',
      expect.stringMatching(/^TAGWARDEN_SECRET is required when NODE_ENV=production/),
      'TAGWARDEN_STORAGE must be fs:<dir>, memory:, redis://… or redis+sentinel://…, got "ftp://x"',
      'PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN go together: set both to send, or neither for dry-run',
    ])
  })

  it('refuses weak or malformed secrets, bad storage, half credentials and short keys together', () => {
    const problems = problemsOf({
      TAGWARDEN_SECRET: 'k1:short', TAGWARDEN_STORAGE: 'mysql://x', PINTEREST_AD_ACCOUNT_ID: '123', TAGWARDEN_API_KEYS: 'abc',
    })
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/TAGWARDEN_SECRET.*at least 32/),
        expect.stringMatching(/TAGWARDEN_STORAGE/),
        expect.stringMatching(/PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN go together/),
        expect.stringMatching(/TAGWARDEN_API_KEYS/),
      ]),
    )
  })

  it('never echoes credentials of a mistyped storage URL', () => {
    const text = problemsOf({ TAGWARDEN_STORAGE: 'rediss//admin:hunter2@cache:6379' }).join()
    expect(text).toMatch(/TAGWARDEN_STORAGE/)
    expect(text).not.toContain('hunter2')
  })

  it('requires TAGWARDEN_SECRET in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/TAGWARDEN_SECRET is required when NODE_ENV=production/)])
    expect(parseConfig({ NODE_ENV: 'production', TAGWARDEN_SECRET: '0123456789abcdef0123456789abcdef' }).secrets).toEqual([
      { kid: 'k1', secret: '0123456789abcdef0123456789abcdef' },
    ])
  })

  it('rejects an ad account id that is not digits', () => {
    expect(problemsOf({ PINTEREST_AD_ACCOUNT_ID: 'act_1', PINTEREST_ACCESS_TOKEN: 'pina_abcdefgh' }).join()).toMatch(/PINTEREST_AD_ACCOUNT_ID must be digits/)
  })

  it('validates the consent section of the config file with the other problems', () => {
    try {
      parseConfig({ PORT: '1' }, { consent: { rules: { 'pinterest-capi': [{ action: 'strip', fields: ['email'] }] }, colour: 1 } })
      throw new Error('expected a ConfigError')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).problems.join('\n')).toMatch(/TAGWARDEN_CONFIG consent.*email/)
    }
    const ok = parseConfig({}, { consent: { regions: { US: 'granted' } } })
    expect(ok.consent.regions).toMatchObject({ US: 'granted' })
  })

  it('redacts every secret for `tagwarden check`', () => {
    const c = parseConfig({
      TAGWARDEN_SECRET: 'k1:0123456789abcdef0123456789abcdef', TAGWARDEN_API_KEYS: 'key-one-0123456789',
      PINTEREST_AD_ACCOUNT_ID: '1', PINTEREST_ACCESS_TOKEN: 'pina_supersecret', TAGWARDEN_STORAGE: 'redis://user:pw@host:6379',
    })
    const text = JSON.stringify(redactConfig(c))
    for (const secret of ['0123456789abcdef0123456789abcdef', 'key-one-0123456789', 'pina_supersecret', 'user:pw']) expect(text).not.toContain(secret)
    expect(text).toContain('<set>')
  })
})
