import type { CanonicalEvent, ClickIdKey, ConsentSignals, Content, EventData, EventSource, Identity } from '../event'
import { hashUserValue, isSha256, normalizeValues } from '../identity/normalize'
import { parseAmount } from '../money'
import type { Beacon } from './beacon'
import { toCapiEventName } from './event-names'
import { asksRestricted } from './ldp'

type Obj = Record<string, unknown>

/** What the server knows about the shopper behind a beacon: the request and the verified tw_ctx. */
export interface Shopper {
  ip?: string
  ua?: string
  /** Two-letter ISO-639-1 code from Accept-Language. */
  language?: string
  /** Epik from the verified cookie (raw; the click id `pinterest.epik`). */
  epik?: string
  /** SHA-256 of the email from the verified cookie. */
  em?: string
  /** Pinterest's `_pin_unauth` (request cookie, else the copy in tw_ctx). */
  pinUnauth?: string
  /** tw_ctx visitor id. */
  visitorId?: string
  /** Consent: the cookie's snapshot plus what the server saw (Sec-GPC, country header). */
  consent?: ConsentSignals
  /** Meta's and TikTok's click and browser ids (`meta.fbc`, `meta.fbp`, `tiktok.ttclid`, `tiktok.ttp`), for their pixels' server copies (server/pixel-call.ts). */
  ids?: Partial<Record<ClickIdKey, string>>
}

export type BeaconResult = { event: CanonicalEvent } | { skip: string }

const str = (v: unknown, max = 1024): string | undefined => {
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined
  return s ? s.slice(0, max) : undefined
}
const count = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN
  return Number.isFinite(n) && n >= 0 ? Math.trunc(n) : undefined
}
/** An amount; a negative one is left out (docs/money.md). */
const money = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? parseAmount(v) : undefined)
const defined = <T extends Obj>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/**
 * `line_items` with the tag's `product_*` keys → neutral contents (docs/pinterest-tag.md "Event
 * data"; other keys dropped). A single object, as some themes write a one-product event, is a list
 * of one: its product id and price still count.
 */
function toContents(items: unknown): Content[] | undefined {
  const list = Array.isArray(items) ? items : items && typeof items === 'object' ? [items] : undefined
  if (!list) return undefined
  const contents = list
    .filter((i): i is Obj => !!i && typeof i === 'object' && !Array.isArray(i))
    .slice(0, 1000)
    .map((i) =>
      defined({
        id: str(i.product_id),
        price: money(i.product_price),
        quantity: count(i.product_quantity),
        name: str(i.product_name),
        category: str(i.product_category),
        brand: str(i.product_brand),
      }),
    )
    .filter((c) => Object.keys(c).length)
  return contents.length ? contents : undefined
}

/** The tag's event data → neutral event data (docs/pinterest-tag.md "Event data"); other keys are dropped. */
function toData(ed: Obj): EventData {
  const code = str(ed.currency)
  const contents = toContents(ed.line_items)
  const ids = contents?.map((c) => c.id).filter((id): id is string => !!id)
  return defined({
    value: money(ed.value),
    currency: code && /^[A-Za-z]{3}$/.test(code) ? code.toUpperCase() : undefined,
    order_id: str(ed.order_id),
    num_items: count(ed.order_quantity),
    search_string: str(ed.search_query),
    content_ids: ids?.length ? ids : undefined,
    contents,
  })
}

/** The `epik` parameter of the page URL: the click id when the cookie has none yet (first page of a visit). */
function epikFromUrl(loc: string | undefined): string | undefined {
  if (!loc) return undefined
  try {
    const v = new URL(loc).searchParams.get('epik')?.trim()
    return v && /^[\x21-\x7e]{1,1024}$/.test(v) ? v : undefined
  } catch {
    return undefined
  }
}

