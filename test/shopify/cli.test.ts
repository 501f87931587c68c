// `tagwarden shopify-pixel`: the snippet on stdout with the URL and the key the server accepts.
import { describe, expect, it } from 'vitest'
import { parseShopifyPixelArgs, shopifyPixelCommand } from '../../server/commands/shopify-pixel'
import { buildApp, SECRET } from '../helpers/build-app'
import { pixelBodySchema } from '../../server/shopify/pixel-body'
import { standardEvent } from './helpers'

async function run(args: string[], env: Record<string, string> = {}) {
  let out = ''
  let err = ''
  await shopifyPixelCommand(args, { out: { write: (s: string) => ((out += s), true) } as any, err: { write: (s: string) => ((err += s), true) } as any, env: { TAGWARDEN_STORAGE: 'memory:', ...env } })
  return { out, err }
}

/** Run the printed snippet as Shopify would (its four names) and return what it posted. */
async function postsOf(snippet: string, events = [standardEvent('checkout_started')]) {
  const posts: { url: string; body: string }[] = []
  const subs: Record<string, (e: unknown) => Promise<unknown>> = {}
  new Function('analytics', 'browser', 'init', 'api', 'fetch', snippet)(
    { subscribe: (n: string, cb: (e: unknown) => Promise<unknown>) => void (subs[n] = cb) },
    { cookie: { get: async () => '', set: async () => '' } },
    { customerPrivacy: { analyticsProcessingAllowed: true, marketingAllowed: true, preferencesProcessingAllowed: true, saleOfDataAllowed: true } },
    { customerPrivacy: { subscribe: () => undefined } },
    async (url: string, init: RequestInit) => void posts.push({ url, body: init.body as string }),
  )
  for (const e of events) await subs[e.name]?.(e)
  return posts
}

describe('tagwarden shopify-pixel', () => {
  it('prints a snippet whose key the server accepts (derived from TAGWARDEN_SECRET), posting to --url', async () => {
    const { out, err } = await run(['--url', 'https://shop.example/tw/'], { TAGWARDEN_SECRET: SECRET })
    expect(err).toMatch(/derived from TAGWARDEN_SECRET \(key "k1"\); events: checkout/)
    expect(out).toMatch(/^\/\/ tagwarden: Shopify custom pixel/)
    const [post] = await postsOf(out)
    expect(post.url).toBe('https://shop.example/tw/shopify/pixel')
    const body = pixelBodySchema.parse(JSON.parse(post.body))
    const tw = await buildApp({}, { now: () => Date.parse(standardEvent('checkout_started').timestamp) + 1000 })
    const res = await tw.fetch(new Request('http://shop.test/tw/shopify/pixel', { method: 'POST', headers: { origin: 'null' }, body: post.body }), { clientAddress: '203.0.113.7' })
    expect(res.status).toBe(202)
    const wrong = await tw.fetch(new Request('http://shop.test/tw/shopify/pixel', { method: 'POST', headers: { origin: 'null' }, body: JSON.stringify({ ...body, key: body.key.slice(0, -1) + 'x' }) }))
    expect(wrong.status).toBe(403)
    await tw.close()
  })

  it('uses TAGWARDEN_SHOPIFY_PIXEL_KEY (the first, during a rotation both are accepted) and --events all', async () => {
    const env = { TAGWARDEN_SECRET: SECRET, TAGWARDEN_SHOPIFY_PIXEL_KEY: 'new-pixel-key-0123456789,old-pixel-key-0123456789' }
    const { out, err } = await run(['--url=https://shop.example/tw', '--events', 'all'], env)
    expect(err).toMatch(/pixel key TAGWARDEN_SHOPIFY_PIXEL_KEY; events: all/)
    expect(out).toContain('var TAGWARDEN_KEY = "new-pixel-key-0123456789";')
    expect(out).toContain('var TAGWARDEN_EVENTS = "all";')
    const tw = await buildApp({ TAGWARDEN_SHOPIFY_PIXEL_KEY: env.TAGWARDEN_SHOPIFY_PIXEL_KEY }, { now: () => Date.parse(standardEvent('page_viewed').timestamp) + 1000 })
    const [post] = await postsOf(out, [standardEvent('page_viewed')])
    for (const key of ['new-pixel-key-0123456789', 'old-pixel-key-0123456789', 'gone-pixel-key-0123456789']) {
      const res = await tw.fetch(new Request('http://shop.test/tw/shopify/pixel', { method: 'POST', headers: { origin: 'null' }, body: JSON.stringify({ ...JSON.parse(post.body), key }) }))
      expect(res.status, key).toBe(key.startsWith('gone') ? 403 : 202)
    }
    await tw.close()
  })

  it('without --url points at the local server and says so; bad arguments are named', async () => {
    const { out, err } = await run([], { TAGWARDEN_SECRET: SECRET, PORT: '9090' })
    expect(out).toContain('var TAGWARDEN_URL = "http://localhost:9090/tw/shopify/pixel";')
    expect(err).toMatch(/no --url given/)
    expect(() => parseShopifyPixelArgs(['--url', 'http://shop.example/tw'])).toThrow(/must be https/)
    expect(() => parseShopifyPixelArgs(['--url', 'nope'])).toThrow(/is not a URL/)
    expect(() => parseShopifyPixelArgs(['--events', 'some'])).toThrow(/"checkout" or "all"/)
    expect(() => parseShopifyPixelArgs(['--key', 'x'])).toThrow(/unknown argument "--key"/)
    // Memory storage without a secret: every process has its own development secret, so no key would match.
    await expect(run(['--url', 'https://shop.example/tw'])).rejects.toThrow(/TAGWARDEN_STORAGE=memory: and no TAGWARDEN_SECRET/)
  })
})
