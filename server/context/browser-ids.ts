import { getCookie, setCookie, type H3Event } from 'h3'
import { z } from 'zod'
import type { ClickIdKey } from '../event'

/** When and where an id is made on the server: the request's host and the server's clock (ms). */
export interface MadeAt { host: string; nowMs: number }

/**
 * A click or browser id a platform reads in the shopper's browser, declared by its destination
 * driver (`browserIds`, README "Add a destination"). `/ctx` takes it, the tw_ctx cookie and the
 * cart store keep it, and every server copy finds it under `key` (`user.ids`); the consent policy
 * decides whether it is kept at all (`keepsClickIds`, consent/click-ids.ts).
 * @example { key: 'tiktok.ttp', claim: 'ttp', cookie: '_ttp', pattern: /^[\x21-\x7e]{1,256}$/ }
 */
export interface BrowserId {
  /** The neutral key destinations read it under (`meta.fbc`; event.ts `ClickIdKey`). */
  key: ClickIdKey
  /**
   * Its name in the `/ctx` body and in the tw_ctx cookie (`fbc`): short (it rides on every
   * request), and never renamed once shipped — cookies and loaders cached in browsers carry it
   * (docs/design.md "The context cookie").
   */
  claim: string
  /** What a valid value looks like, its length included; anything else is dropped, never refused. */
  pattern: RegExp
  /** The first-party cookie the page keeps it in (`_fbc`): the loader posts it as `claim`, and the value on a request beats the stored copy. */
  cookie?: string
  /** The landing URL parameter it comes from (`fbclid`): the loader posts it under this name; it beats the cookie. */
  param?: string
  /**
   * How the URL value becomes the id, given the current one (the cookie's, else the stored one);
   * without it the URL value is the id. Needs a `param` other than `claim`.
   */
  fromUrl?(value: string, current: string | undefined, at: MadeAt): string | undefined
  /**
   * The server keeps `cookie` first-party (set from the context, not HttpOnly: the platform's
   * script reads it) where the browser tag `under` may run (`BrowserDecision.runs`); `create`
   * makes one for a shopper who has none, where a destination declaring the id is configured.
   */
  keep?: { under: string; maxAgeS: number; create?(at: MadeAt): string }
}

/** A URL parameter as the `/ctx` body carries it before `fromUrl` (the loader reads it with `safeId`: client/util.ts). */
const URL_VALUE = /^[\x21-\x7e]{1,512}$/
/** Claim, parameter and cookie names: short, and safe as JSON keys, cookie names and URL parameters. */
const NAME = /^[A-Za-z_][\w-]{0,31}$/

/**
 * The declarations of every driver and destination given, checked and without repeats (the first
 * declaration of a key wins): a name `taken` (the cookie's and the body's own keys) or used by two
 * keys is an error naming both.
 * @example collectBrowserIds([{ name: 'meta-capi', browserIds: [...] }], ['vid', 'epik']).map((d) => d.key) // ['meta.fbc', 'meta.fbp']
 */
export function collectBrowserIds(owners: readonly { name: string; browserIds?: readonly BrowserId[] }[], taken: readonly string[]): BrowserId[] {
  const byKey = new Map<string, BrowserId>()
  const names = new Map<string, string>(taken.map((n) => [n, 'the context itself']))
  const fail = (owner: string, problem: string) => {
    throw new Error(`[tagwarden] [browser-ids] ${owner}: ${problem}`)
  }
  for (const { name, browserIds = [] } of owners) {
    for (const d of browserIds) {
      if (byKey.has(d.key)) continue
      for (const n of [d.claim, d.param, d.cookie]) if (n !== undefined && !NAME.test(n)) fail(name, `"${n}" (${d.key}) must be a short name of letters, digits, _ or -`)
      if (d.fromUrl && (!d.param || d.param === d.claim)) fail(name, `${d.key} turns a URL value into the id: it needs a param other than its claim`)
      if (d.keep && !d.cookie) fail(name, `${d.key} keeps a cookie: it needs a cookie name`)
      for (const n of new Set([d.claim, d.param].filter((v): v is string => !!v))) {
        const user = names.get(n)
        if (user) fail(name, `"${n}" (${d.key}) is already used by ${user}`)
        names.set(n, d.key)
      }
      byKey.set(d.key, d)
    }
  }
  return [...byKey.values()]
}

/**
 * The `/ctx` body's fields for the declared ids: each `claim` (the cookie's value, or the URL's when
 * the parameter has the claim's name) and each other `param`. A malformed value is dropped, not
 * refused: a cookie another script wrote must not cost the shopper's consent update.
 */
export function browserIdFields(declared: readonly BrowserId[]) {
  const fields: Record<string, z.ZodCatch<z.ZodOptional<z.ZodString>>> = {}
  for (const d of declared) {
    fields[d.claim] = z.string().regex(d.pattern).optional().catch(undefined)
    if (d.param && d.param !== d.claim) fields[d.param] = z.string().regex(URL_VALUE).optional().catch(undefined)
  }
  return z.object(fields)
}

