// The delivery fault scenarios, measured with production timings (only the lease is scaled from
// 120 s to 10 s, and the slow-answer case scales the 30 s timeout to 1.5 s) against the local fake
// Pinterest over real HTTP. Prints one line per scenario; asserts nothing.
//   npm run build && npx vitest run --config bench/faults/vitest.config.ts [-t storm]
import { afterEach, describe, it } from 'vitest'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeCapi, type FakeCapi } from '../../test/fakes/fake-capi'
import { buildApp, liveCapi, postEvents } from '../../test/helpers/build-app'
import { startRedis, type RedisServer } from '../../test/helpers/redis'
import { kill9, loadLoop, sentByChild, startChild, type Child } from '../../test/delivery/child'
import { createStore } from '../../server/storage/create-store'
import type { TagwardenApp } from '../../server/app'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' }
const event = (id: string) => ({ event_name: 'page_visit', event_id: id, user_data: { client_ip_address: '198.51.100.7', client_user_agent: 'Mozilla/5.0 (bench)' }, consent: GRANTED })
async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > end) return false
    await sleep(50)
  }
  return true
}
async function accept(tw: TagwardenApp, prefix: string, n: number, per = 500): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i += per) {
    const batch = Array.from({ length: Math.min(per, n - i) }, (_, k) => `${prefix}-${i + k}`)
    const res = await postEvents(tw, { data: batch.map(event) })
    if (res.status === 202) ids.push(...batch)
  }
  return ids
}
const copies = (fake: FakeCapi) => {
  const m = new Map<string, number>()
  for (const r of fake.received) m.set(r.event.event_id, (m.get(r.event.event_id) ?? 0) + 1)
  return m
}
const report = (name: string, facts: Record<string, unknown>) => console.log(`[scenario] ${name}: ${JSON.stringify(facts)}`)

