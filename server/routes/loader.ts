import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { HTTPError, type H3 } from 'h3'
import type { Config } from '../config'
import { pageReads, type BrowserId } from '../context/browser-ids'
import { declaredBrowserIds } from '../context/declared-browser-ids'
import { browserTag } from '../destinations'
import type { Runtime } from '../runtime'
import { notModified } from '../http/etag'
import { encodeAll, pickCoding, type Encoded } from '../http/encoding'
import { packageFile } from '../package-file'

/** The identifier the built loader names exactly once (client/config.ts); replaced by the public config. */
export const CONFIG_SLOT = '__TW_CONFIG__'
/** The identifier the built px chunk names exactly once (client/px/index.ts); replaced by the ids it reads (`pxReadsLiteral`). */
export const PX_SLOT = '__TW_IDS__'
/** Milliseconds the loader waits for consent or the tag before falling back to `{prefix}/e`. */
export const LOADER_WAIT_MS = 2500
/** How often the built file is checked for a rebuild. */
const RECHECK_MS = 2000

/**
 * The public config inlined into the loader (client/config.ts `LoaderConfig`). Only public values:
 * no key, token or secret ever appears here.
 * @example loaderConfig(parseConfig({})).p // '/tw'
 */
export function loaderConfig(config: Config) {
  return {
    p: config.prefix,
    t: browserTag(config)?.tagId ?? '',
    o: config.eventIdTemplate,
    g: config.onetrustGroup,
    w: LOADER_WAIT_MS,
  }
}

interface Built { files: Encoded; mtimeMs: number; size: number; checked: number }

/**
 * A built browser file, re-read when the build changes (checked every RECHECK_MS): its body after
 * `fill` in every coding (compressed once per build), and an ETag from that body. 503 naming
 * `npm run build` while it is missing.
 */
function builtFile(file: string, fill: (source: string) => string = (s) => s): () => Promise<Built> {
  let built: Built | undefined
  return async () => {
    const now = Date.now()
    if (built && now - built.checked < RECHECK_MS) return built
    const info = await stat(file).catch(() => undefined)
    if (!info) {
      built = undefined
      throw new HTTPError({ status: 503, message: `the browser loader is not built (${file} is missing): run npm run build` })
    }
    if (built && built.mtimeMs === info.mtimeMs && built.size === info.size) return ((built.checked = now), built)
    const body = fill(await readFile(file, 'utf8'))
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
    return (built = { files: await encodeAll(body, etag), mtimeMs: info.mtimeMs, size: info.size, checked: now })
  }
}

/**
 * The loader config as a JavaScript object literal: JSON values, bare keys (they are fixed
 * identifiers), which saves a dozen bytes on every page (the served loader has a 2.5 kB budget).
 * @example configLiteral({ p: '/tw', w: 2500 }) // '{p:"/tw",w:2500}'
 */
export const configLiteral = (config: Record<string, string | number>): string =>
  `{${Object.entries(config).map(([k, v]) => `${k}:${JSON.stringify(v)}`).join(',')}}`.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)

/**
 * The click and browser ids the px chunk reads, as a JavaScript array literal: `[name, param,
 * cookie]` per id (context/browser-ids.ts `pageReads`). Names are short identifiers (checked by
 * `collectBrowserIds`), so the JSON needs no escaping.
 * @example pxReadsLiteral(declaredBrowserIds(rt).ids) // '[["fbclid","fbclid"],["fbc","","_fbc"],…]'
 */
export const pxReadsLiteral = (declared: readonly BrowserId[]): string => JSON.stringify(pageReads(declared))

/**
 * What puts a literal into a built browser file: the first occurrence of `slot` is replaced (the
 * source names it once: test/client/size.test.ts); a build without it is answered 503.
 * @example fillSlot('dist/loader.js', CONFIG_SLOT, '{p:"/tw"}')(source)
 */
export const fillSlot = (file: string, slot: string, literal: string) => (source: string): string => {
  if (!source.includes(slot)) {
    throw new HTTPError({ status: 503, message: `${file} has no ${slot} slot: rebuild it with npm run build` })
  }
  return source.replace(slot, () => literal)
}

/**
 * `GET {prefix}/loader.js` — the built browser loader with the public config inlined — and
 * `GET {prefix}/cmp.js`, the CMP adapters the loader requests only on pages with a CMP or a Meta/TikTok
 * pixel, and `GET {prefix}/px.js`, the pixel wrappers that chunk requests only on pages with `fbq` or
 * `ttq` (both read their config from the loader at run time; px.js gets the declared click and browser
 * ids it reads inlined the way the loader gets its config). Brotli or gzip by
 * `Accept-Encoding` (compressed once per build; `Vary: Accept-Encoding`), an ETag per coding,
 * five minutes of browser cache, 304 on `If-None-Match`; 503 until `npm run build` has produced
 * the file. `file`, `cmpFile` and `pxFile` override where the builds are read from (tests).
 */
export function loaderRoutes(app: H3, rt: Pick<Runtime, 'config' | 'destinations'>, file = packageFile('dist', 'loader.js'), cmpFile = packageFile('dist', 'cmp.js'), pxFile = packageFile('dist', 'px.js')): void {
  const files = {
    'loader.js': builtFile(file, fillSlot(file, CONFIG_SLOT, configLiteral(loaderConfig(rt.config)))),
    'cmp.js': builtFile(cmpFile),
    'px.js': builtFile(pxFile, fillSlot(pxFile, PX_SLOT, pxReadsLiteral(declaredBrowserIds(rt).ids))),
  }

  for (const [name, load] of Object.entries(files)) {
    app.get(`/${name}`, async (event) => {
      const coding = pickCoding(event.req.headers.get('accept-encoding'))
      const { body, etag } = (await load()).files[coding]
      const headers: Record<string, string> = {
        etag,
        vary: 'accept-encoding',
        'cache-control': 'public, max-age=300',
        'content-type': 'application/javascript; charset=utf-8',
        'x-content-type-options': 'nosniff',
      }
      if (notModified(event, etag)) return new Response(null, { status: 304, headers })
      if (coding !== 'identity') headers['content-encoding'] = coding
      headers['content-length'] = String(body.length)
      return new Response(new Uint8Array(body), { status: 200, headers })
    })
  }
}
