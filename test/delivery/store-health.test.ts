// Which errors mean "storage is down" (503 + Retry-After rather than a 500), and how long a failed
// write keeps a store marked down; the Redis connection state itself is covered on a real Redis in
// ./store-outage.test.ts.
import { describe, expect, it } from 'vitest'
import { createStore } from '../../server/storage/create-store'
import { createStoreHealth, isStorageFailure } from '../../server/storage/store-health'
import { buildApp, postEvents } from '../helpers/build-app'
import { SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'

const withCode = (code: string) => Object.assign(new Error(`${code}: failed`), { code })

describe('store health', () => {
  it('classifies storage failures, looking through causes; bugs are not storage failures', () => {
    for (const e of [withCode('ENOSPC'), withCode('EROFS'), withCode('ECONNREFUSED'), Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }), new Error('Connection is closed.'), new Error('OOM command not allowed when used memory > maxmemory'), new Error('wrapped', { cause: withCode('EACCES') })]) {
      expect(isStorageFailure(e), String(e)).toBe(true)
    }
    for (const e of [new TypeError('x is not a function'), new Error('invalid payload'), 'ENOSPC', undefined, null]) expect(isStorageFailure(e), String(e)).toBe(false)
  })

  it('a failed write marks the store down for 10 s, then it is ok again', () => {
    let now = 1_000_000
    const health = createStoreHealth({}, () => now)
    expect(health.state()).toEqual({ state: 'ok' })
    expect(health.failed(new TypeError('bug'))).toBe(false)
    expect(health.state()).toEqual({ state: 'ok' })
    expect(health.failed(withCode('ENOSPC'))).toBe(true)
    expect(health.state()).toEqual({ state: 'down', reason: 'write-failed', since: 1_000_000 })
    now += 9_999
    expect(health.state().state).toBe('down')
    now += 1
    expect(health.state()).toEqual({ state: 'ok' })
  })
})

describe('a failed write on a local store', () => {
  it('/v1/events and webhooks answer 503 + Retry-After (not a bare 500), and take events again once writes work', async () => {
    let now = 1_767_225_600_000
    const store = createStore({ kind: 'memory' })
    let full = false
    const setItem = store.storage.setItem.bind(store.storage)
    store.storage.setItem = (async (key: string, value: unknown) => {
      if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
      return setItem(key, value as never)
    }) as typeof store.storage.setItem
    const tw = await buildApp({ SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET }, { store, now: () => now })
    const lead = (id: string) => ({ data: [{ event_name: 'lead', event_id: id, user_data: { em: 'a@b.example' }, consent: { ad_storage: 'granted', ad_user_data: 'granted' } }] })

    full = true
    const first = await postEvents(tw, lead('disk-1'))
    expect(first.status).toBe(503)
    expect(first.headers.get('retry-after')).toBe('30')
    expect((await first.json()).message).toMatch(/storage \(memory\) failed: nothing was stored/)
    const hook = await postShopify(tw, shopifyOrder())
    expect([hook.status, hook.headers.get('retry-after')]).toEqual([503, '30'])

    full = false
    expect((await postEvents(tw, lead('disk-2'))).status, 'still marked down for a moment').toBe(503)
    now += 10_000
    const again = await postEvents(tw, lead('disk-1'))
    expect(again.status).toBe(202)
    expect((await again.json()).events[0].status).toBe('accepted')
    await tw.close(0)
  })
})

