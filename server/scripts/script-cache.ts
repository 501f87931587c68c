import { createHash } from 'node:crypto'
import type { Storage } from 'unstorage'
import type { Logger } from '../log'
import { createBoundedLru } from './bounded-lru'

/** A script as served: rewritten body, its ETag, and when the upstream last confirmed it. */
export interface ServedScript {
  body: string
  etag: string
  fetchedAt: number
}

/** What is kept in storage: the upstream text (rewritten on load, so a changed prefix never serves stale paths). */
interface StoredScript {
  source: string
  upstreamEtag?: string
  fetchedAt: number
}

export type ScriptLookup =
  | { kind: 'ok'; script: ServedScript }
  | { kind: 'not-found' }
  | { kind: 'unavailable'; reason: string }
  /** Too many uncached names are being fetched at once: nothing was fetched for this one. */
  | { kind: 'busy' }

export interface ScriptCacheOptions {
  storage: Storage
  fetch: typeof fetch
  now: () => number
  log: Logger
  /** The fixed upstream origin (PINTEREST_SCRIPT_ORIGIN); paths are appended to it, never a URL from a request. */
  origin: string
  /** Rewrite applied to the upstream text before serving. */
  transform: (source: string) => string
  /** Told how each lookup was answered (metrics): fresh copy, stale copy, fetched upstream, upstream failed. */
  onLookup?: (state: 'hit' | 'stale' | 'miss' | 'error') => void
  /** After this long a copy is served once more and refreshed in the background. */
  maxAgeMs?: number
  timeoutMs?: number
  /** One script larger than this is not served. Default 2 MiB. */
  maxBytes?: number
  /** Scripts kept (memory and storage alike), least recently used dropped first. Default 32. */
  maxEntries?: number
  /** Total size kept (upstream text + rewritten text). Default 16 MiB. */
  maxTotalBytes?: number
}

export interface ScriptCache {
  /** The script at `path` (e.g. `/ct/core.js`): cached copy, refreshed in the background when stale. */
  get(path: string): Promise<ScriptLookup>
  /** Resolves when no background refresh is running (tests, shutdown). */
  idle(): Promise<void>
}

const NOT_FOUND_TTL_MS = 60_000
/**
 * The tag needs core.js and one main.<hash>.js at a time (docs/pinterest-tag.md); a new hash
 * appears when Pinterest ships. 32 copies of ≈ 100–300 kB each leave room for that, while a flood
 * of made-up names that an upstream answers cannot grow memory or storage past the caps.
 */
export const SCRIPT_CACHE_ENTRIES = 32
export const SCRIPT_CACHE_BYTES = 16 * 1024 * 1024
const KEY_PREFIX = 'scripts'
/**
 * Upstream fetches in flight at once. The tag needs two files (core.js, one main.<hash>.js), so a
 * flood of made-up names is what fills this: it then costs a 503, not a socket and a timer each.
 */
