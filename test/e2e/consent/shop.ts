// The consent scenarios' world: real tagwarden servers (one per default), local fakes of Pinterest's
// script host, beacon host and Conversions API, one headless Chromium, and scripted shop pages that
// carry the IAB's own CMP libraries (iab-bundle.ts) and Google's gtag consent snippet. Every page
// records, in page time and in order, what the Pinterest tag received, what the loader posted to
// `/tw/ctx` and `/tw/e` and what `/tw/ctx` answered, and the page's own marks ("cmp: no").
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { parseConfig } from '../../../server/config'
import type { JournalEntry } from '../../../server/journal'
import { createLogger } from '../../../server/log'
import { startServer, type Running } from '../../../server/serve'
import { createStore } from '../../../server/storage/create-store'
import { startFakeBeacon, type FakeBeacon } from '../../fakes/fake-beacon'
import { startFakeCapi, type FakeCapi } from '../../fakes/fake-capi'
import { startFakeScripts, type FakeScripts } from '../../fakes/fake-pinterest-scripts'
import { liveCapiEnv, TEST_SECRET } from '../../tag/build'
import { ARGS, CHROMIUM, LOCAL } from '../chromium'
import { bundleIab } from './iab-bundle'

export const TAG_ID = '2612345678901'
export const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 tagwarden-consent/1'

/** One line of a page's timeline: `[ms since navigation, kind, value]`. */
export type Entry = [number, string, any]

export interface Shop {
  /** The shop origin as the browser sees it (localhost: a secure context, so Secure cookies are kept). */
  url: string
  running: Running
  journal(id: string): JournalEntry | undefined
}

export interface World {
  shops: Record<'granted' | 'denied', Shop>
  capi: FakeCapi
  beacon: FakeBeacon
  scripts: FakeScripts
  browser: Browser
  close(): Promise<void>
}

/**
 * Installed before any page script: the timeline `__log`, `mark(kind, value)` for the page's own
 * script, the tag spy (the fake main.js calls `__tagSpy` with every call it runs), and a fetch
 * wrapper that records the loader's `/tw/ctx` and `/tw/e` bodies and `/tw/ctx` answers. The loader
 * wraps `fetch` again (Pinterest host rerouting); this one sits under it and sees the first-party URL.
 */
const RECORDER = `(() => {
  const log = (window.__log = [])
  const mark = (window.mark = (kind, value) => log.push([Math.round(performance.now()), kind, value === undefined ? null : JSON.parse(JSON.stringify(value))]))
  window.__tagSpy = (a) => mark('tag', [].slice.call(a))
  // Scenario times count from the loader's start (its API is up), so "a CMP at 2 s" means 2 s into
  // the loader's life however long the page took to fetch it.
  window.afterLoader = (f) => { const t = setInterval(() => { if (window.tagwarden && window.tagwarden.cart) { clearInterval(t); mark('loader'); f() } }, 5) }
  // Scripted behaviour that follows what happened ("the shopper revokes after the add-to-cart reached the tag").
  window.afterLogged = (kinds, text, f) => { const t = setInterval(() => { if (log.some((e) => kinds.split('|').includes(e[1]) && JSON.stringify(e[2]).includes(text))) { clearInterval(t); f() } }, 5) }
  const f = window.fetch
  window.fetch = function (u, o) {
    const url = String(u && u.url || u)
    const kind = /\\/tw\\/ctx$/.test(url) ? 'ctx' : /\\/tw\\/e$/.test(url) ? 'e' : ''
    if (kind) mark(kind, JSON.parse(o.body))
    const p = f.apply(this, arguments)
    // 'ctx<' as soon as the answer is there (before the loader's own handlers: registered first), its body after.
    if (kind === 'ctx') p.then((r) => { mark('ctx<', r.status); r.clone().text().then((t) => mark('answer', t ? JSON.parse(t) : null)) }).catch(() => {})
    return p
  }
  new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => n.src && /\\/tw\\/(cmp\\.js|pin\\/core\\.js)/.test(n.src) && mark('script', new URL(n.src).pathname)))).observe(document, { childList: true, subtree: true })
})()`

