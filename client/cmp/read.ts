import type { LoaderConfig } from '../config'
import { assign } from '../env'
import type { Adapter, Consent, Seen } from '../types'

/** What every source says now, one entry each, and whether a CMP on the page is still deciding (see `Reader`). */
export type Read = [Consent[], unknown]

/**
 * Read every adapter: what each source says now, one entry each — nothing is combined in the
 * browser: the server does, by one written rule (server/consent/combine.ts) — and whether a CMP is
 * on the page but has not decided (`wait`: an adapter read `null`). An adapter not yet subscribed is
 * tried first: its CMP may have just appeared. A CMP API that throws says nothing.
 */
export function readAll(adapters: Adapter[], changed: () => void, seen: Seen, config: LoaderConfig): Read {
  const list: Consent[] = []
  let wait: unknown
  for (const a of adapters)
    try {
      // Marked first: a CMP that calls back at once (TCF, GPP) makes the loader read again meanwhile.
      if (!a.k) (a.k = 1), (a.k = a.s?.(changed, seen))
      const r = a.r(config)
      if (r === null) wait = 1
      else if (r) for (const x of ([] as Consent[]).concat(r)) list.push(assign({ source: a.n }, x))
    } catch (e) {}
  return [list, wait]
}
