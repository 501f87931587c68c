import { HTTPError, type H3 } from 'h3'
import { z } from 'zod'
import { beaconToEvent } from '../pinterest/beacon-event'
import { hashUserValue } from '../identity/normalize'
import type { Runtime } from '../runtime'
import { parseJson, readBodyText, validate } from '../http/request'
import { ingestAll } from '../mirror'
import { assertNotCrossSite } from '../guards/same-site'
import { readShopper } from '../context/shopper'
import { pixelCallSchema, pixelCallToEvent, type PixelCall } from '../pixel-call'

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

/**
 * One entry: a pintrk call, or a Meta/TikTok pixel call (it names its platform in `px`:
 * server/pixel-call.ts). Told apart by that key, so a problem is reported at its own path.
 */
const entrySchema = z.unknown().transform((value, ctx): z.output<typeof fallbackEventSchema> | PixelCall => {
  const schema = value && typeof value === 'object' && 'px' in value ? pixelCallSchema : fallbackEventSchema
  const result = schema.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path })
  return z.NEVER
})

const entryList = z.array(entrySchema).min(1, 'needs at least one event').max(FALLBACK_MAX_EVENTS, `at most ${FALLBACK_MAX_EVENTS} events per request`)
const oneCall = fallbackEventSchema.transform((e) => [e])

/** A list of entries, or one pintrk call (older loaders); told apart by shape, so a problem is named at its path (`[1].id`). */
export const fallbackBodySchema = z.unknown().transform((value, ctx): z.output<typeof entryList> => {
  const result = Array.isArray(value) ? entryList.safeParse(value) : oneCall.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path })
  return z.NEVER
})

/**
 * `POST {prefix}/e` — the loader's fallback when the tag is not running (not allowed, blocked, or
 * not up in time), and the mirror of every Meta/TikTok pixel call (server/pixel-call.ts: that
 * platform's copy only). Each pintrk call becomes the same canonical event a beacon would (source `loader`),
 * with the verified tw_ctx and the request's IP/UA. Idempotency by event_id makes a call that also
 * reached Pinterest as a beacon count once. Answers 202 with each event's fate.
 */
export function fallbackRoutes(app: H3, rt: Pick<Runtime, 'now' | 'log' | 'metrics' | 'storeHealth' | 'ingest'> & Parameters<typeof readShopper>[1]): void {
  app.post('/e', async (event) => {
    assertNotCrossSite(event)
    const calls = validate(fallbackBodySchema, parseJson(await readBodyText(event, FALLBACK_BODY_LIMIT)))
    const { shopper } = await readShopper(event, rt)
    const now = rt.now()
    const built = calls.map((call) => ({
      name: 'px' in call ? call.name : call.event,
      r: 'px' in call ? pixelCallToEvent(call, shopper, now) : beaconToEvent({ event: call.event, ed: call.ed, pd: call.pd ?? {}, ad: call.ad ?? {} }, shopper, now, 'loader'),
    }))
    const events = built.flatMap(({ r }) => ('event' in r ? [r.event] : []))
    for (const { name, r } of built) if ('skip' in r) rt.log.debug('[tagwarden] loader event not mirrored', { event: name, reason: r.skip })
    const accepted = await ingestAll(rt, events)
    if (!accepted) throw new HTTPError({ status: 503, message: 'events could not be stored; try again' })
    let k = 0
    const results = built.map(({ name, r }) =>
      'skip' in r ? { event: name, status: 'skipped', reason: r.skip } : { event: name, event_id: r.event.event_id, status: accepted[k++].status },
    )
    event.res.status = 202
    event.res.headers.set('cache-control', 'no-store')
    return { accepted: results.filter((r) => r.status === 'accepted').length, events: results }
  })
}