/** The storefront snippet (README), the loader first. */
export const SNIPPET = `<script async src="/tw/loader.js"></script>
<script>!function (w) { w.pintrk = w.pintrk || function () { w.pintrk.queue.push([].slice.call(arguments)) }; w.pintrk.queue = w.pintrk.queue || []; w.tagwarden = w.tagwarden || { q: [] } }(window)</script>`

/** Google's gtag snippet (developers.google.com/tag-platform/security/guides/consent; docs/consent-signals.md §3). */
export const GTAG = `window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}`
/** What Google Tag Manager's container snippet leaves on every page before any CMP: a `dataLayer` with its start event. */
export const GTM = `window.dataLayer = window.dataLayer || []; dataLayer.push({ 'gtm.start': Date.now(), event: 'gtm.js' });`

export async function startWorld(): Promise<World> {
  const capi = await startFakeCapi()
  const beacon = await startFakeBeacon()
  const scripts = await startFakeScripts({ style: 'runtime' })
  const start = async (defaultConsent: 'granted' | 'denied'): Promise<Shop> => {
    const config = parseConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_SECRET: TEST_SECRET,
      TAGWARDEN_LOG_LEVEL: 'silent',
      TAGWARDEN_DEMO: 'false',
      TAGWARDEN_DEFAULT_CONSENT: defaultConsent,
      TAGWARDEN_COUNTRY_HEADER: 'cf-ipcountry',
      // The browser stands in for the shop's CDN here: the country header is believed only from a trusted peer.
      TAGWARDEN_TRUSTED_PROXIES: 'loopback',
      PINTEREST_TAG_ID: TAG_ID,
      PINTEREST_SCRIPT_ORIGIN: scripts.url,
      PINTEREST_BEACON_ORIGIN: beacon.url,
      ...liveCapiEnv(capi.url),
    })
    const running = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
    return {
      url: running.url.replace('127.0.0.1', 'localhost'),
      running,
      journal: (id) => running.tw.runtime.journal.recent().find((e) => e.event_id === id),
    }
  }
  const shops = { granted: await start('granted'), denied: await start('denied') }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true })
  return {
    shops,
    capi,
    beacon,
    scripts,
    browser,
    async close() {
      await browser.close()
      await Promise.all(Object.values(shops).map((s) => s.running.close()))
      await Promise.all([capi.close(), beacon.close(), scripts.close()])
    },
  }
}

const stub = () => readFileSync(createRequire(import.meta.url).resolve('@iabtechlabtcf/stub'), 'utf8')

export interface Visit {
  page: Page
  context: BrowserContext
  /** The page's timeline so far. */
  log(): Promise<Entry[]>
  /** Resolve once `check(timeline)` is true (polled), or fail after `timeout` naming `what`. */
  until(what: string, check: (log: Entry[]) => boolean, timeout?: number): Promise<Entry[]>
  /** The same shopper opens another page of the shop (same cookies and storage). */
  next(opts: Omit<VisitOptions, 'country'> & { path: string }): Promise<Visit>
  close(): Promise<void>
}

export interface VisitOptions {
  /** The page's `<head>` content after the recorder: CMP stubs, gtag, the snippet, scripted behaviour. */
  head: string
  /** The shopper's country as the shop's CDN would tell it (`cf-ipcountry`). */
  country?: string
  /** Query string of the landing URL, e.g. `?epik=…`. */
  query?: string
}

/**
 * Open a scripted shop page in a fresh browser profile. `/iab/stub.js` is the official `__tcfapi`
 * stub (`@iabtechlabtcf/stub`), `/iab/cmp.js` the IAB CMP API libraries; `/shop/<path>` the page;
 * `/tw/*` the real tagwarden server; anything not local is refused.
 */
