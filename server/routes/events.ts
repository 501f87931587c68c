import { HTTPError, type H3 } from 'h3'
import { apiBodySchema, apiToCanonical, toSeconds } from '../pinterest/api-input'
import { bearerToken, matchesSecret, parseJson, readBodyText, validate } from '../http/request'
import { neutralBodySchema, neutralToCanonical } from '../neutral-input'
import type { Runtime } from '../runtime'
import { OutboxFullError, OutboxUnavailableError } from '../delivery/outbox'
import { describeTimeProblem, eventTimeProblem } from '../event-time'
import { isStorageFailure } from '../storage/store-health'

/** 1,000 events of a few kB each; a bigger body is refused before it is read. */
export const EVENTS_BODY_LIMIT = 4 * 1024 * 1024

/**
 * Rethrow a full outbox (TAGWARDEN_MAX_QUEUE) as 503 + Retry-After: nothing of the request was
 * stored, so the sender should keep the events and try again later. Other errors pass through.
 * @example const results = await rt.ingest(events).catch(outboxFullTo503)
 */
export function outboxFullTo503(error: unknown): never {
  if (error instanceof OutboxFullError) {
    throw new HTTPError({
      status: 503,
      message: `the outbox for ${error.dest} is full (at most ${error.max} events may wait, TAGWARDEN_MAX_QUEUE): nothing was stored; retry later`,
      headers: { 'retry-after': '60' },
    })
  }
  // A storage failure (disk full, Redis down or failing over) goes to the store guard: one answer
  // (503 + Retry-After 30), and health shows storage down.
  if (error instanceof OutboxUnavailableError && isStorageFailure(error)) throw error
  if (error instanceof OutboxUnavailableError) {
    // Storage did not take the commit (Redis failing over, say): nothing is acknowledged; a retry in a few seconds usually lands.
    throw new HTTPError({ status: 503, message: `the outbox storage is unavailable: nothing was stored; retry shortly`, headers: { 'retry-after': '5' } })
  }
  throw error
}

/**
 * `POST {prefix}/v1/events` — server events with a bearer key, neutral (`{ events }`, fanned out to
 * every destination) or Pinterest-shaped (`{ data }`): hashed per destination, consent-checked,
 * deduplicated per destination and queued. 202 with per-event acceptance.
 */
export function eventsRoutes(app: H3, rt: Pick<Runtime, 'config' | 'client' | 'now' | 'destinations' | 'ingest'>): void {
  const { config } = rt
  app.post('/v1/events', async (event) => {
    if (!config.apiKeys.length) {
      // Without keys: disabled in production; in development it answers on localhost only, so a
      // fresh clone can be tried with curl and nothing is open to the network.
      if (config.production) throw new HTTPError({ status: 404, message: 'the events API is disabled: set TAGWARDEN_API_KEYS to enable it' })
      if (!rt.client(event).local) throw new HTTPError({ status: 403, message: 'without TAGWARDEN_API_KEYS the events API answers only on localhost (development); set TAGWARDEN_API_KEYS' })
    } else if (!matchesSecret(bearerToken(event), config.apiKeys)) {
      throw new HTTPError({ status: 401, message: 'missing or unknown API key (Authorization: Bearer <key>)', headers: { 'www-authenticate': 'Bearer' } })
    }
    const type = event.req.headers.get('content-type') ?? ''
    if (!/^application\/json\b/i.test(type)) throw new HTTPError({ status: 415, message: 'Content-Type must be application/json' })
    const json = parseJson(await readBodyText(event, EVENTS_BODY_LIMIT))
    const now = Math.floor(rt.now() / 1000)
    // Two shapes, told apart by the top-level key: the neutral `{ events: [...] }` and Pinterest's `{ data: [...] }`.
    const neutral = !!json && typeof json === 'object' && !Array.isArray(json) && 'events' in json
    const list = neutral ? 'events' : 'data'
    const inputs = neutral
      ? validate(neutralBodySchema, json).events.map((e) => ({ time: e.time, id: e.event_id, canonical: neutralToCanonical(e, now, toSeconds) }))
      : validate(apiBodySchema, json).data.map((e) => ({ time: e.event_time, id: e.event_id, canonical: apiToCanonical(e, now) }))

    const problems: string[] = []
    const seen = new Set<string>()
    const maxAgeDays = config.delivery.maxEventAgeDays
    inputs.forEach((e, i) => {
      // Refused here rather than accepted and dead-lettered: the sender learns it while it can still fix it.
      const late = e.time === undefined ? undefined : eventTimeProblem(toSeconds(e.time), now, maxAgeDays)
      if (late) problems.push(`${list}[${i}].${neutral ? 'time' : 'event_time'}: ${describeTimeProblem(late, maxAgeDays)}`)
      if (seen.has(e.id)) problems.push(`${list}[${i}].event_id: "${e.id}" appears twice in this request`)
      seen.add(e.id)
    })
    const events = inputs.map((e) => e.canonical)
    events.forEach((e, i) => {
      // An event no destination would take is refused here, not accepted and dropped later; a
      // context token may still bring the identifiers from the browser.
      if (!e.context && !rt.destinations.some((d) => !d.accepts || d.accepts(e.user))) {
        problems.push(`${list}[${i}].${neutral ? 'user' : 'user_data'}: too few valid identifiers: ${rt.destinations.map((d) => `${d.name} needs ${d.requires ?? 'one'}`).join('; ')} (or a context token to join)`)
      }
    })
    if (problems.length) throw new HTTPError({ status: 400, message: problems[0], data: { problems } })

    const results = await rt.ingest(events).catch(outboxFullTo503)
    event.res.status = 202
    return {
      accepted: results.filter((r) => r.status === 'accepted').length,
      events: results.map((r) => ({ event_id: r.event_id, status: r.status })),
    }
  })
}
