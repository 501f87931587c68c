import type { TagwardenApp } from '../../server/app'
import type { CanonicalEvent } from '../../server/event'
import { ADMIN_TOKEN } from '../helpers/build-app'

/** GET an admin route with the test admin token. */
export const adminGet = (tw: TagwardenApp, path: string, headers: Record<string, string> = {}) =>
  tw.fetch(new Request(`http://shop.test${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } }))

/**
 * Parse Prometheus text into `name{a="x",b="y"}` → value, labels in the order written.
 * Fails on any line that is not a comment, blank, or `name{labels} value`.
 */
export function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line)
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`)
    out.set(m[1], m[2] === '+Inf' ? Infinity : Number(m[2]))
  }
  return out
}

export const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' } as const

/** A canonical event as a source other than the API would hand it to `rt.ingest`. */
export const canonical = (over: Partial<CanonicalEvent> = {}): CanonicalEvent => ({
  name: 'page_visit',
  event_id: 'evt-1',
  time: Math.floor(Date.now() / 1000),
  source: 'tag',
  action_source: 'web',
  user: { client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', ids: { 'pinterest.epik': 'epik-secret-click' } },
  custom: {},
  consent: { ...GRANTED },
  ...over,
})