export async function visit(world: World, shop: Shop, opts: VisitOptions): Promise<Visit> {
  const context = await world.browser.newContext({ userAgent: UA, extraHTTPHeaders: opts.country ? { 'cf-ipcountry': opts.country } : {} })
  const iab = await bundleIab()
  const pages: Record<string, string> = {}
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (!LOCAL.has(url.hostname)) return route.abort('blockedbyclient')
    if (url.pathname === '/iab/stub.js') return route.fulfill({ body: stub(), contentType: 'application/javascript' })
    if (url.pathname === '/iab/cmp.js') return route.fulfill({ body: iab, contentType: 'application/javascript' })
    const head = pages[url.pathname]
    if (head !== undefined) return route.fulfill({ contentType: 'text/html', body: `<!doctype html><html><head><meta charset="utf-8">${head}</head><body><h1>Linen tote</h1></body></html>` })
    return route.continue()
  })
  await context.addInitScript(RECORDER)
  const open = async (path: string, o: Omit<VisitOptions, 'country'>): Promise<Visit> => {
    pages[`/shop/${path}`] = o.head
    const page = await context.newPage()
    // A script error in the page (the loader, the fake tag, a CMP) is part of the timeline.
    page.on('pageerror', (e) => void page.evaluate((m) => (window as unknown as { mark?: (k: string, v: string) => void }).mark?.('pageerror', m), String(e)).catch(() => {}))
    await page.goto(`${shop.url}/shop/${path}${o.query ?? ''}`)
    const log = () => page.evaluate(() => (window as unknown as { __log: Entry[] }).__log)
    return {
      page,
      context,
      log,
      async until(what, check, timeout = 45_000) {
        const end = Date.now() + timeout
        for (;;) {
          const l = await log()
          if (check(l)) return l
          if (Date.now() > end) throw new Error(`[consent e2e] timed out waiting for ${what}; timeline:\n${l.map((e) => JSON.stringify(e)).join('\n')}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      },
      next: (n) => open(n.path, n),
      close: () => context.close(),
    }
  }
  return open('tote', opts)
}

/** Timeline helpers. */
export const calls = (log: Entry[]): unknown[][] => log.filter((e) => e[1] === 'tag').map((e) => e[2])
export const kinds = (log: Entry[], kind: string): any[] => log.filter((e) => e[1] === kind).map((e) => e[2])
/** Index of the first entry matching, -1 when none. */
export const at = (log: Entry[], kind: string, match: (v: any) => boolean = () => true): number =>
  log.findIndex((e) => e[1] === kind && match(e[2]))
/** Tag events (track/page) by event_id, in the order the tag got them. */
export const tagEventIds = (log: Entry[]): string[] =>
  calls(log)
    .filter((c) => c[0] === 'track' || c[0] === 'page')
    .map((c) => String(((c[0] === 'track' ? c[2] : c[1]) as { event_id?: string })?.event_id))
/** Event ids the loader sent to `/tw/e`. */
export const fallbackIds = (log: Entry[]): string[] => kinds(log, 'e').flatMap((b) => (Array.isArray(b) ? b : [b]).map((x: any) => String(x.ed?.event_id)))

/** How an event left the browser: through the tag, to `/tw/e`, or not yet. */
export const leftBy = (log: Entry[], id: string): 'tag' | 'e' | undefined =>
  tagEventIds(log).includes(id) ? 'tag' : fallbackIds(log).includes(id) ? 'e' : undefined

/** The loader's wait for the tag to come up (server/routes/loader.ts LOADER_WAIT_MS). */
const TAG_WAIT_MS = 2500
/**
 * The tag's script was added but the tag did not come up within the loader's wait — on a machine
 * busy with other work it can take longer — so the loader rightly sent events to `/tw/e` instead.
 */
export const tagLate = (log: Entry[]): boolean => {
  const script = log.find((e) => e[1] === 'script' && e[2] === '/tw/pin/core.js')
  const up = log.find((e) => e[1] === 'tag')
  return !!script && (!up || up[0] - script[0] > TAG_WAIT_MS)
}
/** Where an allowed event must have gone: the tag, or `/tw/e` only if the tag was late. */
export const viaTag = (log: Entry[], id: string): 'tag' | 'e' | undefined => (leftBy(log, id) === 'e' && tagLate(log) ? 'tag' : leftBy(log, id))

/** Wait until `check` passes, delivering every outbox between tries. */
export async function eventually(world: World, check: () => void | Promise<void>, timeout = 30_000): Promise<void> {
  const end = Date.now() + timeout
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > end) throw error
      await Promise.all(Object.values(world.shops).map((s) => s.running.tw.runtime.dispatcher.flush()))
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
