import { describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { createMetrics } from '../../server/metrics'
import { startFakeBeacon } from '../fakes/fake-beacon'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { MAIN_NAME, startFakeScripts } from '../fakes/fake-pinterest-scripts'
import { buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { GRANTED, adminGet, parseProm } from './helpers'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)

const event = (id: string, consent: Record<string, string> = GRANTED) => ({
  event_name: 'checkout',
  event_id: id,
  user_data: { em: 'shopper@example.com', client_ip_address: '198.51.100.4', client_user_agent: 'Mozilla/5.0' },
  custom_data: { currency: 'USD', value: '5.00' },
  consent,
})
const DENIED = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' }

async function scrape(app: TagwardenApp): Promise<Map<string, number>> {
  const res = await adminGet(app, '/tw/_/metrics')
  expect(res.status).toBe(200)
  return parseProm(await res.text())
}

describe('GET /tw/_/metrics', () => {
  it('needs the admin token and answers the Prometheus text format', async () => {
    tw = await buildApp()
    expect((await tw.fetch(new Request('http://shop.test/tw/_/metrics'))).status).toBe(401)
    const res = await adminGet(tw, '/tw/_/metrics')
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    for (const name of [
      'tagwarden_events_accepted_total', 'tagwarden_events_sent_total', 'tagwarden_events_failed_total', 'tagwarden_events_dead_lettered_total',
      'tagwarden_consent_actions_total', 'tagwarden_outbox_depth', 'tagwarden_batch_size', 'tagwarden_delivery_latency_seconds',
      'tagwarden_script_cache_total', 'tagwarden_destination_paused',
    ]) expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'))
    const m = parseProm(text)
    expect(m.get('tagwarden_destination_paused{destination="pinterest-capi"}')).toBe(0)
    expect(m.get('tagwarden_script_cache_total{state="stale"}')).toBe(0)
  })

  it('counts accepted events by source, consent actions, outbox depth, sends, batch sizes and latency', async () => {
    tw = await buildApp(liveCapi(fake().url))
    await postEvents(tw, { data: [event('m-1'), event('m-2'), event('m-3', DENIED)] })
    await postEvents(tw, { data: [event('m-1')] }) // a repeat: not accepted again, no second consent count
    let m = await scrape(tw)
    expect(m.get('tagwarden_events_accepted_total{source="api",destination="pinterest-capi"}')).toBe(2)
    expect(m.get('tagwarden_consent_actions_total{destination="pinterest-capi",action="allow"}')).toBe(2)
    expect(m.get('tagwarden_consent_actions_total{destination="pinterest-capi",action="suppress"}')).toBe(1)
    expect(m.get('tagwarden_outbox_depth{destination="pinterest-capi"}')).toBe(2)
    expect(m.get('tagwarden_events_sent_total{destination="pinterest-capi"}')).toBe(0)

    await tw.runtime.dispatcher.flush()
    m = await scrape(tw)
    expect(fake().received).toHaveLength(2)
    expect(m.get('tagwarden_events_sent_total{destination="pinterest-capi"}')).toBe(2)
    expect(m.get('tagwarden_outbox_depth{destination="pinterest-capi"}')).toBe(0)
    expect(m.get('tagwarden_batch_size_count')).toBe(1)
    expect(m.get('tagwarden_batch_size_sum')).toBe(2)
    expect(m.get('tagwarden_batch_size_bucket{le="1"}')).toBe(0)
    expect(m.get('tagwarden_batch_size_bucket{le="5"}')).toBe(1)
    expect(m.get('tagwarden_delivery_latency_seconds_count')).toBe(2)
    expect(m.get('tagwarden_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(2)
  })

  it('counts failures by reason and dead letters: 503, 429, a per-event rejection', async () => {
    tw = await buildApp(liveCapi(fake().url))
    fake().failNext({ status: 503 }, { status: 429, headers: { 'retry-after': '0' } })
    fake().rejectEventIds(['f-bad'], 'Invalid parameter')
    await postEvents(tw, { data: [event('f-ok'), event('f-bad')] })
    for (let i = 0; i < 3; i++) await tw.runtime.dispatcher.flush()
    fake().rejectEventIds([])
    const m = await scrape(tw)
    expect(m.get('tagwarden_events_failed_total{destination="pinterest-capi",reason="server_error"}')).toBe(2)
    expect(m.get('tagwarden_events_failed_total{destination="pinterest-capi",reason="rate_limited"}')).toBe(2)
    expect(m.get('tagwarden_events_failed_total{destination="pinterest-capi",reason="rejected"}')).toBe(1)
    expect(m.get('tagwarden_events_dead_lettered_total{destination="pinterest-capi"}')).toBe(1)
    expect(m.get('tagwarden_events_sent_total{destination="pinterest-capi"}')).toBe(1)
    expect(m.get('tagwarden_batch_size_count')).toBe(3)
  })

  it('shows a destination paused after a 401, in the gauge and in the inspector', async () => {
    tw = await buildApp(liveCapi(fake().url))
    fake().requireToken('a-different-token')
    await postEvents(tw, { data: [event('p-1')] })
    await tw.runtime.dispatcher.flush()
    const m = await scrape(tw)
    expect(m.get('tagwarden_destination_paused{destination="pinterest-capi"}')).toBe(1)
    expect(m.get('tagwarden_events_failed_total{destination="pinterest-capi",reason="auth"}')).toBe(1)
    expect(m.get('tagwarden_outbox_depth{destination="pinterest-capi"}')).toBe(1)
    const { summary } = await (await adminGet(tw, '/tw/_/inspect/data')).json()
    expect(summary.destinations).toEqual([{ name: 'pinterest-capi', paused: true, depth: 1 }])
    expect(summary.failures).toEqual({ auth: 1 })
  })
})

describe('tag path metrics', () => {
  it('counts script cache states (miss, hit, stale, error) and beacons forwarded, failed and suppressed for pinterest-tag', async () => {
    const beacon = await startFakeBeacon()
    const scripts = await startFakeScripts({ style: 'literal' })
    let t = Date.now()
    try {
      tw = await buildApp(
        { ...liveCapi(fake().url), PINTEREST_SCRIPT_ORIGIN: scripts.url, PINTEREST_BEACON_ORIGIN: beacon.url, PINTEREST_TAG_ID: '2612345678901', TAGWARDEN_DEFAULT_CONSENT: 'granted' },
        { now: () => t },
      )
      const get = (path: string, headers: Record<string, string> = {}) => tw.fetch(new Request(`http://shop.test${path}`, { headers: { 'user-agent': 'Mozilla/5.0', ...headers } }))
      expect((await get('/tw/pin/core.js')).status).toBe(200) // miss
      expect((await get('/tw/pin/core.js')).status).toBe(200) // hit
      t += 6 * 60_000
      expect((await get('/tw/pin/core.js')).status).toBe(200) // stale, refreshed in the background
      scripts.fail(503)
      expect((await get(`/tw/pin/lib/${MAIN_NAME}`)).status).toBe(502) // error: nothing cached
      const ed = (id: string) => encodeURIComponent(JSON.stringify({ event_id: id, value: '5', currency: 'USD' }))
      await get(`/tw/pin/ct/v3/?tid=2612345678901&event=addtocart&ed=${ed('b-1')}&cb=1`)
      beacon.failWith(502)
      await get(`/tw/pin/ct/v3/?tid=2612345678901&event=addtocart&ed=${ed('b-2')}&cb=2`)
      const ctx = await tw.fetch(new Request('http://shop.test/tw/ctx', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ consent: { ad_storage: 'denied', ad_user_data: 'denied', source: 'hook' } }) }))
      const denied = /tw_ctx=[^;]+/.exec(ctx.headers.get('set-cookie') ?? '')![0]
      await get(`/tw/pin/ct/v3/?tid=2612345678901&event=addtocart&ed=${ed('b-3')}&cb=3`, { cookie: denied })
      beacon.failWith(0)
      await get(`/tw/pin/ct/v3/?tid=2612345678901&event=addtocart&ed=${ed('b-4')}&cb=4`, { 'sec-gpc': '1' })
      const m = await scrape(tw)
      expect(['hit', 'stale', 'miss', 'error'].map((s) => m.get(`tagwarden_script_cache_total{state="${s}"}`))).toEqual([1, 1, 1, 1])
      expect(m.get('tagwarden_events_accepted_total{source="tag",destination="pinterest-tag"}')).toBe(2)
      expect(m.get('tagwarden_events_failed_total{destination="pinterest-tag",reason="network"}')).toBe(1)
      expect(m.get('tagwarden_consent_actions_total{destination="pinterest-tag",action="allow"}')).toBe(2)
      expect(m.get('tagwarden_consent_actions_total{destination="pinterest-tag",action="suppress"}')).toBe(1)
      expect(m.get('tagwarden_consent_actions_total{destination="pinterest-tag",action="restricted"}')).toBe(1)
      expect(beacon.hits.map((h) => h.ed.event_id)).toEqual(['b-1', 'b-2', 'b-4'])
      const { events } = await (await adminGet(tw, '/tw/_/inspect/data?event_id=b-')).json()
      const tag = Object.fromEntries(events.map((e: { event_id: string; destinations: Record<string, { state: string }> }) => [e.event_id, e.destinations['pinterest-tag']?.state]))
      expect(tag).toEqual({ 'b-1': 'sent', 'b-2': 'failed', 'b-3': 'suppressed', 'b-4': 'sent' })
    } finally {
      await beacon.close()
      await scripts.close()
    }
  })
})

describe('createMetrics hot path', () => {
  it('keeps one series per label set however many events pass, and counts events per minute', () => {
    let t = 1_767_225_600_000
    const metrics = createMetrics({ now: () => t, destinations: ['pinterest-capi'] })
    const dests = { 'pinterest-capi': { action: 'allow', rule: 'granted', state: 'queued' } }
    for (let i = 0; i < 10_000; i++) metrics.accepted('tag', dests, 'accepted')
    t += 60_000
    for (let i = 0; i < 5; i++) metrics.accepted('loader', dests, 'accepted')
    metrics.accepted('loader', { 'pinterest-capi': { ...dests['pinterest-capi'], state: 'duplicate' } }, 'duplicate')
    expect(metrics.registry.read('tagwarden_events_accepted_total')).toEqual([
      { labels: { source: 'tag', destination: 'pinterest-capi' }, value: 10_000 },
      { labels: { source: 'loader', destination: 'pinterest-capi' }, value: 5 },
    ])
    expect(metrics.perMinute(3)).toEqual([0, 10_000, 5])
    t += 61 * 60_000 // the ring forgets minutes older than an hour
    expect(metrics.perMinute(60).every((n) => n === 0)).toBe(true)
  })
})
