import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { HTTPError, type H3 } from 'h3'
import type { Config } from '../config'
import { browserTag } from '../destinations'
import type { Runtime } from '../runtime'
import { notModified } from '../http/etag'
import { encodeAll, pickCoding, type Encoded } from '../http/encoding'
import { packageFile } from '../package-file'

/** The identifier the built loader names exactly once (client/config.ts); replaced by the public config. */
export const CONFIG_SLOT = '__TW_CONFIG__'
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
 * `GET {prefix}/loader.js` — the built browser loader with the public config inlined — and
 * `GET {prefix}/cmp.js`, the CMP adapters the loader requests only on pages with a CMP or a Meta/TikTok
 * pixel, and `GET {prefix}/px.js`, the pixel wrappers that chunk requests only on pages with `fbq` or
 * `ttq` (both read their config from the loader at run time, so they are served as built). Brotli or gzip by
 * `Accept-Encoding` (compressed once per build; `Vary: Accept-Encoding`), an ETag per coding,
 * five minutes of browser cache, 304 on `If-None-Match`; 503 until `npm run build` has produced
 * the file. `file`, `cmpFile` and `pxFile` override where the builds are read from (tests).
 */
export function loaderRoutes(app: H3, rt: Pick<Runtime, 'config'>, file = packageFile('dist', 'loader.js'), cmpFile = packageFile('dist', 'cmp.js'), pxFile = packageFile('dist', 'px.js')): void {
  const literal = configLiteral(loaderConfig(rt.config))
  const fillConfig = (source: string) => {
    if (!source.includes(CONFIG_SLOT)) {
      throw new HTTPError({ status: 503, message: `${file} has no ${CONFIG_SLOT} slot: rebuild it with npm run build` })
    }
    return source.replace(CONFIG_SLOT, () => literal)
  }
  const files = { 'loader.js': builtFile(file, fillConfig), 'cmp.js': builtFile(cmpFile), 'px.js': builtFile(pxFile) }

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
