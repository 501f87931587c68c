// What TikTok's Events API 2.0 (`/open_api/v1.3/event/track/`) accepts, written from
// docs/tiktok-events.md independently of tagwarden's server code. TikTok's own reference was not
// readable, so every "unknown key" rule here is the fake being strict, not a verified TikTok rule.
import { isSha256Hex, stringOrStrings } from './fake-http'

/** Return codes from TikTok's Business API SDK (docs/tiktok-events.md §7). */
export const TT = {
  OK: 0,
  PARTIAL_OK: 20001,
  PARAM_ERROR: 40002,
  INVALID_BATCH_SIZE: 40061,
  PII_NOT_HASHED: 40062,
  TOO_FREQUENT: 40100,
  TOKEN_EXPIRED: 40102,
  TOKEN_EMPTY: 40104,
  TOKEN_INVALID: 40105,
  ROUTE_NOT_FOUND: 40400,
  SYSTEM_ERROR: 50000,
} as const

/** Third-party guides give 1,000 events per request; TikTok's page was not readable (§2). */
export const TIKTOK_MAX_EVENTS = 1000
export const TIKTOK_MAX_AHEAD_S = 300

export const BODY_KEYS = new Set(['event_source', 'event_source_id', 'partner_name', 'test_event_code', 'data'])
const EVENT_SOURCES = new Set(['web', 'app', 'offline', 'crm'])
const EVENT_KEYS = new Set(['event', 'event_time', 'event_id', 'user', 'properties', 'page', 'limited_data_use', 'lead'])
/** "must be hashed with SHA-256 on the client side" (§5). */
const HASHED = ['email', 'phone', 'external_id']
/** Newer address/name fields (RudderStack hashes them; TikTok's rule not verified): strings here. */
const PLAIN = ['ttclid', 'ttp', 'ip', 'user_agent', 'locale', 'first_name', 'last_name', 'city', 'state', 'country', 'zip_code']
const PROPERTY_KEYS = new Set([
  'contents', 'content_type', 'content_ids', 'currency', 'value', 'query', 'search_string', 'description', 'order_id', 'shop_id', 'num_items', 'predicted_ltv', 'delivery_category',
  // travel and vehicle parameters (§6)
  'city', 'region', 'country', 'checkin_date', 'checkout_date', 'num_adults', 'num_children', 'num_infants', 'suggested_hotels', 'departing_departure_date', 'returning_departure_date', 'origin_airport', 'destination_airport', 'destination_ids', 'departing_arrival_date', 'returning_arrival_date', 'travel_class', 'user_score', 'preferred_num_stops', 'travel_start', 'travel_end', 'suggested_destinations',
  'postal_code', 'make', 'model', 'year', 'state_of_vehicle', 'mileage', 'exterior_color', 'transmission', 'body_style', 'fuel_type', 'drivetrain', 'preferred_price_range', 'trim', 'vin', 'interior_color', 'condition_of_vehicle', 'viewcontent_type', 'search_type', 'registration_type',
])
const CONTENT_KEYS = new Set(['content_id', 'content_type', 'content_name', 'content_category', 'quantity', 'price', 'brand'])

export interface TikTokProblem {
  message: string
  code: number
}

const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v)

/** Validate the request body around the events; returns the first problem, if any. */
export function validateTikTokBody(b: unknown): TikTokProblem | undefined {
  const param = (message: string) => ({ message, code: TT.PARAM_ERROR })
  if (!isObject(b)) return param('The request body must be a JSON object')
  const unknown = Object.keys(b).filter((k) => !BODY_KEYS.has(k))
  if (unknown.length) return param(`Unknown field: ${unknown.join(', ')}`)
  if (b.event_source === undefined) return param('event_source: Missing data for required field.')
  if (!EVENT_SOURCES.has(b.event_source)) return param(`event_source: must be one of ${[...EVENT_SOURCES].join(', ')}`)
  if (typeof b.event_source_id !== 'string' || !b.event_source_id) return param('event_source_id: Missing data for required field.')
  for (const k of ['partner_name', 'test_event_code']) if (b[k] !== undefined && typeof b[k] !== 'string') return param(`${k}: must be a string`)
  if (!Array.isArray(b.data) || b.data.length < 1) return param('data: must be a non-empty array')
  if (b.data.length > TIKTOK_MAX_EVENTS) return { message: `data: at most ${TIKTOK_MAX_EVENTS} events per request, got ${b.data.length}`, code: TT.INVALID_BATCH_SIZE }
  return undefined
}

