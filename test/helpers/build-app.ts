import { createApp, type TagwardenApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { createStore } from '../../server/storage/create-store'
import { createLogger } from '../../server/log'
import type { Deps } from '../../server/runtime'

export const API_KEY = 'test-api-key-0123456789'
export const ADMIN_TOKEN = 'test-admin-token-0123456789'
export const SECRET = 'k1:0123456789abcdef0123456789abcdef'

/**
 * Build the app the way tests want it: memory storage, quiet logs, fixed keys, and the env
 * overrides given (e.g. PINTEREST_API_URL of a fake server).
 */
export async function buildApp(env: Record<string, string> = {}, deps: Deps = {}): Promise<TagwardenApp> {
  const config = parseConfig({
    TAGWARDEN_STORAGE: 'memory:',
    TAGWARDEN_SECRET: SECRET,
    TAGWARDEN_API_KEYS: API_KEY,
    TAGWARDEN_ADMIN_TOKEN: ADMIN_TOKEN,
    TAGWARDEN_LOG_LEVEL: 'silent',
    ...env,
  })
  return createApp(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent'), ...deps })
}

/** Env that turns off dry-run and points CAPI at a fake server. */
export const liveCapi = (url: string) => ({
  PINTEREST_API_URL: url,
  PINTEREST_AD_ACCOUNT_ID: '549755885175',
  PINTEREST_ACCESS_TOKEN: 'pina_test_token_123',
})

/** POST JSON to the app with the test API key. */
export function postEvents(tw: TagwardenApp, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return tw.fetch(
    new Request('http://shop.test/tw/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  )
}
