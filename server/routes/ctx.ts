import { noContent, type H3 } from 'h3'
import { cartTokenList } from '../context/claims'
import { CONTEXT_REFRESH_S } from '../context/cookie'
import { CTX_BODY_LIMIT, ctxBodySchema } from '../context/ctx-body'
import { mergeContext, sameContext } from '../context/merge'
import type { ConsentSignals } from '../event'
import type { Runtime } from '../runtime'
import { parseJson, readBodyText, validate } from './http'
import { assertNotCrossSite } from './same-site'
import { requestConsent } from './shopper'

/**
 * `POST {prefix}/ctx` — the loader's context update (epik, consent, cart, email), sent as
 * text/plain JSON: validated (unknown keys dropped; the email hashed by the schema before anything
 * else sees it, so only its SHA-256 reaches the cookie and the cart store), merged into the
 * verified tw_ctx, re-signed only when something changed (or the cookie is due a refresh), and
 * stored by cart/checkout token for order webhooks. Answers 204.
 */
function deniesAdStorage(rt: Runtime, consent: ConsentSignals | undefined): boolean {
  if (!consent) return false
  const state = rt.policy.normalize(consent)
  return state.ad_storage === 'denied' && (consent.ad_storage === 'denied' || state.tcf !== undefined || state.gdpr_applies === true)
}

export function ctxRoutes(app: H3, rt: Runtime): void {
  app.post(`${rt.config.prefix}/ctx`, async (event) => {
    assertNotCrossSite(event)
    const body = validate(ctxBodySchema, parseJson(await readBodyText(event, CTX_BODY_LIMIT)))
    const now = rt.now()
    const { claims: existing, issuedAt } = await rt.context.read(event)
    const next = mergeContext(existing, body, now)
    const consent = requestConsent(event, rt, next)
    if (next.epik && deniesAdStorage(rt, consent)) {
      // The click id is advertising storage: a shopper who explicitly denied ad_storage (Consent
      // Mode flag, a TC string without purpose 1, GDPR without a valid TC string) keeps none.
      delete next.epik
      delete next.epik_at
      delete next.epik_src
    }
    const changed = !sameContext(existing, next)
    if (changed || (issuedAt !== undefined && now / 1000 - issuedAt > CONTEXT_REFRESH_S)) await rt.context.write(event, next)

    const tokens = cartTokenList(next.cart)
    if (tokens.length && (body.cart || changed)) {
      await rt.carts.put(tokens, {
        epik: next.epik,
        ip: rt.client(event).ip,
        ua: event.req.headers.get('user-agent') || undefined,
        visitor_id: next.vid,
        em: next.em,
        consent,
        at: now,
      })
    }
    event.res.headers.set('cache-control', 'no-store')
    return noContent()
  })
}
