import { z } from 'zod'
import type { CanonicalEvent, EventName } from '../event'
import { toMoneyString } from '../money'

// Pieces the Meta and TikTok wire formats share (each destination keeps its own name table and shapes).

/** A custom or page-given event name both platforms take: 1–50 letters, digits, spaces or `_.:-` (docs/meta-capi.md §3). */
export const CUSTOM_EVENT_NAME = /^[\p{L}\p{N} _.:-]{1,50}$/u

/**
 * The name a platform receives: the page pixel's own spelling for it (dedup matches name + id),
 * else `custom_name` for a custom event, else the platform's table; undefined when it has none.
 * @example platformEventName({ name: 'checkout' }, 'tiktok', { checkout: 'Purchase' }) // 'Purchase'
 */
export function platformEventName(e: Pick<CanonicalEvent, 'name' | 'custom_name' | 'pixel_names'>, platform: string, table: Partial<Record<EventName, string>>): string | undefined {
  const page = e.pixel_names?.[platform]
  if (page && CUSTOM_EVENT_NAME.test(page)) return page
  if (e.name === 'custom') return e.custom_name && CUSTOM_EVENT_NAME.test(e.custom_name) ? e.custom_name : undefined
  return table[e.name]
}

/** Money as a number (Meta's and TikTok's `value`), rounded to the currency's minor units (docs/money.md). */
export function moneyNumber(value: number | undefined, currency: string | undefined): number | undefined {
  const s = toMoneyString(value, currency)
  return s === undefined ? undefined : Number(s)
}

/**
 * The keys of `from` named in `pairs`, each under its new name; undefined and null are left out
 * (how a page pixel's call data is read: `PixelReading.data`). The page sends what it likes: a
 * `from` that is no object (null, a number, a list) has no keys.
 * @example copyKeys({ query: 'tote', x: 1 }, [['query', 'search_string']]) // { search_string: 'tote' }
 */
export function copyKeys(from: unknown, pairs: readonly (readonly [from: string, to: string])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (!from || typeof from !== 'object' || Array.isArray(from)) return out
  const keys = from as Record<string, unknown>
  for (const [src, dst] of pairs) if (Object.hasOwn(keys, src) && keys[src] !== undefined && keys[src] !== null) out[dst] = keys[src]
  return out
}

/** A non-empty list of lowercase hex SHA-256 digests (the only hashed form either platform takes). */
export const sha256List = z.array(z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase SHA-256')).min(1)

/** A validation result as one line: `path: message; …`, or undefined when valid. */
export function describeProblems(result: z.ZodSafeParseResult<unknown>): string | undefined {
  return result.success ? undefined : result.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ')
}
