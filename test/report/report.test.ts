// The reconciliation report over a scripted mix (test/report/scenario.ts): exact counts, including
// `recovered`, from the admin endpoint; the same numbers after a restart on fs: and from two
// instances sharing a real Redis; `days` validated with a clear 400.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../server/report/build-report'
import { createStore } from '../../server/storage/create-store'
import type { TagwardenApp } from '../../server/app'
import { ADMIN_TOKEN } from '../helpers/build-app'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'
import { runScenario, SUPPRESSED_DEST, TODAY, YESTERDAY, type Scenario } from './scenario'

const get = (tw: TagwardenApp, query = '', token: string | null = ADMIN_TOKEN) =>
  tw.fetch(new Request(`http://shop.test/tw/_/report${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }))
const report = async (tw: TagwardenApp, days = 2): Promise<Report> => {
  const res = await get(tw, `?days=${days}`)
  expect(res.status).toBe(200)
  return (await res.json()) as Report
}

/** What the mix must give, worked out by hand from the scenario's comments. */
function expectMixCounts(r: Report): void {
  expect(r.from).toBe(YESTERDAY)
  expect(r.to).toBe(TODAY)
  const [yesterday, today] = r.daily
  expect(today.orders).toEqual({ webhook: 6, browser: 5, matched: 3, webhook_only: 3, browser_only: 2, browser_by_path: { tag: 4, loader: 1, pixel: 0 }, api: 1 })
  const capi = today.destinations['pinterest-capi']
  expect(capi).toMatchObject({ orders_delivered: 5, recovered: 2, orders_suppressed: 1, orders_dead: 0 })
  expect(capi.queued_by_source).toEqual({ tag: 5, loader: 1, webhook: 2, api: 1 })
  expect(capi.dedup).toEqual({ server_orders: 6, with_browser: 4, coverage: 0.6667 })
  expect(capi.freshness).toEqual({ delivered: 9, median_s: 30, p95_s: 30 })
  expect(capi.match_keys.checkout).toEqual({
    events: 6,
    count: { em: 6, ph: 1, click_id: 1, ip_ua: 4, external_id: 0 },
    share: { em: 1, ph: 0.1667, click_id: 0.1667, ip_ua: 0.6667, external_id: 0 },
  })
  expect(capi.match_keys.page_visit.count).toEqual({ em: 1, ph: 0, click_id: 2, ip_ua: 3, external_id: 0 })
  // The destination consent suppresses for everyone: every webhook order suppressed, nothing recovered.
  expect(today.destinations[SUPPRESSED_DEST]).toMatchObject({ orders_delivered: 0, recovered: 0, orders_suppressed: 6, dedup: { server_orders: 0, with_browser: 0, coverage: null } })
  // Yesterday: one webhook-only order, recovered; the 23:59:50 browser checkout counts today with its webhook.
  expect(yesterday.orders).toMatchObject({ webhook: 1, browser: 0, matched: 0, webhook_only: 1 })
  expect(yesterday.destinations['pinterest-capi']).toMatchObject({ orders_delivered: 1, recovered: 1, freshness: { delivered: 2, median_s: 86_400, p95_s: 86_400 } })
  expect(r.totals.orders).toMatchObject({ webhook: 7, browser: 5, matched: 3 })
  expect(r.totals.destinations['pinterest-capi']).toMatchObject({ orders_delivered: 6, recovered: 3, freshness: { delivered: 11, median_s: 30, p95_s: 86_400 } })
}

describe('reconciliation report (memory:)', () => {
  let s: Scenario
  beforeAll(async () => {
    s = await runScenario()
  })
  afterAll(() => s.close())

  it('gives exact counts for the scripted mix, recovered included', async () => {
    const r = await report(s.tw)
    expectMixCounts(r)
    // The fake Conversions API got each order once: recovered orders really went out.
    for (const id of ['ord_1002', 'ord_1003', 'ord_1007']) expect(s.capi.countById(id)).toBe(1)
  })

  it('counts nothing twice when the same events arrive again', async () => {
    await s.tw.runtime.ingest([{ name: 'checkout', event_id: 'ord_1002', time: s.clock.now / 1000 - 30, source: 'webhook', action_source: 'web', user: { em: ['b@example.com'] }, custom: {} }])
    await s.tw.runtime.dispatcher.flush()
    expectMixCounts(await report(s.tw))
  })

  it('defaults to 7 days ending today and refuses a bad `days` with a clear 400', async () => {
    const r = (await (await get(s.tw)).json()) as Report
    expect(r.days).toBe(7)
    expect(r.daily.map((d) => d.date).at(-1)).toBe(TODAY)
    for (const bad of ['0', '91', 'abc', '2.5', '']) {
      const res = await get(s.tw, `?days=${bad}`)
      expect(res.status, bad).toBe(400)
      expect(JSON.stringify(await res.json())).toContain('days must be a whole number from 1 to 90')
    }
  })

  it('needs the admin token', async () => {
    expect((await get(s.tw, '', null)).status).toBe(401)
    expect((await get(s.tw, '', 'wrong-token-0123456789')).status).toBe(401)
  })
})

describe('reconciliation report (fs:)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-report-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps its counts across a restart', async () => {
    const s = await runScenario({ stores: [createStore({ kind: 'fs', dir })] })
    await s.close()
    // The same mix again on the same storage: every event_id was seen and delivered before the
    // restart, so nothing is delivered now — the deliveries in the report are the stored ones.
    const again = await runScenario({ stores: [createStore({ kind: 'fs', dir })] })
    expectMixCounts(await report(again.tw))
    await again.close()
  })
})

describe.runIf(redisAvailability() === 'run')('reconciliation report (two instances on Redis)', () => {
  let redis: RedisServer
  let s: Scenario
  beforeAll(async () => {
    redis = await startRedis()
    s = await runScenario({ stores: [createStore({ kind: 'redis', url: redis.url }), createStore({ kind: 'redis', url: redis.url })] })
  })
  afterAll(async () => {
    await s?.close()
    await redis?.stop()
  })

  it('adds up both instances exactly (either instance answers the same)', async () => {
    expectMixCounts(await report(s.all[0]))
    expectMixCounts(await report(s.all[1]))
  })
})
