import { describe, expect, it } from 'vitest'
import { createStorage } from 'unstorage'
import { createCartContextStore, joinContext, CART_CONTEXT_TTL_MS } from '../../server/context/cart-store'

describe('cart context store', () => {
  it('finds a context by any of its tokens, bare or with Shopify\'s ?key= suffix', async () => {
    let now = 1_000_000
    const carts = createCartContextStore(createStorage(), () => now)
    await carts.put(['Z2NwLXVzLWVhc3QxOjAx?key=abc123', 'chk-1'], { epik: 'e1', at: now })
    expect((await carts.get('Z2NwLXVzLWVhc3QxOjAx'))?.epik).toBe('e1')
    expect((await carts.get('Z2NwLXVzLWVhc3QxOjAx%3Fkey%3Dabc123'))?.epik).toBe('e1')
    expect((await carts.find([undefined, '', 'nope', 'chk-1']))?.epik).toBe('e1')
    now += CART_CONTEXT_TTL_MS + 1
    expect(await carts.get('chk-1')).toBeUndefined()
  })

  it('joins without overwriting what the event already has', () => {
    const e = { name: 'checkout' as const, event_id: 'x', time: 1, source: 'webhook' as const, action_source: 'web' as const, user: { client_ip_address: '1.1.1.1' }, custom: {} }
    const joined = joinContext(e, { epik: 'ep', ip: '2.2.2.2', ua: 'UA', consent: { ad_storage: 'granted' }, at: 0 })
    expect(joined.user).toEqual({ ids: { 'pinterest.epik': 'ep' }, client_ip_address: '1.1.1.1', client_user_agent: 'UA' })
    expect(joined.consent).toEqual({ ad_storage: 'granted' })
    expect(joinContext({ ...e, consent: { ad_storage: 'denied' } }, { consent: { ad_storage: 'granted' }, at: 0 }).consent).toEqual({ ad_storage: 'denied' })
  })
})
