import type { ProductionWarning } from './destinations/define-destination'
import type { Config } from './config'


/** Keys, tokens and secrets shorter than this are guessable enough to warn about (the hard minimums are lower). */
export const STRONG_KEY_LENGTH = 32

/** A value that looks typed by hand or copied from an example: few distinct characters, or a placeholder word. */
export function looksLikePlaceholder(value: string): boolean {
  return new Set(value).size < 12 || /change.?me|example|placeholder|secret|password|0123456789|abcdef/i.test(value)
}

/**
 * What `tagwarden check` and the server's first log lines list for NODE_ENV=production: settings
 * that leave admin data open or closed, take client addresses from the wrong place, are guessable,
 * or send nothing (README "Production checklist").
 * @example productionWarnings(parseConfig(process.env)).map((w) => `${w.problem} — ${w.fix}`)
 */
export function productionWarnings(config: Config): ProductionWarning[] {
  const w: ProductionWarning[] = []
  const add = (setting: string, problem: string, fix: string) => w.push({ setting, problem, fix })

  if (!config.adminToken) {
    add(
      'TAGWARDEN_ADMIN_TOKEN',
      `no TAGWARDEN_ADMIN_TOKEN: the admin routes (/_/inspect, /_/events${config.metricsToken ? '' : ', /_/metrics'}) are off and /_/health shows the status only`,
      `set TAGWARDEN_ADMIN_TOKEN to ${STRONG_KEY_LENGTH}+ random characters (openssl rand -base64 32) to use them`,
    )
  }
  if (config.trustedProxies.kind === 'none') {
    add(
      'TAGWARDEN_TRUSTED_PROXIES',
      'no trusted proxy: X-Forwarded-For and the other forwarding headers are ignored, so behind a reverse proxy or CDN every shopper has the proxy\'s address (sent to Pinterest as client_ip_address, one rate-limit bucket for all)',
      'set TAGWARDEN_TRUSTED_PROXIES=loopback (proxy on this machine), the proxy\'s CIDR, or a hop count; leave it unset only when browsers connect to tagwarden directly',
    )
    if (config.countryHeader) {
      add('TAGWARDEN_COUNTRY_HEADER', `${config.countryHeader} is read only from a trusted proxy, and none is configured: country rules never see it`, 'set TAGWARDEN_TRUSTED_PROXIES to the CDN or proxy that sets the header')
    }
  }
  const keys: [string, string[]][] = [
    ['TAGWARDEN_SECRET', config.secrets.map((k) => k.secret)],
    ['TAGWARDEN_API_KEYS', config.apiKeys],
    ['TAGWARDEN_ADMIN_TOKEN', config.adminToken ? [config.adminToken] : []],
    ['TAGWARDEN_METRICS_TOKEN', config.metricsToken ? [config.metricsToken] : []],
    ['SHOPIFY_WEBHOOK_SECRET', config.webhooks.shopifySecret ? [config.webhooks.shopifySecret] : []],
    ['WOOCOMMERCE_WEBHOOK_SECRET', config.webhooks.woocommerceSecret ? [config.webhooks.woocommerceSecret] : []],
  ]
  for (const [name, values] of keys) {
    // Webhook secrets are chosen by Shopify/WooCommerce, not by the shop: only their shape is checked there.
    if (!name.endsWith('WEBHOOK_SECRET') && values.some((v) => v.length < STRONG_KEY_LENGTH)) {
      add(name, `${name}: a value is shorter than ${STRONG_KEY_LENGTH} characters`, `use ${STRONG_KEY_LENGTH}+ random characters (openssl rand -base64 32)`)
    } else if (values.some(looksLikePlaceholder)) {
      add(name, `${name}: a value looks like a development or example value (few distinct characters, a run like 0123456789, or a word like "secret", "example", "change-me")`, 'generate a random one (openssl rand -base64 32)')
    }
  }
  for (const d of config.destinations) w.push(...(d.warnings?.() ?? []))
  if (config.demo) add('TAGWARDEN_DEMO', 'the demo storefront is served at /demo/', 'set TAGWARDEN_DEMO=false')
  if (config.storage.kind === 'memory') {
    add('TAGWARDEN_STORAGE', 'memory: storage loses queued events, dead letters and click-id contexts on every restart', 'use fs:<dir> (one instance) or redis://… (several)')
  }
  return w
}
