// Ids above 2^53 arrive as JSON numbers (Shopify's own sample order id is 820982911946154508) and
// must keep every digit on every path: a rounded id no longer matches the thank-you page's, and two
// orders rounded to the same id would make the second one a "duplicate" that is never sent.
import { describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { editPartnerDataJson } from '../../server/pinterest/beacon-pd'
import { buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { beaconQuery, call } from '../tag/build'
import { NOW_MS, SHOPIFY_SECRET, WOO_SECRET, postShopify, postWoo, shopifyOrder, wooOrder } from './helpers'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)

const app = (env: Record<string, string> = {}) =>
  buildApp(
    { ...liveCapi(fake().url), SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted', ...env },
    { now: () => NOW_MS },
  )

/** JSON text with `"<placeholder>"` replaced by a bare number literal, as the platforms write ids. */
const withNumbers = (value: unknown, numbers: Record<string, string>): string =>
  Object.entries(numbers).reduce((text, [key, digits]) => text.replaceAll(`"${key}"`, digits), JSON.stringify(value))

/** The documented Shopify order with a numeric id only (no admin_graphql_api_id, as in older payloads and some apps). */
function shopifyBody(id: string, productId = '632910392'): string {
  const { admin_graphql_api_id: _gid, ...order } = shopifyOrder()
  order.line_items = order.line_items.slice(0, 1).map((l: Record<string, unknown>) => ({ ...l, product_id: '@PRODUCT' }))
  return withNumbers({ ...order, id: '@ID' }, { '@ID': id, '@PRODUCT': productId })
}

async function sentIds(): Promise<string[]> {
  await tw.runtime.dispatcher.flush()
  return fake().received.map((r) => r.event.event_id)
}

describe('order ids above 2^53 keep every digit', () => {
  it('two signed Shopify orders 9007199254740993 and 9007199254740992 are two purchases, both sent', async () => {
    tw = await app()
    const first = await postShopify(tw, shopifyBody('9007199254740993', '9007199254740995'))
    const second = await postShopify(tw, shopifyBody('9007199254740992'))
    expect(await first.json()).toMatchObject({ status: 'accepted', event_id: 'ord_9007199254740993' })
    expect(await second.json()).toMatchObject({ status: 'accepted', event_id: 'ord_9007199254740992' })
    expect((await sentIds()).sort()).toEqual(['ord_9007199254740992', 'ord_9007199254740993'])
    const sent = fake().received.find((r) => r.event.event_id === 'ord_9007199254740993')!.event
    expect(sent.custom_data).toMatchObject({ order_id: '9007199254740993', content_ids: ['9007199254740995'] })
  })

  it("Shopify's sample order id 820982911946154508 becomes ord_820982911946154508 without admin_graphql_api_id", async () => {
    tw = await app()
    const res = await postShopify(tw, shopifyBody('820982911946154508'))
    expect(await res.json()).toMatchObject({ status: 'accepted', event_id: 'ord_820982911946154508' })
    expect(await sentIds()).toEqual(['ord_820982911946154508'])
  })

  it('a WooCommerce order and product id beyond 2^53 keep their digits', async () => {
    tw = await app()
    const order = { ...wooOrder(), id: '@ID', line_items: [{ ...wooOrder().line_items[0], product_id: '@PRODUCT' }] }
    const res = await postWoo(tw, withNumbers(order, { '@ID': '18014398509481985', '@PRODUCT': '18014398509481987' }))
    expect(await res.json()).toMatchObject({ status: 'accepted', event_id: 'ord_18014398509481985' })
    await sentIds()
    expect(fake().received[0].event.custom_data).toMatchObject({ order_id: '18014398509481985', content_ids: ['18014398509481987'] })
  })

  it('POST /v1/events: numeric event_id, order_id and content ids beyond 2^53 are read exactly', async () => {
    tw = await app()
    const body = withNumbers(
      {
        data: [
          { event_name: 'checkout', event_id: '@A', user_data: { em: 'jane@example.com' }, custom_data: { order_id: '@A', content_ids: ['@P'], value: 10, currency: 'USD' } },
          { event_name: 'checkout', event_id: '@B', user_data: { em: 'jane@example.com' }, custom_data: { order_id: '@B' } },
        ],
      },
      { '@A': '9007199254740993', '@B': '9007199254740992', '@P': '12345678901234567891' },
    )
    const res = await postEvents(tw, body)
    expect(res.status).toBe(202)
    expect((await res.json()).events).toEqual([
      { event_id: '9007199254740993', status: 'accepted' },
      { event_id: '9007199254740992', status: 'accepted' },
    ])
    await sentIds()
    expect(fake().received.find((r) => r.event.event_id === '9007199254740993')!.event.custom_data).toMatchObject({ order_id: '9007199254740993', content_ids: ['12345678901234567891'] })
  })

  it('the loader fallback /e and a tag beacon read a numeric order_id beyond 2^53 exactly', async () => {
    tw = await app()
    const fallback = withNumbers([{ event: 'checkout', ed: { event_id: 'ord_9007199254740993', order_id: '@ID', value: 5 } }], { '@ID': '9007199254740993' })
    const res = await call(tw, '/tw/e', { body: fallback, headers: { 'content-type': 'text/plain' } })
    expect(res.status).toBe(202)
    const ed = withNumbers({ event_id: '@ID', order_id: '@ID' }, { '@ID': '9007199254740995' })
    const query = beaconQuery('checkout', {}).replace(/ed=[^&]*/, `ed=${encodeURIComponent(ed)}`)
    expect((await call(tw, `/tw/pin/ct/v3/?${query}`)).status).toBe(200)
    expect((await sentIds()).sort()).toEqual(['9007199254740995', 'ord_9007199254740993'])
    const byId = Object.fromEntries(fake().received.map((r) => [r.event.event_id, r.event.custom_data.order_id]))
    expect(byId).toEqual({ ord_9007199254740993: '9007199254740993', '9007199254740995': '9007199254740995' })
  })

  it('a beacon body edited for LDP is forwarded with its numbers digit for digit', () => {
    const body = '{"event":"checkout","ed":{"order_id":820982911946154508,"value":72.39},"pd":{"em":"x"}}'
    expect(editPartnerDataJson(body, { set: { opt_out_type: 'LDP' } })).toBe(
      '{"event":"checkout","ed":{"order_id":820982911946154508,"value":72.39},"pd":{"em":"x","opt_out_type":"LDP"}}',
    )
  })
})
