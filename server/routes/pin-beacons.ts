import { HTTPError, type H3, type H3Event, type HTTPResponse } from 'h3'
import { beaconEdit, TAG_DESTINATION } from '../destinations/pinterest-tag'
import { parseBeacon } from '../pinterest/beacon'
import { beaconToEvent, type Shopper } from '../pinterest/beacon-event'
import type { Runtime } from '../runtime'
import { emptyAnswer, forwardBeacon, type BeaconAnswer } from '../upstream/beacon-forward'
import { readBodyText } from '../http/request'
import { wildcardRest } from '../http/wildcard'
import { ingestMirror } from '../mirror'
import { readShopper } from '../context/shopper'

/**
 * The beacon endpoints the Pinterest tag calls on its beacon host, and what each answers
 * (docs/pinterest-tag.md "Beacon endpoints"): `/v3/` takes events and answers a 1×1 GIF; `/user/`
 * answers a small JSON object. Nothing else is forwarded: any other path is 404 without an
 * upstream request, so the shop's origin never relays arbitrary beacon-host content.
 */
export const BEACON_PATHS: Readonly<Record<string, BeaconAnswer>> = { v3: 'pixel', 'v3/': 'pixel', user: 'json', 'user/': 'json' }
/** A beacon body is a few kB; a big cart stays far below this. */
export const BEACON_BODY_LIMIT = 64 * 1024
/**
 * A GET beacon carries its data in the query. 16 kB is what a Node server takes for the whole
 * request head by default (`--max-http-header-size`), so behind `tagwarden serve` nothing longer
 * arrives; the check keeps an embedding server with a larger limit from forwarding megabyte URLs.
 */
export const BEACON_QUERY_LIMIT = 16 * 1024

/** What a beacon reads from the runtime (besides what `readShopper` reads). */
type BeaconDeps = Pick<Runtime, 'config' | 'tag' | 'policy' | 'forward' | 'now' | 'log' | 'metrics' | 'journal' | 'storeHealth' | 'ingest'> & Parameters<typeof readShopper>[1]

async function handleBeacon(event: H3Event, rt: BeaconDeps): Promise<HTTPResponse> {
  const method = event.req.method
  if (method !== 'GET' && method !== 'POST') throw new HTTPError({ status: 405, message: 'beacons are GET or POST', headers: { allow: 'GET, POST' } })
  const path = wildcardRest(event)
  const answer = Object.hasOwn(BEACON_PATHS, path) ? BEACON_PATHS[path] : undefined
  if (!answer) throw new HTTPError({ status: 404, message: 'not a Pinterest beacon endpoint (v3/ and user/ are)' })
  if (event.url.search.length > BEACON_QUERY_LIMIT) throw new HTTPError({ status: 414, message: `beacon query longer than ${BEACON_QUERY_LIMIT} characters` })
  const body = method === 'POST' ? await readBodyText(event, BEACON_BODY_LIMIT, { exact: true }) : ''
  const contentType = event.req.headers.get('content-type') ?? ''
  const beacon = parseBeacon(event.url.searchParams, body, contentType)
  const { shopper } = await readShopper(event, rt)

  const decision = rt.policy.decide(TAG_DESTINATION, rt.policy.normalize(shopper.consent))
  // The CAPI copy is persisted first, then the beacon is forwarded. Measured on the bench, doing the
  // two at once cost about a quarter more CPU per beacon (the forward's socket work interleaved with
  // every group commit) for no gain: the commit takes one turn of the event loop.
  const accepted = beacon.event ? await ingestMirror(rt, beaconToEvent(beacon, shopper, rt.now(), 'tag')) : undefined
  const { response, ok } =
    decision.action === 'suppress'
      ? { response: emptyAnswer(answer), ok: false }
      : await forwardBeacon(rt, {
          path,
          answer,
          search: event.url.search,
          query: event.url.searchParams,
          method,
          body,
          contentType,
          ip: shopper.ip,
          ua: shopper.ua,
          acceptLanguage: event.req.headers.get('accept-language') ?? undefined,
          referer: event.req.headers.get('referer') ?? undefined,
          pd: beaconEdit(decision, shopper.consent?.country),
        })
  rt.metrics.beacon(decision.action, decision.action === 'suppress' ? 'suppressed' : ok ? 'forwarded' : 'failed')
  if (accepted) {
    rt.journal.update(TAG_DESTINATION, accepted.event_id, {
      action: decision.action,
      rule: decision.rule,
      state: decision.action === 'suppress' ? 'suppressed' : ok ? 'sent' : 'failed',
    })
  }
  return response
}

/**
 * `GET|POST {prefix}/pin/ct/*` — Pinterest's beacon endpoints, first-party. Each beacon is forwarded
 * to PINTEREST_BEACON_ORIGIN as the `pinterest-tag` consent decision allows (suppress → not sent,
 * the page still gets its pixel; ldp → sent with Pinterest's LDP flag), and a conversion event with
 * an event_id is mirrored to the pipeline (CAPI) with the same event_id, persisted before answering.
 */
export function pinBeaconRoutes(app: H3, rt: BeaconDeps): void {
  if (!rt.tag) return
  app.all('/pin/ct/**:rest', (event) => handleBeacon(event, rt))
}
