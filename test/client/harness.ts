// Runs the built loader (dist/loader.js, config slot filled like the server does) in a fresh
// happy-dom window per test, with fetch/sendBeacon/XHR recorded and no network at all. `POST
// {p}/ctx` is answered as the server answers it: the posted consent combined and judged by the real
// consent policy (server/consent), with TAGWARDEN_DEFAULT_CONSENT = config `d`; the shopper's
// consent carries over to the next page (`from`). When the loader inserts its CMP chunk
// (`{p}/cmp.js`), the built dist/cmp.js runs in the page, as the server would serve it — at once by
// default, or when the test says (`cmp: 'later'`, `page.loadCmp()`). When the CMP chunk inserts
// `{p}/px.js`, dist/px.js runs with its ids slot filled as the server fills it, from the registered
// drivers' `browserIds` or the drivers a test gives (`drivers`). Every page runs on the test's clock
// (`settle`): its timers, Date.now and performance.now move only when the test moves them.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setImmediate } from 'node:timers'
import { Window } from 'happy-dom'
import { browserDecisions } from '../../server/consent/browser'
import { createConsentPolicy } from '../../server/consent/policy'
import { browserIdsDeclaredBy } from '../../server/context/declared-browser-ids'
import { drivers, type DestinationDriver } from '../../server/destinations'
import type { ConsentSignals } from '../../server/event'
import { fillSlot, PX_SLOT, pxReadsLiteral } from '../../server/routes/loader'

export const LOADER_FILE = join(__dirname, '../../dist/loader.js')
export const CMP_FILE = join(__dirname, '../../dist/cmp.js')
export const PX_FILE = join(__dirname, '../../dist/px.js')
export const TAG_ID = '2612345678901'

export const BASE_CONFIG = {
  p: '/tw',
  t: TAG_ID,
  o: 'ord_{order_id}',
  g: 'C0004',
  w: 150,
}
/** The loader's config, plus `d`: the fake server's TAGWARDEN_DEFAULT_CONSENT (the loader has no default of its own). */
export type Config = typeof BASE_CONFIG & { d: 'denied' | 'granted' }

const sources: Record<string, string> = {}
const built = (file: string): string => {
  try {
    return (sources[file] ??= readFileSync(file, 'utf8'))
  } catch {
    throw new Error(`[tagwarden] ${file} is missing: run \`npm run build\` first`)
  }
}
/** The built loader; the test command builds it first (`npm test` runs `npm run build`). */
export const loaderSource = (): string => built(LOADER_FILE)
/** The built CMP chunk the loader requests on pages with a CMP (or fbq/ttq). */
export const cmpSource = (): string => built(CMP_FILE)
/** The built pixel wrappers the CMP chunk requests on pages with fbq or ttq, their ids slot unfilled. */
export const pxBuilt = (): string => built(PX_FILE)
/**
 * The pixel wrappers as the server serves them to an app with `registered` as its drivers: the ids
 * slot filled with what those drivers declare (server/routes/loader.ts).
 */
export const pxSource = (registered: readonly DestinationDriver<any, any>[] = drivers): string =>
  fillSlot(PX_FILE, PX_SLOT, pxReadsLiteral(browserIdsDeclaredBy(registered)))(pxBuilt())

export interface Request {
  via: 'fetch' | 'sendBeacon' | 'xhr'
  url: string
  body?: unknown
}

export interface Page {
  w: Window
  /** Every request the page made, in order (URLs as given, after the loader's rewriting). */
  requests: Request[]
  /** Parsed JSON bodies of the loader's POSTs to `{p}{path}`. */
  posts(path: '/ctx' | '/e'): any[]
  /** `src` of every script element in the document but the loader's chunks (see `cmpRequests`). */
  scripts(): string[]
  /** How many `{p}/cmp.js` script elements the loader inserted. */
  cmpRequests(): number
  /** Run the requested CMP chunk now (pages opened with `cmp: 'later'`). */
  loadCmp(): void
  /** Calls the fake tag handled (see tagComesUp). */
  tagCalls(): unknown[][]
  run(js: string): any
  /** Run the loader now (pages opened with `load: false`). */
  load(): void
  /** The consent snapshot the fake server holds for this shopper (what `tw_ctx` would carry). */
  serverConsent(): ConsentSignals | undefined
  /** Every `/ctx` answer so far (the decision for the tag). */
  answers(): string[]
  /** The most `/ctx` posts that were ever in flight at once. */
  maxInFlight(): number
  close(): Promise<void>
}

