// Every standard event the issue lists, as the shipped snippet posts it, through the strict wire
// schema and the one mapping file to the neutral event.
import { describe, expect, it } from 'vitest'
import { pixelBodySchema, PIXEL_EVENT_NAMES, type PixelBody } from '../../server/shopify/pixel-body'
import { mapPixelEvent, PIXEL_EVENT_MAP, type PixelOptions, type PixelRequest } from '../../server/shopify/pixel-event'
import { hashUserValue } from '../../server/identity/normalize'
import { ALLOWED, snippetPosts, standardEvent } from './helpers'

const REQ: PixelRequest = { ip: '203.0.113.7', ua: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0', language: 'en', gpc: false, nowMs: Date.parse('2008-01-10T16:00:30Z') }
const OPTS: PixelOptions = { eventIdTemplate: 'ord_{order_id}', contentId: 'sku', orderValue: 'subtotal' }
const LANDING_EPIK = 'dj0yJnU9U2hvcGlmeVBpeGVsRml4dHVyZUVwaWswMQ'

async function bodyOf(name: string, o: Parameters<typeof snippetPosts>[1] = {}): Promise<PixelBody> {
  const { posts } = await snippetPosts([standardEvent(name)], o)
  expect(posts).toHaveLength(1)
  return pixelBodySchema.parse(JSON.parse(posts[0].init.body as string)) as PixelBody
}
async function mapped(name: string, o: Parameters<typeof snippetPosts>[1] = {}, opts: Partial<PixelOptions> = {}) {
  const r = mapPixelEvent(await bodyOf(name, o), REQ, { ...OPTS, ...opts })
  if ('problem' in r) throw new Error(r.problem)
  return r
}

describe('Shopify pixel event → neutral event', () => {
  it('maps every standard event the issue lists (and only those)', () => {
    expect(PIXEL_EVENT_NAMES).toEqual(['page_viewed', 'product_viewed', 'collection_viewed', 'search_submitted', 'product_added_to_cart', 'checkout_started', 'checkout_contact_info_submitted', 'payment_info_submitted', 'checkout_completed'])
    expect(PIXEL_EVENT_MAP).toMatchObject({ page_viewed: 'page_visit', product_viewed: 'view_content', collection_viewed: 'view_category', search_submitted: 'search', product_added_to_cart: 'add_to_cart', checkout_started: 'initiate_checkout', checkout_contact_info_submitted: undefined, payment_info_submitted: 'add_payment_info', checkout_completed: 'checkout' })
  })

  it('page_viewed → page_visit: Shopify\'s event id, the top frame URL and referrer, epik from the URL, network identity, consent', async () => {
    const { event, token } = await mapped('page_viewed')
    expect(token).toBeUndefined()
    expect(event).toMatchObject({
      name: 'page_visit', event_id: 'sh-5c1e0b7a-31F2-4D8C-2B6E-9A4D7C3E1F20', source: 'pixel', action_source: 'web',
      time: Date.parse('2008-01-10T15:41:07.214Z') / 1000 | 0, url: `https://jsmith.myshopify.com/products/ipod-nano?epik=${LANDING_EPIK}`, referrer: 'https://www.pinterest.com/', language: 'en',
      user: { client_ip_address: '203.0.113.7', client_user_agent: REQ.ua, ids: { 'pinterest.epik': LANDING_EPIK }, external_id: ['a7d2f3c1-5b8e-4d6a-9f0e-2c4b6d8e1f3a'] },
      custom: {},
      consent: { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted', source: 'shopify' },
    })
  })

  it('product_viewed → view_content: the variant\'s price and currency, one content, the product title', async () => {
    const { event } = await mapped('product_viewed')
    expect(event).toMatchObject({ name: 'view_content', event_id: 'sh-product_viewed-0001', custom: { value: 199, currency: 'USD', content_ids: ['IPOD2008GREEN'], contents: [{ id: 'IPOD2008GREEN', price: 199, quantity: 1, name: 'IPod Nano - 8gb' }], num_items: 1, content_name: 'IPod Nano - 8gb' } })
    expect((await mapped('product_viewed', {}, { contentId: 'variant_id' })).event!.custom.content_ids).toEqual(['39072856'])
    expect((await mapped('product_viewed', {}, { contentId: 'product_id' })).event!.custom.content_ids).toEqual(['632910392'])
  })

  it('collection_viewed → view_category with the collection title and its variants', async () => {
    const { event } = await mapped('collection_viewed')
    expect(event).toMatchObject({ name: 'view_category', custom: { content_category: 'IPods', content_ids: ['IPOD2008GREEN', 'IPOD2008RED'], num_items: 2 } })
    expect(event!.custom.value).toBeUndefined()
  })

  it('search_submitted → search with the query', async () => {
    const { event } = await mapped('search_submitted')
    expect(event).toMatchObject({ name: 'search', custom: { search_string: 'ipod nano', content_ids: ['IPOD2008GREEN'] } })
  })

  it('product_added_to_cart → add_to_cart: the line\'s total, the merchandise × quantity; a null cartLine is refused', async () => {
    const { event } = await mapped('product_added_to_cart')
    expect(event).toMatchObject({ name: 'add_to_cart', custom: { value: 199, currency: 'USD', contents: [{ id: 'IPOD2008GREEN', price: 199, quantity: 1 }], num_items: 1 } })
    const body = await bodyOf('product_added_to_cart')
    const empty = { ...body, event: { ...body.event, data: { cartLine: null } } } as PixelBody
    expect(mapPixelEvent(pixelBodySchema.parse(empty) as PixelBody, REQ, OPTS)).toEqual({ problem: expect.stringMatching(/cartLine: is null/) })
  })

  it('checkout_started → initiate_checkout: line items, subtotal policy (total − tax − shipping), the checkout token as join key', async () => {
    const { event, token, context, purchase } = await mapped('checkout_started')
    expect(purchase).toBe(false)
    expect(token).toBe('bd5a8aa1ecd019dd3520ff791ee3a24c')
    expect(event).toMatchObject({ name: 'initiate_checkout', context: token, custom: { value: 587, currency: 'USD', content_ids: ['IPOD2008GREEN', 'IPOD2008RED', 'IPOD2008BLACK'], num_items: 3 } })
    expect(event!.custom.order_id).toBeUndefined()
    expect(context).toMatchObject({ ip: '203.0.113.7', ua: REQ.ua, visitor_id: 'a7d2f3c1-5b8e-4d6a-9f0e-2c4b6d8e1f3a', consent: { ad_storage: 'granted', source: 'shopify' } })
  })

  it('checkout_contact_info_submitted: no conversion of its own; the hashed email is kept under the token', async () => {
    const r = await mapped('checkout_contact_info_submitted')
    expect(r.event).toBeUndefined()
    expect(r.token).toBe('bd5a8aa1ecd019dd3520ff791ee3a24c')
    expect(r.context.em).toBe(hashUserValue('em', 'bob.norman@mail.example.com'))
    expect(JSON.stringify(r.context)).not.toContain('bob.norman')
  })

  it('payment_info_submitted → add_payment_info with email, phone and the billing address (normalized; each destination hashes)', async () => {
    const { event } = await mapped('payment_info_submitted')
    expect(event).toMatchObject({
      name: 'add_payment_info', custom: { value: 587, currency: 'USD' },
      user: { em: ['bob.norman@mail.example.com'], ph: ['557734881234', '15024592181'], fn: ['bob'], ln: ['norman'], ct: ['louisville'], st: ['ky'], zp: ['40202'], country: ['us'] },
      consent: { country: 'US' },
    })
  })

  it('checkout_completed → checkout with event_id ord_{order id} (the webhook\'s), order_id, value by policy', async () => {
    const { event, purchase } = await mapped('checkout_completed')
    expect(purchase).toBe(true)
    expect(event).toMatchObject({ name: 'checkout', event_id: 'ord_450789469', custom: { order_id: '450789469', value: 587, currency: 'USD', num_items: 3 } })
    expect((await mapped('checkout_completed', {}, { orderValue: 'total' })).event!.custom.value).toBe(598.94)
    const body = await bodyOf('checkout_completed')
    const withId = (id: unknown) => {
      const b = structuredClone(body) as any
      b.event.data.checkout.order = { id }
      return mapPixelEvent(pixelBodySchema.parse(b) as PixelBody, REQ, OPTS)
    }
    for (const id of ['450789469', 'gid://shopify/Order/450789469', 450789469]) expect(withId(id)).toMatchObject({ event: { event_id: 'ord_450789469' } })
    expect(withId('gid://shopify/Customer/450789469')).toEqual({ problem: expect.stringMatching(/is not a Shopify order id/) })
    expect(withId(null)).toEqual({ problem: expect.stringMatching(/order.id: is missing/) })
  })

  it('consent: marketingAllowed false denies the ad flags, saleOfDataAllowed false opts out of sale; Sec-GPC is added', async () => {
    const { event } = await mapped('page_viewed', { privacy: { ...ALLOWED, marketingAllowed: false, saleOfDataAllowed: false } })
    expect(event!.consent).toEqual({ ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'granted', sale_opt_out: true, source: 'shopify' })
    const r = mapPixelEvent(await bodyOf('page_viewed'), { ...REQ, gpc: true, country: 'DE' }, OPTS)
    expect(r).toMatchObject({ event: { consent: { gpc: true, country: 'DE' } } })
  })

  it('click id: the URL\'s epik beats the _epik cookie; the cookie serves pages without one', async () => {
    expect((await mapped('checkout_started', { epikCookie: 'cookieEpik123' })).event!.user.ids).toEqual({ 'pinterest.epik': 'cookieEpik123' })
    expect((await mapped('page_viewed', { epikCookie: 'cookieEpik123' })).event!.user.ids).toEqual({ 'pinterest.epik': LANDING_EPIK })
  })
})

describe('the snippet', () => {
  it('in "checkout" mode sends checkout steps (and checkout page views) only', async () => {
    const events = ['page_viewed', 'product_viewed', 'product_added_to_cart', 'checkout_started', 'checkout_contact_info_submitted', 'payment_info_submitted', 'checkout_completed'].map(standardEvent)
    const thankYou = standardEvent('checkout_completed')
    const checkoutView = { ...standardEvent('page_viewed'), id: 'sh-checkout-view', context: thankYou.context }
    const { posts } = await snippetPosts([...events, checkoutView], { mode: 'checkout' })
    expect(posts.map((p) => JSON.parse(p.init.body as string).event.name)).toEqual(['checkout_started', 'checkout_contact_info_submitted', 'payment_info_submitted', 'checkout_completed', 'page_viewed'])
    expect(posts[0]).toMatchObject({ url: 'http://shop.test/tw/shopify/pixel', init: { method: 'POST', keepalive: true, mode: 'no-cors', credentials: 'omit' } })
    expect(typeof posts[0].init.body).toBe('string')
  })

  it('follows consent updates and keeps a landing epik in _epik only with marketing consent', async () => {
    const denied = { ...ALLOWED, marketingAllowed: false }
    const run = await snippetPosts([standardEvent('page_viewed')], { privacy: denied })
    expect(run.cookiesSet).toEqual([])
    run.setConsent(ALLOWED)
    expect(JSON.parse(run.posts[0].init.body as string).privacy.marketingAllowed).toBe(false)
    const allowed = await snippetPosts([standardEvent('page_viewed')])
    expect(allowed.cookiesSet).toEqual([`_epik=${LANDING_EPIK}; path=/; max-age=31536000; SameSite=Lax; Secure`])
  })

  it('caps line items so a big cart stays under the keepalive body limit', async () => {
    const e = standardEvent('checkout_started') as any
    const line = e.data.checkout.lineItems[0]
    e.data.checkout.lineItems = Array.from({ length: 400 }, (_, i) => ({ ...line, title: 'x'.repeat(1000), variant: { ...line.variant, id: String(i) } }))
    const { posts } = await snippetPosts([e])
    const body = posts[0].init.body as string
    expect(body.length).toBeLessThanOrEqual(60_000)
    expect(pixelBodySchema.safeParse(JSON.parse(body)).success).toBe(true)
  })
})
