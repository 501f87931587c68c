import { HTTPError, HTTPResponse, type H3, type H3Event } from 'h3'
import type { Runtime } from '../runtime'
import { createRewriter } from '../scripts/rewrite'
import { createScriptCache, type ScriptCache } from '../scripts/script-cache'
import { notModified } from '../http/etag'
import { wildcardRest } from '../http/wildcard'

/**
 * A Pinterest library file name: a content-hashed bundle like `main.6ae4a9fc.js` (docs/pinterest-tag.md
 * "Scripts"): a lowercase name, a dot, 6–16 hex digits, `.js`. Nothing else is looked up upstream.
 */
export const SCRIPT_NAME = /^[a-z][a-z0-9_-]{0,31}\.[0-9a-f]{6,16}\.js$/

async function serve(event: H3Event, cache: ScriptCache, path: string, prefix: string): Promise<HTTPResponse> {
  const r = await cache.get(path)
  if (r.kind === 'not-found') throw new HTTPError({ status: 404, message: `${path} does not exist at PINTEREST_SCRIPT_ORIGIN` })
  if (r.kind === 'busy') {
    throw new HTTPError({ status: 503, message: `too many Pinterest scripts are being fetched at once; ${path} was not looked up, retry shortly`, headers: { 'retry-after': '5' } })
  }
  if (r.kind === 'unavailable') {
    // Offline (the demo on a laptop) or an origin this server cannot reach: say what the shop sees.
    throw new HTTPError({
      status: 502,
      message: `could not fetch ${path} from PINTEREST_SCRIPT_ORIGIN and no cached copy exists (${r.reason}): offline, or that origin is unreachable from this server. The page runs without Pinterest's tag; the loader sends its calls to ${prefix}/e, so the server copies are still made`,
    })
  }
  const headers = {
    etag: r.script.etag,
    'cache-control': 'public, max-age=300',
    'content-type': 'application/javascript; charset=utf-8',
    'x-content-type-options': 'nosniff',
  }
  // h3 HTTPResponses are written out on Node as they are, without a web stream around the text.
  if (notModified(event, r.script.etag)) return new HTTPResponse(null, { status: 304, headers })
  return new HTTPResponse(r.script.body, { status: 200, headers })
}

/**
 * `GET {prefix}/pin/core.js` and `GET {prefix}/pin/lib/<file>.js` — Pinterest's scripts served
 * first-party from PINTEREST_SCRIPT_ORIGIN `/ct/…` (never a URL from the request), with the script
 * and beacon hosts rewritten to first-party paths, cached with stale-while-revalidate.
 */
export function pinScriptRoutes(app: H3, rt: Pick<Runtime, 'config' | 'tag' | 'store' | 'fetch' | 'now' | 'log' | 'metrics'>): void {
  const { prefix } = rt.config
  const pinterest = rt.tag
  if (!pinterest) return
  const cache = createScriptCache({
    storage: rt.store.storage,
    fetch: rt.fetch,
    now: rt.now,
    log: rt.log,
    origin: pinterest.scriptOrigin,
    transform: createRewriter({ prefix, scriptOrigin: pinterest.scriptOrigin, beaconOrigin: pinterest.beaconOrigin }),
    onLookup: (state) => rt.metrics.scriptCache(state),
  })
  app.get('/pin/core.js', (event) => serve(event, cache, '/ct/core.js', prefix))
  app.get('/pin/lib/**:rest', (event) => {
    const name = wildcardRest(event)
    if (!SCRIPT_NAME.test(name)) {
      throw new HTTPError({ status: 404, message: 'not a Pinterest library file: only content-hashed names like main.1a2b3c4d.js are served' })
    }
    return serve(event, cache, `/ct/lib/${name}`, prefix)
  })
}
