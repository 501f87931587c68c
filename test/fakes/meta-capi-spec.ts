// What Meta's Conversions API accepts, written from docs/meta-capi.md (Meta's parameter pages and
// Meta's own Node SDK), independently of tagwarden's server code so a mistake in one is caught by the
// other. Where Meta's behaviour could not be verified the fake is the stricter side, and says so.
import { isSha256Hex as isHash, stringOrStrings as strings } from './fake-http'

/** "Up to 1,000 events in data" (docs/meta-capi.md §2). */
export const META_MAX_EVENTS = 1000
/** "If any event_time in data is greater than 7 days in the past … error for the entire request" (§3). */
export const META_MAX_AGE_S = 7 * 24 * 3600
/** Graph error subcode for an event older than 7 days, as public integrations observe it (§3). */
export const SUBCODE_TOO_OLD = 2804003
/** How far ahead an event_time may be: Meta documents no figure; the fake allows clock skew only. */
export const META_MAX_AHEAD_S = 300

/** Main body keys (§2). Graph's handling of unknown body keys is not verified: the fake refuses them. */
export const BODY_KEYS = new Set(['data', 'test_event_code', 'partner_agent', 'namespace_id', 'upload_id', 'upload_tag', 'upload_source', 'access_token', 'appsecret_proof'])
/** Server event keys: the Node SDK's full list (§3). Unknown keys: not verified, refused here. */
const EVENT_KEYS = new Set(['event_name', 'event_time', 'user_data', 'custom_data', 'event_source_url', 'event_id', 'action_source', 'opt_out', 'data_processing_options', 'data_processing_options_country', 'data_processing_options_state', 'referrer_url', 'app_data', 'original_event_data', 'attribution_data', 'messaging_channel', 'advanced_measurement_table', 'advertiser_tracking_enabled'])
const ACTION_SOURCES = new Set(['website', 'app', 'email', 'phone_call', 'chat', 'physical_store', 'system_generated', 'business_messaging', 'other'])
/** user_data keys that must be SHA-256 ("designed to not accept … unhashed Contact Information", §4). */
const HASHED = ['em', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country', 'f5first', 'f5last', 'fi', 'dobd', 'dobm', 'doby']
/** external_id: hashing recommended, not required (§4). */
const HASH_OPTIONAL = ['external_id']
const RAW = ['client_ip_address', 'client_user_agent', 'fbc', 'fbp', 'subscription_id', 'fb_login_id', 'lead_id', 'madid', 'anon_id', 'page_id', 'ctwa_clid', 'app_user_id']
/** Any one of these (or IP + UA) makes a matchable event; Meta's exact combination table is not verified. */
const IDENTIFIERS = ['em', 'ph', 'external_id', 'fbc', 'fbp', 'fb_login_id', 'lead_id', 'madid', 'anon_id', 'subscription_id']
const CONTENT_KEYS = new Set(['id', 'quantity', 'item_price', 'title', 'description', 'brand', 'category', 'delivery_category'])
/**
 * `fb.<subdomainIndex>.<creationTime ms>.<payload>[.<appendix>]` (§7). Meta flags malformed values in
 * Events Manager; whether the API refuses them is not verified — refused here (a seconds timestamp
 * is the classic bug).
 */
const FB_COOKIE = /^fb\.\d\.\d{13}\.[^.\s]+(\.[A-Za-z0-9_-]{2,8})?$/

export interface MetaProblem {
  message: string
  subcode?: number
}

const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v)