let fake: FakeCapi | undefined
let tw: TagwardenApp | undefined
const children: Child[] = []
const dirs: string[] = []
let redis: RedisServer | undefined
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) await kill9(c)
  await tw?.close(0)
  tw = undefined
  await fake?.close()
  await redis?.stop()
  redis = undefined
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('delivery fault scenarios (production timings)', () => {
  it('storm: 20 s of 429/500/connection resets with 5,000 events waiting', async () => {
    fake = await startFakeCapi()
    tw = await buildApp(liveCapi(fake.url))
    fake.setFaults({ resetRate: 1 / 3, rateLimitRate: 0.5, retryAfterS: 1, errorRate: 1, errorStatus: 500, seed: 5 })
    const acked = await accept(tw, 'storm', 5000)
    tw.start()
    await waitFor(() => fake!.requests.length > 0 || fake!.dropped > 0, 30_000)
    const stormStart = Date.now()
    let attempts = 0
    const counting = setInterval(() => void 0, 1000)
    await sleep(20_000)
    clearInterval(counting)
    attempts = fake.requests.length
    fake.setFaults({})
    const recovered = Date.now()
    const status = tw.runtime.dispatcher.status()['pinterest-capi'] as unknown as Record<string, unknown>
    const next = (status.retry_at as number | undefined) ?? (status.until ? Date.parse(String(status.until)) : undefined)
    const drained = await waitFor(() => copies(fake!).size >= acked.length, 600_000)
    report('storm', {
      storm_s: Math.round((recovered - stormStart) / 1000),
      answered_failures_during_storm: attempts,
      next_attempt_after_recovery_s: next ? +((next - recovered) / 1000).toFixed(1) : 0,
      drained,
      drain_after_recovery_s: +((Date.now() - recovered) / 1000).toFixed(1),
      received: fake.received.length,
      accepted: acked.length,
    })
  })

  it('Retry-After: 3600 on the first request', async () => {
    fake = await startFakeCapi()
    tw = await buildApp(liveCapi(fake.url))
    fake.failNext({ status: 429, headers: { 'retry-after': '3600' } })
    await accept(tw, 'ra', 10)
    tw.start()
    await waitFor(() => fake!.requests.length >= 1, 30_000)
    await sleep(1500)
    const health = await (await tw.fetch(new Request('http://shop.test/tw/_/health'))).json()
    const s = health.delivery['pinterest-capi']
    const next = s.retry_at ?? (s.until ? Date.parse(s.until) : undefined)
    report('retry-after-3600', { health: health.status, state: s.state, reason: s.reason, next_attempt_in_s: next ? Math.round((next - Date.now()) / 1000) : 0 })
  })

  it('4 responses lost after Pinterest processed them (5,000 events waiting)', async () => {
    fake = await startFakeCapi()
    tw = await buildApp(liveCapi(fake.url))
    fake.loseNext(4)
    const acked = await accept(tw, 'lost', 5000)
    const t0 = Date.now()
    tw.start()
    const drained = await waitFor(() => copies(fake!).size >= acked.length, 300_000)
    report('lost-responses', { drained, extra_copies: fake.received.length - acked.length, requests: fake.requests.length, drain_s: +((Date.now() - t0) / 1000).toFixed(1) })
  })

  it('every answer lost for 10 s after Pinterest processed the request (5,000 events waiting)', async () => {
    fake = await startFakeCapi()
    tw = await buildApp(liveCapi(fake.url))
    fake.setFaults({ loseRate: 1 })
    const acked = await accept(tw, 'lostfor', 5000)
    tw.start()
    await sleep(10_000)
    fake.setFaults({})
    const drained = await waitFor(() => copies(fake!).size >= acked.length, 300_000)
    const c = [...copies(fake).values()]
    report('lost-for-10s', { drained, extra_copies: fake.received.length - acked.length, max_copies_of_one_event: Math.max(...c) })
  })

  it('answers slower than the request timeout for 20 s (timeout scaled to 1.5 s, answers after 2 s)', async () => {
    fake = await startFakeCapi()
    tw = await buildApp(liveCapi(fake.url), { delivery: { requestTimeoutMs: 1500 } })
    fake.setFaults({ answerDelayMs: 2000 })
    const acked = await accept(tw, 'slow', 5000)
    tw.start()
    await sleep(20_000)
    fake.setFaults({})
    const drained = await waitFor(() => copies(fake!).size >= acked.length, 300_000)
    const c = [...copies(fake).values()]
    report('slow-answers', { drained, extra_copies: fake.received.length - acked.length, max_copies_of_one_event: Math.max(...c), events_sent_3x_or_more: c.filter((n) => n >= 3).length })
  })

  it('idle server: when is a delivered event’s segment file removed (fs)', async () => {
    fake = await startFakeCapi()
    const dir = mkdtempSync(join(tmpdir(), 'tw-scn-'))
    dirs.push(dir)
    tw = await buildApp({ ...liveCapi(fake.url), TAGWARDEN_STORAGE: `fs:${dir}` }, { store: createStore({ kind: 'fs', dir }) })
    tw.start()
    const t0 = Date.now()
    await accept(tw, 'pii', 10)
    await waitFor(() => fake!.received.length >= 10, 30_000)
    const files = () => {
      try {
        return readdirSync(join(dir, 'outbox-log', 'pinterest-capi')).length
      } catch {
        return 0
      }
    }
    const gone = await waitFor(() => files() === 0, 120_000)
    report('pii-idle', { delivered_after_s: +((fake.received.at(-1)!.answeredAt! - t0) / 1000).toFixed(1), segment_files_gone: gone, after_s: +((Date.now() - t0) / 1000).toFixed(1), files_left: files() })
  })

  for (const storage of ['fs', 'redis'] as const) {
    for (const run of [1, 2]) {
      it(`SIGKILL mid-delivery on ${storage} (run ${run})`, async () => {
        fake = await startFakeCapi()
        fake.setFaults({ delayMs: 100 })
        let env: Record<string, string> = liveCapi(fake.url)
        if (storage === 'fs') {
          const dir = mkdtempSync(join(tmpdir(), 'tw-scn-'))
          dirs.push(dir)
          env = { ...env, TAGWARDEN_STORAGE: `fs:${dir}` }
        } else {
          redis = await startRedis()
          env = { ...env, TAGWARDEN_STORAGE: redis.url }
        }
        const delivery = { leaseMs: 10_000 }
        const victim = await startChild({ ...env, PINTEREST_ACCESS_TOKEN: 'pina_instance_a_token' }, delivery)
        children.push(victim)
        const survivor = storage === 'redis' ? await startChild(env, delivery) : undefined
        if (survivor) children.push(survivor)
        let urls = [victim.url, ...(survivor ? [survivor.url] : [])]
        const load = loadLoop(() => urls, `k${run}`, 600, 4)
        await waitFor(() => load.acked.length >= 30_000 && fake!.received.length >= 10_000, 120_000)
        await sleep(run * 700)
        const killedAt = Date.now()
        await kill9(victim)
        urls = survivor ? [survivor.url] : []
        await load.stop()
        const acked = [...load.acked]
        let second = survivor
        if (!second) {
          second = await startChild(env, delivery)
          children.push(second)
        }
        const drained = await waitFor(() => {
          const at = new Set(fake!.received.map((r) => r.event.event_id))
          return acked.every((id) => at.has(id))
        }, 300_000)
        await sleep(12_000) // a lease's worth: anything still to be re-sent shows now
        const first = new Map<string, (typeof fake.received)[number]>()
        let confirmedResent = 0
        let unknownResent = 0
        for (const r of fake.received) {
          const f = first.get(r.event.event_id)
          if (!f) first.set(r.event.event_id, r)
          else if (f.answeredAt !== undefined && f.answeredAt < killedAt - 50) confirmedResent++
          else unknownResent++
        }
        report(`sigkill-${storage}-run${run}`, { acked: acked.length, drained, confirmed_then_resent: confirmedResent, unknown_outcome_resent: unknownResent, sent_by_second: await sentByChild(second.url) })
      })
    }
  }
})