export interface PageOptions {
  url?: string
  config?: Partial<Config>
  /** Set up the page before the loader runs: vendor globals, base code, a `tagwarden.q`… */
  before?: string | ((w: Window) => void)
  /** What a script element's load does: `ok` (load event, nothing runs) or `error`. */
  scriptLoad?: 'ok' | 'error'
  /** A previous page view whose cookies and localStorage carry over (same browser, next page). */
  from?: Page
  /** Run the loader at once (default) or later with `page.load()`. */
  load?: boolean
  /**
   * What happens when the loader inserts `{p}/cmp.js`: it runs at once (`now`, default: the fastest
   * a network could be), waits for `page.loadCmp()` (`later`), or fails to load (`error`).
   */
  cmp?: 'now' | 'later' | 'error'
  /** Milliseconds the fake server takes to answer `/ctx` (default: at once). */
  ctxDelay?: number
  /** The drivers whose declared browser ids the served `{p}/px.js` reads (default: the registered ones). */
  drivers?: readonly DestinationDriver<any, any>[]
}

const open: Page[] = []

interface Timer { at: number; id: number; run: () => void; every?: number; w: Window }
/**
 * The pages' clock (ms since the test began): timers set by a page wait on it, not on real time, and
 * it moves only in `settle`. So what a page has done after `settle(ms)` does not depend on how fast
 * the machine is.
 */
const clock = { now: 0, ids: 0, timers: new Map<number, Timer>(), epoch: Date.now() }

/** Give a page the clock: setTimeout/setInterval (and their clear), Date.now and `new Date()`, performance.now. */
function useClock(w: Window): void {
  const start = clock.now
  const add = (fn: unknown, ms: unknown, args: unknown[], repeat: boolean) => {
    if (typeof fn !== 'function') throw new Error('[harness] a page set a timer with a string')
    const delay = Math.max(0, Number(ms) || 0)
    const id = ++clock.ids
    clock.timers.set(id, { at: clock.now + delay, id, run: () => fn(...args), every: repeat ? Math.max(1, delay) : undefined, w })
    return id
  }
  const clear = (id: unknown) => void clock.timers.delete(id as number)
  const page = w as unknown as Record<string, unknown>
  page.setTimeout = (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, false)
  page.setInterval = (fn: unknown, ms?: unknown, ...args: unknown[]) => add(fn, ms, args, true)
  page.clearTimeout = clear
  page.clearInterval = clear
  const PageDate = w.eval('Date') as DateConstructor
  page.Date = class extends PageDate {
    constructor(...args: unknown[]) {
      if (args.length) super(...(args as [number]))
      else super(clock.epoch + clock.now)
    }
    static override now() {
      return clock.epoch + clock.now
    }
  }
  ;(w.performance as { now: () => number }).now = () => clock.now - start
}

/** Run the timer due first at or before `t`, moving the clock to it; false when none is. */
function fireNext(t: number): boolean {
  let next: Timer | undefined
  for (const timer of clock.timers.values()) if (timer.at <= t && (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id))) next = timer
  if (!next) return false
  clock.now = Math.max(clock.now, next.at)
  if (next.every === undefined) clock.timers.delete(next.id)
  else next.at += next.every
  next.run()
  return true
}

/** Let promise callbacks run: a macrotask turn comes only once every pending microtask has. */
const turn = () => new Promise<void>((r) => setImmediate(r))

// happy-dom shares element classes between windows, so the loader's `src` setters (reroute.ts)
// would outlive their page: every page starts from the original descriptors.
const probe = new Window()
const elementClasses = [probe.HTMLImageElement, probe.HTMLScriptElement]
const srcDescriptors = elementClasses.map((E) => Object.getOwnPropertyDescriptor(E.prototype, 'src')!)
const resetSrc = () => elementClasses.forEach((E, i) => Object.defineProperty(E.prototype, 'src', srcDescriptors[i]))
void probe.happyDOM.close()

