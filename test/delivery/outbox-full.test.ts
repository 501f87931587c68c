// A full outbox (TAGWARDEN_MAX_QUEUE) answers 503 + Retry-After: nothing of the request is stored, the sender retries.
import { describe, expect, it } from 'vitest'
import { buildApp, postEvents } from '../helpers/build-app'
import { NOW_MS, SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'
import { DEST, pageVisit } from './harness'
import { buildTagApp, call, beaconQuery } from '../tag/build'
import { createLogger } from '../../server/log'

describe('outbox full → 503', () => {
  it('POST /v1/events: 202 until TAGWARDEN_MAX_QUEUE events wait, then 503 with Retry-After: 60', async () => {
    const tw = await buildApp({ TAGWARDEN_MAX_QUEUE: '3' })
    const ok = await postEvents(tw, { data: ['f1', 'f2'].map((id) => pageVisit(id)) })
    expect(ok.status).toBe(202)
    const full = await postEvents(tw, { data: ['f3', 'f4'].map((id) => pageVisit(id)) })
    expect(full.status).toBe(503)
    expect(full.headers.get('retry-after')).toBe('60')
    expect((await full.json()).message).toMatch(/outbox for pinterest-capi is full \(at most 3 events may wait, TAGWARDEN_MAX_QUEUE\): nothing was stored; retry later/)
    expect(await tw.runtime.outbox.depth(DEST)).toBe(2)
    expect(await tw.runtime.metrics.registry.render()).toMatch(/tagwarden_events_refused_total\{destination="pinterest-capi"\} 2/)
    // The refused events were not claimed: once there is room they are accepted, not "duplicate".
    const one = await postEvents(tw, { data: [pageVisit('f3')] })
    expect(one.status).toBe(202)
    expect((await one.json()).events).toEqual([{ event_id: 'f3', status: 'accepted' }])
    await tw.close(0)
  })

  it('a Shopify order webhook gets 503 too, and its redelivery is accepted once there is room', async () => {
    const tw = await buildApp({ TAGWARDEN_MAX_QUEUE: '1', SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { now: () => NOW_MS })
    expect((await postEvents(tw, { data: [pageVisit('fill')] })).status).toBe(202)
    const full = await postShopify(tw, shopifyOrder(), { webhookId: 'wh-full-1' })
    expect(full.status).toBe(503)
    expect(full.headers.get('retry-after')).toBe('60')
    const [lease] = await tw.runtime.outbox.queue.lease(DEST, 10, 60_000)
    await tw.runtime.outbox.queue.settle(DEST, lease, { sent: ['fill'], dead: [], retry: [], notBefore: 0 })
    const again = await postShopify(tw, shopifyOrder(), { webhookId: 'wh-full-1' })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ ok: true, status: 'accepted' })
    await tw.close(0)
  })
})

describe('outbox full on the beacon path', () => {
  it('the beacon is still answered; dropped server-side copies are warned about once a minute, not once per beacon', async () => {
    const lines: { level: string; msg: string; dropped?: number }[] = []
    let clock = NOW_MS
    const tw = await buildTagApp(
      { TAGWARDEN_MAX_QUEUE: '1', TAGWARDEN_DEFAULT_CONSENT: 'granted' },
      { now: () => clock, log: createLogger('warn', (l) => lines.push(JSON.parse(l))), forward: async () => ({ status: 200, contentType: 'image/gif', body: new Uint8Array(0), oversized: false }) },
    )
    const beacon = (id: string) => call(tw, `/tw/pin/ct/v3/?${beaconQuery('checkout', { event_id: id, value: 10, currency: 'USD' })}`)
    for (const id of ['b1', 'b2', 'b3', 'b4']) expect((await beacon(id)).status).toBe(200)
    expect(await tw.runtime.outbox.depth(DEST)).toBe(1)
    const full = () => lines.filter((l) => /outbox full/.test(l.msg))
    expect(full()).toHaveLength(1)
    expect(full()[0]).toMatchObject({ level: 'warn', dropped: 1 })
    expect(lines.filter((l) => l.level === 'error')).toEqual([])
    clock += 61_000
    expect((await beacon('b5')).status).toBe(200)
    expect(full()).toHaveLength(2)
    expect(full()[1]).toMatchObject({ dropped: 3 })
    await tw.close(0)
  })
})
