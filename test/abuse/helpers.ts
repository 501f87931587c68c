// Shared pieces of the abuse suite: a seeded PRNG (every run sends the same inputs), nasty values,
// a forced GC for heap measurements, and an app wired to local fakes whose side effects
// (journal, outbox, storage, fake CAPI, fake beacon host, fake script host) can be snapshotted.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { TagwardenApp } from '../../server/app'
import { EVENT_NAMES } from '../../server/event'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { startFakeScripts, type FakeScripts } from '../fakes/fake-pinterest-scripts'
import { ADMIN_TOKEN, API_KEY } from '../helpers/build-app'
import { buildTagApp, liveCapiEnv } from '../tag/build'

export const SHOPIFY_SECRET = 'shpss_abuse_0123456789abcdef'
export const WOO_SECRET = 'woo_abuse_secret_0123456789'

/** mulberry32: small, fast, seeded — the same seed gives the same fuzz inputs on every run. */
export function createRandom(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]
  const chance = (p: number) => next() < p
  /** A random string from a mix of alphabets: ASCII, controls, JSON/URL syntax, unicode, lone surrogates. */
  const string = (max = 40): string => {
    const len = int(max + 1)
    const alphabets = ['abcdefghijklmnopqrstuvwxyz0123456789', '{}[]":,\\/%&=?#+ ', '\u0000\u0001\r\n\t\u007f', 'éßЖ中文😀\u202e\u2028\u200b', '\ud800\udfff']
    let s = ''
    for (let i = 0; i < len; i++) {
      const a = pick(alphabets)
      s += a[int(a.length)]
    }
    return s
  }
  return { next, int, pick, chance, string }
}
export type Random = ReturnType<typeof createRandom>

/** Values that have broken parsers before: prototype keys, numbers JSON cannot hold, syntax, controls, sizes. */
export const NASTY: readonly unknown[] = [
  'constructor', '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', '\u0000', '\r\nSet-Cookie: x=1', '\ud800',
  '😀'.repeat(50), '1e400', '-0', 'NaN', 'Infinity', '0x10', '{"a":', '[', 'null', 'true', '%', '%00', '%E0%A4%A', '../../etc/passwd',
  '//evil.example/x', 'https://evil.example/', 'javascript:alert(1)', '<script>', 'x'.repeat(5000),
  0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, true, false, null, [], {}, [[[]]], { __proto__: { polluted: 1 } },
  { constructor: { prototype: { polluted: 1 } } }, Array.from({ length: 200 }, (_, i) => i),
]

/** Any value as request text: strings as they are, everything else as JSON. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '')

/** A random JSON-able value, nested at most `depth` deep. */
export function randomValue(r: Random, depth = 3): unknown {
  if (r.chance(0.35)) return r.pick(NASTY)
  const kind = r.int(depth > 0 ? 7 : 4)
  if (kind === 0) return r.string()
  if (kind === 1) return r.chance(0.5) ? r.int(1e6) : (r.next() - 0.5) * 1e12
  if (kind === 2) return r.chance(0.5)
  if (kind === 3) return null
  if (kind === 4) return Array.from({ length: r.int(4) }, () => randomValue(r, depth - 1))
  const o: Record<string, unknown> = {}
  // defineProperty: a `__proto__` key becomes an own key, as JSON.parse would make it.
  for (let i = r.int(5); i > 0; i--) Object.defineProperty(o, r.chance(0.3) ? text(r.pick(NASTY)).slice(0, 32) : r.string(12), { value: randomValue(r, depth - 1), enumerable: true, configurable: true, writable: true })
  return o
}

/** Set `path` in a copy of a JSON object (creating objects on the way). */
export function mutate(value: unknown, path: string[], to: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>
  let node = copy
  for (const k of path.slice(0, -1)) {
    if (!node[k] || typeof node[k] !== 'object') node[k] = {}
    node = node[k] as Record<string, unknown>
  }
  Object.defineProperty(node, path[path.length - 1], { value: to, enumerable: true, configurable: true, writable: true })
  return copy
}

