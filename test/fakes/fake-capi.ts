// A local fake of Pinterest's Conversions API: real HTTP on 127.0.0.1, validating requests the way
// v5/openapi.yaml says (written independently of the server's own schema, so a mistake in one is
// caught by the other), recording what it accepted, and answering in Pinterest's shapes.
import { createServer, type IncomingMessage, type Server } from 'node:http'

const EVENT_NAMES = new Set(['add_payment_info', 'add_to_cart', 'add_to_wishlist', 'app_install', 'checkout', 'custom', 'initiate_checkout', 'lead', 'page_visit', 'search', 'signup', 'subscribe', 'view_category', 'view_content', 'watch_video'])
const EVENT_KEYS = new Set(['event_name', 'action_source', 'event_time', 'event_id', 'event_source_url', 'opt_out', 'partner_name', 'user_data', 'custom_data', 'language', 'app_id', 'app_name', 'app_version', 'app_info', 'device_brand', 'device_carrier', 'device_model', 'device_type', 'os_version', 'device_info', 'wifi'])
const HASHED = ['em', 'hashed_maids', 'external_id', 'ph', 'fn', 'ln', 'ge', 'db', 'ct', 'st', 'zp', 'country']
const RAW = ['client_ip_address', 'client_user_agent', 'click_id', 'partner_id']
const CUSTOM_KEYS = new Set(['value', 'currency', 'content_ids', 'contents', 'num_items', 'order_id', 'search_string', 'content_name', 'content_category', 'content_brand', 'opt_out_type', 'predicted_ltv', 'np', 'external_measurement_id', 'external_measurement_vendor_id'])
const CONTENT_KEYS = new Set(['id', 'item_price', 'quantity', 'item_name', 'item_category', 'item_brand', 'item_brand_id'])

export interface Received {
  event: Record<string, any>
  adAccount: string
  test: boolean
  authorization: string
  requestNo: number
  /** When the answer saying "processed" was fully written to the client (undefined: never answered — lost or cut). */
  answeredAt?: number
}

/** Misbehaviour to simulate, applied to every request until changed. */
export interface Faults {
  /** Outage: every connection is cut without an answer (the client sees a network error). */
  down?: boolean
  /** Share of requests (0–1) answered 503, picked by a seeded random so runs repeat. */
  errorRate?: number
  /** Share of requests (0–1) answered 429 with `Retry-After: retryAfterS`. */
  rateLimitRate?: number
  retryAfterS?: number
  /** Wait this long before processing (share `delayRate`, default all); a client that gave up meanwhile is not recorded. */
  delayMs?: number
  delayRate?: number
  /** A request carrying any of these event_ids is refused whole with 400 (as a schema error would be). */
  badRequestIds?: string[]
  /** Share of requests (0–1) whose connection is reset before anything is processed. */
  resetRate?: number
  /** Status of the `errorRate` answers (default 503; 500 for an internal error). */
  errorStatus?: number
  /** Share of valid requests (0–1) processed and recorded whose connection is then cut instead of answered: the outcome is lost. */
  loseRate?: number
  /** Process and record every valid request, then wait this long before answering (a client that gave up meanwhile never learns the outcome). */
  answerDelayMs?: number
  seed?: number
}

export interface FakeCapi {
  url: string
  /** Every event accepted (status processed), in order. */
  received: Received[]
  /** Every request, valid or not, with the time it was answered. */
  requests: { path: string; status: number; body: unknown; at: number }[]
  /** Requests whose client disconnected before they were processed (never recorded). */
  dropped: number
  /** Requests processed (events recorded) whose answer never reached the client: cut on purpose (loseNext, loseRate) or given up on before it came (answerDelayMs). */
  lost: number
  /** The Authorization header of each request being held right now (delay or freeze) whose client is still connected. */
  held: string[]
  /** Requests whose body arrived and whose handling is not over yet (held, delayed, or being answered): 0 means nothing more can be recorded until a new request comes. */
  open: number
  setFaults(faults: Faults): void
  /** Hold every request (after its body arrived) until `thaw()`; clients that leave meanwhile are dropped. */
  freeze(): void
  /** Answer the next `n` requests as usual, then hold every later one as `freeze()` does. */
  freezeAfter(n: number): void
  thaw(): void
  /** Queue one-off answers: status (+ headers/body) for the next requests. */
  failNext(...answers: { status: number; headers?: Record<string, string>; body?: unknown }[]): void
  /** Process the next `n` valid requests (events recorded as received), then cut the connection instead of answering: the outcome is lost. */
  loseNext(n: number): void
  /** Make events whose event_id matches fail individually (422 per-event result). */
  rejectEventIds(ids: string[], message?: string): void
  /** Answer 401 to any token other than this one. */
  requireToken(token: string): void
  countById(id: string): number
  close(): Promise<void>
}

