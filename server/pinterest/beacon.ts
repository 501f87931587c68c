import { parseJsonExact } from '../json-exact'
import { hasLoneSurrogate } from '../lone-surrogate'
import { parseBracketForm } from './bracket-form'

type Obj = Record<string, unknown>

/**
 * One Pinterest tag beacon, whatever its encoding (docs/pinterest-tag.md "Beacon parameters"): `tid` tag id, `event`
 * name as sent, `ed` event data, `pd` partner data, `ad` automatic data, `cb` cache buster (ms).
 */
export interface Beacon {
  tid?: string
  event?: string
  ed: Obj
  pd: Obj
  ad: Obj
  cb?: number
}

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v)

/** A JSON object given as a string (the JS tag's `ed={"value":…}`), or undefined. Integers beyond 2^53 keep their digits (an order id). */
function jsonObject(v: unknown): Obj | undefined {
  if (isObj(v)) return v
  if (typeof v !== 'string' || !v.trim().startsWith('{')) return undefined
  try {
    const parsed: unknown = parseJsonExact(v)
    return isObj(parsed) && !hasLoneSurrogate(v, parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined)

/** `ed`/`pd`/`ad` from JSON (`ed={…}`) and bracket form (`ed[value]=…`); bracket keys win on overlap. */
const section = (flat: Obj, nested: Obj, name: string): Obj => ({ ...jsonObject(flat[name]), ...(isObj(nested[name]) ? nested[name] : {}) })

function fromParams(params: URLSearchParams): Obj {
  const flat: Obj = Object.fromEntries(params)
  // The JS tag sends JSON sections; only the image tag's bracket form needs nesting.
  const nested = Object.keys(flat).some((k) => k.includes('[')) ? parseBracketForm(params) : {}
  return { ...flat, ed: section(flat, nested, 'ed'), pd: section(flat, nested, 'pd'), ad: section(flat, nested, 'ad') }
}

/** A body may be JSON (an object with the same keys) or form-encoded like the query. */
function fromBody(body: string, contentType: string): Obj | undefined {
  if (!body.trim()) return undefined
  if (/json/i.test(contentType) || body.trim().startsWith('{')) {
    const o = jsonObject(body.trim())
    if (!o) return undefined
    return { ...o, ed: jsonObject(o.ed) ?? {}, pd: jsonObject(o.pd) ?? {}, ad: jsonObject(o.ad) ?? {} }
  }
  return fromParams(new URLSearchParams(body))
}

/**
 * Read a beacon from the query string and (for POST) the body. Lenient by design: what cannot be
 * read is left out, and the caller decides whether there is enough to mirror.
 * @example parseBeacon(new URLSearchParams('tid=1&event=checkout&ed={"event_id":"e1"}')).ed.event_id // 'e1'
 */
export function parseBeacon(query: URLSearchParams, body = '', contentType = ''): Beacon {
  const q = fromParams(query)
  const b = fromBody(body, contentType)
  const all: Obj = b ? { ...q, ...b, ed: { ...(q.ed as Obj), ...(b.ed as Obj) }, pd: { ...(q.pd as Obj), ...(b.pd as Obj) }, ad: { ...(q.ad as Obj), ...(b.ad as Obj) } } : q
  const cb = Number(text(all.cb))
  return {
    tid: text(all.tid),
    event: text(all.event),
    ed: all.ed as Obj,
    pd: all.pd as Obj,
    ad: all.ad as Obj,
    cb: Number.isFinite(cb) && cb > 0 ? cb : undefined,
  }
}