const MAX_IN_FLIGHT = 16

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`

/**
 * Pinterest's scripts, cached in storage with stale-while-revalidate: a fresh copy is served as is;
 * a stale one is served while a conditional refresh runs in the background; when the upstream fails
 * the last good copy keeps being served; with no copy at all the caller gets `unavailable`.
 * Upstream 404s are remembered for a minute so unknown names cannot make us hammer the upstream,
 * and are never stored. What is kept is capped by entries and bytes (LRU): the least recently
 * served copy is dropped from memory and storage first.
 * @example createScriptCache({ storage, fetch, now, log, origin: 'https://s.pinimg.com', transform })
 */
export function createScriptCache(o: ScriptCacheOptions): ScriptCache {
  const maxAgeMs = o.maxAgeMs ?? 5 * 60_000
  const timeoutMs = o.timeoutMs ?? 5_000
  const maxBytes = o.maxBytes ?? 2 * 1024 * 1024
  const inflight = new Map<string, Promise<ScriptLookup>>()
  const missing = new Map<string, number>()

  const keyOf = (path: string) => `${KEY_PREFIX}:${path.replace(/^\//, '').replace(/\//g, ':')}`
  const drop = (key: string) =>
    o.storage.removeItem(key).catch((error: Error) => o.log.warn('[tagwarden] [scripts] could not remove an evicted script copy', { key, reason: error.message }))
  /** Every copy kept, memory and storage alike: evicting from memory deletes the stored copy too. */
  const memory = createBoundedLru<{ stored: StoredScript; served: ServedScript }>({
    maxEntries: o.maxEntries ?? SCRIPT_CACHE_ENTRIES,
    maxBytes: o.maxTotalBytes ?? SCRIPT_CACHE_BYTES,
    sizeOf: (e) => e.stored.source.length + e.served.body.length,
    onEvict: (path) => void drop(keyOf(path)),
  })

  function remember(path: string, stored: StoredScript): ServedScript {
    const body = o.transform(stored.source)
    const served = { body, etag: etagOf(body), fetchedAt: stored.fetchedAt }
    if (!memory.set(path, { stored, served })) void drop(keyOf(path))
    return served
  }

  /**
   * Once, before the first lookup: take in the copies storage holds (an earlier run's, or one from
   * a version without caps), newest last so they win the caps; delete the rest.
   */
  async function loadStored(): Promise<void> {
    const keys = await o.storage.getKeys(KEY_PREFIX).catch(() => [] as string[])
    const items = await Promise.all(keys.map(async (key) => ({ key, s: await o.storage.getItem<StoredScript>(key).catch(() => null) })))
    items.sort((a, b) => (a.s?.fetchedAt ?? 0) - (b.s?.fetchedAt ?? 0))
    for (const { key, s } of items) {
      const path = `/${key.slice(KEY_PREFIX.length + 1).replace(/:/g, '/')}`
      if (s && typeof s.source === 'string' && typeof s.fetchedAt === 'number' && keyOf(path) === key) remember(path, s)
      else void drop(key)
    }
  }
  let loaded: Promise<void> | undefined
  let ready = false

  async function load(path: string) {
    if (!ready) await (loaded ??= loadStored().then(() => void (ready = true)))
    return memory.get(path)
  }

  /** A storage failure costs the copy's persistence, not the answer: memory still has it. */
  const save = (path: string, stored: StoredScript) =>
    o.storage.setItem(keyOf(path), stored).catch((error: Error) => o.log.warn('[tagwarden] [scripts] could not store a script copy', { path, reason: error.message }))

  async function fetchUpstream(path: string, current: StoredScript | undefined): Promise<ScriptLookup> {
    const url = `${o.origin}${path}`
    try {
      const res = await o.fetch(url, {
        headers: current?.upstreamEtag ? { 'if-none-match': current.upstreamEtag } : {},
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      })
      if (res.status === 304 && current) {
        const stored = { ...current, fetchedAt: o.now() }
        await save(path, stored)
        return { kind: 'ok', script: remember(path, stored) }
      }
      if (res.status === 404 || res.status === 410) {
        void res.body?.cancel()
        return { kind: 'not-found' }
      }
      if (!res.ok) {
        void res.body?.cancel()
        return { kind: 'unavailable', reason: `${res.status} from ${url}` }
      }
      if (Number(res.headers.get('content-length') ?? 0) > maxBytes) return { kind: 'unavailable', reason: `${url} is larger than ${maxBytes} bytes` }
      const source = await res.text()
      if (source.length > maxBytes) return { kind: 'unavailable', reason: `${url} is larger than ${maxBytes} bytes` }
      const stored: StoredScript = { source, upstreamEtag: res.headers.get('etag') ?? undefined, fetchedAt: o.now() }
      await save(path, stored)
      return { kind: 'ok', script: remember(path, stored) }
    } catch (error) {
      return { kind: 'unavailable', reason: `${url}: ${(error as Error).message}` }
    }
  }

  function refresh(path: string, current: StoredScript | undefined): Promise<ScriptLookup> {
    let p = inflight.get(path)
    if (!p) {
      p = fetchUpstream(path, current).finally(() => inflight.delete(path))
      inflight.set(path, p)
    }
    return p
  }

  async function get(path: string): Promise<ScriptLookup> {
    const hit = await load(path)
    if (hit) {
      const stale = o.now() - hit.stored.fetchedAt >= maxAgeMs
      o.onLookup?.(stale ? 'stale' : 'hit')
      if (stale) {
        void refresh(path, hit.stored).then((r) => {
          if (r.kind !== 'ok') o.log.warn('[tagwarden] [scripts] refresh failed; serving the last good copy', { path, reason: r.kind === 'unavailable' ? r.reason : 'not found upstream' })
        })
      }
      return { kind: 'ok', script: hit.served }
    }
    const until = missing.get(path)
    if (until !== undefined && until > o.now()) return { kind: 'not-found' }
    if (!inflight.has(path) && inflight.size >= MAX_IN_FLIGHT) {
      o.onLookup?.('error')
      return { kind: 'busy' }
    }
    const r = await refresh(path, undefined)
    o.onLookup?.(r.kind === 'unavailable' ? 'error' : 'miss')
    if (r.kind === 'not-found') {
      missing.set(path, o.now() + NOT_FOUND_TTL_MS)
      if (missing.size > 1000) missing.delete(missing.keys().next().value as string)
    }
    return r
  }

  async function idle(): Promise<void> {
    while (inflight.size) await Promise.allSettled([...inflight.values()])
  }

  return { get, idle }
}
