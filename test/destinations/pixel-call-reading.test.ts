// How a page pixel call to `POST {prefix}/e` is read (server/pixel-call.ts) comes from its driver's
// declaration (define-destination.ts `PixelReading`): a name the page calls is looked up among the
// declared names only (never a built-in property of an object), and a driver that is registered
// with its own reading gets its calls read with its names and data mapping, with no edit elsewhere.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import { defineDestination } from '../../server/destinations/define-destination'
import { metaEventName } from '../../server/destinations/meta-capi'
import { tiktokEventName } from '../../server/destinations/tiktok-events'
import { pixelCallSchema, pixelCallToEvent } from '../../server/pixel-call'
import { acme } from '../context/acme-driver'

const NOW_MS = 1_767_225_600_000
const read = (schema: typeof pixelCallSchema, toEvent: typeof pixelCallToEvent, call: object) => {
  const r = toEvent(schema.parse(call), {}, NOW_MS)
  if (!('event' in r)) throw new Error(`skipped: ${r.skip}`)
  return r.event
}

describe('a name the page calls', () => {
  it("that is a key of Object.prototype (fbq('track', 'constructor', …)) is a custom event under that name, not a built-in looked up", () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
      const meta = read(pixelCallSchema, pixelCallToEvent, { px: 'meta', name, id: `m-${name}`, data: { value: 5, currency: 'USD' } })
      expect(meta).toMatchObject({ name: 'custom', custom_name: name, pixel_names: { meta: name }, platforms: ['meta'], custom: { value: 5, currency: 'USD' } })
      expect(metaEventName(meta)).toBe(name)
      const tiktok = read(pixelCallSchema, pixelCallToEvent, { px: 'tiktok', name, id: `t-${name}` })
      expect(tiktok).toMatchObject({ name: 'custom', custom_name: name, pixel_names: { tiktok: name } })
      expect(tiktokEventName(tiktok)).toBe(name)
    }
  })

  it('that the driver declares still reads as its neutral name', () => {
    expect(read(pixelCallSchema, pixelCallToEvent, { px: 'meta', name: 'Purchase', id: 'm-1' }).name).toBe('checkout')
    expect(read(pixelCallSchema, pixelCallToEvent, { px: 'tiktok', name: 'CompletePayment', id: 't-1' }).name).toBe('checkout')
    // TikTok converts the old SubmitForm to Lead (docs/tiktok-events.md §4); the page's spelling is what TikTok receives.
    const submit = read(pixelCallSchema, pixelCallToEvent, { px: 'tiktok', name: 'SubmitForm', id: 't-2' })
    expect(submit.name).toBe('lead')
    expect(tiktokEventName(submit)).toBe('SubmitForm')
  })
})

/** A made-up platform whose driver declares its page pixel and how that pixel's calls are read; registered only in the test below. */
const acmeShop = defineDestination({
  name: 'acme-shop',
  kind: 'batch',
  options: z.object({}).strict(),
  env: {},
  platform: 'acme',
  pixel: {
    name: 'acme-pixel',
    read: {
      names: { checkout: 'Buy', add_to_cart: 'Basket' },
      extraNames: { Order: 'checkout' },
      data: (d) => ({ value: d.amount, currency: d.cur, content_ids: d.skus }),
    },
  },
  // The rest of it is the shared test platform's server API (test/context/acme-driver.ts).
  create: () => ({ ...acme(), name: 'acme-shop' }),
})

afterEach(() => {
  vi.doUnmock('../../server/destinations')
  vi.resetModules()
})

describe('a test-only driver with its own pixel reading', () => {
  it('has its calls read with its names and its data mapping once registered, with no edit outside its definition', async () => {
    vi.resetModules()
    // Registration = its line in destinations/index.ts `drivers`: appended to a fresh copy of that list.
    vi.doMock('../../server/destinations', async (load) => {
      const real = await load<typeof import('../../server/destinations')>()
      ;(real.drivers as unknown[]).push(acmeShop)
      return real
    })
    const { pixelCallSchema: schema, pixelCallToEvent: toEvent } = await import('../../server/pixel-call')
    const buy = read(schema, toEvent, { px: 'acme', name: 'Buy', id: 'a-1', data: { amount: '12.50', cur: 'eur', skus: ['A', 'B'], secret: 'dropped' }, loc: 'https://shop.test/done' })
    expect(buy).toMatchObject({ name: 'checkout', pixel_names: { acme: 'Buy' }, platforms: ['acme'], source: 'loader', url: 'https://shop.test/done' })
    expect(buy.custom_name).toBeUndefined()
    expect(buy.custom).toEqual({ value: 12.5, currency: 'EUR', content_ids: ['A', 'B'] })
    expect(read(schema, toEvent, { px: 'acme', name: 'Basket', id: 'a-2' }).name).toBe('add_to_cart')
    expect(read(schema, toEvent, { px: 'acme', name: 'Order', id: 'a-3' }).name).toBe('checkout')
    expect(read(schema, toEvent, { px: 'acme', name: 'Wave', id: 'a-4' })).toMatchObject({ name: 'custom', custom_name: 'Wave' })
    expect(read(schema, toEvent, { px: 'acme', name: 'Buy', id: 'a-5', custom: 1 })).toMatchObject({ name: 'custom', custom_name: 'Buy' })
    // The shipped readings are unchanged beside it.
    expect(read(schema, toEvent, { px: 'tiktok', name: 'PlaceAnOrder', id: 't-2', data: { query: 'tote' } })).toMatchObject({ name: 'checkout', custom: { search_string: 'tote' } })
  })
})
