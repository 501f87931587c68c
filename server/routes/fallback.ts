import { HTTPError, type H3 } from 'h3'
import { z } from 'zod'
import { beaconToEvent } from '../pinterest/beacon-event'
import { hashUserValue } from '../identity/normalize'
import type { Runtime } from '../runtime'
import { parseJson, readBodyText, validate } from '../http/request'
import { ingestAll } from '../mirror'
import { assertNotCrossSite } from '../guards/same-site'
import { readShopper } from '../context/shopper'

/** 50 events of a few hundred bytes (client/types.ts `FallbackEvent`); a big cart still fits. */
export const FALLBACK_BODY_LIMIT = 128 * 1024
export const FALLBACK_MAX_EVENTS = 50

const jsonRecord = z.record(z.string(), z.unknown())

const pdValue = z.union([z.string().max(1024), z.number(), z.boolean()]).optional()
type Pd = Record<string, string | number | boolean | undefined>

/**
 * The loader sends the enhanced-match email as the shop gave it (plaintext or SHA-256): it is
 * normalized and hashed here, before anything else sees the event, like `/ctx` does (a SHA-256
 * passes through; a value that is no email is dropped).
 */
const hashEmail = ({ em, ...pd }: Pd): Pd => {
  const hashed = typeof em === 'string' ? hashUserValue('em', em) : undefined
  return hashed ? { ...pd, em: hashed } : pd
}

/**
 * `pd` (partner data): the keys the CAPI copy is built from (beacon-event.ts), validated. The loader
 * passes the shop's `load`/`set` options as given (no filter costs it bytes), so others are dropped.
 */
const partnerData = z.object({ em: pdValue, st: pdValue, country: pdValue, opt_out_type: pdValue }).transform(hashEmail)

/** One tag call as the loader saw it (client/types.ts `FallbackEvent`). */
const fallbackEventSchema = z
  .object({
    event: z.string().min(1, 'is required').max(64),
    ed: jsonRecord.default({}),
    pd: partnerData.optional(),
    ad: z.object({ loc: z.string().max(8192).optional(), ref: z.string().max(8192).optional() }).optional(),
  })
  .strict()

export const fallbackBodySchema = z.union([
  fallbackEventSchema.transform((e) => [e]),
  z.array(fallbackEventSchema).min(1, 'needs at least one event').max(FALLBACK_MAX_EVENTS, `at most ${FALLBACK_MAX_EVENTS} events per request`),
])

/**
 * `POST {prefix}/e` — the loader's fallback when the tag is not running (not allowed, blocked, or
 * not up in time): each call becomes the same canonical event a beacon would (source `loader`),
 * with the verified tw_ctx and the request's IP/UA. Idempotency by event_id makes a call that also
 * reached Pinterest as a beacon count once. Answers 202 with each event's fate.
 */
export function fallbackRoutes(app: H3, rt: Runtime): void {
  app.post('/e', async (event) => {
    assertNotCrossSite(event)
    const calls = validate(fallbackBodySchema, parseJson(await readBodyText(event, FALLBACK_BODY_LIMIT)))
    const { shopper } = await readShopper(event, rt)
    const now = rt.now()
    const built = calls.map((call) => ({ call, r: beaconToEvent({ event: call.event, ed: call.ed, pd: call.pd ?? {}, ad: call.ad ?? {} }, shopper, now, 'loader') }))
    const events = built.flatMap(({ r }) => ('event' in r ? [r.event] : []))
    for (const { r } of built) if ('skip' in r) rt.log.debug('[tagwarden] [pinterest-capi] loader event not mirrored', { reason: r.skip })
    const accepted = await ingestAll(rt, events)
    if (!accepted) throw new HTTPError({ status: 503, message: 'events could not be stored; try again' })
    let k = 0
    const results = built.map(({ call, r }) =>
      'skip' in r ? { event: call.event, status: 'skipped', reason: r.skip } : { event: call.event, event_id: r.event.event_id, status: accepted[k++].status },
    )
    event.res.status = 202
    event.res.headers.set('cache-control', 'no-store')
    return { accepted: results.filter((r) => r.status === 'accepted').length, events: results }
  })
}
