// The `px` a pixel call to `POST {prefix}/e` names (server/pixel-call.ts): a registered driver's
// platform that declares a page pixel (destinations/index.ts), and a clear 400 for any other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { drivers } from '../../server/destinations'
import { pixelCallSchema } from '../../server/pixel-call'
import { buildTagApp, call } from './build'

let tw: TagwardenApp
beforeAll(async () => {
  tw = await buildTagApp({ TAGWARDEN_DEFAULT_CONSENT: 'granted' })
})
afterAll(() => tw.close())

const pixelCall = (px: string) => ({ px, name: 'AddToCart', id: `px-${px}`, data: { value: 5, currency: 'USD' }, loc: 'https://shop.test/p' })

describe('pixel calls: px', () => {
  it('takes the platform of each registered driver with a page pixel', async () => {
    const withPixel = drivers.filter((d) => d.pixel).map((d) => d.platform)
    expect(withPixel).toEqual(['meta', 'tiktok'])
    for (const px of withPixel) expect(pixelCallSchema.safeParse(pixelCall(px)).success).toBe(true)
    const res = await call(tw, '/tw/e', { body: withPixel.map(pixelCall) })
    expect(res.status).toBe(202)
    expect((await res.json()).events.map((e: { event: string }) => e.event)).toEqual(['AddToCart', 'AddToCart'])
  })

  it('refuses any other platform (one without a page pixel, or none registered) with the message it always gave', async () => {
    for (const px of ['pinterest', 'snap']) {
      const res = await call(tw, '/tw/e', { body: [pixelCall(px)] })
      expect(res.status).toBe(400)
      expect((await res.json()).message).toContain('[0].px: Invalid option: expected one of "meta"|"tiktok"')
    }
  })
})

describe('pixel calls: odd data from the page', () => {
  it('a contents list holding null, a number or a string is read without a 500: the call is mirrored or skipped with its reason', async () => {
    const body = ['meta', 'tiktok'].flatMap((px) => [null, 7, 'tote', [1]].map((odd, i) => ({ ...pixelCall(px), id: `odd-${px}-${i}`, name: 'Purchase', data: { value: 5, currency: 'USD', contents: [odd] } })))
    const res = await call(tw, '/tw/e', { body })
    expect(res.status).toBe(202)
    const events = (await res.json()).events as { status: string; reason?: string }[]
    expect(events).toHaveLength(8)
    for (const e of events) expect(e.status === 'skipped' ? e.reason : 'mirrored').toMatch(/contents|mirrored/)
  })
})

