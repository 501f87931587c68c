// A local stand-in for a Shopify storefront/checkout page that runs a custom pixel the way Shopify's
// lax sandbox does (docs/shopify-web-pixels.md): the shop page hosts an `<iframe sandbox="allow-scripts">`
// (opaque origin: the pixel's requests carry `Origin: null`), the pixel gets `analytics`, `browser`,
// `init` and `api.customerPrivacy`, and the test publishes standard events with realistic payloads
// (test/fixtures/shopify-pixel/). Real HTTP on 127.0.0.1; pages are opened as http://localhost:<port>
// so cookies are shared with other local test servers on `localhost`, as a shop shares them with
// tagwarden mounted on its origin. Requests to /collect… are recorded (CORS open) for self-tests.
// Note: test/e2e/chromium.ts intercepts every request, and Playwright then answers CORS preflights
// itself — an OPTIONS never reaches a local server, so test preflight handling over plain HTTP.
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Page } from 'playwright-core'
import { HOST_RUNTIME, SANDBOX_RUNTIME, pixelScript } from './shopify-pixel-runtime'

/** `init.customerPrivacy` and the `visitorConsentCollected` payload (docs §4). */
export interface CustomerPrivacy {
  analyticsProcessingAllowed: boolean
  marketingAllowed: boolean
  preferencesProcessingAllowed: boolean
  saleOfDataAllowed: boolean
}

/** `init.data` (docs §3): what the page knew at render. */
export interface InitData {
  customer: Record<string, unknown> | null
  cart: Record<string, unknown> | null
  shop: Record<string, unknown>
  purchasingCompany: Record<string, unknown> | null
}

/** A standard event to publish; envelope fields left out are filled from the live page (docs §5). */
export interface PixelEventInput {
  name: string
  data: unknown
  id?: string
  type?: 'standard' | 'custom' | 'dom'
  seq?: number
  timestamp?: string
  clientId?: string
  context?: unknown
}

/** The event as the pixel received it. */
export type PixelEvent = Required<PixelEventInput>

export interface SandboxSettings {
  /** The custom pixel's code, run unchanged. */
  snippet: string
  /** Consent at page render; default: everything allowed. */
  customerPrivacy: CustomerPrivacy
  initData: InitData
  /** Shopify's client id for this browser. */
  clientId: string
  /** Where `browser.sendBeacon` runs (not documented by Shopify; docs §9): default the sandbox. */
  sendBeaconFrom: 'sandbox' | 'top'
  /** Publish `page_viewed` as each page loads, as Shopify does; default true. */
  pageViewed: boolean
}

export interface CollectedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

export const ALL_ALLOWED: CustomerPrivacy = { analyticsProcessingAllowed: true, marketingAllowed: true, preferencesProcessingAllowed: true, saleOfDataAllowed: true }
export const ALL_DENIED: CustomerPrivacy = { analyticsProcessingAllowed: false, marketingAllowed: false, preferencesProcessingAllowed: false, saleOfDataAllowed: false }

const DEFAULTS: SandboxSettings = {
  snippet: '',
  customerPrivacy: ALL_ALLOWED,
  initData: {
    customer: null,
    cart: null,
    shop: { countryCode: 'US', myshopifyDomain: 'jsmith.myshopify.com', name: 'jsmith', paymentSettings: { currencyCode: 'USD' }, storefrontUrl: 'https://jsmith.myshopify.com' },
    purchasingCompany: null,
  },
  clientId: 'a7d2f3c1-5b8e-4d6a-9f0e-2c4b6d8e1f3a',
  sendBeaconFrom: 'sandbox',
  pageViewed: true,
}

const FIXTURES = new URL('../fixtures/shopify-pixel/', import.meta.url)
export type PixelFixture = 'page_viewed' | 'product_added_to_cart' | 'checkout_started' | 'payment_info_submitted' | 'checkout_completed'

/** A fixture event whole, envelope included (a fresh copy each call, so a test may change fields). */
export function loadPixelFixture(name: PixelFixture): PixelEvent {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as PixelEvent
}

/** A fixture's `name` and `data` only: published, it gets its id, seq, time and context from the live page. */
export function fixtureEvent(name: PixelFixture): PixelEventInput {
  const { data } = loadPixelFixture(name)
  return { name, data }
}

const escapeJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c')
const hostPage = (s: SandboxSettings, path: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${path.replace(/[^\w/ .-]/g, '')} – jsmith</title></head>
<body><h1>jsmith</h1>
<script id="wpm-config" type="application/json">${escapeJson({ customerPrivacy: s.customerPrivacy, initData: s.initData, clientId: s.clientId, sendBeaconFrom: s.sendBeaconFrom, pageViewed: s.pageViewed })}</script>
<script>${HOST_RUNTIME}</script>
</body></html>`
const SANDBOX_HTML = '<!doctype html><html><head><meta charset="utf-8"><script src="/__wpm/runtime.js"></script></head><body></body></html>'

type HostWindow = { __shopify: { whenReady(): Promise<void>; idle(): Promise<void>; publish(e: PixelEventInput): Promise<PixelEvent>; setConsent(c: CustomerPrivacy): Promise<void>; errors: string[] } }

export interface ShopifyPixelSandbox {
  /** `http://localhost:<port>`: open any path but /__wpm/… and /collect… to get a shop page. */
  url: string
  collected: CollectedRequest[]
  /** Change what the next page load gets (snippet, consent, init data…). */
  configure(settings: Partial<SandboxSettings>): void
  /**
   * Serve the harness from another node server: answers /__wpm/…, /collect… and, for any other GET,
   * a shop page — so call it only for the paths that should be shop pages. False when it did not answer.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean
  /** Open a shop page and wait until the pixel's code has run and handled the page's page_viewed. */
  open(page: Page, path: string): Promise<void>
  /** Publish a standard event on the page; resolves to the event as delivered. */
  publish(page: Page, event: PixelEventInput): Promise<PixelEvent>
  /** The shopper changes consent (the pixel's `visitorConsentCollected` subscribers get it). */
  setConsent(page: Page, consent: CustomerPrivacy): Promise<void>
  /** Errors the pixel's code threw (synchronously or in a callback), as reported inside the sandbox. */
  errors(page: Page): Promise<string[]>
  /** Wait until `count` recorded requests match. */
  waitForCollected(match: (r: CollectedRequest) => boolean, count?: number, timeoutMs?: number): Promise<CollectedRequest[]>
  close(): Promise<void>
}

/** Start the harness on 127.0.0.1 with a free port. */
export async function startShopifyPixelSandbox(settings: Partial<SandboxSettings> = {}): Promise<ShopifyPixelSandbox> {
  let current: SandboxSettings = { ...DEFAULTS, ...settings }
  const collected: CollectedRequest[] = []

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const send = (type: string, body: string, extra: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...extra })
      res.end(body)
    }
    if (path.startsWith('/collect')) {
      let body = ''
      req.setEncoding('utf8')
      req.on('data', (c: string) => (body += c))
      req.on('end', () => {
        collected.push({ method: req.method ?? 'GET', path, headers: req.headers, body })
        res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST, GET', 'access-control-allow-headers': 'content-type' })
        res.end()
      })
      return true
    }
    if (req.method !== 'GET') return false
    if (path === '/__wpm/sandbox.html') send('text/html; charset=utf-8', SANDBOX_HTML)
    else if (path === '/__wpm/runtime.js') send('text/javascript', SANDBOX_RUNTIME, { 'access-control-allow-origin': '*' })
    else if (path === '/__wpm/pixel.js') send('text/javascript', pixelScript(current.snippet), { 'access-control-allow-origin': '*' })
    else if (path.startsWith('/__wpm/')) return false
    else send('text/html; charset=utf-8', hostPage(current, path))
    return true
  }

  const server: Server = createServer((req, res) => {
    if (!handle(req, res)) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('[shopify-pixel-sandbox] not found')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://localhost:${(server.address() as { port: number }).port}`

  return {
    url,
    collected,
    configure: (s) => void (current = { ...current, ...s }),
    handle,
    async open(page, path) {
      await page.goto(url + path)
      // Functions passed to evaluate run in the page: they may name only page globals.
      await page.evaluate(() => (window as unknown as HostWindow).__shopify.whenReady())
      // …and its page_viewed has been handled (a shopper stays on a page longer than the pixel's work).
      await page.evaluate(() => (window as unknown as HostWindow).__shopify.idle())
    },
    publish: (page, event) => page.evaluate((e) => (window as unknown as HostWindow).__shopify.publish(e), event),
    setConsent: (page, consent) => page.evaluate((c) => (window as unknown as HostWindow).__shopify.setConsent(c), consent),
    errors: (page) => page.evaluate(() => (window as unknown as HostWindow).__shopify.errors.slice()),
    async waitForCollected(match, count = 1, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const hits = collected.filter(match)
        if (hits.length >= count) return hits
        if (Date.now() > until) throw new Error(`[shopify-pixel-sandbox] waited ${timeoutMs} ms for ${count} matching request(s), got ${hits.length}; all: ${JSON.stringify(collected.map((r) => `${r.method} ${r.path}`))}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