/** Validate one event against the spec; returns the problems (empty = valid). */
export function validateCapiEvent(e: any): string[] {
  const p: string[] = []
  if (!e || typeof e !== 'object' || Array.isArray(e)) return ['event must be an object']
  for (const k of Object.keys(e)) if (!EVENT_KEYS.has(k)) p.push(`unknown key ${k}`)
  for (const k of ['event_name', 'action_source', 'event_time', 'user_data', 'event_id']) if (e[k] === undefined) p.push(`missing ${k}`)
  if (e.event_name !== undefined && !EVENT_NAMES.has(e.event_name)) p.push(`unknown event_name ${e.event_name}`)
  if (e.action_source !== undefined && !['app_android', 'app_ios', 'web', 'offline'].includes(e.action_source)) p.push('bad action_source')
  if (e.event_time !== undefined && (!Number.isInteger(e.event_time) || e.event_time > 9_999_999_999)) p.push('event_time must be integer seconds')
  if (e.event_time !== undefined && e.event_time > Math.floor(Date.now() / 1000) + 60) p.push('event_time in the future')
  if (e.event_id !== undefined && (typeof e.event_id !== 'string' || !e.event_id)) p.push('event_id must be a non-empty string')
  const u = e.user_data
  if (u !== undefined) {
    if (typeof u !== 'object' || Array.isArray(u)) p.push('user_data must be an object')
    else {
      for (const k of Object.keys(u)) if (!HASHED.includes(k) && !RAW.includes(k)) p.push(`unknown user_data key ${k}`)
      for (const k of HASHED) {
        if (u[k] === undefined) continue
        if (!Array.isArray(u[k])) p.push(`user_data.${k} must be an array`)
        else for (const v of u[k]) if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) p.push(`user_data.${k} must hold lowercase sha256 hex`)
      }
      for (const k of RAW) if (u[k] !== undefined && typeof u[k] !== 'string') p.push(`user_data.${k} must be a string`)
      if (!u.em && !u.hashed_maids && !(u.client_ip_address && u.client_user_agent)) p.push('user_data needs em, hashed_maids or client_ip_address + client_user_agent')
    }
  }
  const c = e.custom_data
  if (c !== undefined) {
    for (const k of Object.keys(c)) if (!CUSTOM_KEYS.has(k)) p.push(`unknown custom_data key ${k}`)
    if (c.value !== undefined && c.value !== null && typeof c.value !== 'string') p.push('custom_data.value must be a string')
    if (c.num_items !== undefined && !Number.isInteger(c.num_items)) p.push('custom_data.num_items must be an integer')
    if (c.content_ids !== undefined && (!Array.isArray(c.content_ids) || c.content_ids.some((x: unknown) => typeof x !== 'string'))) p.push('custom_data.content_ids must be an array of strings')
    if (c.contents !== undefined) {
      if (!Array.isArray(c.contents)) p.push('custom_data.contents must be an array')
      else for (const item of c.contents) {
        for (const k of Object.keys(item)) if (!CONTENT_KEYS.has(k)) p.push(`unknown contents key ${k}`)
        if (item.item_price !== undefined && typeof item.item_price !== 'string') p.push('contents[].item_price must be a string')
        if (item.quantity !== undefined && !Number.isInteger(item.quantity)) p.push('contents[].quantity must be an integer')
      }
    }
  }
  return p
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let s = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (s += c))
    req.on('end', () => resolve(s))
    req.on('error', reject)
  })

