import type { H3 } from 'h3'
import { browserIdFields, browserIdsOf, createBrowserIds, keepBrowserIdCookies, postedIds, refererParams } from '../context/browser-ids'
import type { CartContext } from '../context/cart-store'
import { cartTokenList, dropClickIds } from '../context/claims'
import { ownClickIdCookies } from '../context/click-id-cookies'
import { CONTEXT_REFRESH_S } from '../context/cookie'
import { CTX_BODY_LIMIT, ctxBodySchema } from '../context/ctx-body'
import { declaredBrowserIds } from '../context/declared-browser-ids'
import { createLatestContexts, LATEST_KEEP_MS } from '../context/latest'
import { createRedisContexts } from '../context/redis-contexts'
import { mergeContext, sameContext } from '../context/merge'
import type { Runtime } from '../runtime'
import type { BrowserDecisions } from '../consent/types'
import { parseJson, readBodyText, validate } from '../http/request'
import { assertNotCrossSite, shopHosts } from '../guards/same-site'
import { requestConsent, requestCountry } from '../context/shopper'

/**
 * `POST {prefix}/ctx` — the loader's context update (epik, consent, cart, email, the click and
 * browser ids destinations declare), sent as text/plain JSON: validated (unknown keys dropped; the
 * email hashed by the schema before anything else sees it, so only its SHA-256 reaches the cookie
 * and the cart store); a per-source consent list combined into one snapshot by the consent policy;
 * merged into the shopper's newest context (posts of one visitor run one at a time, each against
 * what the one before wrote, across instances too when they share Redis: context/latest.ts),
 * re-signed when something changed or the cookie is due a refresh, and stored by cart/checkout
 * token for order webhooks. Each declared id is ranked URL > cookie > stored and kept, created and
 * set first-party as its declaration says (context/browser-ids.ts); the click id cookies follow
 * the decision (context/click-id-cookies.ts). Answers 200 with the policy's decision for each
 * browser tag (`{ decisions: { 'pinterest-tag': { action, rule }, 'meta-pixel': …, 'tiktok-pixel': … } }`):
 * the loader loads a tag only as that says. Every consent decision here (which ids the cookie
 * keeps, which tags run, which cookies are kept) is the policy's (`rt.policy.browser`, consent/browser.ts).
 */
export function ctxRoutes(app: H3, rt: Pick<Runtime, 'store' | 'now' | 'storeHealth' | 'destinations' | 'policy' | 'context' | 'carts' | 'client' | 'log'> & Parameters<typeof requestConsent>[1]): void {
  // On Redis every instance takes the visitor's turn there; a failure there does not fail the post.
  const shared = rt.store.redis && createRedisContexts(rt.store.redis, { keepMs: LATEST_KEEP_MS })
  const latest = createLatestContexts(rt.now, { shared, failed: (error) => rt.storeHealth.failed(error) })
  const declared = declaredBrowserIds(rt)
  const idFields = browserIdFields(declared.ids)
  const cookies = declared.ids.flatMap((d) => (d.cookie ? [d.cookie] : []))
  app.post('/ctx', async (event) => {
    assertNotCrossSite(event)
    const json = parseJson(await readBodyText(event, CTX_BODY_LIMIT))
    const { consent: posted, ...body } = validate(ctxBodySchema, json)
    const ids: Record<string, string | undefined> = idFields.parse(json)
    // The landing page's own URL parameters (its Referer, when the page is the shop's) fill what the body does not carry.
    const ownPage = (host: string) => event.req.headers.get('sec-fetch-site') === 'same-origin' || shopHosts(event, rt).includes(host)
    for (const [param, value] of Object.entries(refererParams(event.req.headers.get('referer'), ownPage, declared.ids))) ids[param] ??= value
    const consent = Array.isArray(posted) ? rt.policy.combine(posted, requestCountry(event, rt)) : posted
    const { claims: cookie, issuedAt } = await rt.context.read(event)
    const answer = await latest.update(cookie, issuedAt, async (existing) => {
      const now = rt.now()
      const at = { host: event.url.hostname, nowMs: now }
      const next = mergeContext(existing, { ...body, ids: postedIds(declared.ids, ids, existing, at), consent }, now)
      const signals = requestConsent(event, rt, next)
      const decided = rt.policy.browser(signals)
      const denied = !decided.keepsClickIds
      if (denied) dropClickIds(next)
      // A declared id the server makes where its tag may run (Meta's _fbp: docs/meta-capi.md §7).
      createBrowserIds(event, next, declared.ids, (tag) => decided.runs(tag), declared.configured, at)
      // Compared with the cookie the browser holds, not the remembered context: what a concurrent
      // post added must reach this browser too.
      const changed = !sameContext(cookie, next)
      if (changed || (issuedAt !== undefined && now / 1000 - issuedAt > CONTEXT_REFRESH_S)) {
        await rt.context.write(event, next)
        latest.wrote(next)
      }
      const tokens = cartTokenList(next.cart)
      if (tokens.length && (body.cart || !sameContext(existing, next))) {
        const context: CartContext = {
          epik: next.epik,
          // Under a denial the cookies still on this request are being deleted: none are kept.
          ids: denied ? undefined : browserIdsOf(event, next, declared.ids),
          ip: rt.client(event).ip,
          ua: event.req.headers.get('user-agent') || undefined,
          visitor_id: next.vid,
          em: next.em,
          consent: signals,
          at: now,
        }
        await rt.carts.put(tokens, context).catch((error: unknown) => {
          // Storage down: the consent decision still reaches the browser (it needs no storage); the
          // cart's context is held in memory and written once storage is back (README "Storage outage").
          if (!rt.storeHealth.failed(error)) throw error
          rt.carts.hold(tokens, context)
          rt.log.warn('[tagwarden] storage failed: a cart context from /tw/ctx is held in memory until storage is back', { reason: (error as Error).message })
        })
      }
      ownClickIdCookies(event, next, decided, cookies)
      keepBrowserIdCookies(event, next, declared.ids, (tag) => decided.runs(tag))
      const answer: BrowserDecisions = { decisions: decided.decisions }
      return answer
    })
    event.res.headers.set('cache-control', 'no-store')
    return answer
  })
}
