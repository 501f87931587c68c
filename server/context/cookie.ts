import { getCookie, setCookie, type H3Event } from 'h3'
import type { SigningKey } from '../config'
import type { Logger } from '../log'
import { contextClaimsSchema, type ContextClaims } from './claims'
import { createKeyring } from './keys'

/** The cookie name (docs/design.md "The context cookie"). */
export const CONTEXT_COOKIE = 'tw_ctx'
/** 390 days: the longest lifetime the contract allows (browsers cap cookies at 400 days; docs/design.md "The context cookie"). */
export const CONTEXT_TTL_S = 390 * 24 * 3600
/** An unchanged context is re-issued once it is this old, so a returning shopper's cookie stays alive. */
export const CONTEXT_REFRESH_S = 30 * 24 * 3600
/** Browsers drop cookies over ~4096 bytes (name + value + attributes, RFC 6265 §6.1 minimum). */
const MAX_TOKEN_BYTES = 3800

export interface ReadContext {
  claims?: ContextClaims
  /** When the presented cookie was issued (unix seconds). */
  issuedAt?: number
}

export interface ContextCookie {
  /** The verified context of the request; a cookie that fails verification reads as none. */
  read(event: H3Event): Promise<ReadContext>
  /** Sign the context and set it as `tw_ctx` on the response. */
  write(event: H3Event, claims: ContextClaims): Promise<void>
}

/**
 * The tw_ctx cookie: a JWS (HS256, `kid` header) set `HttpOnly; Secure; SameSite=Lax; Path=/`.
 * Tampered, expired, unknown-kid or `alg: none` cookies are ignored (and replaced on the next write).
 * @example const ctx = createContextCookie(rt.keys, rt.now, rt.log); const { claims } = await ctx.read(event)
 */
export function createContextCookie(keys: readonly SigningKey[], now: () => number, log: Logger): ContextCookie {
  const ring = createKeyring(keys)
  /** Claims per verified payload: the keyring returns the same object for a cookie it has seen, so a returning cookie is parsed once. */
  const parsedClaims = new WeakMap<object, ContextClaims | null>()

  async function read(event: H3Event): Promise<ReadContext> {
    const token = getCookie(event, CONTEXT_COOKIE)
    if (!token || token.length > 8192) return {}
    const payload = await ring.verify(token, now())
    if (!payload) return {}
    let claims = parsedClaims.get(payload)
    if (claims === undefined) {
      const parsed = contextClaimsSchema.safeParse(payload)
      parsedClaims.set(payload, (claims = parsed.success ? parsed.data : null))
    }
    return claims ? { claims, issuedAt: payload.iat } : {}
  }

  async function write(event: H3Event, claims: ContextClaims): Promise<void> {
    let token = await ring.sign(claims, now(), CONTEXT_TTL_S)
    if (token.length > MAX_TOKEN_BYTES && claims.consent) {
      // Raw TC/GPP strings are the only large claims. Without them the consent rules fall back to
      // "no valid string" — the conservative side — rather than the browser dropping the cookie.
      const { tcf, gpp, gpp_sid, ...rest } = claims.consent
      token = await ring.sign({ ...claims, consent: rest }, now(), CONTEXT_TTL_S)
      log.warn('[tagwarden] [context] consent strings too large for the tw_ctx cookie: kept the consent flags only', {
        tcf_length: tcf?.length ?? 0,
        gpp_length: gpp?.length ?? 0,
      })
    }
    setCookie(event, CONTEXT_COOKIE, token, { httpOnly: true, secure: true, sameSite: 'lax', path: '/', maxAge: CONTEXT_TTL_S })
  }

  return { read, write }
}
