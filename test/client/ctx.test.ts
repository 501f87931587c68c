// @vitest-environment happy-dom
// POST {p}/ctx: only what changed since the last post, on this page view or an earlier one (the
// first post of a page view goes even when nothing changed: it asks for the server's decision);
// one post at a time.
import { afterEach, describe, expect, it } from 'vitest'
import { closePages, DENIED, GRANTED, openPage, settle } from './harness'

afterEach(closePages)

const EPIK_URL = 'https://shop.example/p?epik=dj0yJnU9b2JD'
const grant = `window.tagwarden = { q: [['consent', ${JSON.stringify(GRANTED)}]] }`

describe('context posts', () => {
  it('the first page view posts what it knows, as text/plain JSON on fetch keepalive', async () => {
    const page = openPage({ url: EPIK_URL, before: grant })
    await settle()
    const [req] = page.requests.filter((r) => r.url === '/tw/ctx')
    expect(typeof req.body).toBe('string')
    expect(page.posts('/ctx')).toEqual([
      { epik: 'dj0yJnU9b2JD', epik_src: 'url', consent: [{ ...GRANTED, source: 'hook' }] },
    ])
  })

  it('a page view that knows nothing posts one empty body, to ask for the decision', async () => {
    const page = openPage()
    await settle(250)
    expect(page.requests.map((r) => r.url)).toEqual(['/tw/ctx'])
    expect(page.posts('/ctx')).toEqual([{}])
  })

  it('a second page view with nothing new only asks', async () => {
    const first = openPage({ url: EPIK_URL, before: grant, config: { d: 'granted' } })
    await settle(200)
    // Same visitor, next page: epik now from the _epik cookie (the server set it: a real browser
    // would send it back), same consent.
    first.w.document.cookie = '_epik=dj0yJnU9b2JD; path=/'
    const second = openPage({ url: 'https://shop.example/cart', before: grant, from: first })
    await settle(200)
    expect(first.posts('/ctx')).toHaveLength(1)
    expect(second.posts('/ctx')).toEqual([{}])
  })

  it('one post at a time: what changes while a post is in flight goes in the next one, once it is answered', async () => {
    const page = openPage({ url: EPIK_URL, ctxDelay: 30 })
    page.run(`pintrk('set', { em: 'a@example.com' })`)
    await settle(5)
    page.run(`tagwarden.cart({ token: 'c1' }); tagwarden.consent(${JSON.stringify(GRANTED)})`)
    await settle(5)
    page.run(`tagwarden.cart({ checkout_token: 'k1' })`)
    await settle(150)
    expect(page.maxInFlight()).toBe(1)
    const all = Object.assign({}, ...page.posts('/ctx'))
    expect(all).toMatchObject({ epik: 'dj0yJnU9b2JD', em: 'a@example.com', cart: { token: 'c1', checkout_token: 'k1' }, consent: [{ ...GRANTED, source: 'hook' }] })
    expect(page.posts('/ctx').length).toBeLessThanOrEqual(3)
  })

  it('a cart change posts only the cart, as given (the server keeps the keys it knows)', async () => {
    const first = openPage({ url: EPIK_URL, before: grant })
    await settle()
    const cart = `{ token: 'c1', currency: 'USD', value: 24, items: [{ id: 'TOTE', price: 24, quantity: 1, name: 'Tote', sku: 'x' }], note: 'gift' }`
    first.run(`tagwarden.cart(${cart})`)
    await settle()
    expect(first.posts('/ctx').at(-1)).toEqual({
      cart: { token: 'c1', currency: 'USD', value: 24, items: [{ id: 'TOTE', price: 24, quantity: 1, name: 'Tote', sku: 'x' }], note: 'gift' },
    })
    const second = openPage({ from: first, before: grant })
    second.run(`tagwarden.cart(${cart})`)
    await settle(200)
    expect(second.posts('/ctx')).toEqual([{}])
  })

  it('tagwarden.cart merges partial updates', async () => {
    const page = openPage({ before: `${grant}; tagwarden.q.push(['cart', { token: 'c1' }]); tagwarden.q.push(['cart', { checkout_token: 'k9' }])` })
    await settle()
    expect(page.posts('/ctx').at(-1).cart).toEqual({ token: 'c1', checkout_token: 'k9' })
  })

  it('CMPs reporting one after another do not post on every page view', async () => {
    // A Consent Mode default comes first, the CMP's decision a moment later, on every page view.
    const before = `window.dataLayer = [['consent', 'default', { ad_storage: 'denied' }]]`
    const later = `setTimeout(function () { window.OnetrustActiveGroups = ',C0001,C0004,'; dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001', 'C0004'] })) }, 30)`
    const first = openPage({ url: EPIK_URL, before: `${before}; ${later}` })
    await settle(300)
    const second = openPage({ from: first, before: `${before}; ${later}` })
    await settle(300)
    expect(first.posts('/ctx').flatMap((b) => b.consent ?? []).map((e: { source: string }) => e.source)).toContain('onetrust')
    expect(second.posts('/ctx').filter((b) => b.consent)).toEqual([])
  })

  it('a consent denial without earlier grant posts once settled, and the email when the shop gives one (only to our server, which hashes it)', async () => {
    const page = openPage({ before: `window.tagwarden = { q: [['consent', ${JSON.stringify(DENIED)}]] }` })
    page.run(`pintrk('set', { em: '  Jane.Doe@Example.com ' }); pintrk('track', 'lead', { event_id: 'l1' })`)
    await settle(100)
    const all = Object.assign({}, ...page.posts('/ctx'))
    expect(all.consent).toEqual([{ ...DENIED, source: 'hook' }])
    // As given: the server normalizes and hashes it before storing (test/context/ctx-route.test.ts).
    expect(all.em).toBe('  Jane.Doe@Example.com ')
    expect(page.posts('/e')[0].pd).toEqual({ em: '  Jane.Doe@Example.com ' })
    expect(new Set(page.requests.map((r) => r.url))).toEqual(new Set(['/tw/ctx', '/tw/e']))
    // Nothing of it stays in the page: the change fingerprint holds a short hash per key.
    expect(page.w.localStorage.getItem('tw_ctx_fp')).not.toMatch(/jane/i)
  })

  it('a queued call to an unknown method or without an argument does not stop the loader', async () => {
    const page = openPage({ before: `${grant}; tagwarden.q.push(['identify', { em: 'x' }], ['cart'], ['cart', { token: 'c3' }])` })
    await settle()
    expect(page.posts('/ctx').at(-1).cart).toEqual({ token: 'c3' })
    expect(page.run('typeof pintrk')).toBe('function')
  })

  it('keeps working without localStorage (fingerprint in memory)', async () => {
    const page = openPage({ url: EPIK_URL, before: `Object.defineProperty(window, 'localStorage', { get() { throw new Error('SecurityError') } }); ${grant}` })
    page.run(`tagwarden.cart({ token: 'c2' }); tagwarden.cart({ token: 'c2' })`)
    await settle()
    expect(page.posts('/ctx').map(Object.keys)).toEqual([['epik', 'consent', 'epik_src'], ['cart']])
  })
})
