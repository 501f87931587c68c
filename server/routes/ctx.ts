import { getCookie, type H3 } from 'h3'
import { cartTokenList } from '../context/claims'
import { ownClickIdCookies } from '../context/click-id-cookies'
import { CONTEXT_REFRESH_S } from '../context/cookie'
import { CTX_BODY_LIMIT, ctxBodySchema } from '../context/ctx-body'
import { createLatestContexts, LATEST_KEEP_MS } from '../context/latest'
import { createRedisContexts } from '../context/redis-contexts'
import { fbcFor, newFbp, ownMetaCookies } from '../context/meta-cookies'
import { mergeContext, sameContext } from '../context/merge'
import { META_PIXEL } from '../destinations/meta-capi'
import { TAG_DESTINATION } from '../destinations/pinterest-tag'
import type { Runtime } from '../runtime'
import type { BrowserDecisions } from '../consent/browser'
import { parseJson, readBodyText, validate } from '../http/request'
import { assertNotCrossSite } from '../guards/same-site'
import { pixelIds, requestConsent, requestCountry } from '../context/shopper'

/** What an explicit "no" to ad storage removes from the context: every click and browser id (README "Consent"). */
const CLICK_ID_CLAIMS = ['epik', 'epik_at', 'epik_src', 'fbc', 'fbp', 'ttclid', 'ttp'] as const

/**
 * `POST {prefix}/ctx` — the loader's context update (epik, consent, cart, email), sent as
 * text/plain JSON: validated (unknown keys dropped; the email hashed by the schema before anything
 * else sees it, so only its SHA-256 reaches the cookie and the cart store); a per-source consent
 * list combined into one snapshot by the consent policy; merged into the shopper's newest context
 * (posts of one visitor run one at a time, each against what the one before wrote, across
 * instances too when they share Redis: context/latest.ts), re-signed when something changed or the
 * cookie is due a refresh, and stored by cart/checkout token for order webhooks. The click id cookies follow the decision
 * (context/click-id-cookies.ts); where Meta's pixel may run, `_fbc`/`_fbp` are kept first-party
 * (context/meta-cookies.ts). Answers 200 with the policy's decision for each browser tag
 * (`{ decisions: { 'pinterest-tag': { action, rule }, 'meta-pixel': …, 'tiktok-pixel': … } }`): the
 * loader loads a tag only as that says. Every consent decision here (which ids the cookie keeps,
 * which tags run) is the policy's (`rt.policy.browser`, consent/browser.ts).
 */
export function ctxRoutes(app: H3, rt: Pick<Runtime, 'store' | 'now' | 'storeHealth' | 'destinations' | 'policy' | 'context' | 'carts' | 'client'> & Parameters<typeof requestConsent>[1]): void {
  // On Redis every instance takes the visitor's turn there; a failure there does not fail the post.
  const shared = rt.store.redis && createRedisContexts(rt.store.redis, { keepMs: LATEST_KEEP_MS })
  const latest = createLatestContexts(rt.now, { shared, failed: (error) => rt.storeHealth.failed(error) })
  const usesMeta = rt.destinations.some((d) => d.platform.toLowerCase() === 'meta')
  app.post('/ctx', async (event) => {
    assertNotCrossSite(event)
    const { consent: posted, fbclid, ...body } = validate(ctxBodySchema, parseJson(await readBodyText(event, CTX_BODY_LIMIT)))
    const consent = Array.isArray(posted) ? rt.policy.combine(posted, requestCountry(event, rt)) : posted
    const { claims: cookie, issuedAt } = await rt.context.read(event)
    const answer = await latest.update(cookie, issuedAt, async (existing) => {
      const now = rt.now()
      const host = event.url.hostname
      // A landing fbclid beats the _fbc cookie, which beats the stored fbc (docs/meta-capi.md §7).
      const fbc = fbcFor(fbclid, body.fbc ?? existing?.fbc, host, now)
      const next = mergeContext(existing, { ...body, ...(fbc ? { fbc } : {}), consent }, now)
      const signals = requestConsent(event, rt, next)
      const decided = rt.policy.browser(signals)
      const denied = !decided.keepsClickIds
      if (denied) for (const k of CLICK_ID_CLAIMS) delete next[k]
      // Meta's pixel may run: its cookies are kept first-party, and where the shop sends to Meta's
      // Conversions API a shopper without one gets an _fbp from the server (docs/meta-capi.md §7).
      const metaPixel = decided.runs(META_PIXEL)
      if (metaPixel && usesMeta && !next.fbp && !getCookie(event, '_fbp')) next.fbp = newFbp(host, now)
      // Compared with the cookie the browser holds, not the remembered context: what a concurrent
      // post added must reach this browser too.
      const changed = !sameContext(cookie, next)
      if (changed || (issuedAt !== undefined && now / 1000 - issuedAt > CONTEXT_REFRESH_S)) {
        await rt.context.write(event, next)
        latest.wrote(next)
      }
      const tokens = cartTokenList(next.cart)
      if (tokens.length && (body.cart || !sameContext(existing, next))) {
        await rt.carts.put(tokens, {
          epik: next.epik,
          // Under a denial the cookies still on this request are being deleted: none are kept.
          ids: denied ? undefined : pixelIds(event, next),
          ip: rt.client(event).ip,
          ua: event.req.headers.get('user-agent') || undefined,
          visitor_id: next.vid,
          em: next.em,
          consent: signals,
          at: now,
        })
      }
      ownClickIdCookies(event, next, decided.runs(TAG_DESTINATION), denied)
      if (metaPixel) ownMetaCookies(event, next)
      const answer: BrowserDecisions = { decisions: decided.decisions }
      return answer
    })
    event.res.headers.set('cache-control', 'no-store')
    return answer
  })
}
