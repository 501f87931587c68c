// Meta's and TikTok's hosts for a Chromium test, answered by Playwright routes (the tests never
// reach the internet): their scripts are the fakes (meta-pixel.ts, tiktok-pixel.ts), and their
// beacons are recorded. Registered after test/e2e/chromium.ts's catch-all, so these routes win.
import type { BrowserContext, Route } from 'playwright-core'
import { FAKE_FBEVENTS } from './meta-pixel'
import { FAKE_TIKTOK_EVENTS } from './tiktok-pixel'

/** One `https://www.facebook.com/tr/` beacon: its query, `cd[...]` gathered into `cd`. */
export interface MetaHit {
  id: string
  ev: string
  eid?: string
  dl?: string
  dpo?: string
  fbc?: string
  fbp?: string
  cd: Record<string, string>
}

/** One `https://analytics.tiktok.com/api/v2/pixel` beacon body. */
export interface TikTokHit {
  event: string
  event_id?: string
  context: { pixel: { code: string }; page: { url: string; referrer: string } }
  properties: Record<string, unknown>
}

export interface PlatformPixels {
  meta: MetaHit[]
  tiktok: TikTokHit[]
  /** Script URLs the page requested from the platforms' hosts. */
  scripts: string[]
}

const GIF = Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64')
const js = (route: Route, body: string) => route.fulfill({ status: 200, contentType: 'application/javascript', body })

/** Answer Meta's and TikTok's hosts in this browser context; returns what they received. */
export async function routePlatformPixels(context: BrowserContext): Promise<PlatformPixels> {
  const seen: PlatformPixels = { meta: [], tiktok: [], scripts: [] }
  await context.route((u) => u.hostname === 'connect.facebook.net', (route) => {
    const url = new URL(route.request().url())
    seen.scripts.push(url.href)
    return /\/fbevents\.js$/.test(url.pathname) ? js(route, FAKE_FBEVENTS) : route.fulfill({ status: 404, body: '' })
  })
  await context.route((u) => u.hostname === 'www.facebook.com', (route) => {
    const url = new URL(route.request().url())
    if (url.pathname.startsWith('/tr')) {
      const hit: Record<string, any> = { cd: {} }
      for (const [k, v] of url.searchParams) {
        const m = /^cd\[(.+)\]$/.exec(k)
        if (m) hit.cd[m[1]] = v
        else hit[k] = v
      }
      seen.meta.push(hit as MetaHit)
    }
    return route.fulfill({ status: 200, contentType: 'image/gif', body: GIF })
  })
  await context.route((u) => u.hostname === 'analytics.tiktok.com', (route) => {
    const url = new URL(route.request().url())
    if (url.pathname === '/i18n/pixel/events.js') {
      seen.scripts.push(url.href)
      return js(route, FAKE_TIKTOK_EVENTS)
    }
    if (url.pathname.startsWith('/api/v2/pixel')) {
      seen.tiktok.push(JSON.parse(route.request().postData() ?? '{}') as TikTokHit)
      return route.fulfill({ status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body: '{"code":0}' })
    }
    return route.fulfill({ status: 404, body: '' })
  })
  return seen
}
