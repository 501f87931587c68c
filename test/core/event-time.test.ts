// Nothing is acknowledged that can only be dead-lettered: /v1/events refuses an event_time older
// than TAGWARDEN_MAX_EVENT_AGE_DAYS or ahead of the clock (400 naming the field); a beacon whose
// browser clock dates it that old is forwarded but not mirrored; an order that old is acknowledged
// as ignored; each drop is counted.
import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { eventTimeProblem } from '../../server/event-time'
import { startFakeBeacon } from '../fakes/fake-beacon'
import { ADMIN_TOKEN, buildApp, postEvents } from '../helpers/build-app'
import { beaconQuery, buildTagApp, call } from '../tag/build'
import { GRANTED, SHOPIFY_SECRET, postShopify, shopifyOrder } from '../webhooks/helpers'

const NOW_MS = 1_767_225_600_000
const NOW_S = NOW_MS / 1000
const DAY = 86_400

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close(0)
  tw = undefined
})

const lead = (id: string, event_time?: number | string) => ({ event_name: 'lead', event_id: id, ...(event_time === undefined ? {} : { event_time }), user_data: { em: 'a@b.example' }, consent: GRANTED })
const dropped = async (source: string, reason: string) => {
  const text = await (await tw!.fetch(new Request('http://shop.test/tw/_/metrics', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))).text()
  return Number(new RegExp(`^tagwarden_events_dropped_total\\{source="${source}",reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
}

describe('event time at the edge', () => {
  it('eventTimeProblem: the window and the skew', () => {
    expect(eventTimeProblem(NOW_S - 7 * DAY + 1, NOW_S, 7)).toBeUndefined()
    expect(eventTimeProblem(NOW_S - 7 * DAY - 1, NOW_S, 7)).toBe('too-old')
    expect(eventTimeProblem(NOW_S + 300, NOW_S, 7)).toBeUndefined()
    expect(eventTimeProblem(NOW_S + 301, NOW_S, 7)).toBe('future')
  })

  it('/v1/events: too old or in the future → 400 naming the field; nothing stored', async () => {
    tw = await buildApp({}, { now: () => NOW_MS })
    for (const [time, message] of [
      [978_307_200, /data\[0\]\.event_time: is older than 7 days \(TAGWARDEN_MAX_EVENT_AGE_DAYS\)/],
      [(NOW_S - 8 * DAY) * 1000, /data\[0\]\.event_time: is older than 7 days/], // milliseconds, as the API allows
      [String(NOW_S - 8 * DAY), /is older than 7 days/],
      [NOW_S + 3600, /data\[0\]\.event_time: is in the future/],
    ] as const) {
      const res = await postEvents(tw, { data: [lead(`t-${time}`, time)] })
      expect(res.status, String(time)).toBe(400)
      expect((await res.json()).message).toMatch(message)
    }
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    const mixed = await postEvents(tw, { data: [lead('ok-1', NOW_S - 6 * DAY), lead('old-2', NOW_S - 30 * DAY)] })
    expect(mixed.status).toBe(400)
    expect((await mixed.json()).data.problems).toEqual([expect.stringMatching(/^data\[1\]\.event_time: is older than 7 days/)])
    expect((await postEvents(tw, { data: [lead('ok-1', NOW_S - 6 * DAY), lead('ok-2')] })).status).toBe(202)
  })

  it('the window follows TAGWARDEN_MAX_EVENT_AGE_DAYS', async () => {
    tw = await buildApp({ TAGWARDEN_MAX_EVENT_AGE_DAYS: '2' }, { now: () => NOW_MS })
    expect((await postEvents(tw, { data: [lead('w-1', NOW_S - 3 * DAY)] })).status).toBe(400)
    expect((await postEvents(tw, { data: [lead('w-2', NOW_S - DAY)] })).status).toBe(202)
  })

  it('a beacon dated too old by its browser clock is forwarded but not mirrored, and counted', async () => {
    const beacon = await startFakeBeacon()
    tw = await buildTagApp({ PINTEREST_BEACON_ORIGIN: beacon.url, TAGWARDEN_DEFAULT_CONSENT: 'granted', TAGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN }, { now: () => NOW_MS })
    const old = await call(tw, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: 'b-old' }, { cb: NOW_MS - 10 * DAY * 1000 })}`)
    expect(old.status).toBe(200)
    const fresh = await call(tw, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: 'b-fresh' }, { cb: NOW_MS - 1000 })}`)
    expect(fresh.status).toBe(200)
    expect(beacon.hits.map((h) => h.ed.event_id)).toEqual(['b-old', 'b-fresh'])
    expect(tw.runtime.journal.recent().map((e) => e.event_id)).toEqual(['b-fresh'])
    expect(await dropped('tag', 'too_old')).toBe(1)
    await beacon.close()
  })

  it('an order older than the window is acknowledged as ignored (not queued), and counted', async () => {
    tw = await buildApp({ SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET }, { now: () => NOW_MS })
    const order = { ...shopifyOrder(), processed_at: '2025-12-01T10:00:00Z', created_at: '2025-12-01T10:00:00Z' }
    const res = await postShopify(tw, order)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, status: 'ignored', reason: expect.stringMatching(/older than 7 days/) })
    expect(await tw.runtime.outbox.depth('pinterest-capi')).toBe(0)
    expect(await dropped('webhook', 'too_old')).toBe(1)
  })
})
