// A local fake of TikTok's Events API 2.0 (`POST /open_api/v1.3/event/track/`, `Access-Token`
// header): real HTTP on 127.0.0.1, validating what docs/tiktok-events.md says (tiktok-events-spec.ts),
// recording what it accepted, and answering like TikTok's Business API: HTTP 200 with
// `{code, message, request_id, data}` — the outcome is in `code`, not the HTTP status.
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createFakeState, type FakeApi } from './fake-api-state'
import { listenLocal, safeJson } from './fake-http'
import { TT, validateTikTokBody, validateTikTokEvent } from './tiktok-events-spec'

export type { Faults } from './fake-http'
export type { Answer } from './fake-api-state'
export { TT } from './tiktok-events-spec'

export const TIKTOK_TRACK_PATH = '/open_api/v1.3/event/track/'

export interface TikTokReceived {
  event: Record<string, any>
  pixelCode: string
  eventSource: string
  testEventCode?: string
  partnerName?: string
  token: string
  requestNo: number
}

export interface TikTokRequest { path: string; status: number; code: number | undefined; body: unknown; at: number }

/**
 * `held` lists the Access-Token of held requests; `rejectEventIds` fails those events individually
 * (code 20001 listing them); `requireToken` answers 40105 to any other token.
 */
export type FakeTikTokEvents = FakeApi<TikTokReceived, TikTokRequest>

const requestId = () => `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(10).toString('hex').toUpperCase()}`
/** TikTok's response envelope (docs/tiktok-events.md §7). */
export const ttAnswer = (code: number, message: string, data: Record<string, unknown> = {}) => ({ code, message, request_id: requestId(), data })

/** Start the fake on a free loopback port; `now` (ms) lets tests pin the clock. */
export async function startFakeTikTokEvents(opts: { now?: () => number } = {}): Promise<FakeTikTokEvents> {
  const now = opts.now ?? Date.now
  const state = createFakeState<TikTokReceived, TikTokRequest>('Invalid event')
  const { gate, received, requests, answers } = state
  let requestNo = 0

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    const given = String(req.headers['access-token'] ?? '')
    const text = await gate.admit(req, res, given)
    if (text === undefined) return
    const body: any = /^application\/json/.test(req.headers['content-type'] ?? '') ? safeJson(text) : undefined
    const answer = (status: number, out: any, headers: Record<string, string> = {}) => {
      requests.push({ path: url.pathname + url.search, status, code: out?.code, body, at: Date.now() })
      res.writeHead(status, { 'content-type': 'application/json', ...headers })
      res.end(JSON.stringify(out))
    }
    if (req.method !== 'POST' || url.pathname !== TIKTOK_TRACK_PATH) return answer(404, ttAnswer(TT.ROUTE_NOT_FOUND, 'Route not found'))
    if (!given) return answer(200, ttAnswer(TT.TOKEN_EMPTY, 'Access token is null, please check the Access-Token header.'))
    if (state.token && given !== state.token) return answer(200, ttAnswer(TT.TOKEN_INVALID, 'Access token is incorrect or has been revoked.'))
    const forced = answers.shift()
    if (forced) return answer(forced.status, forced.body ?? ttAnswer(forced.status === 429 ? TT.TOO_FREQUENT : TT.SYSTEM_ERROR, `forced ${forced.status}`), forced.headers)
    // TikTok signals throttling with code 40100; whether it also uses HTTP 429 + Retry-After is not
    // verified — this fault sends both, `failNext({status: 200, body: ttAnswer(40100, …)})` the other form.
    if (gate.faults.rateLimitRate && gate.random() < gate.faults.rateLimitRate) {
      return answer(429, ttAnswer(TT.TOO_FREQUENT, 'Too many requests. Please retry in some time.'), { 'retry-after': String(gate.faults.retryAfterS ?? 1) })
    }
    if (gate.faults.errorRate && gate.random() < gate.faults.errorRate) return answer(200, ttAnswer(TT.SYSTEM_ERROR, 'System error'))
    const framing = validateTikTokBody(body)
    if (framing) return answer(200, ttAnswer(framing.code, framing.message))
    const nowS = Math.floor(now() / 1000)
    const problems = body.data.flatMap((e: unknown, i: number) => validateTikTokEvent(e, nowS).map((x) => ({ ...x, message: `data[${i}].${x.message}` })))
    if (problems.length) {
      const code = problems.find((x: { code: number }) => x.code !== TT.PARAM_ERROR)?.code ?? TT.PARAM_ERROR
      return answer(200, ttAnswer(code, problems.map((x: { message: string }) => x.message).join('; ')))
    }
    requestNo++
    const failed: { index: number; event_id: string; message: string }[] = []
    body.data.forEach((event: any, index: number) => {
      if (state.isRejected(event.event_id)) return void failed.push({ index, event_id: event.event_id, message: state.rejectMessage })
      received.push({ event, pixelCode: body.event_source_id, eventSource: body.event_source, testEventCode: body.test_event_code, partnerName: body.partner_name, token: given, requestNo })
    })
    // The shape of a partial result (20001) is not verified; `data.failed_events` is the fake's own.
    if (failed.length) return answer(200, ttAnswer(TT.PARTIAL_OK, 'Partial success', { failed_events: failed }))
    answer(200, ttAnswer(TT.OK, 'OK'))
  })
  return state.expose(await listenLocal(server), server)
}
