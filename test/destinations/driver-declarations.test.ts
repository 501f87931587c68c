// What the neutral body and `send-test-event` know of a platform comes from its driver's
// declaration (destinations/define-destination.ts): its platform key and its test mode. A driver
// registered in destinations/index.ts needs no line elsewhere for either.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { defineDestination, type Destination } from '../../server/destinations/define-destination'
import { drivers, metaCapi, pinterestCapi, pinterestTag, platformKeys, tiktokEvents } from '../../server/destinations'
import { neutralBodySchema } from '../../server/neutral-input'

const event = (over: Record<string, unknown>) => ({ events: [{ name: 'checkout', event_id: 'p-1', ...over }] })
const issues = (body: unknown) => {
  const r = neutralBodySchema.safeParse(body)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

/** A made-up server API whose driver declares its platform key and test mode, and nothing else of it exists. */
const acmeApi = defineDestination({
  name: 'acme-api',
  kind: 'batch',
  options: z.object({ token: z.string().optional(), testCode: z.string().optional(), dry: z.boolean().optional() }).strict(),
  env: { token: 'ACME_TOKEN', testCode: 'ACME_TEST_CODE', dry: ['ACME_VALIDATE_ONLY', 'boolean'] },
  platform: 'acme',
  testMode: { set: { dry: 'true' }, needs: 'testCode', credentials: ['token'] },
  create: (o): Destination<{ id: string }> => ({
    name: 'acme-api', kind: 'batch', platform: 'Acme', maxBatch: 10, live: !!o.token, rateLimitKey: 'acme', credentialsKey: o.token ?? '',
    credentials: { settings: 'ACME_TOKEN' }, describe: () => ({}),
    identifiers: { personal: ['em'], ids: ['acme.click'], network: ['client_ip_address', 'client_user_agent'] },
    toPayload: (e) => ({ id: e.event_id }), validate: () => undefined,
    toRequest: () => ({ url: 'http://127.0.0.1:9/', method: 'POST', headers: {}, body: '' }),
    fromResponse: () => ({ kind: 'rejected', reason: 'never sent' }),
  }),
})

afterEach(() => {
  vi.doUnmock('../../server/destinations')
  vi.resetModules()
})

describe('platform keys', () => {
  it('each registered driver declares one; the neutral body takes exactly those, and names the others as before', () => {
    expect(drivers.map((d) => d.platform)).toEqual(['pinterest', 'pinterest', 'meta', 'tiktok'])
    expect(platformKeys()).toEqual(['pinterest', 'meta', 'tiktok'])
    expect(issues(event({ platforms: ['meta', 'tiktok'], pixel_names: { tiktok: 'CompletePayment' } }))).toEqual([])
    expect(issues(event({ platforms: ['acme'] }))).toEqual(['events.0.platforms.0: Invalid option: expected one of "pinterest"|"meta"|"tiktok"'])
    expect(issues(event({ pixel_names: { acme: 'Buy' } }))).toEqual(['events.0.pixel_names: Unrecognized key: "acme"'])
  })

  it('a newly registered driver makes its key valid in the neutral body, with no other edit', async () => {
    vi.resetModules()
    vi.doMock('../../server/destinations', async (load) => {
      const real = await load<typeof import('../../server/destinations')>()
      const all = [...real.drivers, acmeApi]
      return { ...real, drivers: all, platformKeys: () => [...new Set(all.map((d) => d.platform))] }
    })
    const { neutralBodySchema: schema } = await import('../../server/neutral-input')
    expect(schema.safeParse(event({ platforms: ['acme', 'meta'], pixel_names: { acme: 'Buy' } })).success).toBe(true)
    expect(schema.safeParse(event({ platforms: ['pinterest', 'meta', 'tiktok', 'acme'] })).success).toBe(true)
  })

  it('a batch destination whose platform name does not lowercase to its key is refused when built', () => {
    expect(acmeApi().platform).toBe('Acme')
    const wrong = defineDestination({ ...acmeApiDefinition(), platform: 'acme-corp' })
    expect(() => wrong()).toThrow('[tagwarden] [acme-api] platform "Acme" does not lowercase to its platform key "acme-corp"')
    // Without a declaration the key is the name up to its first "-".
    expect(defineDestination({ ...acmeApiDefinition(), platform: undefined }).platform).toBe('acme')
  })
})

describe('test modes', () => {
  it('each shipped server destination declares how it takes a test event, in its own variables', () => {
    expect(pinterestCapi.testMode).toEqual({ env: { PINTEREST_TEST_EVENTS: 'true' }, needs: undefined, credentials: ['PINTEREST_AD_ACCOUNT_ID', 'PINTEREST_ACCESS_TOKEN'] })
    expect(metaCapi.testMode).toEqual({ env: {}, needs: 'META_TEST_EVENT_CODE', credentials: ['META_PIXEL_ID', 'META_ACCESS_TOKEN'] })
    expect(tiktokEvents.testMode).toEqual({ env: {}, needs: 'TIKTOK_TEST_EVENT_CODE', credentials: ['TIKTOK_PIXEL_CODE', 'TIKTOK_ACCESS_TOKEN'] })
    expect(pinterestTag.testMode).toBeUndefined()
  })

  it("a new driver's test mode is read from its own option names", () => {
    expect(acmeApi.testMode).toEqual({ env: { ACME_VALIDATE_ONLY: 'true' }, needs: 'ACME_TEST_CODE', credentials: ['ACME_TOKEN'] })
  })
})

/** acmeApi's definition again, to vary one field. */
function acmeApiDefinition() {
  return {
    name: 'acme-api',
    kind: 'batch' as const,
    options: z.object({}).strict(),
    env: {},
    create: (): Destination<{ id: string }> => acmeApi({}),
  }
}
