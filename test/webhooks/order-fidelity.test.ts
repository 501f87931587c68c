// What a real order means: a cancelled, voided or refunded one is no purchase; one taken back after
// it was counted stays counted at Pinterest (no retraction exists) and the audit says so; a
// multi-currency order goes out in the buyer's currency; WooCommerce names are text, not HTML.
import { describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { buildApp, liveCapi } from '../helpers/build-app'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { adminGet } from '../inspect/helpers'
import { NOW_MS, SHOPIFY_SECRET, WOO_SECRET, postShopify, postWoo, shopifyOrder, wooOrder } from './helpers'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)

const app = (env: Record<string, string> = {}) =>
  buildApp(
    { ...liveCapi(fake().url), SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted', ...env },
    { now: () => NOW_MS },
  )

async function sent() {
  await tw.runtime.dispatcher.flush()
  return fake().received.map((r) => r.event)
}

/** The notes the dry-run record (`/_/events`) and the inspector's data show for an event. */
async function notesOf(eventId: string): Promise<{ record: string[]; inspector: string[] }> {
  const record = (await (await adminGet(tw, `/tw/_/events?event_id=${eventId}`)).json()).events[0]?.notes ?? []
  const inspector = (await (await adminGet(tw, `/tw/_/inspect/data?event_id=${eventId}`)).json()).events[0]?.notes ?? []
  return { record, inspector }
}

const CANCELLED = { cancelled_at: '2025-12-31T19:10:00-05:00', cancel_reason: 'customer' }

describe('cancelled, voided and refunded Shopify orders', () => {
  it('orders/paid of an order already cancelled, voided or refunded sends nothing', async () => {
    tw = await app()
    const cases = [CANCELLED, { financial_status: 'voided' }, { financial_status: 'refunded' }]
    for (const change of cases) {
      const res = await postShopify(tw, { ...shopifyOrder(), ...change })
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ ok: true, status: 'cancelled', counted: false, event_id: 'ord_450789469', reason: expect.stringContaining('nothing sent to Pinterest') })
    }
    expect(await sent()).toEqual([])
    // A partial refund leaves the purchase standing (the documented order is partially_refunded).
    expect(await (await postShopify(tw, shopifyOrder())).json()).toMatchObject({ status: 'accepted' })
  })

  it('orders/cancelled and refunds/create after the purchase was sent: it stays counted, and the audit says so once', async () => {
    tw = await app()
    expect(await (await postShopify(tw, shopifyOrder())).json()).toMatchObject({ status: 'accepted' })
    expect(await sent()).toHaveLength(1)

    const cancel = await postShopify(tw, { ...shopifyOrder(), ...CANCELLED, financial_status: 'refunded' }, { topic: 'orders/cancelled' })
    expect(await cancel.json()).toMatchObject({ ok: true, status: 'cancelled', counted: true, event_id: 'ord_450789469', reason: expect.stringContaining('stays counted') })
    // The same news again (another delivery id, or orders/updated) is not noted twice.
    await postShopify(tw, { ...shopifyOrder(), ...CANCELLED, financial_status: 'refunded' }, { topic: 'orders/cancelled' })
    const refund = { id: 509562969, order_id: 450789469, created_at: '2026-01-01T09:00:00-05:00', transactions: [{ kind: 'refund', status: 'success', amount: '41.94', currency: 'USD' }] }
    expect(await (await postShopify(tw, refund, { topic: 'refunds/create' })).json()).toMatchObject({ status: 'refunded', counted: true })

    const notes = await notesOf('ord_450789469')
    expect(notes.record).toEqual([
      expect.stringMatching(/^shopify order 450789469 was taken back after its purchase was counted: cancelled at 2025-12-31T19:10:00-05:00 \(customer\)\. Pinterest has no retraction/),
      expect.stringContaining('refund of 41.94 USD at 2026-01-01T09:00:00-05:00'),
    ])
    expect(notes.inspector).toEqual(notes.record)
    // Nothing more went to Pinterest: no retraction exists, and the purchase is not sent again.
    expect(await sent()).toHaveLength(1)
  })

  it('a refund for an order never counted is acknowledged and ignored', async () => {
    tw = await app()
    const res = await postShopify(tw, { order_id: 1, transactions: [] }, { topic: 'refunds/create' })
    expect(await res.json()).toMatchObject({ ok: true, status: 'ignored', counted: false })
  })
})

describe('currency of a multi-currency Shopify order', () => {
  it('is the presentment currency, with presentment amounts, as the thank-you page reports it', async () => {
    tw = await app()
    const order = shopifyOrder()
    const eur = (amount: string) => ({ shop_money: { amount: '0.00', currency_code: 'USD' }, presentment_money: { amount, currency_code: 'EUR' } })
    const multi = {
      ...order,
      currency: 'USD',
      presentment_currency: 'EUR',
      subtotal_price_set: eur('551.30'),
      total_price_set: eur('553.10'),
      line_items: order.line_items.map((l: Record<string, any>, i: number) => ({ ...l, price_set: eur(['183.63', '183.64', '183.65'][i] ?? '1.00') })),
    }
    expect(await (await postShopify(tw, multi)).json()).toMatchObject({ status: 'accepted' })
    const [event] = await sent()
    expect(event.custom_data.currency).toBe('EUR')
    expect(event.custom_data.value).toBe('551.3')
    expect(event.custom_data.contents.map((c: { item_price: string }) => c.item_price)).toEqual(order.line_items.map((_: unknown, i: number) => ['183.63', '183.64', '183.65'][i] ?? '1'))
  })
})

describe('WooCommerce', () => {
  it('item names are decoded from the HTML entities WordPress writes', async () => {
    tw = await app()
    await postWoo(tw, wooOrder())
    const [event] = await sent()
    expect(event.custom_data.contents.map((c: { item_name: string }) => c.item_name)).toEqual(['Woo Single #1', 'Ship Your Idea – Color: Black, Size: M Test'])
  })

  it('an unpaid order answers status "not-paid", as the README says', async () => {
    tw = await app()
    const res = await postWoo(tw, { ...wooOrder(), status: 'pending', date_paid_gmt: null }, { topic: 'order.created' })
    expect(await res.json()).toEqual({ ok: true, status: 'not-paid', reason: 'order 727 is not paid (status pending)' })
  })

  it('an order cancelled or refunded after it was counted stays counted, with a note', async () => {
    tw = await app()
    expect(await (await postWoo(tw, wooOrder())).json()).toMatchObject({ status: 'accepted' })
    const res = await postWoo(tw, { ...wooOrder(), status: 'refunded' })
    expect(await res.json()).toMatchObject({ status: 'cancelled', counted: true, event_id: 'ord_727' })
    expect((await notesOf('ord_727')).record).toEqual([expect.stringContaining('woocommerce order 727 was taken back after its purchase was counted: status refunded')])
    expect(await sent()).toHaveLength(1)
  })
})
