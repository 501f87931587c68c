// Runs the shipped pixel snippet in Node with a minimal stand-in of Shopify's pixel API (the Chromium
// test runs it in the real sandbox), so unit tests get exactly the bodies the snippet would post.
import { loadPixelFixture, type CustomerPrivacy, type PixelEvent } from '../fakes/shopify-pixel-sandbox'
import { shopifyPixelSnippet, type PixelEventMode } from '../../server/shopify/snippet'

export const PIXEL_URL = 'http://shop.test/tw'
export const ALLOWED: CustomerPrivacy = { analyticsProcessingAllowed: true, marketingAllowed: true, preferencesProcessingAllowed: true, saleOfDataAllowed: true }
const CHECKOUT_URL = 'https://jsmith.myshopify.com/checkouts/cn/c1-7f0c2a9d41b85e36a1d0c4e92b7f58a3/information'

/** A variant as the pixel gets it (from the product_added_to_cart fixture). */
const variant = () => (loadPixelFixture('product_added_to_cart').data as { cartLine: { merchandise: Record<string, unknown> } }).cartLine.merchandise

/** Every standard event the issue lists, Shopify-shaped: the five fixtures plus four built from their parts. */
export function standardEvent(name: string): PixelEvent {
  const base = loadPixelFixture('page_viewed')
  const at = (data: unknown, href = base.context as any): PixelEvent => ({ ...base, id: `sh-${name}-0001`, name, data, context: href })
  switch (name) {
    case 'page_viewed':
    case 'product_added_to_cart':
    case 'checkout_started':
    case 'payment_info_submitted':
    case 'checkout_completed':
      return loadPixelFixture(name)
    case 'product_viewed':
      return at({ productVariant: variant() })
    case 'collection_viewed':
      return at({ collection: { id: '841564295', title: 'IPods', productVariants: [variant(), { ...variant(), id: '39072857', sku: 'IPOD2008RED', title: 'red' }] } })
    case 'search_submitted':
      return at({ searchResult: { query: 'ipod nano', productVariants: [variant()] } })
    case 'checkout_contact_info_submitted': {
      const e = loadPixelFixture('checkout_started')
      const checkout = { ...(e.data as any).checkout, email: 'bob.norman@mail.example.com', phone: '+557734881234' }
      return { ...e, id: 'sh-contact-0001', name, data: { checkout } }
    }
  }
  throw new Error(`no event ${name}`)
}
export { CHECKOUT_URL }

/** Run the snippet, deliver `events` to its subscribers, and return the bodies it posted (and where). */
export async function snippetPosts(events: PixelEvent[], o: { privacy?: CustomerPrivacy; epikCookie?: string; mode?: PixelEventMode; key?: string } = {}) {
  const posts: { url: string; init: RequestInit }[] = []
  const cookiesSet: string[] = []
  const subs: Record<string, ((e: unknown) => unknown)[]> = {}
  const analytics = { subscribe: (name: string, cb: (e: unknown) => unknown) => void (subs[name] ??= []).push(cb) }
  const browser = { cookie: { get: async (n: string) => (n === '_epik' ? (o.epikCookie ?? '') : ''), set: async (c: string) => void cookiesSet.push(c) } }
  const consentSubs: ((e: { customerPrivacy: CustomerPrivacy }) => void)[] = []
  const api = { customerPrivacy: { subscribe: (_: string, cb: (e: { customerPrivacy: CustomerPrivacy }) => void) => void consentSubs.push(cb) } }
  const fakeFetch = async (url: string, init: RequestInit) => {
    posts.push({ url, init })
    return new Response(null, { status: 202 })
  }
  const code = shopifyPixelSnippet({ url: PIXEL_URL, key: o.key ?? 'twpx_test_key_0123456789', events: o.mode ?? 'all' })
  new Function('analytics', 'browser', 'init', 'api', 'fetch', code)(analytics, browser, { customerPrivacy: o.privacy ?? ALLOWED }, api, fakeFetch)
  for (const e of events) await Promise.all((subs[e.name] ?? []).map((cb) => cb(e)))
  return { posts, cookiesSet, setConsent: (c: CustomerPrivacy) => consentSubs.forEach((cb) => cb({ customerPrivacy: c })) }
}