/** A full GC (exposed at run time), so heap measurements compare live objects, not garbage. */
export const gc: () => void = (() => {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()

/** Live heap in MB after a full GC. */
export function heapMb(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

/**
 * Heap growth (MB) of one more `round` once the heap has settled: rounds are run until one grows
 * less than 1 MB (caches filling to their bounds, JIT, connection pools), at most `maxWarmup` of
 * them, then one more is measured. A leak grows every round, so it still shows in the last one.
 */
export async function settledHeapGrowth(round: (n: number) => Promise<void>, maxWarmup = 6): Promise<number> {
  let n = 0
  for (let before = heapMb(); n < maxWarmup; ) {
    await round(n++)
    const after = heapMb()
    if (after - before < 1) break
    before = after
  }
  const start = heapMb()
  await round(n)
  return heapMb() - start
}

export interface AbuseEnv {
  tw: TagwardenApp
  capi: FakeCapi
  beacon: FakeBeacon
  scripts: FakeScripts
  /** Everything a refused request must leave untouched. */
  snapshot(): Promise<Snapshot>
  close(): Promise<void>
}

export interface Snapshot {
  journal: number
  journalVersion: number
  outbox: number
  storageKeys: string[]
  capiEvents: number
  capiRequests: number
  beaconHits: number
  scriptRequests: number
}

/**
 * The app with every route enabled (events API, both webhooks, admin), live CAPI, consent granted by
 * default (so anything that slips through would really be queued and sent) and every upstream a
 * local fake.
 */
export async function startAbuseEnv(env: Record<string, string> = {}): Promise<AbuseEnv> {
  const capi = await startFakeCapi()
  const beacon = await startFakeBeacon()
  const scripts = await startFakeScripts({ style: 'literal' })
  const tw = await buildTagApp({
    ...liveCapiEnv(capi.url),
    PINTEREST_BEACON_ORIGIN: beacon.url,
    PINTEREST_SCRIPT_ORIGIN: scripts.url,
    TAGWARDEN_API_KEYS: API_KEY,
    TAGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN,
    TAGWARDEN_DEFAULT_CONSENT: 'granted',
    SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET,
    WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET,
    ...env,
  })
  return {
    tw,
    capi,
    beacon,
    scripts,
    async snapshot() {
      const rt = tw.runtime
      return {
        journal: rt.journal.recent().length,
        journalVersion: rt.journal.version(),
        outbox: (await Promise.all(rt.destinations.map((d) => rt.outbox.depth(d.name)))).reduce((a, b) => a + b, 0),
        storageKeys: (await rt.store.storage.getKeys()).sort(),
        capiEvents: capi.received.length,
        capiRequests: capi.requests.length,
        beaconHits: beacon.hits.length,
        scriptRequests: scripts.requests.length,
      }
    },
    async close() {
      await tw.close(0)
      await Promise.all([capi.close(), beacon.close(), scripts.close()])
    },
  }
}

/** Every journal entry names a real CAPI event and has a string event_id (nothing odd was accepted). */
export function assertJournalSane(tw: TagwardenApp): void {
  for (const e of tw.runtime.journal.recent()) {
    if (!(EVENT_NAMES as readonly string[]).includes(e.name)) throw new Error(`journal holds an event named ${String(e.name)} (${e.event_id})`)
    if (typeof e.event_id !== 'string' || !e.event_id) throw new Error(`journal holds an event without a string event_id: ${JSON.stringify(e)}`)
  }
}

/** An error answer from the app: JSON with a message saying what was wrong. */
export async function messageOf(res: Response): Promise<string | undefined> {
  const text = await res.text()
  try {
    return (JSON.parse(text) as { message?: string }).message
  } catch {
    return undefined
  }
}
