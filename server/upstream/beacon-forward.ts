import { HTTPResponse } from 'h3'
import type { Runtime } from '../runtime'
import { editPartnerData, editPartnerDataJson, type PdEdit } from '../pinterest/beacon-pd'

/** A transparent 1×1 GIF: what the browser gets when there is nothing better to answer. */
export const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
const UPSTREAM_TIMEOUT_MS = 5_000

/**
 * A timeout signal shared by the requests that start within the same `slotMs`: each one still
 * times out after `ms` (up to `slotMs` sooner), without a timer and an abort signal per request.
 */
export function sharedTimeout(ms: number, slotMs = 100): () => AbortSignal {
  let until = 0
  let signal: AbortSignal | undefined
  return () => {
    const t = Date.now()
    if (!signal || t >= until) {
      signal = AbortSignal.timeout(ms)
      until = t + slotMs
    }
    return signal
  }
}
const upstreamSignal = sharedTimeout(UPSTREAM_TIMEOUT_MS)

/** What a beacon endpoint answers the browser: the tag's 1×1 GIF, or a JSON object (docs/pinterest-tag.md). */
export type BeaconAnswer = 'pixel' | 'json'

// Fixed types and `nosniff` on every answer: the shop's origin never serves an upstream's own
// Content-Type or an HTML body (https://fetch.spec.whatwg.org/#x-content-type-options-header).
const ANSWER_HEADERS = {
  pixel: { 'content-type': 'image/gif', 'cache-control': 'no-store, max-age=0', 'x-content-type-options': 'nosniff' },
  json: { 'content-type': 'application/json', 'cache-control': 'no-store, max-age=0', 'x-content-type-options': 'nosniff' },
} as const

// Answers are h3 HTTPResponses, not web Responses: on Node they are written out as they are,
// without a ReadableStream built around every beacon's few bytes.
export const pixelResponse = (status = 200): HTTPResponse => new HTTPResponse(new Uint8Array(PIXEL), { status, headers: ANSWER_HEADERS.pixel })

/** What the page gets when nothing was forwarded or the upstream failed: the endpoint's own empty answer. */
export const emptyAnswer = (answer: BeaconAnswer): HTTPResponse =>
  answer === 'json' ? new HTTPResponse('{}', { status: 200, headers: ANSWER_HEADERS.json }) : pixelResponse()

/** The upstream's JSON re-serialized (an object or array; anything else, HTML included, becomes `{}`). */
function jsonResponse(status: number, body: Uint8Array): HTTPResponse {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch {
    value = undefined
  }
  const text = value !== null && typeof value === 'object' ? JSON.stringify(value) : '{}'
  return new HTTPResponse(text, { status, headers: ANSWER_HEADERS.json })
}


export interface BeaconRequest {
  /** Path under the beacon origin, one of the allowed endpoints: `v3/`, `user/`. */
  path: string
  /** What the endpoint answers the browser. */
  answer: BeaconAnswer
  /** The query exactly as the browser sent it (`?…` or empty): forwarded verbatim unless edited. */
  search: string
  query: URLSearchParams
  method: 'GET' | 'POST'
  body: string
  contentType: string
  ip?: string
  ua?: string
  acceptLanguage?: string
  referer?: string
  /** Partner-data changes consent asked for (LDP flag, stripped email). */
  pd?: PdEdit
}

/** Apply the partner-data edit where the beacon carries its data: a POST body if it has one, else the query. */
function edited(req: BeaconRequest): { query: URLSearchParams | string; body: string } {
  if (!req.pd) return { query: req.search.replace(/^\?/, ''), body: req.body }
  if (req.method === 'POST' && req.body.trim()) {
    const t = req.body.trim()
    if (t.startsWith('{')) {
      const body = editPartnerDataJson(t, req.pd)
      return body ? { query: req.query, body } : { query: editPartnerData(req.query, req.pd), body: req.body }
    }
    return { query: req.query, body: editPartnerData(new URLSearchParams(req.body), req.pd).toString() }
  }
  return { query: editPartnerData(req.query, req.pd), body: req.body }
}

/**
 * Forward a beacon to PINTEREST_BEACON_ORIGIN (the fixed upstream; the path is one of the allowed
 * endpoints) with the shopper's IP and user agent, and answer the browser with the endpoint's own
 * kind of answer: Pinterest's status (2xx/4xx) with our GIF, or Pinterest's JSON re-serialized —
 * never the upstream's body as it came or its content type. Cookies are never forwarded (they
 * belong to the shop). When the upstream fails, the browser still gets a 200 (the GIF, or `{}`) so
 * the page is not affected; `ok` says whether Pinterest took it.
 */
export async function forwardBeacon(rt: Pick<Runtime, 'tag' | 'forward' | 'log'>, req: BeaconRequest): Promise<{ response: HTTPResponse; ok: boolean }> {
  const { query, body } = edited(req)
  const search = query.toString()
  const url = `${rt.tag!.beaconOrigin}/${req.path}${search ? `?${search}` : ''}`
  const headers: Record<string, string> = {}
  if (req.ua) headers['user-agent'] = req.ua
  if (req.ip) headers['x-forwarded-for'] = req.ip
  if (req.acceptLanguage) headers['accept-language'] = req.acceptLanguage
  if (req.referer) headers.referer = req.referer
  if (req.method === 'POST') headers['content-type'] = req.contentType || 'text/plain;charset=UTF-8'
  try {
    const res = await rt.forward(url, { method: req.method, headers, body: req.method === 'POST' ? body : undefined, signal: upstreamSignal() })
    // A redirect, a 5xx or an oversized answer counts as "upstream failed": the page gets the pixel.
    if (res.oversized || (res.status >= 300 && res.status < 400) || res.status >= 500) {
      rt.log.warn('[tagwarden] [pinterest-tag] beacon upstream answered badly; answered its empty answer', { path: req.path, status: res.status })
      return { response: emptyAnswer(req.answer), ok: false }
    }
    const status = res.status === 204 ? 200 : res.status
    const response = req.answer === 'json' ? jsonResponse(status, res.body) : pixelResponse(status)
    return { response, ok: res.status >= 200 && res.status < 300 }
  } catch (error) {
    rt.log.warn('[tagwarden] [pinterest-tag] beacon upstream failed; answered its empty answer', { path: req.path, reason: (error as Error).message })
    return { response: emptyAnswer(req.answer), ok: false }
  }
}
