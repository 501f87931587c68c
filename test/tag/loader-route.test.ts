import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { H3 } from 'h3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { CONFIG_SLOT, loaderConfig, loaderRoutes } from '../../server/routes/loader'
import { packageFile } from '../../server/package-file'
import { buildTagApp, call } from './build'

let dir: string
let tw: TagwardenApp
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tw-loader-'))
  tw = await buildTagApp({ PINTEREST_TAG_ID: '2612345678901', TAGWARDEN_ONETRUST_GROUP: 'C0007', TAGWARDEN_DEFAULT_CONSENT: 'granted' })
})
afterAll(async () => {
  await tw.close()
  await rm(dir, { recursive: true, force: true })
})

/** An app serving the loader from `file` (and the CMP chunk from `cmpFile`) with the test runtime. */
function serving(file: string, cmpFile?: string, path = '/tw/loader.js') {
  // Routes are prefix-less; mounted at the prefix as createApp does.
  const routes = new H3()
  loaderRoutes(routes, tw.runtime, file, cmpFile)
  const app = new H3().mount(tw.runtime.config.prefix, routes)
  return (init: RequestInit = {}) => Promise.resolve(app.fetch(new Request(`http://shop.test${path}`, init)))
}

describe('loaderConfig', () => {
  it('is the public config the loader expects (client/config.ts), and nothing secret', () => {
    const c = loaderConfig(parseConfig({ TAGWARDEN_SECRET: `k:${'s'.repeat(32)}`, PINTEREST_TAG_ID: '2612345678901', PINTEREST_AD_ACCOUNT_ID: '1', PINTEREST_ACCESS_TOKEN: 'pina_secret_token' }))
    expect(c).toEqual({ p: '/tw', t: '2612345678901', o: 'ord_{order_id}', g: 'C0004', w: 2500 })
    expect(JSON.stringify(c)).not.toMatch(/pina_secret_token|sssssss/)
    expect(loaderConfig(parseConfig({})).t).toBe('')
  })
})

describe('GET /tw/loader.js', () => {
  it('inlines the config into the one slot, with ETag and five minutes of cache', async () => {
    const file = join(dir, 'loader.js')
    await writeFile(file, `!function(){var C=${CONFIG_SLOT};window.cfg=C;window.other="__TW_CONFIG__ in a string stays"}()`)
    const get = serving(file)
    const res = await get()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    const body = await res.text()
    const inlined = /var C=(\{.*?\});/.exec(body)![1]
    // A JavaScript object literal (bare keys, JSON values), evaluated as the browser does.
    expect(inlined).toBe('{p:"/tw",t:"2612345678901",o:"ord_{order_id}",g:"C0007",w:2500}')
    expect(new Function(`return ${inlined}`)()).toEqual({ p: '/tw', t: '2612345678901', o: 'ord_{order_id}', g: 'C0007', w: 2500 })
    expect(body).toContain('"__TW_CONFIG__ in a string stays"')
    const etag = res.headers.get('etag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
    const cached = await get({ headers: { 'if-none-match': etag } })
    expect(cached.status).toBe(304)
    expect(cached.headers.get('etag')).toBe(etag)
  })

  it('answers 503 naming npm run build when the loader is not built', async () => {
    const res = await serving(join(dir, 'missing.js'))()
    expect(res.status).toBe(503)
    expect(((await res.json()) as { message: string }).message).toMatch(/npm run build/)
  })

  it('answers 503 when the file has no config slot', async () => {
    const file = join(dir, 'noslot.js')
    await writeFile(file, 'console.log(1)')
    const res = await serving(file)()
    expect(res.status).toBe(503)
    expect(((await res.json()) as { message: string }).message).toMatch(/__TW_CONFIG__/)
  })

  it('finds dist/loader.js from source (and from the build, which walks up to package.json the same way)', () => {
    expect(packageFile('dist', 'loader.js')).toBe(join(__dirname, '..', '..', 'dist', 'loader.js'))
  })

  it('GET /tw/cmp.js serves the CMP chunk as built (no config slot to fill), with ETag, cache and 304', async () => {
    const cmpFile = join(dir, 'cmp.js')
    await writeFile(cmpFile, '!function(){window.tagwarden?._c?.([])}()')
    const get = serving(join(dir, 'missing.js'), cmpFile, '/tw/cmp.js')
    const res = await get()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    expect(await res.text()).toBe('!function(){window.tagwarden?._c?.([])}()')
    const etag = res.headers.get('etag')!
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/)
    expect((await get({ headers: { 'if-none-match': etag } })).status).toBe(304)
    const missing = await serving(join(dir, 'missing.js'), join(dir, 'missing-cmp.js'), '/tw/cmp.js')()
    expect(missing.status).toBe(503)
    expect(((await missing.json()) as { message: string }).message).toMatch(/npm run build/)
  })

  it('the app serves the real build when it exists, else a clear 503', async () => {
    const res = await call(tw, '/tw/loader.js')
    if (existsSync(packageFile('dist', 'loader.js'))) {
      expect(res.status).toBe(200)
      const body = await res.text()
      expect(body).not.toContain(CONFIG_SLOT)
      expect(body).toContain('p:"/tw"')
    } else {
      expect(res.status).toBe(503)
    }
    const cmp = await call(tw, '/tw/cmp.js')
    if (existsSync(packageFile('dist', 'cmp.js'))) {
      expect(cmp.status).toBe(200)
      const body = await cmp.text()
      expect(body).toContain('_c')
      expect(body).not.toContain(CONFIG_SLOT)
    } else {
      expect(cmp.status).toBe(503)
    }
  })
})
