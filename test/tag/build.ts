import { createApp, type TagwardenApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import type { Deps } from '../../server/runtime'
import { createStore } from '../../server/storage/create-store'

export const TEST_SECRET = 'k1:0123456789abcdef0123456789abcdef'
/** A port nothing listens on: an upstream a test forgot to set fails locally, never on the internet. */
export const NOWHERE = 'http://127.0.0.1:9'
export const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15'
export const SHOPPER_IP = '203.0.113.7'
/** The shop's reverse proxy, as tests model it: on this machine, trusted (TAGWARDEN_TRUSTED_PROXIES=loopback). */
export const PROXY_IP = '127.0.0.1'

/** Build the app for tag-path tests: memory storage, quiet logs, fixed key, upstreams local, the reverse proxy trusted. */
export function buildTagApp(env: Record<string, string> = {}, deps: Deps = {}): Promise<TagwardenApp> {
  const config = parseConfig({
    TAGWARDEN_STORAGE: 'memory:',
    TAGWARDEN_SECRET: TEST_SECRET,
    TAGWARDEN_LOG_LEVEL: 'silent',
    TAGWARDEN_DEMO: 'false',
    PINTEREST_SCRIPT_ORIGIN: NOWHERE,
    PINTEREST_BEACON_ORIGIN: NOWHERE,
    PINTEREST_API_URL: NOWHERE,
    TAGWARDEN_TRUSTED_PROXIES: 'loopback',
    ...env,
  })
  return createApp(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent'), ...deps })
}

/** Env that turns off dry-run and points CAPI at a fake server. */
export const liveCapiEnv = (url: string) => ({ PINTEREST_API_URL: url, PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_test_token_123' })

export interface Call {
  method?: string
  headers?: Record<string, string>
  body?: string | object
  /** The tw_ctx value to send. */
  cookie?: string
  /** The peer tagwarden sees (default: the reverse proxy, PROXY_IP). */
  peer?: string
}

/** One request against the app as a browser behind the shop's reverse proxy would make it: the proxy is the peer and names the shopper in X-Forwarded-For. */
export function call(tw: TagwardenApp, path: string, c: Call = {}): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': UA, 'x-forwarded-for': SHOPPER_IP, ...c.headers }
  if (c.cookie) headers.cookie = [headers.cookie, `tw_ctx=${c.cookie}`].filter(Boolean).join('; ')
  const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body)
  return tw.fetch(new Request(`http://shop.test${path}`, { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers, body }), { clientAddress: c.peer ?? PROXY_IP })
}

/** The tw_ctx value a response sets, if any. */
export function setCtx(res: Response): string | undefined {
  const line = res.headers.getSetCookie().find((l) => l.startsWith('tw_ctx='))
  return line?.slice('tw_ctx='.length).split(';')[0]
}

/** The claims of a JWS, unverified (for assertions). */
export const claimsOf = (token: string): Record<string, any> => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'))
export const headerOf = (token: string): Record<string, any> => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'))

/** A v3 beacon query as Pinterest's main.js sends it (docs/pinterest-tag.md "Beacon parameters"). */
export function beaconQuery(event: string, ed: Record<string, unknown>, extra: { pd?: Record<string, unknown>; loc?: string; cb?: number; tid?: string } = {}): string {
  const q = new URLSearchParams({
    tid: extra.tid ?? '2612345678901',
    event,
    ed: JSON.stringify(ed),
    pd: JSON.stringify(extra.pd ?? {}),
    ad: JSON.stringify({ loc: extra.loc ?? 'https://shop.test/products/tote', ref: '', if: false, sh: 900, sw: 1440 }),
    cb: String(extra.cb ?? Date.now()),
  })
  return q.toString()
}
