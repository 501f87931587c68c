import { SignJWT, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose'
import type { SigningKey } from '../config'

/** The only algorithm tw_ctx is signed with or accepted in (`alg: none` and every other alg are refused). */
const ALG = 'HS256'

export interface Keyring {
  /** Sign claims with the first key (its `kid` in the header), valid from `nowMs` for `ttlS` seconds. */
  sign(claims: Record<string, unknown>, nowMs: number, ttlS: number): Promise<string>
  /** The payload of a token signed by any known key and not expired at `nowMs`, or undefined. Never throws. */
  verify(token: string, nowMs: number): Promise<JWTPayload | undefined>
}

/** Verified tokens kept in memory: a returning cookie string is checked once per process. */
const CACHE_SIZE = 2000

/**
 * Build the signer/verifier for tw_ctx from the configured keys, imported once (not per request).
 * The first key signs; every key verifies by `kid`, so rotating in a new key logs nobody out.
 * This file is the only importer of jose.
 * @example const ring = createKeyring([{ kid: 'k2', secret: '…' }, { kid: 'k1', secret: '…' }])
 */
export function createKeyring(keys: readonly SigningKey[]): Keyring {
  if (!keys.length) throw new Error('[tagwarden] [context] no signing key: set TAGWARDEN_SECRET')
  const byKid = new Map(keys.map((k) => [k.kid, new TextEncoder().encode(k.secret)]))
  const signer = { kid: keys[0].kid, key: byKid.get(keys[0].kid)! }
  const cache = new Map<string, JWTPayload>()

  const keyFor = (header: JWTHeaderParameters) => {
    const key = header.kid !== undefined ? byKid.get(header.kid) : undefined
    if (!key) throw new Error(`unknown kid ${String(header.kid)}`)
    return key
  }

  async function sign(claims: Record<string, unknown>, nowMs: number, ttlS: number): Promise<string> {
    const iat = Math.floor(nowMs / 1000)
    return new SignJWT(claims).setProtectedHeader({ alg: ALG, kid: signer.kid, typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + ttlS).sign(signer.key)
  }

  async function verify(token: string, nowMs: number): Promise<JWTPayload | undefined> {
    const cached = cache.get(token)
    if (cached) {
      if (typeof cached.exp === 'number' && cached.exp * 1000 > nowMs) return cached
      cache.delete(token)
      return undefined
    }
    try {
      const { payload } = await jwtVerify(token, keyFor, { algorithms: [ALG], currentDate: new Date(nowMs), requiredClaims: ['exp', 'iat'] })
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
      cache.set(token, payload)
      return payload
    } catch {
      // Tampered, expired, unknown kid, another alg, not a JWS at all: the cookie is simply not ours.
      return undefined
    }
  }

  return { sign, verify }
}
