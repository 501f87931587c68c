// Keys that grow with (partly unauthenticated) traffic — cart contexts from POST /ctx, webhook
// delivery and order records — expire on every store: Redis by itself, fs and memory by the sweep.
import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { createLogger } from '../../server/log'
import { createExpirySweeper } from '../../server/storage/expire'
import { signWebhook } from '../../server/webhooks/verify'
import { call, buildTagApp } from '../tag/build'
import { shopifyOrder } from '../webhooks/helpers'
import { SHOPIFY_SECRET } from './helpers'

const DAY = 86_400_000
let clock = Date.now()
let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close(0)
  tw = undefined
})

const keys = async (prefix: string) => (await tw!.runtime.store.storage.getKeys(prefix)).length
const postCart = (token: string) => call(tw!, '/tw/ctx', { body: { cart: { token, checkout_token: `${token}-k` } } })

async function postOrder(id: number): Promise<void> {
  const body = JSON.stringify({ ...shopifyOrder(), id, admin_graphql_api_id: `gid://shopify/Order/${id}`, processed_at: new Date(clock).toISOString() })
  const res = await tw!.fetch(new Request('http://shop.test/tw/webhooks/shopify', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/paid', 'x-shopify-webhook-id': `wh-${id}`, 'x-shopify-hmac-sha256': signWebhook(SHOPIFY_SECRET, body) },
    body,
  }))
  expect(res.status).toBe(200)
}

describe('expiring keys on stores without native expiry', () => {
  it('cart contexts older than 30 days and webhook records past their TTL are swept; fresh ones stay', async () => {
    tw = await buildTagApp({ SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { now: () => clock })
    const sweeper = createExpirySweeper(tw.runtime.store, () => clock, createLogger('silent'))
    for (let i = 0; i < 300; i++) expect((await postCart(`old-${i}`)).status).toBe(200)
    await postOrder(1001)
    expect(await keys('ctx:cart')).toBe(600)
    expect(await keys('wh:delivery')).toBe(1)
    expect(await keys('wh:order')).toBe(1)

    // Three days on: the delivery id (48 h) is gone, the order (35 days) and the carts (30 days) stay.
    clock += 3 * DAY
    expect(await sweeper.sweep()).toBe(1)
    expect(await keys('wh:delivery')).toBe(0)
    expect(await keys('wh:order')).toBe(1)
    expect(await keys('ctx:cart')).toBe(600)

    // 31 days on: the old carts go; a cart seen today stays.
    clock += 28 * DAY
    expect((await postCart('fresh')).status).toBe(200)
    expect(await sweeper.sweep()).toBe(600)
    expect(await keys('ctx:cart')).toBe(2)
    expect(await tw.runtime.carts.get('fresh')).toBeDefined()

    // 36 days after the order: its record goes too; the 5-day-old cart stays.
    clock += 5 * DAY
    expect(await sweeper.sweep()).toBe(1)
    expect(await keys('wh:order')).toBe(0)
    expect(await keys('ctx:cart')).toBe(2)
  })

  it('unreadable entries under those prefixes are removed; other keys are never touched', async () => {
    tw = await buildTagApp({}, { now: () => clock })
    const storage = tw.runtime.store.storage
    await storage.setItem('ctx:cart:junk', 'not a context')
    await storage.setItem('wh:order:junk', { at: 'x' })
    await storage.setItem('outbox:keep', { items: [] })
    await storage.setItem('journal:recent', [])
    const before = (await storage.getKeys()).filter((k) => !k.startsWith('ctx:cart') && !k.startsWith('wh:'))
    expect(await createExpirySweeper(tw.runtime.store, () => clock, createLogger('silent')).sweep()).toBe(2)
    expect(await storage.getKeys()).toEqual(expect.arrayContaining(before))
    expect((await storage.getKeys()).filter((k) => k.startsWith('ctx:cart') || k.startsWith('wh:'))).toEqual([])
  })

  it('is a no-op on Redis, which expires these keys itself (setItem ttl)', async () => {
    tw = await buildTagApp({}, { now: () => clock })
    await tw.runtime.store.storage.setItem('ctx:cart:x', { at: 0 })
    expect(await createExpirySweeper({ storage: tw.runtime.store.storage, kind: 'redis' }, () => clock, createLogger('silent')).sweep()).toBe(0)
    expect(await keys('ctx:cart')).toBe(1)
  })
})
