// A scripted mix of orders for the reconciliation report: orders with and without a browser
// checkout (tag beacon, loader fallback), a webhook delivered twice, an order consent suppresses, a
// destination consent suppresses for everyone, a browser report and its webhook on either side of
// midnight, and page views for match keys. Real pipeline, real delivery to the fake Conversions API.
import type { TagwardenApp } from '../../server/app'
import { createApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { pinterestCapi } from '../../server/destinations'
import type { CanonicalEvent, EventSource } from '../../server/event'
import { createLogger } from '../../server/log'
import { createStore, type Store } from '../../server/storage/create-store'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ADMIN_TOKEN, API_KEY, SECRET, liveCapi } from '../helpers/build-app'

/** 2026-01-01T12:00:00Z: "today" is 2026-01-01, "yesterday" 2025-12-31. */
export const NOW = Date.parse('2026-01-01T12:00:00Z')
export const TODAY = '2026-01-01'
export const YESTERDAY = '2025-12-31'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' } as const
/** A second destination (same wire format) that consent suppresses for every event. */
export const SUPPRESSED_DEST = 'pinterest-capi-eu'

const at = (iso: string) => Date.parse(iso) / 1000
const T = NOW / 1000 - 30

function ev(id: string, source: EventSource, time: number, over: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    name: 'checkout',
    event_id: id,
    time,
    source,
    action_source: 'web',
    user: { em: ['shopper@example.com'], client_ip_address: '203.0.113.7', client_user_agent: UA },
    custom: { value: 42.5, currency: 'EUR', order_id: id.replace('ord_', '') },
    consent: { ...GRANTED },
    ...over,
  }
}

/** The mix, in arrival order (each inner list is one ingest call). */
export const MIX: CanonicalEvent[][] = [
  // 1001: tag checkout, then its webhook (matched).
  [ev('ord_1001', 'tag', T, { user: { em: ['shopper@example.com'], client_ip_address: '203.0.113.7', client_user_agent: UA, ids: { 'pinterest.epik': 'dj0yJnU9b2JD' } } })],
  [ev('ord_1001', 'webhook', T)],
  // 1002: webhook only (recovered).
  [ev('ord_1002', 'webhook', T, { user: { em: ['b@example.com'], ph: ['15551234567'] } })],
  // 1003: webhook only, delivered twice by the shop (recovered once).
  [ev('ord_1003', 'webhook', T, { user: { em: ['c@example.com'] } })],
  [ev('ord_1003', 'webhook', T, { user: { em: ['c@example.com'] } })],
  // 1004: loader fallback checkout, then its webhook (matched).
  [ev('ord_1004', 'loader', T)],
  [ev('ord_1004', 'webhook', T)],
  // 1005: browser only.
  [ev('ord_1005', 'tag', T)],
  // 1006: webhook only, the shopper denied ad_user_data: suppressed for pinterest-capi.
  [ev('ord_1006', 'webhook', T, { consent: { ...GRANTED, ad_user_data: 'denied' } })],
  // 1007: yesterday, webhook only (recovered yesterday).
  [ev('ord_1007', 'webhook', at('2025-12-31T15:00:00Z'))],
  // 1008: browser at 23:59:50 yesterday, webhook at 00:00:10 today: one matched order, today.
  [ev('ord_1008', 'tag', at('2025-12-31T23:59:50Z'))],
  [ev('ord_1008', 'webhook', at('2026-01-01T00:00:10Z'))],
  // 1009: tag checkout and the shop's backend (events API) with the same id: browser-only order, an API order.
  [ev('ord_1009', 'tag', T)],
  [ev('ord_1009', 'api', T)],
  // Page views: 2 from the tag with a click id, 1 from the API with only the network identity.
  [
    ev('pv-1', 'tag', T, { name: 'page_visit', custom: {}, user: { em: ['x@example.com'], client_ip_address: '203.0.113.7', client_user_agent: UA, ids: { 'pinterest.epik': 'dj0yJnU9b2JD' } } }),
    ev('pv-2', 'tag', T, { name: 'page_visit', custom: {}, user: { client_ip_address: '203.0.113.8', client_user_agent: UA, ids: { 'pinterest.epik': 'dj0yJnU9b2JE' } } }),
    ev('pv-3', 'api', T, { name: 'page_visit', custom: {}, user: { client_ip_address: '203.0.113.9', client_user_agent: UA } }),
  ],
]

export interface Scenario {
  /** The first instance (the others share its storage). */
  tw: TagwardenApp
  all: TagwardenApp[]
  capi: FakeCapi
  clock: { now: number }
  close(): Promise<void>
}

/**
 * Build the app (live, fake CAPI, two destinations), ingest the mix, deliver everything. With
 * `stores`, one instance per store (e.g. two Redis clients on one server), the mix dealt round-robin.
 */
export async function runScenario(opts: { stores?: Store[]; env?: Record<string, string> } = {}): Promise<Scenario> {
  const capi = await startFakeCapi()
  const clock = { now: NOW }
  const config = parseConfig(
    { TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_SECRET: SECRET, TAGWARDEN_API_KEYS: API_KEY, TAGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN, TAGWARDEN_LOG_LEVEL: 'silent', ...liveCapi(capi.url), ...opts.env },
    { consent: { rules: { 'pinterest-capi': [{ when: { ad_user_data: 'denied' }, action: 'suppress' }, { action: 'allow' }], [SUPPRESSED_DEST]: [{ action: 'suppress' }] } } },
  )
  const dest = pinterestCapi({ adAccountId: '549755885175', accessToken: 'pina_test_token_123', apiUrl: capi.url })
  const stores = opts.stores ?? [createStore({ kind: 'memory' })]
  const all: TagwardenApp[] = []
  for (const store of stores) all.push(await createApp(config, { store, log: createLogger('silent'), now: () => clock.now, destinations: [dest, { ...dest, name: SUPPRESSED_DEST }] }))
  for (const [i, batch] of MIX.entries()) {
    await all[i % all.length].runtime.ingest(batch)
    for (const tw of all) await tw.runtime.dispatcher.flush()
  }
  // What the 5-second timer would write on each instance.
  for (const tw of all) await tw.runtime.report.flush()
  return { tw: all[0], all, capi, clock, async close() { for (const tw of all) await tw.close(0); await capi.close() } }
}
