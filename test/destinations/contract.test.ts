// The contract every batch destination keeps, run against each registered one and its spec-strict
// fake over real HTTP: options from the environment, dry-run without credentials, a payload its
// platform accepts, 401 → pause, 429/5xx → retry, a refused event → dead letter (alone), declared
// identifiers stripped when ad_user_data is denied, and the platform's restricted mode.
// Browser tags keep their own contract: tag-contract.test.ts.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { drivers } from '../../server/destinations'
import { buildApp } from '../helpers/build-app'
import { GRANTED, HARNESSES, purchase, type AnyFake } from './harnesses'

const batchDrivers = drivers.filter((d) => d.kind === 'batch')

it('every registered batch destination has a contract harness', () => {
  expect(batchDrivers.map((d) => d.destinationName).filter((n) => !HARNESSES[n])).toEqual([])
  expect(batchDrivers.length).toBeGreaterThanOrEqual(3)
})

for (const driver of batchDrivers) {
  const name = driver.destinationName
  const h = HARNESSES[name]
  describe(`${name} keeps the destination contract`, () => {
    let clock = Date.now()
    const now = () => clock
    const nowS = () => Math.floor(clock / 1000)
    let fake: AnyFake
    let tw: TagwardenApp | undefined
    beforeAll(async () => void (fake = await h.start(now)))
    afterAll(() => fake.close())
    afterEach(async () => {
      await tw?.close()
      tw = undefined
      fake.received.length = 0
      fake.requests.length = 0
      fake.rejectEventIds([])
      fake.requireToken('')
      clock = Date.now()
    })
    const app = async (env: Record<string, string>) => (tw = await buildApp(env, { now }))
    const dest = () => tw!.runtime.destinations.find((d) => d.name === name)!
    const status = () => tw!.runtime.dispatcher.status()[name]
    const depth = () => tw!.runtime.outbox.depth(name)
    const sent = (id: string) => fake.received.filter((r) => r.event.event_id === id).map((r) => r.event)

    it('reads typed options from its environment variables and names a bad one', () => {
      const problems: string[] = []
      const d = driver.fromEnv(h.live('http://127.0.0.1:9'), problems)
      expect(problems).toEqual([])
      expect(d).toBeDefined()
      expect(d!.kind).toBe('batch')
      expect(JSON.stringify(d!.describe())).toContain('<set>')
      expect(JSON.stringify(d!.describe())).not.toMatch(/test[-_]token|test-access-token/)
      const bad: string[] = []
      expect(driver.fromEnv(h.bad.env, bad)).toBeUndefined()
      expect(bad.join('\n')).toContain(h.bad.names)
      // Off unless its own variables are set (Pinterest alone runs dry-run by default).
      expect(!!driver.fromEnv({}, [])).toBe(driver.onByDefault)
    })

    it('runs dry-run without credentials: built, validated and recorded, never sent', async () => {
      await app(h.dry(fake.url))
      expect(dest().live).toBe(false)
      expect(dest().warnings?.().map((w) => w.problem).join(' ')).toMatch(/dry-run/)
      const [r] = await tw!.runtime.ingest([purchase('dry-1', nowS())])
      expect(r.destinations[name].state).toBe('queued')
      await tw!.runtime.dispatcher.flush()
      expect(fake.requests).toHaveLength(0)
      expect(status().state).toBe('dry-run')
      const rec = tw!.runtime.journal.recent().find((e) => e.event_id === 'dry-1')!.destinations[name]
      expect(rec.state).toBe('dry-run')
      expect(rec.payload).toBeDefined()
    })

    it('builds a payload its platform accepts, named for the platform, with the same event_id', async () => {
      await app(h.live(fake.url))
      fake.requireToken(Object.values(h.live(fake.url)).find((v) => /token/i.test(v))!)
      await tw!.runtime.ingest([purchase('ok-1', nowS()), purchase('ok-2', nowS())])
      await tw!.runtime.dispatcher.flush()
      expect(sent('ok-1')).toHaveLength(1)
      expect(sent('ok-2')).toHaveLength(1)
      const e = sent('ok-1')[0]
      expect(e.event_name ?? e.event).toBe(h.checkoutName)
      expect(e.event_time).toBe(nowS() - 60)
      expect(status()).toMatchObject({ state: 'ok', counts: { sent: 2, dead: 0 } })
    })

    it('pauses on refused credentials (events kept), and resumes when a probe succeeds', async () => {
      await app(h.live(fake.url))
      fake.requireToken('some-other-token-entirely')
      await tw!.runtime.ingest([purchase('auth-1', nowS())])
      await tw!.runtime.dispatcher.flush()
      expect(status().state).toBe('paused')
      expect(fake.received).toHaveLength(0)
      expect(await depth()).toBe(1)
      expect(await tw!.runtime.outbox.queue.deadLetters(name)).toEqual([])
      fake.requireToken('')
      clock += 120_000 // past the probe interval
      await tw!.runtime.dispatcher.flush()
      expect(status().state).toBe('ok')
      expect(sent('auth-1')).toHaveLength(1)
    })

    it('retries after 429 and 5xx without losing or doubling the event', async () => {
      await app(h.live(fake.url))
      fake.failNext({ status: 429, headers: { 'retry-after': '1' } })
      await tw!.runtime.ingest([purchase('retry-1', nowS())])
      await tw!.runtime.dispatcher.flush()
      expect(status()).toMatchObject({ state: 'waiting', reason: 'rate-limited' })
      expect(fake.received).toHaveLength(0)
      fake.failNext({ status: 503 })
      clock += 5_000
      await tw!.runtime.dispatcher.flush()
      expect(status()).toMatchObject({ state: 'waiting', reason: 'upstream-5xx' })
      clock += 600_000
      await tw!.runtime.dispatcher.flush()
      expect(sent('retry-1')).toHaveLength(1)
      expect(status().state).toBe('ok')
    })

    it('dead-letters only the event its platform refuses', async () => {
      await app(h.live(fake.url))
      fake.rejectEventIds(['bad-2'], 'Invalid parameter for this event')
      await tw!.runtime.ingest(['good-1', 'bad-2', 'good-3', 'good-4'].map((id) => purchase(id, nowS())))
      await tw!.runtime.dispatcher.flush()
      expect(['good-1', 'good-3', 'good-4'].map((id) => sent(id).length)).toEqual([1, 1, 1])
      expect(sent('bad-2')).toHaveLength(0)
      const dead = await tw!.runtime.outbox.queue.deadLetters(name)
      expect(dead.map((d) => d.item.id)).toEqual(['bad-2'])
      expect(await depth()).toBe(0)
    })

    it('strips every identifier it declares when ad_user_data is denied (network identity stays)', async () => {
      await app(h.live(fake.url))
      const denied = { ad_storage: 'granted', ad_user_data: 'denied', ad_personalization: 'granted' } as const
      const [r] = await tw!.runtime.ingest([purchase('strip-1', nowS(), { consent: denied })])
      expect(r.destinations[name]).toMatchObject({ action: 'strip', state: 'queued' })
      await tw!.runtime.dispatcher.flush()
      const [e] = sent('strip-1')
      expect(Object.keys(h.user(e)).sort()).toEqual([...h.network].sort())
      // The declaration covers personal identifiers and this platform's click ids.
      const declared = dest().identifiers
      expect(declared.personal).toContain('em')
      expect(declared.ids.length).toBeGreaterThan(0)
      expect(r.destinations[name].identifiers!.sort()).toEqual(['client_ip_address', 'client_user_agent'])
    })

    it('applies its restricted-processing mode on a US opt-out (GPC)', async () => {
      await app(h.live(fake.url))
      const [r] = await tw!.runtime.ingest([purchase('gpc-1', nowS(), { consent: { ...GRANTED, gpc: true, country: 'US' } })])
      expect(r.destinations[name].action).toBe('restricted')
      await tw!.runtime.ingest([purchase('plain-1', nowS())])
      await tw!.runtime.dispatcher.flush()
      expect(h.restricted(sent('gpc-1')[0])).toBe(true)
      expect(h.restricted(sent('plain-1')[0])).toBe(false)
    })
  })
}