function toIdentity(beacon: Beacon, shopper: Shopper, url: string | undefined): Identity {
  const pdEm = str(beacon.pd.em, 128)
  // Hashed here, not later: only the hash of these browser ids is ever sent or kept.
  const external = [shopper.pinUnauth, shopper.visitorId].map((v) => v && hashUserValue('external_id', v)).filter((v): v is string => !!v)
  const epik = shopper.epik ?? epikFromUrl(url)
  return defined({
    client_ip_address: shopper.ip,
    client_user_agent: shopper.ua?.slice(0, 2048),
    ids: epik ? { 'pinterest.epik': epik } : undefined,
    // Only a SHA-256 can be copied: a tag-side MD5/SHA-1 cannot become the SHA-256 a destination needs (docs/pinterest-tag.md "Enhanced match").
    em: shopper.em ? [shopper.em] : pdEm && isSha256(pdEm) ? [pdEm.toLowerCase()] : undefined,
    external_id: external.length ? [...new Set(external)] : undefined,
    // LDP location: `pd.st`/`pd.country` are SHA-256 already (docs/pinterest-tag.md "LDP"); plaintext is normalized.
    st: normalizeValues('st', str(beacon.pd.st, 128)),
    country: normalizeValues('country', str(beacon.pd.country, 128)),
  })
}

const httpUrl = (v: unknown): string | undefined => {
  const s = str(v, 8192)
  return s && /^https?:\/\//i.test(s) ? s : undefined
}

/** Pinterest accepts event ids up to this long (the events API enforces the same bound). */
const MAX_EVENT_ID = 256
const PINTEREST_ONLY = ['pinterest'] as const

/**
 * Build the canonical event a tag call stands for (docs/pinterest-tag.md "Event data"), with the
 * tag's own event_id. `init` and user-defined events have no conversion counterpart; an event
 * without event_id is not mirrored (Pinterest could not deduplicate it against the tag).
 * @example beaconToEvent(parseBeacon(url.searchParams), { ip, ua }, Date.now(), 'tag')
 */
export function beaconToEvent(beacon: Beacon, shopper: Shopper, nowMs: number, source: EventSource): BeaconResult {
  if (!beacon.event) return { skip: 'no event name' }
  const name = toCapiEventName(beacon.event)
  if (!name) return { skip: `"${beacon.event.slice(0, 64)}" is not a Pinterest conversion event (init and user-defined events are not mirrored)` }
  const eventId = str(beacon.ed.event_id, MAX_EVENT_ID + 1)
  if (!eventId) return { skip: 'no event_id in the event data' }
  if (eventId.length > MAX_EVENT_ID) return { skip: `event_id longer than ${MAX_EVENT_ID} characters` }
  const now = Math.floor(nowMs / 1000)
  // cb is the browser's clock in ms; "The event time cannot be in the future" (docs/pinterest-capi.md "event_time").
  const time = beacon.cb ? Math.min(Math.floor(beacon.cb / 1000), now) : now
  const url = httpUrl(beacon.ad.loc)
  const event: CanonicalEvent = {
    name,
    event_id: eventId,
    // A cache buster that is no plausible clock (before 2001) says nothing about the event time.
    time: time > 1e9 ? time : now,
    source,
    action_source: 'web',
    user: toIdentity(beacon, shopper, url),
    custom: toData(beacon.ed),
    // A Pinterest tag call: its server copy is Pinterest's (Meta's and TikTok's pixels report their own).
    platforms: PINTEREST_ONLY,
  }
  if (url) event.url = url
  if (shopper.language) event.language = shopper.language
  // "We only process opt-outs if the value passed is LDP" (docs/pinterest-tag.md "LDP").
  if (asksRestricted(str(beacon.pd.opt_out_type))) event.restricted = true
  // The shopper's own consent object: the policy has normalized it already for the tag's decision
  // and caches by object, so the pipeline does not do it again.
  if (shopper.consent) event.consent = shopper.consent
  return { event }
}
