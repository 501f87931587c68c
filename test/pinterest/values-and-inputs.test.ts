// Money goes out as plain decimals rounded to the currency's minor units, never negative; a
// `line_items` object counts as one item; a phone spelled with letters is dropped, not hashed.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { beaconQuery, call } from '../tag/build'
import { NOW_MS, SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)
const app = () => buildApp({ ...liveCapi(fake().url), SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { now: () => NOW_MS })

async function sentById(): Promise<Record<string, Record<string, any>>> {
  await tw.runtime.dispatcher.flush()
  return Object.fromEntries(fake().received.map((r) => [r.event.event_id, r.event]))
}

const apiEvent = (event_id: string, custom_data: Record<string, unknown>, user_data: Record<string, unknown> = { em: 'jane@example.com' }) => ({
  event_name: 'checkout', event_id, user_data, custom_data,
})

describe('values', () => {
  it('never in exponent notation, rounded to the minor units of the currency', async () => {
    tw = await app()
    const res = await postEvents(tw, {
      data: [
        apiEvent('big', { value: 1e21, currency: 'USD' }),
        apiEvent('tiny', { value: 1e-7, currency: 'USD' }),
        apiEvent('usd', { value: 19.999, currency: 'USD', contents: [{ id: 'A', item_price: 12.345, quantity: 1 }] }),
        apiEvent('jpy', { value: 1500.5, currency: 'JPY', contents: [{ id: 'A', item_price: '750.25', quantity: 2 }] }),
        apiEvent('kwd', { value: '12.34567', currency: 'KWD' }),
        apiEvent('noisy', { value: 0.1 + 0.2, currency: 'EUR' }),
      ],
    })
    expect(res.status).toBe(202)
    const sent = await sentById()
    expect(sent.big.custom_data.value).toBe('1000000000000000000000')
    expect(sent.tiny.custom_data.value).toBe('0')
    expect(sent.usd.custom_data).toMatchObject({ value: '20', contents: [{ item_price: '12.35' }] })
    expect(sent.jpy.custom_data).toMatchObject({ value: '1501', contents: [{ item_price: '750' }] })
    expect(sent.kwd.custom_data.value).toBe('12.346')
    expect(sent.noisy.custom_data.value).toBe('0.3')
  })

  it('a negative value is refused by the API (400 naming the field) and left out of tag and loader copies', async () => {
    tw = await app()
    const res = await postEvents(tw, { data: [apiEvent('neg', { value: -5, currency: 'USD' }), apiEvent('neg2', { contents: [{ id: 'A', item_price: '-1.00' }] })] })
    expect(res.status).toBe(400)
    expect((await res.json()).data.problems).toEqual([
      'data[0].custom_data.value: must not be negative: a conversion has no negative value (docs/money.md)',
      'data[1].custom_data.contents[0].item_price: must not be negative: a conversion has no negative value (docs/money.md)',
    ])
    await call(tw, `/tw/pin/ct/v3/?${beaconQuery('checkout', { event_id: 'tag-neg', value: -5, currency: 'USD', order_quantity: 1 })}`)
    await call(tw, '/tw/e', { body: [{ event: 'checkout', ed: { event_id: 'loader-neg', value: '-5.00', currency: 'USD' } }], headers: { 'content-type': 'text/plain' } })
    const sent = await sentById()
    expect(sent['tag-neg'].custom_data).toEqual({ currency: 'USD', num_items: 1 })
    expect(sent['loader-neg'].custom_data).toEqual({ currency: 'USD' })
  })

  it('a Shopify order in yen is sent without decimals', async () => {
    tw = await app()
    const order = { ...shopifyOrder(), currency: 'JPY', presentment_currency: 'JPY', subtotal_price: '59700.6', subtotal_price_set: undefined, total_price_set: undefined }
    await postShopify(tw, order)
    expect((await sentById()).ord_450789469.custom_data).toMatchObject({ value: '59701', currency: 'JPY' })
  })
})

describe('inputs', () => {
  it('line_items given as one object is one item: its product id and price count', async () => {
    tw = await app()
    const item = { product_id: 'TOTE', product_price: 24, product_quantity: 2, product_name: 'Linen Tote' }
    await call(tw, `/tw/pin/ct/v3/?${beaconQuery('addtocart', { event_id: 'atc-1', value: 48, currency: 'USD', line_items: item })}`)
    await call(tw, '/tw/e', { body: [{ event: 'addtocart', ed: { event_id: 'atc-2', value: 48, currency: 'USD', line_items: item } }], headers: { 'content-type': 'text/plain' } })
    // The image tag's bracket form without an index is the same single object.
    await call(tw, '/tw/pin/ct/v3/?tid=1&event=addtocart&ed[event_id]=atc-3&ed[line_items][product_id]=TOTE&ed[line_items][product_price]=24&ed[line_items][product_quantity]=2&ed[line_items][product_name]=Linen%20Tote')
    const sent = await sentById()
    for (const id of ['atc-1', 'atc-2', 'atc-3']) {
      expect(sent[id].custom_data, id).toMatchObject({ content_ids: ['TOTE'], contents: [{ id: 'TOTE', item_price: '24', quantity: 2, item_name: 'Linen Tote' }] })
    }
  })

  it('a phone with letters (555-555-SHIP) is dropped, not hashed as its digits; an extension is cut off', async () => {
    tw = await app()
    await postEvents(tw, { data: [apiEvent('ph-1', {}, { em: 'jane@example.com', ph: ['555-555-SHIP', '+1 (502) 459-2181 ext. 12'] })] })
    await postShopify(tw, { ...shopifyOrder(), phone: '1-800-FLOWERS', billing_address: { ...shopifyOrder().billing_address, phone: '555-555-SHIP' }, customer: { ...shopifyOrder().customer, phone: null } })
    const sent = await sentById()
    expect(sent['ph-1'].user_data.ph).toEqual([sha('15024592181')])
    expect(sent.ord_450789469.user_data.ph).toBeUndefined()
  })
})
