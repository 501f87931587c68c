// The destination contract: what every batch destination must do, run against a local fake of its
// platform's API (real HTTP). A destination file registers one case (`destinationContract`); the
// suite is the same for all: options from the environment and typed alike, dry-run without
// credentials, a full event accepted by the spec-strict fake with its event_id, 401 → pause,
// 429 → wait then deliver, a rejected event dead-lettered alone, every identifier it declares
// stripped when ad_user_data is denied, and its restricted mode (or suppression without one).
import { describe, expect, it } from 'vitest'
import { createApp, type TagwardenApp } from '../../server/app'
import { resolveOptions } from '../../server/config'
import type { Destination, DestinationDriver } from '../../server/destinations'
import type { CanonicalEvent, ConsentSignals, Identity } from '../../server/event'
import { createLogger } from '../../server/log'
import { createStore } from '../../server/storage/create-store'
import { SECRET } from '../helpers/build-app'

/** A platform's fake API as the suite drives it. */
export interface PlatformFake {
  url: string
  /** Events the platform accepted, with the payload object it got for each. */
  accepted(): { event_id: string; payload: unknown }[]
  /** Answer the next request with this status (and a body the platform would send). */
  failNext(status: number): void
  /** Refuse these event_ids individually (or the batch holding them, where the platform does that). */
  rejectEventIds(ids: string[]): void
  close(): Promise<void>
}

export interface ContractCase {
  driver: DestinationDriver<any, Destination<any>>
  startFake(): Promise<PlatformFake>
  /** Typed options that send to the fake. */
  live(url: string): Record<string, unknown>
  /** The same options as environment variables. */
  env(url: string): Record<string, string>
  /** Options without credentials (dry-run). */
  dry: Record<string, unknown>
}

/** A purchase carrying every neutral identifier and click id a destination could declare. */
export function fullEvent(id: string, consent: ConsentSignals, time = Math.floor(Date.now() / 1000) - 60): CanonicalEvent {
  return {
    name: 'checkout', event_id: id, time, source: 'api', action_source: 'web', url: 'https://shop.example/thanks', language: 'en',
    user: {
      em: ['shopper@example.com'], ph: ['4915112345678'], fn: ['ada'], ln: ['lovelace'], ge: ['f'], db: ['19901231'], ct: ['berlin'], st: ['be'], zp: ['10115'],
      country: ['de'], external_id: ['cust-42'],
      client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
      ids: { 'pinterest.epik': 'dj0yJnU9ZXBpa1ZhbHVl', 'meta.fbc': 'fb.1.1700000000000.IwAR0abc', 'meta.fbp': 'fb.1.1700000000000.123456789', 'tiktok.ttclid': 'E.C.P.abc123', 'tiktok.ttp': '2Xabc123ttp' },
    },
    custom: { value: 59.9, currency: 'EUR', order_id: `o-${id}`, num_items: 2, content_ids: ['sku-1', 'sku-2'], contents: [{ id: 'sku-1', price: 19.95, quantity: 2 }, { id: 'sku-2', price: 20, quantity: 1 }] },
    consent,
  }
}

const GRANTED: ConsentSignals = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' }

/** The event as `strip identifiers` leaves it for `d`: every personal field and click id it declares gone, network kept. */
function withoutDeclared(e: CanonicalEvent, d: Destination<any>): CanonicalEvent {
  const user: Identity = { ...e.user, ids: { ...e.user.ids } }
  for (const f of d.identifiers.personal) delete user[f]
  for (const k of d.identifiers.ids) delete user.ids![k]
  return { ...e, user }
}

let clock = Date.now()
async function app(destination: Destination<any>): Promise<TagwardenApp> {
  const config = resolveOptions({ storage: 'memory:', secrets: [SECRET], logLevel: 'silent', defaultConsent: 'granted', destinations: [destination] })
  return createApp(config, {
    store: createStore({ kind: 'memory' }),
    log: createLogger('silent'),
    now: () => clock,
    delivery: { flushIntervalMs: 20, backoff: { baseMs: 10, maxMs: 50, maxRetryAfterMs: 50, random: () => 0.5 }, probeIntervalMs: 20 },
  })
}

const entry = (tw: TagwardenApp, id: string) => tw.runtime.journal.recent().find((e) => e.event_id === id)

/** Accept events and deliver until nothing is left that can go now. */
async function accept(tw: TagwardenApp, events: CanonicalEvent[]) {
  const results = await tw.runtime.ingest(events)
  await tw.runtime.dispatcher.flush()
  return results
}