/** Validate one server event at `nowS` (Unix seconds); returns the problems (empty = valid). */
export function validateMetaEvent(e: unknown, nowS: number): MetaProblem[] {
  if (!isObject(e)) return [{ message: 'event must be an object' }]
  const p: MetaProblem[] = []
  const bad = (message: string, subcode?: number) => p.push({ message, subcode })
  for (const k of Object.keys(e)) if (!EVENT_KEYS.has(k)) bad(`unknown key ${k}`)
  for (const k of ['event_name', 'event_time', 'user_data', 'action_source']) if (e[k] === undefined) bad(`missing ${k}`)
  if (e.event_name !== undefined && (typeof e.event_name !== 'string' || !e.event_name || e.event_name.length > 50)) bad('event_name must be a string of 1–50 characters')
  const t = e.event_time
  if (t !== undefined) {
    if (!Number.isInteger(t)) bad('event_time must be an integer (Unix seconds)')
    else if (t > 9_999_999_999) bad('event_time looks like milliseconds; Meta takes Unix seconds')
    else if (t > nowS + META_MAX_AHEAD_S) bad('event_time is in the future')
    else if (t < nowS - META_MAX_AGE_S) bad('event_time is more than 7 days in the past', SUBCODE_TOO_OLD)
  }
  if (e.action_source !== undefined && !ACTION_SOURCES.has(e.action_source)) bad(`unknown action_source ${String(e.action_source)}`)
  if (e.event_id !== undefined && (typeof e.event_id !== 'string' || !e.event_id)) bad('event_id must be a non-empty string')
  if (e.opt_out !== undefined && typeof e.opt_out !== 'boolean') bad('opt_out must be a boolean')
  if (e.action_source === 'website' && (typeof e.event_source_url !== 'string' || !/^https?:\/\//.test(e.event_source_url))) bad('website events need event_source_url (http or https)')
  checkProcessingOptions(e, bad)
  if (e.user_data !== undefined) checkUserData(e.user_data, e.action_source === 'website', bad)
  if (e.custom_data !== undefined) checkCustomData(e.custom_data, bad)
  return p
}

/** LDU (§8): ['LDU'] or []; country 1 (US) or 0 (geolocate); state 1000 (California) or 0 — the only documented values. */
function checkProcessingOptions(e: Record<string, any>, bad: (m: string) => void) {
  const dpo = e.data_processing_options
  if (dpo !== undefined && (!Array.isArray(dpo) || dpo.some((x) => x !== 'LDU'))) bad('data_processing_options must be [] or ["LDU"]')
  const country = e.data_processing_options_country
  const state = e.data_processing_options_state
  if (country !== undefined && country !== 0 && country !== 1) bad('data_processing_options_country must be 1 (US) or 0')
  if (state !== undefined && state !== 0 && state !== 1000) bad('data_processing_options_state must be 1000 (California) or 0')
  if ((country !== undefined || state !== undefined) && !(Array.isArray(dpo) && dpo.includes('LDU'))) bad('data_processing_options_country/state need data_processing_options ["LDU"]')
}

function checkUserData(u: unknown, website: boolean, bad: (m: string) => void) {
  if (!isObject(u)) return void bad('user_data must be an object')
  for (const k of Object.keys(u)) if (!HASHED.includes(k) && !HASH_OPTIONAL.includes(k) && !RAW.includes(k)) bad(`unknown user_data key ${k}`)
  for (const k of HASHED) {
    if (u[k] === undefined) continue
    const values = strings(u[k])
    if (!values) bad(`user_data.${k} must be a string or an array of strings`)
    else if (!values.every(isHash)) bad(`user_data.${k} must be SHA-256 (lowercase hex): Meta does not accept unhashed contact information`)
  }
  for (const k of HASH_OPTIONAL) if (u[k] !== undefined && !strings(u[k])) bad(`user_data.${k} must be a string or an array of strings`)
  for (const k of RAW) if (u[k] !== undefined && (typeof u[k] !== 'string' || !u[k])) bad(`user_data.${k} must be a non-empty string`)
  for (const k of ['fbc', 'fbp']) if (typeof u[k] === 'string' && !FB_COOKIE.test(u[k])) bad(`user_data.${k} must look like fb.<index>.<ms>.<payload>`)
  if (website && !u.client_user_agent) bad('website events need user_data.client_user_agent')
  if (!IDENTIFIERS.some((k) => u[k] !== undefined) && !(u.client_ip_address && u.client_user_agent)) bad('user_data has no customer information to match on')
}

function checkCustomData(c: unknown, bad: (m: string) => void) {
  if (!isObject(c)) return void bad('custom_data must be an object')
  // Other keys are custom properties, which Meta accepts (the SDK merges them into custom_data).
  if (c.value !== undefined && (typeof c.value !== 'number' || !Number.isFinite(c.value))) bad('custom_data.value must be a number')
  if (c.currency !== undefined && (typeof c.currency !== 'string' || !/^[A-Za-z]{3}$/.test(c.currency))) bad('custom_data.currency must be an ISO 4217 code')
  if (c.content_ids !== undefined && (!Array.isArray(c.content_ids) || c.content_ids.some((x: unknown) => typeof x !== 'string'))) bad('custom_data.content_ids must be an array of strings')
  if (c.content_type !== undefined && c.content_type !== 'product' && c.content_type !== 'product_group') bad('custom_data.content_type must be product or product_group')
  if (c.num_items !== undefined && !Number.isInteger(c.num_items)) bad('custom_data.num_items must be an integer')
  for (const k of ['predicted_ltv', 'net_revenue']) if (c[k] !== undefined && typeof c[k] !== 'number') bad(`custom_data.${k} must be a number`)
  for (const k of ['order_id', 'content_name', 'content_category', 'search_string', 'status']) if (c[k] !== undefined && typeof c[k] !== 'string') bad(`custom_data.${k} must be a string`)
  if (c.contents === undefined) return
  if (!Array.isArray(c.contents)) return void bad('custom_data.contents must be an array')
  for (const item of c.contents) {
    if (!isObject(item)) { bad('custom_data.contents[] must be objects'); continue }
    for (const k of Object.keys(item)) if (!CONTENT_KEYS.has(k)) bad(`unknown contents key ${k}`)
    if (typeof item.id !== 'string' || !item.id) bad('contents[].id must be a non-empty string')
    if (item.quantity !== undefined && !Number.isInteger(item.quantity)) bad('contents[].quantity must be an integer')
    if (item.item_price !== undefined && typeof item.item_price !== 'number') bad('contents[].item_price must be a number')
  }
}
