import type Redis from 'ioredis'
import type { Storage } from 'unstorage'

/**
 * Days of aggregates kept: the report reads at most 90 days plus one day on each side (an order's
 * browser and webhook facts can fall on either side of midnight).
 */
export const REPORT_KEEP_DAYS = 92
/** Local stores: order ids remembered per day at most (≈ 100 bytes each); beyond it only the counters grow. */
export const MAX_IDS_PER_DAY = 200_000

/** One UTC day of aggregates: `f` = facts per order id (bit sets, OR-merged), `c` = counters (added). */
export interface DayData {
  f: Record<string, number>
  c: Record<string, number>
}

/** When a destination last had an event accepted for it and delivered (ms), shared by every instance. */
export interface Activity {
  delivered?: number
  accepted?: number
  /** The first event accepted for it since the store began remembering (for a destination that never delivered). */
  firstAccepted?: number
}

/**
 * Durable, bounded per-day aggregates for the reconciliation report and the silence alarm. Writes
 * are buffered in memory (O(1) per event, no I/O on the hot path) and written by `flush()` (every
 * few seconds, at shutdown, and before a report is read). Redis: one Lua script per day (bitwise OR
 * of facts, HINCRBY of counters), so several instances add up exactly; fs/memory: one key per day.
 */
export interface ReportStore {
  flag(day: string, field: string, bits: number): void
  incr(day: string, field: string, n?: number): void
  activity(dest: string, kind: 'delivered' | 'accepted', at: number): void
  flush(): Promise<void>
  read(days: string[]): Promise<Map<string, DayData>>
  readActivity(dests: string[]): Promise<Record<string, Activity>>
}

let lastDay = NaN
let lastDate = ''
/** The UTC date (YYYY-MM-DD) of a time in ms (the last one remembered: most events share a day). */
export function dayOf(ms: number): string {
  const day = Math.floor(ms / 86_400_000)
  if (day !== lastDay) {
    lastDay = day
    lastDate = new Date(day * 86_400_000).toISOString().slice(0, 10)
  }
  return lastDate
}

/** Buffered writes of one day (Maps: cheaper than objects for many dynamic keys). */
interface PendingDay {
  f: Map<string, number>
  c: Map<string, number>
}

interface Pending {
  days: Map<string, PendingDay>
  /** dest → kind → max time (firstAccepted: min). */
  activity: Map<string, Activity>
}

const empty = (): Pending => ({ days: new Map(), activity: new Map() })
const dayIn = (p: Pending, day: string) => p.days.get(day) ?? p.days.set(day, { f: new Map(), c: new Map() }).get(day)!
const max = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b))
const min = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b))

/**
 * Build the report store on the configured storage: Redis when a client is given, else the unstorage
 * storage (fs: one JSON file per day under `report/day/`; memory: in the process).
 */
export function createReportStore(storage: Storage, redis: Redis | undefined, now: () => number): ReportStore {
  let pending = empty()
  const backend = redis ? redisBackend(redis) : localBackend(storage, now)
  let flushing: Promise<void> = Promise.resolve()
  function activity(dest: string, kind: 'delivered' | 'accepted', at: number): void {
    const a = pending.activity.get(dest) ?? pending.activity.set(dest, {}).get(dest)!
    a[kind] = max(a[kind], at)
    if (kind === 'accepted') a.firstAccepted = min(a.firstAccepted, at)
  }
  return {
    activity,
    flag(day, field, bits) {
      const f = dayIn(pending, day).f
      f.set(field, (f.get(field) ?? 0) | bits)
    },
    incr(day, field, n = 1) {
      const c = dayIn(pending, day).c
      c.set(field, (c.get(field) ?? 0) + n)
    },
    flush() {
      // One flush at a time, in order: a flush started while one runs writes after it.
      const batch = pending
      pending = empty()
      flushing = flushing.then(() => backend.write(batch)).catch((error: unknown) => {
        // Storage down: put the counts back so the next flush retries them.
        for (const [day, d] of batch.days) {
          const into = dayIn(pending, day)
          for (const [k, v] of d.f) into.f.set(k, (into.f.get(k) ?? 0) | v)
          for (const [k, v] of d.c) into.c.set(k, (into.c.get(k) ?? 0) + v)
        }
        for (const [dest, a] of batch.activity) {
          const into = pending.activity.get(dest) ?? pending.activity.set(dest, {}).get(dest)!
          into.delivered = max(into.delivered, a.delivered)
          into.accepted = max(into.accepted, a.accepted)
          into.firstAccepted = min(into.firstAccepted, a.firstAccepted)
        }
        throw error
      })
      return flushing
    },
    read: (days) => backend.read(days),
    readActivity: (dests) => backend.readActivity(dests),
  }
}

interface Backend {
  write(p: Pending): Promise<void>
  read(days: string[]): Promise<Map<string, DayData>>
  readActivity(dests: string[]): Promise<Record<string, Activity>>
}

const DAY_KEY = (day: string) => `report:day:${day}`
const ACTIVITY_KEY = 'report:activity'