export function openPage(opts: PageOptions = {}): Page {
  resetSrc()
  const url = opts.url ?? 'https://shop.example/products/tote'
  const w = new Window({
    url,
    settings: {
      disableJavaScriptFileLoading: true,
      handleDisabledFileLoadingAsSuccess: opts.scriptLoad !== 'error',
      disableCSSFileLoading: true,
      navigator: { userAgent: 'Mozilla/5.0 (test)' },
    },
  })
  useClock(w)
  w.document.write('<!doctype html><html><head><script></script></head><body></body></html>')
  if (opts.from) {
    const prev = opts.from.w
    for (let i = 0; i < prev.localStorage.length; i++) {
      const k = prev.localStorage.key(i)!
      w.localStorage.setItem(k, prev.localStorage.getItem(k)!)
    }
    for (const c of prev.document.cookie.split('; ').filter(Boolean)) w.document.cookie = `${c}; path=/`
  }
  const requests: Request[] = []
  const px = pxSource(opts.drivers)
  const config: Config = { ...BASE_CONFIG, d: 'denied', ...opts.config }
  const { d, ...loaderConfig } = config
  const policy = createConsentPolicy({ defaultConsent: d })
  let consent = opts.from?.serverConsent()
  const answers: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const answer = async (url: string, body: unknown) => {
    if (url !== `${config.p}/ctx`) return new w.Response(null, { status: 202 })
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    if (opts.ctxDelay) await new Promise((r) => w.setTimeout(r, opts.ctxDelay))
    inFlight--
    const posted = JSON.parse(String(body)).consent
    if (posted) consent = Array.isArray(posted) ? policy.combine(posted) : posted
    const decided = browserDecisions(policy, consent, ['pinterest-tag', 'meta-pixel', 'tiktok-pixel'])
    answers.push(decided.decisions['pinterest-tag'].action)
    return new w.Response(JSON.stringify(decided), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  ;(w as any).fetch = (u: unknown, init?: { body?: unknown }) => {
    const url = (u as { url?: string }).url ?? String(u)
    requests.push({ via: 'fetch', url, body: init?.body })
    return answer(url, init?.body)
  }
  ;(w.navigator as any).sendBeacon = (u: unknown, body?: unknown) => (requests.push({ via: 'sendBeacon', url: String(u), body }), true)
  const open0 = w.XMLHttpRequest.prototype.open
  w.XMLHttpRequest.prototype.open = function (this: unknown, m: string, u: string | URL) {
    requests.push({ via: 'xhr', url: String(u) })
    return open0.call(this as never, m, 'data:,')
  } as never
  // The chunk's script element: run the built file (or fail) as its network answer would.
  const chunks: HTMLScriptElement[] = []
  let chunkDue = false
  const runChunk = () => {
    if (!chunkDue) return
    chunkDue = false
    w.eval(cmpSource())
  }
  const head = w.document.head as unknown as { append(...nodes: unknown[]): void }
  const append = head.append.bind(head)
  head.append = (...nodes) => {
    append(...nodes)
    for (const n of nodes as HTMLScriptElement[]) {
      // The pixel chunk runs at once, as a network answer would.
      if (n.getAttribute?.('src') === `${config.p}/px.js`) w.setTimeout(() => w.eval(px))
      if (n.getAttribute?.('src') !== `${config.p}/cmp.js`) continue
      chunks.push(n)
      if (opts.cmp === 'error') w.setTimeout(() => n.dispatchEvent(new w.Event('error') as unknown as Event))
      else (chunkDue = true), opts.cmp !== 'later' && runChunk()
    }
  }
  const page: Page = {
    w,
    requests,
    posts: (path) =>
      requests.filter((r) => r.via === 'fetch' && r.url === config.p + path).map((r) => JSON.parse(String(r.body))),
    scripts: () =>
      [...w.document.querySelectorAll('script')].map((s) => s.getAttribute('src') ?? '').filter((src) => src && src !== `${config.p}/cmp.js` && src !== `${config.p}/px.js`),
    cmpRequests: () => chunks.length,
    loadCmp: runChunk,
    tagCalls: () => (w as any).__pin ?? [],
    run: (js) => w.eval(js),
    load: () => w.eval(loaderSource().replace('__TW_CONFIG__', () => JSON.stringify(loaderConfig))),
    serverConsent: () => consent,
    answers: () => answers,
    maxInFlight: () => maxInFlight,
    close: () => {
      for (const t of [...clock.timers.values()]) if (t.w === w) clock.timers.delete(t.id)
      return w.happyDOM.close()
    },
  }
  if (typeof opts.before === 'string') w.eval(opts.before)
  else opts.before?.(w)
  if (opts.load !== false) page.load()
  open.push(page)
  return page
}

/** Close every window opened by a test (call in afterEach); the clock starts again at 0. */
export async function closePages(): Promise<void> {
  await Promise.all(open.splice(0).map((p) => p.close()))
  clock.timers.clear()
  clock.now = 0
}

/**
 * Move the pages' clock `ms` forward, running each timer when its time comes and every promise
 * callback in between (default 0: only what is due now, and what that sets off without a delay).
 */
export async function settle(ms = 0): Promise<void> {
  const end = clock.now + ms
  do await turn()
  while (fireNext(end))
  clock.now = end
  await turn()
}

/** The snippet's queue stubs, as the storefront snippet creates them (README). */
export const SNIPPET = `!function (w) {
  w.pintrk = w.pintrk || function () { w.pintrk.queue.push([].slice.call(arguments)) }
  w.pintrk.queue = w.pintrk.queue || []
  w.tagwarden = w.tagwarden || { q: [] }
}(window)`

/**
 * The snippet's lines for Meta's and TikTok's pixels (README "Meta and TikTok pixels on the page"),
 * pasted before their base codes: Meta's base code then leaves `fbq` alone (`if(f.fbq)return;`), and
 * TikTok's cannot replace the non-writable `load`, so neither inserts its script: the loader does,
 * where consent allows.
 */
export const PIXEL_STUBS = `!function (w) {
  w.fbq = w.fbq || function () { var f = w.fbq; f.callMethod ? f.callMethod.apply(f, arguments) : f.queue.push(arguments) }; w.fbq.queue = w.fbq.queue || []
  w.ttq = w.ttq || []; Object.defineProperty(w.ttq, 'load', { value: function (c, o) { w.ttq.push(['load', c, o]) } })
}(window)`

export const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' }
export const DENIED = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' }