/**
 * The declared URL parameters of the page that posted to `/ctx`, read from its `Referer` when it is
 * the shop's own page (`ownPage`, given the Referer's lowercase host name; browsers
 * send a same-origin request's full URL unless the page's Referrer-Policy strips it: docs/design.md
 * "The context cookie").
 * Under the parameter's name, as the pixel chunk would post it: so a landing click id is taken where
 * no client code reads it (a page without Meta's or TikTok's pixel never loads `/tw/px.js`). A value
 * the page posts itself wins.
 * @example refererParams('https://shop.test/p?acclid=c-1', (h) => h === 'shop.test', declared) // { acclid: 'c-1' }
 */
export function refererParams(referer: string | null, ownPage: (host: string) => boolean, declared: readonly BrowserId[]): Record<string, string> {
  const out: Record<string, string> = {}
  if (!referer || !declared.some((d) => d.param)) return out
  let url: URL
  try {
    url = new URL(referer)
  } catch {
    return out
  }
  if (!ownPage(url.hostname)) return out
  for (const d of declared) {
    const v = d.param ? url.searchParams.get(d.param) : null
    if (v && URL_VALUE.test(v)) out[d.param!] = v
  }
  return out
}

/** The value of `claim` in a context, when it is valid for the declaration. */
export function claimed(claims: Record<string, unknown> | undefined, d: BrowserId): string | undefined {
  const v = claims?.[d.claim]
  return typeof v === 'string' && d.pattern.test(v) ? v : undefined
}

/**
 * Each declared id a `/ctx` post brings, by claim: the URL beats the cookie (through `fromUrl`,
 * given the cookie's or else the stored value), which beats the stored one (left to the merge).
 */
export function postedIds(declared: readonly BrowserId[], posted: Record<string, string | undefined>, stored: Record<string, unknown> | undefined, at: MadeAt): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of declared) {
    const url = d.param && d.param !== d.claim ? posted[d.param] : undefined
    const given = posted[d.claim]
    const value = url && d.fromUrl ? d.fromUrl(url, given ?? claimed(stored, d), at) : (url ?? given)
    if (value && d.pattern.test(value)) out[d.claim] = value
  }
  return out
}

/**
 * The declared ids for the server copies of a request, keyed `platform.id`: a valid cookie on the
 * request (what the platform's own script sees now) beats the copy in the context.
 */
export function browserIdsOf(event: H3Event, claims: Record<string, unknown> | undefined, declared: readonly BrowserId[]): Partial<Record<ClickIdKey, string>> | undefined {
  let found: Partial<Record<ClickIdKey, string>> | undefined
  for (const d of declared) {
    const c = d.cookie ? getCookie(event, d.cookie) : undefined
    const v = c !== undefined && d.pattern.test(c) ? c : claimed(claims, d)
    if (v !== undefined) (found ??= {})[d.key] = v
  }
  return found
}

/**
 * Ids the server makes itself: for each declaration with `keep.create` whose tag may run, where a
 * configured destination declares it, a shopper with neither a stored value nor the cookie gets one.
 */
export function createBrowserIds(event: H3Event, claims: Record<string, unknown>, declared: readonly BrowserId[], runs: (tag: string) => boolean, configured: ReadonlySet<string>, at: MadeAt): void {
  for (const d of declared) {
    const create = d.keep?.create
    if (!create || !configured.has(d.key) || !runs(d.keep!.under) || claims[d.claim] !== undefined || getCookie(event, d.cookie!)) continue
    claims[d.claim] = create(at)
  }
}

/**
 * Keep each declared cookie first-party where its tag may run: set from the context when the browser
 * does not hold that value, so it outlives the 7-day cap browsers put on script-set cookies.
 */
export function keepBrowserIdCookies(event: H3Event, claims: Record<string, unknown>, declared: readonly BrowserId[], runs: (tag: string) => boolean): void {
  for (const d of declared) {
    if (!d.keep || !runs(d.keep.under)) continue
    const v = claimed(claims, d)
    if (v && getCookie(event, d.cookie!) !== v) setCookie(event, d.cookie!, v, { path: '/', sameSite: 'lax', secure: true, maxAge: d.keep.maxAgeS, encode: (s: string) => s })
  }
}

/**
 * One id the px chunk reads in the page (client/px/index.ts): the URL parameter's value, else the
 * cookie's, posted to `/ctx` under `name` (`''`: no parameter).
 */
export type PageRead = [name: string, param: string, cookie?: string]

/**
 * What the px chunk reads for the declared ids, in declaration order, each under the `/ctx` body
 * field `postedIds` takes it from: a `param` other than the claim under its own name (the server
 * makes the id from it: `fromUrl`), the cookie under the claim, and a `param` named like the claim
 * under the claim, before the cookie (the URL beats the cookie). The server inlines the list into
 * `{prefix}/px.js` (routes/loader.ts `PX_SLOT`), so a declared id needs no client code.
 * @example pageReads(metaIds) // [['fbclid', 'fbclid'], ['fbc', '', '_fbc'], ['fbp', '', '_fbp']]
 */
export function pageReads(declared: readonly BrowserId[]): PageRead[] {
  const out: PageRead[] = []
  for (const d of declared) {
    const own = d.param !== undefined && d.param !== d.claim
    if (own) out.push([d.param!, d.param!])
    const param = own ? '' : (d.param ?? '')
    if (d.cookie) out.push([d.claim, param, d.cookie])
    else if (param) out.push([d.claim, param])
  }
  return out
}
