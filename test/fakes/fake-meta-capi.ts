// A local fake of Meta's Conversions API (Graph API `POST /{version}/{pixel_id}/events`): real HTTP
// on 127.0.0.1, validating what docs/meta-capi.md says Meta validates (meta-capi-spec.ts), recording
// what it accepted, and answering in Graph's shapes: `{events_received, messages, fbtrace_id}` or
// `{error: {message, type, code, error_subcode, fbtrace_id}}`. Meta has no per-event results: one bad
// event refuses the whole request.
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createFakeState, type FakeApi } from './fake-api-state'
import { listenLocal, safeJson } from './fake-http'
import { BODY_KEYS, META_MAX_EVENTS, validateMetaEvent } from './meta-capi-spec'

export type { Faults } from './fake-http'
export type { Answer } from './fake-api-state'

export interface MetaReceived {
  event: Record<string, any>
  pixelId: string
  version: string
  testEventCode?: string
  partnerAgent?: string
  token: string
  requestNo: number
}

export interface MetaRequest { path: string; status: number; body: unknown; at: number }

/** `held` lists the query `access_token` of held requests; `rejectEventIds` refuses the whole request (code 100). */
export type FakeMetaCapi = FakeApi<MetaReceived, MetaRequest>

/** A Graph error body (docs/meta-capi.md §6). */
export const graphError = (code: number, message: string, extra: Record<string, unknown> = {}) => ({
  error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: randomBytes(8).toString('base64url') },
})

/** Start the fake on a free loopback port; `now` (ms) lets tests pin the clock the 7-day rule uses. */
export async function startFakeMetaCapi(opts: { now?: () => number } = {}): Promise<FakeMetaCapi> {
  const now = opts.now ?? Date.now
  const state = createFakeState<MetaReceived, MetaRequest>('Invalid parameter')
  const { gate, received, requests, answers } = state
  let requestNo = 0

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    const queryToken = url.searchParams.get('access_token') ?? ''
    const text = await gate.admit(req, res, queryToken)
    if (text === undefined) return
    const type = req.headers['content-type'] ?? ''
    const body: any = /^application\/json/.test(type) ? safeJson(text) : /^application\/x-www-form-urlencoded/.test(type) ? formBody(text) : undefined
    const answer = (status: number, out: unknown, headers: Record<string, string> = {}) => {
      requests.push({ path: url.pathname + url.search, status, body, at: Date.now() })
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(out))
    }
    const m = /^\/(v\d+\.\d+)\/(\d{1,20})\/events$/.exec(url.pathname)
    if (req.method !== 'POST' || !m) return answer(400, graphError(100, 'Unsupported post request.', { type: 'GraphMethodException', error_subcode: 33 }))
    const given = queryToken || (body && typeof body === 'object' && typeof body.access_token === 'string' ? body.access_token : '')
    if (!given) return answer(400, graphError(104, 'An access token is required to request this resource.'))
    if (state.token && given !== state.token) return answer(400, graphError(190, 'Invalid OAuth access token - Cannot parse access token'))
    const forced = answers.shift()
    if (forced) return answer(forced.status, forced.body ?? graphError(forced.status === 429 ? 4 : 2, `forced ${forced.status}`), forced.headers)
    if (gate.faults.rateLimitRate && gate.random() < gate.faults.rateLimitRate) {
      return answer(429, graphError(4, '(#4) Application request limit reached', { is_transient: true }), { 'retry-after': String(gate.faults.retryAfterS ?? 1) })
    }
    if (gate.faults.errorRate && gate.random() < gate.faults.errorRate) return answer(500, graphError(2, '(#2) Service temporarily unavailable', { is_transient: true }))
    const invalid = (message: string, subcode?: number) =>
      answer(400, graphError(100, 'Invalid parameter', { ...(subcode ? { error_subcode: subcode } : {}), error_user_title: 'Invalid parameter', error_user_msg: message }))
    if (!body || typeof body !== 'object' || Array.isArray(body)) return invalid('The request body must be JSON or form fields')
    const unknown = Object.keys(body).filter((k) => !BODY_KEYS.has(k))
    if (unknown.length) return invalid(`Unknown parameter ${unknown.join(', ')}`)
    if (!Array.isArray(body.data) || body.data.length < 1) return invalid('data must be a non-empty array of events')
    if (body.data.length > META_MAX_EVENTS) return invalid(`data holds ${body.data.length} events; at most ${META_MAX_EVENTS} per request`)
    for (const k of ['test_event_code', 'partner_agent']) if (body[k] !== undefined && typeof body[k] !== 'string') return invalid(`${k} must be a string`)
    const nowS = Math.floor(now() / 1000)
    const problems = body.data.flatMap((e: unknown, i: number) => validateMetaEvent(e, nowS).map((x) => ({ ...x, message: `data[${i}]: ${x.message}` })))
    if (problems.length) return invalid(problems.map((x: { message: string }) => x.message).join('; '), problems.find((x: { subcode?: number }) => x.subcode)?.subcode)
    const refused = body.data.findIndex((e: any) => state.isRejected(e.event_id))
    if (refused >= 0) return invalid(`data[${refused}]: ${state.rejectMessage}`)
    requestNo++
    for (const event of body.data) {
      received.push({ event, pixelId: m[2], version: m[1], testEventCode: body.test_event_code, partnerAgent: body.partner_agent, token: given, requestNo })
    }
    answer(200, { events_received: body.data.length, messages: [], fbtrace_id: randomBytes(8).toString('base64url') })
  })
  return state.expose(await listenLocal(server), server)
}

/** Form fields as Graph takes them (`curl -F data='[…]'`): JSON-looking values are parsed. */
function formBody(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of new URLSearchParams(text)) out[k] = /^[[{]/.test(v) ? safeJson(v) : v
  return out
}
