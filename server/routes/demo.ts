import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HTTPError, redirect, type H3 } from 'h3'
import type { Runtime } from '../runtime'
import { packageFile } from '../package-file'

/** A demo file name: one segment, a known type. */
const DEMO_FILE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}\.(html|js|css|svg)$/
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'application/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
}
/** The tag id the demo loads when PINTEREST_TAG_ID is not set (not a real tag: Pinterest ignores it). */
export const DEMO_TAG_ID = '2612345678901'

/**
 * `GET /demo/` — the static demo storefront (product page, add to cart, thank-you page, toy consent
 * banner), served when TAGWARDEN_DEMO is on (default: in dry-run). `%TW_PREFIX%` and `%TW_DEMO%`
 * in its files are filled in from the config.
 */
export function demoRoutes(app: H3, rt: Pick<Runtime, 'config' | 'tag'>, dir = packageFile('demo')): void {
  if (!rt.config.demo) return
  const { prefix, dryRun } = rt.config
  const tagId = rt.tag?.tagId
  const settings = JSON.stringify({ prefix, tagId: tagId ?? DEMO_TAG_ID, loaderLoads: !!tagId, dryRun })
  app.get('/demo/**', async (event) => {
    // Relative links in the pages need the trailing slash (the router treats /demo and /demo/ alike).
    if (event.url.pathname === '/demo') return redirect('/demo/')
    const name = event.url.pathname.slice('/demo/'.length) || 'index.html'
    if (!DEMO_FILE.test(name)) throw new HTTPError({ status: 404, message: 'no such demo file' })
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined)
    if (text === undefined) throw new HTTPError({ status: 404, message: 'no such demo file' })
    const body = text.replace(/%TW_PREFIX%/g, () => prefix).replace(/%TW_DEMO%/g, () => settings)
    return new Response(body, { headers: { 'content-type': TYPES[name.split('.').pop()!], 'cache-control': 'no-cache' } })
  })
}