/** Start the fake on a free loopback port. */
export async function startFakeCapi(): Promise<FakeCapi> {
  const received: Received[] = []
  const requests: FakeCapi['requests'] = []
  const answers: { status: number; headers?: Record<string, string>; body?: unknown }[] = []
  let rejectIds = new Set<string>()
  let rejectMessage = 'Invalid parameter'
  let token: string | undefined
  let requestNo = 0
  let faults: Faults = {}
  let random = mulberry32(1)
  let frozen: { promise: Promise<void>; release: () => void } | undefined
  let lose = 0
  let passBeforeFreeze: number | undefined
  const state = { dropped: 0, lost: 0, open: 0 }
  const heldNow = new Set<{ auth: string }>()

  function freeze() {
    if (frozen) return
    let release = () => {}
    const promise = new Promise<void>((r) => (release = r))
    frozen = { promise, release }
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    let gone = false
    const holding = { auth: req.headers.authorization ?? '' }
    // A client that leaves is no longer held: `held` lists only requests whose client still waits.
    res.on('close', () => {
      if (res.writableEnded) return
      gone = true
      heldNow.delete(holding)
    })
    const text = await readBody(req)
    state.open++
    try {
      if (faults.down) return void req.socket.destroy()
      if (passBeforeFreeze !== undefined && passBeforeFreeze-- <= 0) {
        passBeforeFreeze = undefined
        freeze()
      }
      if (!gone) heldNow.add(holding)
      if (faults.delayMs && random() < (faults.delayRate ?? 1)) await new Promise((r) => setTimeout(r, faults.delayMs))
      while (frozen) await frozen.promise
      heldNow.delete(holding)
      if (gone || res.destroyed) return void state.dropped++
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        requests.push({ path: url.pathname + url.search, status, body: text ? safeJson(text) : undefined, at: Date.now() })
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(JSON.stringify(body))
      }
      const m = /^\/v5\/ad_accounts\/(\d{1,18})\/events$/.exec(url.pathname)
      if (req.method !== 'POST' || !m) return answer(404, { code: 404, message: 'Not found' })
      const auth = req.headers.authorization ?? ''
      if (!/^Bearer \S+/.test(auth) || (token && auth !== `Bearer ${token}`)) return answer(401, { code: 2, message: 'Authentication failed.' })
      const forced = answers.shift()
      if (forced) return answer(forced.status, forced.body ?? { code: forced.status === 429 ? 8 : 4197, message: `forced ${forced.status}` }, forced.headers)
      if (faults.resetRate && random() < faults.resetRate) return void req.socket.destroy()
      if (faults.rateLimitRate && random() < faults.rateLimitRate) {
        return answer(429, { code: 8, message: 'This request exceeded a rate limit.' }, { 'retry-after': String(faults.retryAfterS ?? 1) })
      }
      if (faults.errorRate && random() < faults.errorRate) {
        const status = faults.errorStatus ?? 503
        return answer(status, status === 503 ? { code: 4197, message: 'The endpoint has been ramped down and is currently not accepting any traffic.' } : { code: 1, message: 'Internal error.' })
      }
      if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return answer(400, { code: 4196, message: 'The request was invalid.' })
      let body: any
      try { body = JSON.parse(text) } catch { return answer(400, { code: 4196, message: 'The request was invalid.' }) }
      if (!body || typeof body !== 'object' || Object.keys(body).some((k) => k !== 'data') || !Array.isArray(body.data) || body.data.length < 1 || body.data.length > 1000) {
        return answer(400, { code: 4196, message: 'The request was invalid.' })
      }
      const schemaProblems = body.data.flatMap((e: unknown, i: number) => validateCapiEvent(e).map((x) => `data[${i}]: ${x}`))
      if (schemaProblems.length) return answer(400, { code: 4196, message: `The request was invalid. ${schemaProblems.join('; ')}` })
      const bad = body.data.findIndex((e: any) => faults.badRequestIds?.includes(e.event_id))
      if (bad >= 0) return answer(400, { code: 4196, message: `The request was invalid. data[${bad}]: invalid parameter` })
      requestNo++
      const recorded: Received[] = []
      const events = body.data.map((e: any) => {
        if (rejectIds.has(e.event_id)) return { status: 'failed', error_message: rejectMessage, warning_message: '' }
        const r: Received = { event: e, adAccount: m[1], test: url.searchParams.get('test') === 'true', authorization: auth, requestNo }
        received.push(r)
        recorded.push(r)
        return { status: 'processed', error_message: null, warning_message: null }
      })
      // Processed: from here on only the answer can go missing.
      if (lose > 0 || (faults.loseRate && random() < faults.loseRate)) {
        lose = Math.max(0, lose - 1)
        state.lost++
        return void req.socket.destroy()
      }
      if (faults.answerDelayMs) await new Promise((r) => setTimeout(r, faults.answerDelayMs))
      if (gone || res.destroyed) return void state.lost++
      res.once('finish', () => {
        const at = Date.now()
        for (const r of recorded) r.answeredAt = at
      })
      const processed = events.filter((e: any) => e.status === 'processed').length
      const result = { num_events_received: events.length, num_events_processed: processed, events }
      if (processed < events.length) return answer(422, { code: 953, message: 'The action could not be processed properly due to some or all data provided being invalid.', details: result })
      answer(200, result)
    } finally {
      state.open--
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    requests,
    get dropped() { return state.dropped },
    get lost() { return state.lost },
    get held() { return [...heldNow].map((h) => h.auth) },
    get open() { return state.open },
    setFaults: (f) => {
      faults = f
      random = mulberry32(f.seed ?? 1)
    },
    freeze,
    freezeAfter: (n) => void (passBeforeFreeze = n),
    thaw: () => {
      const f = frozen
      frozen = undefined
      f?.release()
    },
    failNext: (...a) => answers.push(...a),
    loseNext: (n) => void (lose += n),
    rejectEventIds: (ids, message) => {
      rejectIds = new Set(ids)
      if (message) rejectMessage = message
    },
    requireToken: (t) => (token = t),
    countById: (id) => received.filter((r) => r.event.event_id === id).length,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

/** A small seeded PRNG (mulberry32) so fault patterns repeat from run to run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const safeJson = (s: string): unknown => {
  try { return JSON.parse(s) } catch { return s }
}
