import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig, parseListen, redactConfig, resolveOptions } from '../../server/config'
import { createTagwarden } from '../../server/create-tagwarden'
import { pinterestCapi, pinterestTag } from '../../server/destinations'
import { createStore } from '../../server/storage/create-store'

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
    expect(parseListen({ PORT: '9000', HOST: '0.0.0.0' })).toEqual({ port: 9000, host: '0.0.0.0' })
    expect(c).not.toHaveProperty('port')
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
      TAGWARDEN_MAX_IN_FLIGHT: 'eighty', TAGWARDEN_PREFIX: 'tw/', TAGWARDEN_DEFAULT_CONSENT: 'maybe', PINTEREST_API_URL: 'ftp://x',
    })
    expect(problems.length).toBeGreaterThanOrEqual(4)
    expect(problems).toContain('TAGWARDEN_MAX_IN_FLIGHT must be a number')
    expect(problems.join('\n')).toMatch(/TAGWARDEN_PREFIX/)
    expect(problems.join('\n')).toMatch(/TAGWARDEN_DEFAULT_CONSENT/)
    expect(problems.join('\n')).toMatch(/PINTEREST_API_URL/)
  })

  it('lists a bad value together with the problems found after it (secrets, storage, credentials)', () => {
    expect(problemsOf({ TAGWARDEN_MAX_QUEUE: '-1', TAGWARDEN_STORAGE: 'ftp://x', NODE_ENV: 'production', PINTEREST_ACCESS_TOKEN: 'pina_abcdefgh' })).toEqual([
      'TAGWARDEN_MAX_QUEUE must be between 1 and 100000000 events waiting per destination',
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

  it('PORT and HOST belong to serve: parseListen names a bad one', () => {
    expect(parseListen({})).toEqual({ port: 8787, host: '127.0.0.1' })
    expect(() => parseListen({ PORT: 'abc' })).toThrow(/PORT must be a number/)
    expect(() => parseListen({ PORT: '70000' })).toThrow(/PORT must be 0–65535/)
  })
})

describe('typed options (createTagwarden)', () => {
  const SECRET = 'k1:0123456789abcdef0123456789abcdef'

  it('resolves typed options to the same Config the environment gives', () => {
    const env = parseConfig({
      NODE_ENV: 'production', TAGWARDEN_SECRET: SECRET, TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_MAX_IN_FLIGHT: '8', TAGWARDEN_RATE_LIMIT: '600/min',
      TAGWARDEN_TRUSTED_PROXIES: 'loopback', TAGWARDEN_ALLOWED_ORIGINS: 'https://checkout.shop.example', TAGWARDEN_DEMO: 'false',
      PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_abcdefgh', PINTEREST_TAG_ID: '2612345678901',
    })
    const typed = resolveOptions({
      production: true, secrets: [{ kid: 'k1', secret: '0123456789abcdef0123456789abcdef' }], storage: { kind: 'memory' }, delivery: { maxInFlight: 8 },
      rateLimit: { max: 600, windowMs: 60_000 }, trustedProxies: ['loopback'], allowedOrigins: ['https://checkout.shop.example'], demo: false,
      destinations: [pinterestCapi({ adAccountId: '549755885175', accessToken: 'pina_abcdefgh' }), pinterestTag({ tagId: '2612345678901' })],
    })
    const plain = (c: ReturnType<typeof resolveOptions>) => JSON.parse(JSON.stringify({ ...c, destinations: c.destinations.map((d) => d.describe()) }))
    expect(plain(typed)).toEqual(plain(env))
    expect(typed.dryRun).toBe(false)
  })

  it('names every problem by its option path, destinations by theirs', () => {
    let problems: string[] = []
    try {
      resolveOptions({ production: true, delivery: { maxInFlight: 0 }, prefix: 'tw', storage: 'ftp://x', colour: 'red' } as never)
    } catch (error) {
      problems = (error as ConfigError).problems
    }
    expect(problems).toEqual(expect.arrayContaining([
      'delivery.maxInFlight must be between 1 and 64',
      'prefix must look like /tw (leading slash, no trailing slash)',
      'unknown option colour',
      expect.stringMatching(/^secrets is required when NODE_ENV=production/),
      expect.stringMatching(/^storage must be fs:<dir>/),
    ]))
    expect(() => pinterestCapi({ accessToken: 'pina_abcdefgh' })).toThrow(/pinterest-capi.adAccountId and pinterest-capi.accessToken go together/)
    expect(() => pinterestTag({ tagId: 'abc' })).toThrow(/pinterest-tag.tagId must be the numeric tag id/)
  })

  it('serves from typed options alone (no environment)', async () => {
    const tw = await createTagwarden({ storage: 'memory:', logLevel: 'silent', destinations: [pinterestCapi(), pinterestTag({ tagId: '2612345678901' })] }, { store: createStore({ kind: 'memory' }) })
    try {
      const res = await tw.fetch(new Request('http://shop.test/tw/loader.js'))
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('2612345678901')
      expect(tw.runtime.config.dryRun).toBe(true)
    } finally {
      await tw.close(0)
    }
  })
})
