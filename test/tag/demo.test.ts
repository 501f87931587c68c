import { afterEach, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { buildTagApp, call } from './build'

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close()
  tw = undefined
})

describe('demo storefront', () => {
  it('is on by default in dry-run and off with credentials, unless TAGWARDEN_DEMO says otherwise', () => {
    expect(parseConfig({}).demo).toBe(true)
    expect(parseConfig({ PINTEREST_AD_ACCOUNT_ID: '1', PINTEREST_ACCESS_TOKEN: 'pina_0123456789' }).demo).toBe(false)
    expect(parseConfig({ PINTEREST_AD_ACCOUNT_ID: '1', PINTEREST_ACCESS_TOKEN: 'pina_0123456789', TAGWARDEN_DEMO: 'true' }).demo).toBe(true)
    expect(parseConfig({ TAGWARDEN_DEMO: 'false' }).demo).toBe(false)
    expect(() => parseConfig({ TAGWARDEN_DEMO: 'maybe' })).toThrow(/TAGWARDEN_DEMO must be true or false/)
  })

  it('serves the pages with the prefix and settings filled in', async () => {
    tw = await buildTagApp({ TAGWARDEN_DEMO: 'true', TAGWARDEN_PREFIX: '/shop/tw' })
    const res = await call(tw, '/demo/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await res.text()
    expect(html).toContain('<script async src="/shop/tw/loader.js"></script>')
    expect(html).not.toMatch(/%TW_[A-Z]+%/)
    const settings = JSON.parse(/window\.TW_DEMO = (\{.*\})/.exec(html)![1])
    expect(settings).toEqual({ prefix: '/shop/tw', tagId: '2612345678901', loaderLoads: false, dryRun: true })
    for (const page of ['checkout.html', 'thank-you.html', 'demo.js', 'demo.css']) expect((await call(tw, `/demo/${page}`)).status, page).toBe(200)
    expect((await call(tw, '/demo')).status).toBe(302)
  })

  it('the demo calls the tag the way the README tells shops to', async () => {
    tw = await buildTagApp({ TAGWARDEN_DEMO: 'true' })
    const js = await (await call(tw, '/demo/demo.js')).text()
    expect(js).toContain("pintrk('track', 'addtocart'")
    expect(js).toContain("tw('cart', {")
    expect(js).toContain("pintrk('track', 'checkout', { order_id: id")
    expect(js).toContain("tw('consent', c)")
  })

  it('refuses anything but its own files, and is absent when off', async () => {
    tw = await buildTagApp({ TAGWARDEN_DEMO: 'true' })
    for (const path of ['/demo/..%2fpackage.json', '/demo/nope.html', '/demo/sub/x.html', '/demo/.env.js', '/demo/demo.ts']) expect((await call(tw, path)).status, path).toBe(404)
    await tw.close()
    tw = await buildTagApp({ TAGWARDEN_DEMO: 'false' })
    expect((await call(tw, '/demo/')).status).toBe(404)
  })
})