/** fs/memory: one key per day, read, merged and written back (one process owns a local store). */
function localBackend(storage: Storage, now: () => number): Backend {
  let activity: Record<string, Activity> | undefined
  let swept = ''
  const loadActivity = async () => (activity ??= (await storage.getItem<Record<string, Activity>>(ACTIVITY_KEY)) ?? {})
  async function sweep(): Promise<void> {
    const today = dayOf(now())
    if (swept === today) return
    swept = today
    const oldest = dayOf(now() - REPORT_KEEP_DAYS * 86_400_000)
    for (const key of await storage.getKeys('report:day')) {
      const day = key.split(':').pop()!
      if (day < oldest) await storage.removeItem(key)
    }
  }
  return {
    async write(p) {
      for (const [day, d] of p.days) {
        const data = (await storage.getItem<DayData>(DAY_KEY(day))) ?? { f: {}, c: {} }
        let ids = Object.keys(data.f).length
        for (const [k, v] of d.f) {
          if (data.f[k] === undefined && ++ids > MAX_IDS_PER_DAY) continue
          data.f[k] = (data.f[k] ?? 0) | v
        }
        for (const [k, v] of d.c) data.c[k] = (data.c[k] ?? 0) + v
        await storage.setItem(DAY_KEY(day), data)
      }
      if (p.activity.size) {
        const all = await loadActivity()
        for (const [dest, a] of p.activity) {
          const o = (all[dest] ??= {})
          o.delivered = max(o.delivered, a.delivered)
          o.accepted = max(o.accepted, a.accepted)
          o.firstAccepted = min(o.firstAccepted, a.firstAccepted)
        }
        await storage.setItem(ACTIVITY_KEY, all)
      }
      await sweep()
    },
    async read(days) {
      const out = new Map<string, DayData>()
      for (const day of days) {
        const d = await storage.getItem<DayData>(DAY_KEY(day))
        if (d) out.set(day, d)
      }
      return out
    },
    async readActivity(dests) {
      const all = await loadActivity()
      return Object.fromEntries(dests.map((d) => [d, { ...all[d] }]))
    },
  }
}

// Redis: `tagwarden:report:{<day>}:f` (HASH field → bits), `…:c` (HASH field → count), both expiring
// REPORT_KEEP_DAYS after their last write; `tagwarden:report:activity` (HASH `<dest>|<kind>` → ms).
const FLUSH_DAY = `
local ttl, nf, i = tonumber(ARGV[1]), tonumber(ARGV[2]), 3
for k = 1, nf do
  local f, b = ARGV[i], tonumber(ARGV[i + 1])
  local old = tonumber(redis.call('HGET', KEYS[1], f) or '0')
  local new = bit.bor(old, b)
  if new ~= old then redis.call('HSET', KEYS[1], f, new) end
  i = i + 2
end
while i <= #ARGV do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
if nf > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
if i > 3 + 2 * nf then redis.call('EXPIRE', KEYS[2], ttl) end
return 1`

/** ARGV: field, value, mode (max|min) triples on KEYS[1]. */
const FLUSH_ACTIVITY = `
for i = 1, #ARGV, 3 do
  local f, v, mode = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local old = tonumber(redis.call('HGET', KEYS[1], f) or '')
  if old == nil or (mode == 'max' and v > old) or (mode == 'min' and v < old) then redis.call('HSET', KEYS[1], f, v) end
end
return 1`

type ReportRedis = Redis & {
  twReportDay(k1: string, k2: string, ...args: (string | number)[]): Promise<number>
  twReportActivity(k: string, ...args: (string | number)[]): Promise<number>
}

function redisBackend(client: Redis): Backend {
  const redis = client as ReportRedis
  redis.defineCommand('twReportDay', { numberOfKeys: 2, lua: FLUSH_DAY })
  redis.defineCommand('twReportActivity', { numberOfKeys: 1, lua: FLUSH_ACTIVITY })
  const key = (day: string) => `tagwarden:report:{${day}}:`
  const ACT = 'tagwarden:report:activity'
  return {
    async write(p) {
      for (const [day, d] of p.days) {
        const args: (string | number)[] = [REPORT_KEEP_DAYS * 86_400, d.f.size, ...[...d.f].flat(), ...[...d.c].flat()]
        await redis.twReportDay(`${key(day)}f`, `${key(day)}c`, ...args)
      }
      const args: (string | number)[] = []
      for (const [dest, a] of p.activity) {
        if (a.delivered !== undefined) args.push(`${dest}|delivered`, a.delivered, 'max')
        if (a.accepted !== undefined) args.push(`${dest}|accepted`, a.accepted, 'max')
        if (a.firstAccepted !== undefined) args.push(`${dest}|firstAccepted`, a.firstAccepted, 'min')
      }
      if (args.length) await redis.twReportActivity(ACT, ...args)
    },
    async read(days) {
      const out = new Map<string, DayData>()
      const pipe = redis.pipeline()
      for (const day of days) pipe.hgetall(`${key(day)}f`).hgetall(`${key(day)}c`)
      const res = (await pipe.exec()) ?? []
      days.forEach((day, i) => {
        const [f, c] = [res[2 * i]?.[1], res[2 * i + 1]?.[1]] as Record<string, string>[]
        if (!Object.keys(f ?? {}).length && !Object.keys(c ?? {}).length) return
        out.set(day, { f: numbers(f), c: numbers(c) })
      })
      return out
    },
    async readActivity(dests) {
      const all = numbers(await redis.hgetall(ACT))
      return Object.fromEntries(dests.map((d) => [d, { delivered: all[`${d}|delivered`], accepted: all[`${d}|accepted`], firstAccepted: all[`${d}|firstAccepted`] }]))
    },
  }
}

const numbers = (h: Record<string, string> | undefined) => Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, Number(v)]))
