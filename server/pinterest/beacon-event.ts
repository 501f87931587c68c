import { canonicalEventSchema, type CanonicalEvent, type ConsentSignals, type Content, type CustomData, type EventSource, type UserData } from '../event'
import type { Beacon } from './beacon'
import { toCapiEventName } from './event-names'
import { toMoneyString } from './money'
import { hashUserValue, hashUserValues, isSha256 } from './normalize'

type Obj = Record<string, unknown>

/** What the server knows about the shopper behind a beacon: the request and the verified tw_ctx. */
export interface Shopper {
  ip?: string
  ua?: string
  /** Two-letter ISO-639-1 code from Accept-Language. */
  language?: string
  /** Epik from the verified cookie (raw; it becomes `click_id`). */
  epik?: string
  /** SHA-256 of the email from the verified cookie. */
  em?: string
  /** Pinterest's `_pin_unauth` (request cookie, else the copy in tw_ctx). */
  pinUnauth?: string
  /** tw_ctx visitor id. */
  visitorId?: string
  /** Consent: the cookie's snapshot plus what the server saw (Sec-GPC, country header). */
  consent?: ConsentSignals
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
/** Money in the event's currency; a negative amount is left out (docs/money.md). */
const money = (v: unknown, currency: string | undefined) => (typeof v === 'number' || typeof v === 'string' ? toMoneyString(v, currency) : undefined)
const defined = <T extends Obj>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/**
 * `line_items` with the tag's `product_*` keys → CAPI `contents[]` (api-and-tag.md §E; other keys
 * dropped: `contents` rejects unknown keys). A single object, as some themes write a one-product
 * event, is a list of one: its product id and price still count.
 */
function toContents(items: unknown, currency: string | undefined): Content[] | undefined {
  const list = Array.isArray(items) ? items : items && typeof items === 'object' ? [items] : undefined
  if (!list) return undefined
  const contents = list
    .filter((i): i is Obj => !!i && typeof i === 'object' && !Array.isArray(i))
    .slice(0, 1000)
    .map((i) =>
      defined({
        id: str(i.product_id),
        item_price: money(i.product_price, currency),
        quantity: count(i.product_quantity),
        item_name: str(i.product_name),
        item_category: str(i.product_category),
        item_brand: str(i.product_brand),
      }),
    )
    .filter((c) => Object.keys(c).length)
  return contents.length ? contents : undefined
}

/** The tag's event data → CAPI `custom_data` (api-and-tag.md §E); keys CAPI does not know are dropped. */
function toCustom(ed: Obj, pd: Obj): CustomData {
  const code = str(ed.currency)
  const currency = code && /^[A-Za-z]{3}$/.test(code) ? code.toUpperCase() : undefined
  const contents = toContents(ed.line_items, currency)
  const ids = contents?.map((c) => c.id).filter((id): id is string => !!id)
  return defined({
    value: money(ed.value, currency),
    currency,
    order_id: str(ed.order_id),
    num_items: count(ed.order_quantity),
    search_string: str(ed.search_query),
    content_ids: ids?.length ? ids : undefined,
    contents,
    // "We only process opt-outs if the value passed is LDP" (P3).
    opt_out_type: str(pd.opt_out_type)?.toUpperCase() === 'LDP' ? 'LDP' : undefined,
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

function toUser(beacon: Beacon, shopper: Shopper, url: string | undefined): UserData {
  const pdEm = str(beacon.pd.em, 128)
  const external = [shopper.pinUnauth, shopper.visitorId].map((v) => v && hashUserValue('external_id', v)).filter((v): v is string => !!v)
  return defined({
    client_ip_address: shopper.ip,
    client_user_agent: shopper.ua?.slice(0, 2048),
    click_id: shopper.epik ?? epikFromUrl(url),
    // Only a SHA-256 can be copied: a tag-side MD5/SHA-1 cannot become the SHA-256 CAPI needs (api-and-tag.md §B).
    em: shopper.em ? [shopper.em] : pdEm && isSha256(pdEm) ? [pdEm.toLowerCase()] : undefined,
    external_id: external.length ? [...new Set(external)] : undefined,
    // LDP location: `pd.st`/`pd.country` are SHA-256 already (P3); plaintext is normalized and hashed.
    st: hashUserValues('st', str(beacon.pd.st, 128)),
    country: hashUserValues('country', str(beacon.pd.country, 128)),
  })
}

const httpUrl = (v: unknown): string | undefined => {
  const s = str(v, 8192)
  return s && /^https?:\/\//i.test(s) ? s : undefined
}

/**
 * Build the canonical event a tag call stands for (api-and-tag.md §E), with the tag's own event_id.
 * `init` and user-defined events have no CAPI counterpart; an event without event_id is not
 * mirrored (Pinterest could not deduplicate it against the tag).
 * @example beaconToEvent(parseBeacon(url.searchParams), { ip, ua }, Date.now(), 'tag')
 */
export function beaconToEvent(beacon: Beacon, shopper: Shopper, nowMs: number, source: EventSource): BeaconResult {
  if (!beacon.event) return { skip: 'no event name' }
  const name = toCapiEventName(beacon.event)
  if (!name) return { skip: `"${beacon.event.slice(0, 64)}" is not a Pinterest conversion event (init and user-defined events are not mirrored)` }
  const eventId = str(beacon.ed.event_id, 257)
  if (!eventId) return { skip: 'no event_id in the event data' }
  const now = Math.floor(nowMs / 1000)
  // cb is the browser's clock in ms; "The event time cannot be in the future" (P7).
  const time = beacon.cb ? Math.min(Math.floor(beacon.cb / 1000), now) : now
  const url = httpUrl(beacon.ad.loc)
  const event = {
    name,
    event_id: eventId,
    // A cache buster that is no plausible clock (before 2001) says nothing about the event time.
    time: time > 1e9 ? time : now,
    source,
    action_source: 'web',
    url,
    language: shopper.language,
    user: toUser(beacon, shopper, url),
    custom: toCustom(beacon.ed, beacon.pd),
    consent: shopper.consent,
  }
  const parsed = canonicalEventSchema.safeParse(defined(event))
  if (!parsed.success) return { skip: `not a valid event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` }
  // The shopper's own consent object (valid, as the parse just showed): the policy has normalized
  // it already for the tag's decision and caches by object, so the pipeline does not do it again.
  return { event: shopper.consent ? { ...parsed.data, consent: shopper.consent } : parsed.data }
}
