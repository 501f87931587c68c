import type { Config } from '../config'
import { resolveSecrets } from '../context/secrets'
import { createLogger } from '../log'
import { pixelKeys } from '../shopify/pixel-key'
import { shopifyPixelSnippet, type PixelEventMode } from '../shopify/snippet'
import { createStore } from '../storage/create-store'
import { loadConfig } from './load-config'

export interface ShopifyPixelArgs {
  url?: string
  events: PixelEventMode
}

/** `--url https://shop.example/tw` (or `--url=…`) and `--events checkout|all`; anything else is an error naming it. */
export function parseShopifyPixelArgs(args: string[]): ShopifyPixelArgs {
  const out: ShopifyPixelArgs = { events: 'checkout' }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const [flag, inline] = arg.split(/=(.*)/s, 2)
    const value = flag === '--url' || flag === '--events' ? (inline ?? args[++i]) : undefined
    if (flag === '--url') {
      if (!value) throw new Error('[tagwarden] shopify-pixel: --url needs a value, e.g. --url https://shop.example/tw')
      let u: URL
      try {
        u = new URL(value)
      } catch {
        throw new Error(`[tagwarden] shopify-pixel: --url "${value}" is not a URL (e.g. https://shop.example/tw)`)
      }
      const local = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)
      // Checkout pages are https: the browser blocks a pixel posting to plain http (mixed content).
      if (u.protocol !== 'https:' && !(local && u.protocol === 'http:')) throw new Error(`[tagwarden] shopify-pixel: --url must be https:// (Shopify's checkout is https), got ${u.protocol}`)
      if (u.search || u.hash) throw new Error('[tagwarden] shopify-pixel: --url takes no query or fragment: the shop\'s tagwarden base, e.g. https://shop.example/tw')
      out.url = u.href.replace(/\/+$/, '')
    } else if (flag === '--events') {
      if (value !== 'checkout' && value !== 'all') throw new Error(`[tagwarden] shopify-pixel: --events must be "checkout" or "all", got ${JSON.stringify(value ?? '')}`)
      out.events = value
    } else {
      throw new Error(`[tagwarden] shopify-pixel: unknown argument "${arg}" (see tagwarden shopify-pixel --help)`)
    }
  }
  return out
}

/** The key to paste and where it comes from (for the note on stderr). */
export async function currentPixelKey(config: Config): Promise<{ key: string; from: string }> {
  if (config.shopifyPixel.keys.length) return { key: config.shopifyPixel.keys[0], from: 'TAGWARDEN_SHOPIFY_PIXEL_KEY' }
  if (config.secrets.length) return { key: pixelKeys(config, config.secrets)[0], from: `derived from TAGWARDEN_SECRET (key "${config.secrets[0].kid}")` }
  if (config.storage.kind === 'memory') {
    throw new Error('[tagwarden] shopify-pixel: with TAGWARDEN_STORAGE=memory: and no TAGWARDEN_SECRET each process generates its own secret, so no printed key would match the server; set TAGWARDEN_SECRET or TAGWARDEN_SHOPIFY_PIXEL_KEY')
  }
  // Development: the generated secret the server keeps in storage, so server and snippet agree.
  const store = createStore(config.storage)
  try {
    const keys = await resolveSecrets(config, store.storage, createLogger('silent'))
    return { key: pixelKeys(config, keys)[0], from: `derived from the development secret kept in ${config.storage.kind} storage (set TAGWARDEN_SECRET or TAGWARDEN_SHOPIFY_PIXEL_KEY for production)` }
  } finally {
    await store.close()
  }
}

/**
 * `tagwarden shopify-pixel [--url https://shop.example/tw] [--events checkout|all]` — prints the
 * custom-pixel code to paste under Shopify's Settings → Customer events, with the URL and the current
 * pixel key filled in; where the key comes from goes to stderr, so stdout is the snippet alone.
 */
export async function shopifyPixelCommand(args: string[], io = { out: process.stdout, err: process.stderr, env: process.env as Record<string, string | undefined> }): Promise<void> {
  const parsed = parseShopifyPixelArgs(args)
  const config = await loadConfig(io.env)
  // PORT as `serve` reads it (a local default only; the live shop needs --url).
  const port = /^\d{1,5}$/.test(io.env.PORT?.trim() ?? '') ? io.env.PORT!.trim() : '8787'
  const url = parsed.url ?? `http://localhost:${port}${config.prefix}`
  const { key, from } = await currentPixelKey(config)
  if (!parsed.url) io.err.write(`[tagwarden] shopify-pixel: no --url given, so the snippet posts to ${url}; pass --url https://<your shop>${config.prefix} for the live shop\n`)
  io.err.write(`[tagwarden] shopify-pixel: pixel key ${from}; events: ${parsed.events}\n`)
  io.out.write(shopifyPixelSnippet({ url, key, events: parsed.events }))
}