export function destinationContract(c: ContractCase): void {
  const name = c.driver.destinationName
  describe(`${name}: the destination contract`, () => {
    it('reads the same options from the environment as typed, and names a bad one', () => {
      const fromEnv = c.driver.fromEnv(c.env('http://127.0.0.1:9'), [])!
      expect(fromEnv.describe()).toEqual(c.driver(c.live('http://127.0.0.1:9')).describe())
      expect(fromEnv.live).toBe(true)
      const problems: string[] = []
      const firstEnv = Object.keys(c.env('http://127.0.0.1:9')).find((k) => /URL/.test(k))!
      expect(c.driver.fromEnv({ ...c.env('http://127.0.0.1:9'), [firstEnv]: 'ftp://x' }, problems)).toBeUndefined()
      expect(problems.join('\n')).toContain(firstEnv)
      expect(() => c.driver({ ...c.live('http://127.0.0.1:9'), nonsense: 1 })).toThrow(/unknown|unrecognized|nonsense/i)
    })

    it('without credentials: dry-run, payloads built and recorded, nothing sent', async () => {
      const fake = await c.startFake()
      const d = c.driver({ ...c.dry, ...(Object.keys(c.live(fake.url)).some((k) => /url/i.test(k)) ? { [Object.keys(c.live(fake.url)).find((k) => /url/i.test(k))!]: fake.url } : {}) })
      const tw = await app(d)
      try {
        expect(d.live).toBe(false)
        await accept(tw, [fullEvent('dry-1', GRANTED)])
        expect(entry(tw, 'dry-1')?.destinations[name]).toMatchObject({ state: 'dry-run' })
        expect(entry(tw, 'dry-1')?.destinations[name].payload).toEqual(d.toPayload(fullEvent('dry-1', GRANTED)))
        expect(fake.accepted()).toEqual([])
      } finally {
        await tw.close(0)
        await fake.close()
      }
    })

    it('a full event reaches the platform, which accepts it, with its event_id and the payload the destination built', async () => {
      const fake = await c.startFake()
      const d = c.driver(c.live(fake.url))
      const tw = await app(d)
      try {
        const e = fullEvent('full-1', GRANTED)
        await accept(tw, [e])
        expect(fake.accepted().map((a) => a.event_id)).toEqual(['full-1'])
        expect(fake.accepted()[0].payload).toEqual(JSON.parse(JSON.stringify(d.toPayload(e))))
        expect(d.validate(d.toPayload(e))).toBeUndefined()
      } finally {
        await tw.close(0)
        await fake.close()
      }
    })

    it('401: the destination pauses and keeps the event', async () => {
      const fake = await c.startFake()
      const tw = await app(c.driver(c.live(fake.url)))
      try {
        fake.failNext(401)
        await accept(tw, [fullEvent('auth-1', GRANTED)])
        expect(tw.runtime.dispatcher.status()[name].state).toBe('paused')
        expect(await tw.runtime.outbox.depth(name)).toBe(1)
        expect(fake.accepted()).toEqual([])
      } finally {
        await tw.close(0)
        await fake.close()
      }
    })

    it('429: the destination waits, then delivers once the platform takes requests again', async () => {
      const fake = await c.startFake()
      const tw = await app(c.driver(c.live(fake.url)))
      try {
        fake.failNext(429)
        await accept(tw, [fullEvent('rl-1', GRANTED)])
        expect(tw.runtime.dispatcher.status()[name].state).toBe('waiting')
        clock += 600_000
        await tw.runtime.dispatcher.flush()
        expect(fake.accepted().map((a) => a.event_id)).toEqual(['rl-1'])
        expect(tw.runtime.dispatcher.status()[name].state).toBe('ok')
      } finally {
        await tw.close(0)
        await fake.close()
      }
    })

    it('an event the platform rejects is dead-lettered alone; the others are delivered', async () => {
      const fake = await c.startFake()
      const tw = await app(c.driver(c.live(fake.url)))
      try {
        fake.rejectEventIds(['bad-1'])
        await accept(tw, [fullEvent('good-1', GRANTED), fullEvent('bad-1', GRANTED), fullEvent('good-2', GRANTED)])
        for (let i = 0; i < 5 && (await tw.runtime.outbox.depth(name)) > 0; i++) {
          clock += 600_000
          await tw.runtime.dispatcher.flush()
        }
        expect(fake.accepted().map((a) => a.event_id).sort()).toEqual(['good-1', 'good-2'])
        expect((await tw.runtime.outbox.queue.deadLetters(name)).map((l) => l.item.id)).toEqual(['bad-1'])
      } finally {
        await tw.close(0)
        await fake.close()
      }
    })

    it('ad_user_data denied: every identifier it declares is stripped (personal fields and click ids), network identity kept', async () => {
      const fake = await c.startFake()
      const d = c.driver(c.live(fake.url))
      const tw = await app(d)
      try {
        const e = fullEvent('strip-1', { ad_storage: 'granted', ad_user_data: 'denied', ad_personalization: 'denied' })
        await accept(tw, [e])
        expect(entry(tw, 'strip-1')?.destinations[name]).toMatchObject({ action: 'strip' })
        expect(fake.accepted()[0].payload).toEqual(JSON.parse(JSON.stringify(d.toPayload(withoutDeclared(e, d)))))
        expect(fake.accepted()[0].payload).not.toEqual(JSON.parse(JSON.stringify(d.toPayload(e))))
      } finally {
        await tw.close(0)
        await fake.close()
      }
    })

    it('a sale/sharing opt-out: its restricted-processing mode, or nothing sent when it has none', async () => {
      const fake = await c.startFake()
      const d = c.driver(c.live(fake.url))
      const tw = await app(d)
      try {
        const e = fullEvent('ldu-1', { ...GRANTED, sale_opt_out: true })
        await accept(tw, [e])
        const record = entry(tw, 'ldu-1')?.destinations[name]
        if (!d.restricted) {
          expect(record).toMatchObject({ action: 'suppress' })
          expect(fake.accepted()).toEqual([])
          return
        }
        expect(record).toMatchObject({ action: 'restricted' })
        const sent = fake.accepted()[0].payload
        expect(sent).toEqual(JSON.parse(JSON.stringify(d.toPayload({ ...e, restricted: true }))))
        expect(sent).not.toEqual(JSON.parse(JSON.stringify(d.toPayload(e))))
      } finally {
        await tw.close(0)
        await fake.close()
      }
    })
  })
}
