import { describe, expect, it } from 'vitest'
import { mergeContext, sameContext } from '../../server/context/merge'
import type { ContextClaims } from '../../server/context/claims'

const T0 = 1_767_225_600_000
const s = (ms: number) => Math.floor(ms / 1000)
const id = () => 'visitor-0123456789abcdef'

describe('mergeContext', () => {
  it('starts a new context with a random visitor id and first-seen time', () => {
    const c = mergeContext(undefined, {}, T0)
    expect(c.vid).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(c.first_seen).toBe(s(T0))
    expect(mergeContext(undefined, {}, T0).vid).not.toBe(c.vid)
  })

  it('keeps the visitor id and first-seen time', () => {
    const first = mergeContext(undefined, { epik: 'e1' }, T0, id)
    const later = mergeContext(first, { epik: 'e2', epik_src: 'url' }, T0 + 86_400_000)
    expect(later.vid).toBe('visitor-0123456789abcdef')
    expect(later.first_seen).toBe(s(T0))
  })

  it('the newest epik wins and records when it was captured', () => {
    const first = mergeContext(undefined, { epik: 'e1', epik_src: 'url' }, T0, id)
    expect(first).toMatchObject({ epik: 'e1', epik_at: s(T0), epik_src: 'url' })
    const second = mergeContext(first, { epik: 'e2', epik_src: 'cookie' }, T0 + 5000)
    expect(second).toMatchObject({ epik: 'e2', epik_at: s(T0 + 5000), epik_src: 'cookie' })
  })

  it('the same epik again changes nothing (not even its capture time)', () => {
    const first = mergeContext(undefined, { epik: 'e1', epik_src: 'url' }, T0, id)
    const again = mergeContext(first, { epik: 'e1', epik_src: 'url' }, T0 + 60_000)
    expect(again.epik_at).toBe(s(T0))
    expect(sameContext(first, again)).toBe(true)
  })

  it('a derived epik never replaces one from an ad click, but fills an empty slot', () => {
    const clicked = mergeContext(undefined, { epik: 'click', epik_src: 'url' }, T0, id)
    expect(mergeContext(clicked, { epik: 'derived', epik_src: 'derived' }, T0 + 1000).epik).toBe('click')
    expect(mergeContext(undefined, { epik: 'derived', epik_src: 'derived' }, T0).epik).toBe('derived')
  })

  it('consent is a full snapshot: a new one replaces the old', () => {
    const a = mergeContext(undefined, { consent: { ad_storage: 'granted', ad_user_data: 'granted', tcf: 'CP…' } }, T0, id)
    const b = mergeContext(a, { consent: { ad_storage: 'denied' } }, T0 + 1000)
    expect(b.consent).toEqual({ ad_storage: 'denied' })
  })

  it('a cart update replaces the tokens; a cart without tokens keeps them', () => {
    const a = mergeContext(undefined, { cart: { token: 't1', checkout_token: 'c1' } }, T0, id)
    expect(a.cart).toEqual({ token: 't1', checkout_token: 'c1' })
    expect(mergeContext(a, { cart: { token: 't2' } }, T0).cart).toEqual({ token: 't2' })
    expect(mergeContext(a, { cart: { value: 10 } }, T0).cart).toEqual({ token: 't1', checkout_token: 'c1' })
    expect(mergeContext(undefined, { cart: { id: '42' } }, T0).cart).toEqual({ id: '42' })
  })

  it('keeps only the hashed email; pin_unauth replaces', () => {
    const h = 'a'.repeat(64)
    const c = mergeContext(undefined, { em: h, pin_unauth: 'pu1' }, T0, id)
    expect(c).toMatchObject({ em: h, pin_unauth: 'pu1' })
    expect(mergeContext(c, { pin_unauth: 'pu2' }, T0).pin_unauth).toBe('pu2')
  })

  it('sameContext ignores key order and detects any change', () => {
    const a: ContextClaims = { vid: 'visitor-0123456789abcdef', first_seen: 1, epik: 'x', consent: { ad_storage: 'granted', gpc: false } }
    const b: ContextClaims = { consent: { gpc: false, ad_storage: 'granted' }, epik: 'x', first_seen: 1, vid: 'visitor-0123456789abcdef' }
    expect(sameContext(a, b)).toBe(true)
    expect(sameContext(a, { ...b, epik: 'y' })).toBe(false)
    expect(sameContext(undefined, b)).toBe(false)
  })
})
