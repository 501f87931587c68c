import type { Storage } from 'unstorage'
import type { CanonicalEvent, ClickIdKey, ConsentSignals } from '../event'
import { hashUserValue } from '../identity/normalize'
import { createHeldCarts, type HeldCarts } from './held-carts'

/** What the browser told us about a shopper, kept per cart/checkout token so an order can be joined to it. */
export interface CartContext {
  /** Pinterest click id (`epik`): the click id `pinterest.epik`, sent unhashed. */
  epik?: string
  /** The declared click and browser ids (`meta.fbc`, `tiktok.ttp`, …: context/browser-ids.ts), each sent only to its own platform's destinations. */
  ids?: Partial<Record<ClickIdKey, string>>
  ip?: string
  ua?: string
  /** Random visitor id from tw_ctx; hashed into `external_id`. */
  visitor_id?: string
  /** SHA-256 of the email, when enhanced match supplied one (never plaintext). */
  em?: string
  consent?: ConsentSignals
  /** When this context was stored (ms). */
  at: number
}

export interface CartContextStore {
  /** Remember a context under every token given (cart token, checkout token, cart hash, …). */
  put(tokens: string[], context: CartContext): Promise<void>
  get(token: string): Promise<CartContext | undefined>
  /** The first context found among several candidate tokens. */
  find(tokens: (string | undefined | null)[]): Promise<CartContext | undefined>
  /**
   * Keep a context `put` could not store (storage down) in memory, written with the next `put` or
   * read that reaches storage, or by `writeHeld`; `get` finds it meanwhile (context/held-carts.ts).
   */
  hold(tokens: string[], context: CartContext): void
  /** Write what is held now (storage is back); a failure leaves it held. */
  writeHeld(): Promise<void>
}

/** Cart/checkout tokens are kept 30 days (a checkout can be finished days after the ad click). */
export const CART_CONTEXT_TTL_MS = 30 * 24 * 3600 * 1000

/** Shopify's /cart.js may append `?key=…` to the token that orders carry bare: key by the bare token. */
const bareToken = (token: string) => token.trim().replace(/(\?|%3F)key(=|%3D).*$/i, '')
const keyOf = (token: string) => `ctx:cart:${encodeURIComponent(bareToken(token)).slice(0, 300)}`

/**
 * Storage of browser context by cart/checkout token, for webhooks and API events that carry a
 * `context` token. Expired entries read as missing.
 */
export function createCartContextStore(storage: Storage, now: () => number = Date.now, held: HeldCarts<CartContext> = createHeldCarts(now, () => {})): CartContextStore {
  const unique = (tokens: string[]) => [...new Set(tokens.map(bareToken).filter(Boolean))]
  const write = (token: string, context: CartContext) => storage.setItem(keyOf(token), context, { ttl: Math.floor(CART_CONTEXT_TTL_MS / 1000) })
  /** Storage answered: write what was held during an outage (a failure leaves it held for the next try). */
  const writeHeld = async () => {
    if (held.size) await held.flush(write).catch(() => undefined)
  }
  async function put(tokens: string[], context: CartContext): Promise<void> {
    await Promise.all(unique(tokens).map((t) => write(t, context)))
    void writeHeld()
  }
  async function get(token: string): Promise<CartContext | undefined> {
    if (!token.trim()) return undefined
    const stored = await storage.getItem<CartContext>(keyOf(token))
    void writeHeld()
    // A context held during an outage is newer than what storage had for this token before it.
    const kept = held.get(bareToken(token))
    const c = kept && (!stored || kept.at >= stored.at) ? kept : stored
    if (!c || typeof c.at !== 'number') return undefined
    if (now() - c.at > CART_CONTEXT_TTL_MS) {
      await storage.removeItem(keyOf(token))
      return undefined
    }
    return c
  }
  async function find(tokens: (string | undefined | null)[]): Promise<CartContext | undefined> {
    for (const t of tokens) {
      if (!t) continue
      const c = await get(String(t))
      if (c) return c
    }
    return undefined
  }
  return { put, get, find, hold: (tokens, context) => held.hold(unique(tokens), context), writeHeld }
}

/**
 * Fill what an event lacks from the shopper's stored context: the click ids, IP, UA, external_id,
 * hashed email, and the consent that shopper gave (an event's own consent signals win).
 */
export function joinContext(event: CanonicalEvent, ctx: CartContext): CanonicalEvent {
  const user = { ...event.user }
  // Stored ids fill the ones the event lacks; the event's own win.
  if (ctx.epik || ctx.ids) user.ids = { ...(ctx.epik ? { 'pinterest.epik': ctx.epik } : {}), ...ctx.ids, ...user.ids }
  if (!user.client_ip_address && ctx.ip) user.client_ip_address = ctx.ip
  if (!user.client_user_agent && ctx.ua) user.client_user_agent = ctx.ua
  if (!user.em && ctx.em) user.em = [ctx.em]
  if (!user.external_id && ctx.visitor_id) {
    const h = hashUserValue('external_id', ctx.visitor_id)
    if (h) user.external_id = [h]
  }
  return { ...event, user, consent: event.consent ?? ctx.consent }
}
