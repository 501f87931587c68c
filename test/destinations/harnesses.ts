// One harness per batch destination: how to start its spec-strict fake, which environment makes it
// live or dry-run, and how to read what its platform received. The contract suite runs every
// registered batch destination through the same checks with these; a destination without a
// harness fails the suite.
import type { CanonicalEvent } from '../../server/event'
import { startFakeCapi } from '../fakes/fake-capi'
import { startFakeMetaCapi } from '../fakes/fake-meta-capi'
import { startFakeTikTokEvents } from '../fakes/fake-tiktok-events'

/** The switches every fake offers (fake-api-state.ts's FakeApi and the Pinterest fake). */
export interface AnyFake {
  url: string
  received: { event: Record<string, any> }[]
  requests: unknown[]
  failNext(...answers: { status: number; headers?: Record<string, string>; body?: unknown }[]): void
  rejectEventIds(ids: string[], message?: string): void
  requireToken(token: string): void
  countById(id: string): number
  close(): Promise<void>
}

export interface Harness {
  start(now: () => number): Promise<AnyFake>
  /** Environment that makes the destination live against the fake. */
  live(url: string): Record<string, string>
  /** Environment that turns the destination on without credentials (dry-run). */
  dry(url: string): Record<string, string>
  /** A bad value for one option, and the variable the problem must name. */
  bad: { env: Record<string, string>; names: string }
  /** The wire event's identity object (user_data / user). */
  user(event: Record<string, any>): Record<string, unknown>
  /** Identity keys that are network identity (kept when identifiers are stripped). */
  network: string[]
  /** Whether the wire event is in the platform's restricted-processing mode. */
  restricted(event: Record<string, any>): boolean
  /** What one wire event is named for the neutral `checkout`. */
  checkoutName: string
}

export const TOKEN = { pinterest: 'pina_test_token_123', meta: 'EAAB-meta-test-token-0123456789', tiktok: 'tt-test-access-token-0123456789' }

export const HARNESSES: Record<string, Harness> = {
  'pinterest-capi': {
    start: () => startFakeCapi(),
    live: (url) => ({ PINTEREST_API_URL: url, PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: TOKEN.pinterest }),
    dry: (url) => ({ PINTEREST_API_URL: url }),
    bad: { env: { PINTEREST_AD_ACCOUNT_ID: 'abc', PINTEREST_ACCESS_TOKEN: TOKEN.pinterest }, names: 'PINTEREST_AD_ACCOUNT_ID' },
    user: (e) => e.user_data,
    network: ['client_ip_address', 'client_user_agent'],
    restricted: (e) => e.custom_data?.opt_out_type === 'LDP',
    checkoutName: 'checkout',
  },
  'meta-capi': {
    start: (now) => startFakeMetaCapi({ now }),
    live: (url) => ({ META_API_URL: `${url}/v26.0`, META_PIXEL_ID: '1234567890123456', META_ACCESS_TOKEN: TOKEN.meta }),
    dry: (url) => ({ META_API_URL: `${url}/v26.0`, META_PIXEL_ID: '1234567890123456' }),
    bad: { env: { META_PIXEL_ID: 'px-1' }, names: 'META_PIXEL_ID' },
    user: (e) => e.user_data,
    network: ['client_ip_address', 'client_user_agent'],
    restricted: (e) => JSON.stringify(e.data_processing_options) === '["LDU"]',
    checkoutName: 'Purchase',
  },
  'tiktok-events': {
    start: (now) => startFakeTikTokEvents({ now }),
    live: (url) => ({ TIKTOK_API_URL: url, TIKTOK_PIXEL_CODE: 'C4ABCDEF12345678901G', TIKTOK_ACCESS_TOKEN: TOKEN.tiktok }),
    dry: (url) => ({ TIKTOK_API_URL: url, TIKTOK_PIXEL_CODE: 'C4ABCDEF12345678901G' }),
    bad: { env: { TIKTOK_PIXEL_CODE: 'C4A-BAD!', TIKTOK_PAGE_VIEWS: 'perhaps' }, names: 'TIKTOK_PIXEL_CODE' },
    user: (e) => e.user,
    network: ['ip', 'user_agent'],
    restricted: (e) => e.limited_data_use === true,
    checkoutName: 'Purchase',
  },
}

export const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' } as const

/** A purchase with every identifier any platform takes (each destination sends its own). */
export function purchase(id: string, nowS: number, over: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    name: 'checkout',
    event_id: id,
    time: nowS - 60,
    source: 'api',
    action_source: 'web',
    url: 'https://shop.example.com/checkout/thank-you',
    user: {
      em: ['jane.doe@example.com'],
      ph: ['15551234567'],
      fn: ['jane'],
      ln: ['doe'],
      ct: ['menlopark'],
      st: ['ca'],
      zp: ['94025'],
      country: ['us'],
      external_id: ['customer-123'],
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
      ids: {
        'pinterest.epik': 'dj0yJnU9b2JDcFFHekV4SHJNcmVrbFBkUEdqakh0akdUT1VjVVUmcD0yJm49cnNBQ3F2Q2dOVDBXWWhkWklrUGxBUSZ0PUFBQUFBR1BaY3Bv',
        'meta.fbc': 'fb.1.1767225600000.IwAR2F4-dbP0l7Mn1IawQQGCINEz7PYXQvwjNwB_qa2ofrHyiLjcbCRxTDMgk',
        'meta.fbp': 'fb.1.1767225600000.1098115397',
        'tiktok.ttclid': 'E.C.P.CscBYmVlNTdhZGJkMTBhNDdiM2IyOTE2',
        'tiktok.ttp': '2Zq9k0bQn1XyL7hS0aW3cE5tU8m',
      },
    },
    custom: { value: 72.39, currency: 'USD', order_id: 'ORDER-10042', num_items: 1, content_ids: ['SKU-1'], contents: [{ id: 'SKU-1', price: 72.39, quantity: 1 }] },
    consent: { ...GRANTED },
    ...over,
  }
}
