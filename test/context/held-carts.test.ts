// Cart contexts /tw/ctx could not store during a storage outage: held in memory (bounded in count
// and age), found by an order lookup meanwhile, and written once storage takes writes again.
import { createStorage, type Storage } from 'unstorage'
import { describe, expect, it } from 'vitest'
import { createCartContextStore, type CartContext } from '../../server/context/cart-store'
import { HELD_CARTS_MS, createHeldCarts } from '../../server/context/held-carts'

const ctx = (epik: string, at: number): CartContext => ({ epik, at })

/** A storage whose writes and reads fail while `down` is set, as an unreachable Redis does. */
function flakyStorage() {
  const storage = createStorage()
  const state = { down: false }
  const fail = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
  const wrapped = new Proxy(storage, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver)
      if ((prop === 'setItem' || prop === 'getItem') && typeof v === 'function') return (...args: unknown[]) => (state.down ? fail() : v.apply(target, args))
      return v
    },
  }) as Storage
  return { storage: wrapped, raw: storage, state }
}

describe('held cart contexts', () => {
  it('keeps at most `max` tokens, dropping the oldest and counting each one lost', () => {
    let lost = 0
    const held = createHeldCarts<CartContext>(() => 1_000, () => lost++, 2)
    held.hold(['a'], ctx('A', 1_000))
    held.hold(['b'], ctx('B', 1_000))
    held.hold(['c'], ctx('C', 1_000))
    expect(held.size).toBe(2)
    expect(lost).toBe(1)
    expect(held.get('a')).toBeUndefined()
    expect(held.get('c')?.epik).toBe('C')
  })

  it('drops a context held longer than 24 h, counted lost', () => {
    let now = 0
    let lost = 0
    const held = createHeldCarts<CartContext>(() => now, () => lost++)
    held.hold(['a'], ctx('A', 0))
    now = HELD_CARTS_MS
    expect(held.get('a')?.epik).toBe('A')
    now = HELD_CARTS_MS + 1
    expect(held.get('a')).toBeUndefined()
    expect([held.size, lost]).toEqual([0, 1])
  })

  it('a newer context for a token replaces the older one (and becomes the newest), not counted lost', () => {
    let lost = 0
    const held = createHeldCarts<CartContext>(() => 5, () => lost++, 2)
    held.hold(['cart', 'checkout'], ctx('old', 1))
    held.hold(['cart'], ctx('new', 2))
    expect(held.get('cart')?.epik).toBe('new')
    expect(held.get('checkout')?.epik).toBe('old')
    expect([held.size, lost]).toEqual([2, 0])
    // Over the cap, the oldest token goes first: checkout, not the cart held again since.
    held.hold(['other'], ctx('other', 3))
    expect([held.get('checkout'), held.get('cart')?.epik, lost]).toEqual([undefined, 'new', 1])
  })

  it('through the cart store: found while storage is down, written on the first put that reaches storage', async () => {
    const { storage, raw, state } = flakyStorage()
    const held = createHeldCarts<CartContext>(() => 10, () => {})
    const carts = createCartContextStore(storage, () => 10, held)
    state.down = true
    await expect(carts.put(['tok'], ctx('E1', 10))).rejects.toThrow(/ECONNREFUSED/)
    carts.hold(['tok'], ctx('E1', 10))
    // Still down: a later put fails and the held one stays.
    await expect(carts.put(['other'], ctx('E2', 10))).rejects.toThrow()
    expect(held.size).toBe(1)
    state.down = false
    await carts.put(['other'], ctx('E2', 10))
    await expect.poll(() => held.size).toBe(0)
    expect(await raw.getItem('ctx:cart:tok')).toMatchObject({ epik: 'E1' })
  })

  it('an order lookup prefers the held context over an older stored one for the same token', async () => {
    const { storage, state } = flakyStorage()
    const held = createHeldCarts<CartContext>(() => 20, () => {})
    const carts = createCartContextStore(storage, () => 20, held)
    await carts.put(['tok'], ctx('before-outage', 5))
    state.down = true
    carts.hold(['tok'], ctx('during-outage', 15))
    state.down = false
    expect((await carts.find(['tok']))?.epik).toBe('during-outage')
    // The lookup also wrote it: storage now has the newer one.
    await expect.poll(() => held.size).toBe(0)
    expect((await carts.get('tok'))?.epik).toBe('during-outage')
  })

})
