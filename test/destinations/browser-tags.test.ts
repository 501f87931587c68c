// The browser tags /ctx answers come from what is registered and configured (destinations/index.ts
// `browserTagNames`), not from a list in the route: every registered driver's tag or page pixel
// (the loader reads pinterest-tag, meta-pixel and tiktok-pixel: client/types.ts `Decisions`), plus
// a browser tag an embedder configures.
import { afterEach, expect, it } from 'vitest'
import { z } from 'zod'
import type { TagwardenApp } from '../../server/app'
import { createApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { defineDestination, type BrowserTag } from '../../server/destinations/define-destination'
import { browserTagNames, drivers, metaCapi, tiktokEvents } from '../../server/destinations'
import { createLogger } from '../../server/log'
import { createStore } from '../../server/storage/create-store'
import { call, TEST_SECRET } from '../tag/build'

const acmeTag = defineDestination({
  name: 'acme-tag',
  kind: 'tag',
  options: z.object({}).strict(),
  env: {},
  create: (): BrowserTag => ({
    name: 'acme-tag',
    kind: 'tag',
    scriptOrigin: 'http://127.0.0.1:9',
    beaconOrigin: 'http://127.0.0.1:9',
    identifiers: { personal: [], ids: [], network: ['client_ip_address'] },
    describe: () => ({}),
  }),
})

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close()
  tw = undefined
})

it('names every registered browser tag and page pixel, configured or not, and configured tags of ones own', () => {
  expect(metaCapi.pixel).toBe('meta-pixel')
  expect(tiktokEvents.pixel).toBe('tiktok-pixel')
  expect(browserTagNames()).toEqual(['pinterest-tag', 'meta-pixel', 'tiktok-pixel'])
  expect(browserTagNames([acmeTag(), drivers[1]()])).toEqual(['pinterest-tag', 'meta-pixel', 'tiktok-pixel', 'acme-tag'])
})

// A tag without rules of its own is judged by the "*" list, like any destination.
it('/ctx answers the decision for a configured browser tag of the embedder as well as the loader’s three', async () => {
  const config = parseConfig({ TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_SECRET: TEST_SECRET, TAGWARDEN_LOG_LEVEL: 'silent', TAGWARDEN_DEMO: 'false', TAGWARDEN_TRUSTED_PROXIES: 'loopback' })
  config.destinations.push(acmeTag())
  tw = await createApp(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') })
  const res = await call(tw, '/tw/ctx', { method: 'POST', body: JSON.stringify({ consent: { ad_storage: 'granted', ad_user_data: 'granted' } }), headers: { 'content-type': 'text/plain;charset=UTF-8' } })
  expect(res.status).toBe(200)
  const allow = { action: 'allow', rule: 'allow' }
  expect(await res.json()).toEqual({ decisions: { 'pinterest-tag': allow, 'meta-pixel': allow, 'tiktok-pixel': allow, 'acme-tag': allow } })
})
