import type { LoaderConfig } from './config'

export type Grant = 'granted' | 'denied'

/**
 * One source's consent signals, as posted in `POST {p}/ctx` → `consent` (a list, one entry per
 * source; the server combines them: server/consent/combine.ts): Consent Mode v2 flags plus raw
 * IAB strings and opt-out flags — the keys the server's schema knows (it drops any other, so the
 * hook passes what it gets).
 */
export interface Consent {
  ad_storage?: Grant
  ad_user_data?: Grant
  ad_personalization?: Grant
  analytics_storage?: Grant
  gpc?: boolean
  /** IAB TCF TC string, raw. */
  tcf?: string
  gdpr_applies?: boolean
  /** IAB GPP string, raw. */
  gpp?: string
  gpp_sid?: number[]
  us_privacy?: string
  sale_opt_out?: boolean
  /** Where this entry comes from: an adapter's name, `hook`, or `gcm-default` for a Consent Mode default. */
  source?: string
  /** A Consent Mode default's `region` list (ISO 3166-2): the server resolves it with the shopper's country. */
  region?: string[]
}

/** The server's decision per browser tag, as `POST {p}/ctx` answers it (server/consent/browser.ts). */
export type Decisions = Record<'pinterest-tag' | 'meta-pixel' | 'tiktok-pixel', { action: string; rule?: string }>

/**
 * What the loader lends its chunks for the Meta and TikTok pixels (client/px/): the
 * context it posts, `sync`, `post`, `afterCtx` and the decisions that hold now (client/ctx.ts).
 */
export type Io = [ctx: Ctx, sync: (now?: unknown) => void, post: (path: string, body: unknown) => Promise<unknown>, afterCtx: (f: () => unknown) => unknown, decisions: () => Decisions | undefined]

/** CMP window events the loader heard before the `{p}/cmp.js` chunk arrived: the last one of each type. */
export type Seen = Record<string, Event>

/**
 * One CMP adapter (`client/cmp/<name>.ts`). `n` = name (each entry's `source` unless it names its
 * own). `r` = read what the CMP says now: its signals (one entry or several), `null` while the CMP
 * is on the page but has not decided (the loader then holds the tag and events), nothing when it is
 * absent. `r` must be cheap and side-effect free: the loader reads every adapter after any change
 * and on a short poll. `s` = subscribe: call back when it may have changed (vendor events, queues,
 * callbacks), replaying window events from `seen` (cmp/hear.ts); it returns something truthy once
 * subscribed, and is tried again on every read until then (a CMP may appear at any moment).
 */
export interface Adapter {
  n: string
  r: (config: LoaderConfig) => Consent | Consent[] | false | null | undefined | 0 | ''
  s?: (changed: () => void, seen: Seen) => unknown
  /** Set once `s` succeeded. */
  k?: unknown
}

export interface CartItem {
  id: string
  price?: number
  quantity?: number
  name?: string
}

/** `tagwarden.cart(…)`: joins browser context and order webhooks by cart/checkout token. */
export interface Cart {
  id?: string
  token?: string
  checkout_token?: string
  currency?: string
  value?: number
  items?: CartItem[]
}

/** Body of `POST {p}/ctx`: only what the loader knows. */
export interface Ctx {
  epik?: string
  /** Meta's click id from the landing URL, raw; the server makes the `fbc` value and the `_fbc` cookie (docs/meta-capi.md §7). */
  fbclid?: string
  /** `_fbc` and `_fbp` as read (set by Meta's pixel or by tagwarden's server). */
  fbc?: string
  fbp?: string
  /** TikTok's click id from the landing URL, and its `_ttp` cookie (docs/tiktok-events.md §9). */
  ttclid?: string
  ttp?: string
  epik_src?: 'url' | 'cookie' | 'derived'
  pin_unauth?: string
  cart?: Cart
  /** One entry per source (consent.ts `read`). */
  consent?: Consent[]
  /**
   * The email given to `pintrk('load'|'set', {em})`, as given (plaintext or SHA-256 hex): the server
   * normalizes and hashes it before it is stored anywhere (server/context/ctx-body.ts).
   */
  em?: string
}

/** A pintrk call as queued by Pinterest's base code: `[command, ...args]`. */
export type Call = unknown[]

/** Event data of a `track`/`page` call; the loader guarantees `event_id`. */
export interface EventData {
  event_id?: string
  order_id?: string | number
  [key: string]: unknown
}

/** Body of `POST {p}/e`: one tag call the tag could not make. */
export interface FallbackEvent {
  event: string
  ed: EventData
  /** `load`/`set` options as given, plus `opt_out_type: 'LDP'`; the server keeps em (hashing it), st, country, opt_out_type. */
  pd: Record<string, unknown>
  ad: { loc: string; ref: string }
}

/** Public `window.tagwarden`. Calls made before the loader arrives wait in `tagwarden.q` as `[method, arg]`. */
export interface Tagwarden {
  cart(cart: Cart): void
  consent(consent: Consent): void
  q: { push(call: [string, unknown]): void }
  /** Internal: the `{p}/cmp.js` chunk registers its reader here (cmp-entry.ts). */
  _c(reader: (changed: () => void, seen: Seen, config: LoaderConfig, io: Io) => [Consent[], unknown]): void
  /** Internal: the `{p}/px.js` chunk registers the pixel wrappers here (px-entry.ts). */
  _x?: (io: Io, config: LoaderConfig) => void
  /** Internal: the loader's re-decision, for `{p}/px.js` to run at once when it arrives (px-load.ts). */
  _u?: () => void
}