/** Validate one event at `nowS` (Unix seconds); returns the problems (empty = valid). */
export function validateTikTokEvent(e: unknown, nowS: number): TikTokProblem[] {
  if (!isObject(e)) return [{ message: 'event must be an object', code: TT.PARAM_ERROR }]
  const p: TikTokProblem[] = []
  const bad = (message: string, code: number = TT.PARAM_ERROR) => p.push({ message, code })
  for (const k of Object.keys(e)) if (!EVENT_KEYS.has(k)) bad(`Unknown field: ${k}`)
  if (typeof e.event !== 'string' || !e.event) bad('event: Missing data for required field.')
  const t = e.event_time
  if (t === undefined) bad('event_time: Missing data for required field.')
  else if (!Number.isInteger(t)) bad('event_time: must be an integer (Unix seconds)')
  else if (t > 9_999_999_999) bad('event_time: looks like milliseconds; TikTok takes Unix seconds')
  else if (t > nowS + TIKTOK_MAX_AHEAD_S) bad('event_time: in the future')
  if (e.event_id !== undefined && (typeof e.event_id !== 'string' || !e.event_id)) bad('event_id: must be a non-empty string')
  if (e.limited_data_use !== undefined && typeof e.limited_data_use !== 'boolean') bad('limited_data_use: must be a boolean')
  if (e.user !== undefined) checkUser(e.user, bad)
  if (e.page !== undefined) checkPage(e.page, bad)
  if (e.properties !== undefined) checkProperties(e.properties, bad)
  return p
}

function checkUser(u: unknown, bad: (m: string, code?: number) => void) {
  if (!isObject(u)) return void bad('user: must be an object')
  for (const k of Object.keys(u)) if (!HASHED.includes(k) && !PLAIN.includes(k)) bad(`Unknown field: user.${k}`)
  for (const k of HASHED) {
    if (u[k] === undefined) continue
    const values = stringOrStrings(u[k])
    if (!values) bad(`user.${k}: must be a string or an array of strings`)
    else if (!values.every(isSha256Hex)) bad(`user.${k}: must be SHA-256 (lowercase hex), not plain text`, TT.PII_NOT_HASHED)
  }
  for (const k of PLAIN) if (u[k] !== undefined && (typeof u[k] !== 'string' || !u[k])) bad(`user.${k}: must be a non-empty string`)
}

function checkPage(page: unknown, bad: (m: string) => void) {
  if (!isObject(page)) return void bad('page: must be an object')
  for (const k of Object.keys(page)) if (k !== 'url' && k !== 'referrer') bad(`Unknown field: page.${k}`)
  for (const k of ['url', 'referrer']) if (page[k] !== undefined && typeof page[k] !== 'string') bad(`page.${k}: must be a string`)
}

function checkProperties(pr: unknown, bad: (m: string) => void) {
  if (!isObject(pr)) return void bad('properties: must be an object')
  for (const k of Object.keys(pr)) if (!PROPERTY_KEYS.has(k)) bad(`Unknown field: properties.${k}`)
  if (pr.value !== undefined && (typeof pr.value !== 'number' || !Number.isFinite(pr.value))) bad('properties.value: must be a number')
  // TikTok's sample writes "USD"; whether lowercase is refused is not verified — uppercase only here.
  if (pr.currency !== undefined && (typeof pr.currency !== 'string' || !/^[A-Z]{3}$/.test(pr.currency))) bad('properties.currency: must be an ISO 4217 code')
  if (pr.content_type !== undefined && pr.content_type !== 'product' && pr.content_type !== 'product_group') bad('properties.content_type: must be product or product_group')
  if (pr.content_ids !== undefined && !stringOrStrings(pr.content_ids)) bad('properties.content_ids: must be strings')
  for (const k of ['num_items', 'predicted_ltv']) if (pr[k] !== undefined && typeof pr[k] !== 'number') bad(`properties.${k}: must be a number`)
  for (const k of ['query', 'search_string', 'description', 'order_id', 'shop_id']) if (pr[k] !== undefined && typeof pr[k] !== 'string') bad(`properties.${k}: must be a string`)
  if (pr.contents === undefined) return
  if (!Array.isArray(pr.contents)) return void bad('properties.contents: must be an array')
  for (const item of pr.contents) {
    if (!isObject(item)) { bad('properties.contents[]: must be objects'); continue }
    for (const k of Object.keys(item)) if (!CONTENT_KEYS.has(k)) bad(`Unknown field: properties.contents[].${k}`)
    if (item.content_id !== undefined && typeof item.content_id !== 'string') bad('properties.contents[].content_id: must be a string')
    if (item.price !== undefined && typeof item.price !== 'number') bad('properties.contents[].price: must be a number')
    if (item.quantity !== undefined && !Number.isInteger(item.quantity)) bad('properties.contents[].quantity: must be an integer')
  }
}
