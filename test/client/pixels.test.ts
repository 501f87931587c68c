// @vitest-environment happy-dom
// Meta's fbq and TikTok's ttq on a page with the loader (client/px/): every track call gets an id
// before the platform's script reads it and goes to `/e` with it; a purchase with an order id gets
// `ord_{order_id}`; the platforms' scripts are added only where the server's decision for
// `meta-pixel` / `tiktok-pixel` allows; the click and browser ids go to `/ctx`.
import { afterEach, describe, expect, it } from 'vitest'
import { drivers } from '../../server/destinations'
import { acme } from '../context/acme-driver'
import { closePages, DENIED, GRANTED, openPage, PIXEL_STUBS, settle, SNIPPET, type Page } from './harness'

afterEach(closePages)

const FBEVENTS = 'https://connect.facebook.net/en_US/fbevents.js'
const TT_EVENTS = 'https://analytics.tiktok.com/i18n/pixel/events.js?sdkid=CTESTCODE123&lib=ttq'
const consent = (c: object) => `tagwarden.q.push(['consent', ${JSON.stringify(c)}]);`
const CALLS = `fbq('init', '1234567890'); fbq('track', 'PageView');
  fbq('track', 'Purchase', { value: 72.39, currency: 'USD', order_id: '10042' });
  ttq.load('CTESTCODE123'); ttq.track = function () { ttq.push(['track'].concat([].slice.call(arguments))) };
  ttq.track('CompletePayment', { value: 72.39, currency: 'USD', order_id: '10042' });
  ttq.track('AddToCart', { value: 5 }, { event_id: 'own-id' })`
/** The `/e` pixel calls, as `px:name:id`. */
const mirrored = (page: Page) => page.posts('/e').flat().filter((c) => c.px).map((c) => `${c.px}:${c.name}:${c.id}`)
const fbqQueue = (page: Page) => page.run('fbq.queue').map((a: ArrayLike<unknown>) => [].slice.call(a))

describe('Meta and TikTok pixels', () => {
  it('allowed: ids on every queued call, each call to /e once with its id, both scripts added once', async () => {
    const page = openPage({ url: 'https://shop.example/thank-you', before: `${SNIPPET}; ${PIXEL_STUBS}; ${consent(GRANTED)} ${CALLS}` })
    await settle(50)
    expect(page.scripts()).toEqual(expect.arrayContaining([FBEVENTS, TT_EVENTS]))
    expect(page.scripts().filter((s) => s === FBEVENTS || s === TT_EVENTS)).toHaveLength(2)
    const q = fbqQueue(page)
    expect(q.find((a: unknown[]) => a[1] === 'Purchase')).toEqual(['track', 'Purchase', { value: 72.39, currency: 'USD', order_id: '10042' }, { eventID: 'ord_10042' }])
    const pageView = q.find((a: unknown[]) => a[1] === 'PageView')
    expect(pageView[3].eventID).toMatch(/^[0-9a-f-]{36}$/)
    expect(mirrored(page)).toEqual([`meta:PageView:${pageView[3].eventID}`, 'meta:Purchase:ord_10042', 'tiktok:CompletePayment:ord_10042', 'tiktok:AddToCart:own-id'])
    expect(page.posts('/e').flat().find((c) => c.name === 'CompletePayment')).toEqual({
      px: 'tiktok', name: 'CompletePayment', id: 'ord_10042', data: { value: 72.39, currency: 'USD', order_id: '10042' }, loc: 'https://shop.example/thank-you', ref: '',
    })
    // TikTok's load is done by the loader, as TikTok's base code would: the code recorded, the queued entry gone.
    expect(page.run('Object.keys(ttq._i)')).toEqual(['CTESTCODE123'])
    expect(page.run('ttq.filter(function (e) { return e[0] === "load" }).length')).toBe(0)
    expect(page.run('ttq.find(function (e) { return e[1] === "CompletePayment" })[3]')).toEqual({ event_id: 'ord_10042' })
    // /e goes after the context post (its cookie carries the click ids).
    expect(page.requests.map((r) => r.url).indexOf('/tw/ctx')).toBeLessThan(page.requests.map((r) => r.url).indexOf('/tw/e'))
  })

  it('calls after the platform script took over still get ids and reach /e (fbq through callMethod, ttq.track replaced)', async () => {
    const page = openPage({ before: `${SNIPPET}; ${PIXEL_STUBS}; ${consent(GRANTED)} fbq('init', '1'); ttq.load('CTESTCODE123')` })
    await settle(50)
    // What fbevents.js and events.js do when they arrive: take the calls themselves.
    page.run(`window.__fb = []; fbq.callMethod = function () { __fb.push([].slice.call(arguments)) };
      window.__tt = []; ttq.track = function () { __tt.push([].slice.call(arguments)) }`)
    page.run(`fbq('trackCustom', 'SizeGuide', { size: 'M' }); fbq('track', 'AddToCart', { value: 3 }, { eventID: 'mine' }); ttq.track('ViewContent', { content_id: 'TOTE' })`)
    await settle(50)
    expect(page.run('__fb')).toEqual([['trackCustom', 'SizeGuide', { size: 'M' }, { eventID: expect.stringMatching(/^[0-9a-f-]{36}$/) }], ['track', 'AddToCart', { value: 3 }, { eventID: 'mine' }]])
    expect(page.run('__tt')).toEqual([['ViewContent', { content_id: 'TOTE' }, { event_id: expect.stringMatching(/^[0-9a-f-]{36}$/) }]])
    const calls = page.posts('/e').flat()
    expect(calls.map((c) => [c.px, c.name, c.custom])).toEqual([['meta', 'SizeGuide', 1], ['meta', 'AddToCart', undefined], ['tiktok', 'ViewContent', undefined]])
    expect(calls[0].id).toBe(page.run('__fb')[0][3].eventID)
    expect(calls[2].id).toBe(page.run('__tt')[0][2].event_id)
  })

  it('one data object reused for two calls gives them two ids', async () => {
    const page = openPage({ before: `${SNIPPET}; ${PIXEL_STUBS}; ${consent(GRANTED)} var d = { value: 1 }; fbq('track', 'AddToCart', d); fbq('track', 'AddToCart', d)` })
    await settle(50)
    const ids = page.posts('/e').flat().map((c) => c.id)
    expect(new Set(ids).size).toBe(2)
  })

  it('denied: neither script is added, the calls still reach /e (the server applies the decision)', async () => {
    const page = openPage({ before: `${SNIPPET}; ${PIXEL_STUBS}; ${consent(DENIED)} ${CALLS}` })
    await settle(50)
    expect(page.answers().length).toBeGreaterThan(0)
    expect(page.scripts()).toEqual([])
    expect(mirrored(page)).toHaveLength(4)
  })

  it('restricted (a sale opt-out): Limited Data Use goes first in fbq\'s queue, before init', async () => {
    const page = openPage({ before: `${SNIPPET}; ${PIXEL_STUBS}; ${consent({ ...GRANTED, sale_opt_out: true })} fbq('init', '1'); fbq('track', 'PageView')` })
    await settle(50)
    expect(page.scripts()).toContain(FBEVENTS)
    expect(fbqQueue(page)[0]).toEqual(['dataProcessingOptions', ['LDU'], 0, 0])
    expect(fbqQueue(page)[1]).toEqual(['init', '1'])
  })

  it('a script the page loaded itself gets consent revoke when the shopper says no, grant when they say yes', async () => {
    const page = openPage({ before: `${SNIPPET}; ${PIXEL_STUBS}; var s = document.createElement('script'); s.src = '${FBEVENTS}'; document.head.appendChild(s); fbq('init', '1'); ${consent(DENIED)}` })
    await settle(50)
    expect(fbqQueue(page)[0]).toEqual(['consent', 'revoke'])
    page.run(consent(GRANTED))
    await settle(50)
    expect(fbqQueue(page)[0]).toEqual(['consent', 'grant'])
  })

  it('posts the click and browser ids to /ctx: fbclid and ttclid from the URL, _fbc, _fbp and _ttp as read', async () => {
    const page = openPage({
      url: 'https://shop.example/p?fbclid=IwAR2F4-Zk_9&ttclid=E.C.P.abc123',
      before: `document.cookie = '_fbp=fb.1.1700000000000.123456789; path=/'; document.cookie = '_ttp=2Xk9LmNoPq; path=/'; ${SNIPPET}; ${PIXEL_STUBS}; ${consent(GRANTED)}`,
    })
    await settle(50)
    const ids = Object.assign({}, ...page.posts('/ctx'))
    expect(ids).toMatchObject({ fbclid: 'IwAR2F4-Zk_9', fbp: 'fb.1.1700000000000.123456789', ttclid: 'E.C.P.abc123', ttp: '2Xk9LmNoPq' })
    expect(ids.fbc).toBeUndefined()
  })

  it('a pixel call made while the first /ctx post is in flight goes to /e only after the post carrying the click ids', async () => {
    // The first answer is slow; meanwhile the pixel chunk reads fbclid and fbq tracks. Its mirror must
    // not leave with the old cookie (the server copy would lack fbc).
    const page = openPage({ url: 'https://shop.example/p?fbclid=IwAR2F4-Zk_9', ctxDelay: 40, before: `${SNIPPET}; ${PIXEL_STUBS}; ${consent(GRANTED)} fbq('init', '1234567890'); fbq('track', 'AddToCart', { value: 5, currency: 'USD' })` })
    await settle(200)
    const order = page.requests.map((r) => (r.url === '/tw/ctx' && String(r.body).includes('fbclid') ? 'ids' : r.url))
    expect(order).toContain('ids')
    expect(order.indexOf('/tw/e')).toBeGreaterThan(order.indexOf('ids'))
    expect(mirrored(page)).toEqual([expect.stringMatching(/^meta:AddToCart:/)])
  })

  it('the email given to fbq init or ttq.identify goes to the context (the server hashes it)', async () => {
    const page = openPage({ before: `${SNIPPET}; ${PIXEL_STUBS}; ${consent(GRANTED)} fbq('init', '1', { em: 'Jane@Example.com' })` })
    await settle(50)
    expect(page.posts('/ctx').some((b) => b.em === 'Jane@Example.com')).toBe(true)
    page.run(`ttq.identify = function () {}; ttq.identify({ email: 'tt@example.com' })`)
    await settle(50)
    expect(page.posts('/ctx').some((b) => b.em === 'tt@example.com')).toBe(true)
  })

  it('a click id declared by a driver that is not registered goes to /ctx too: the served chunk reads what the drivers declare', async () => {
    // A made-up platform (test/context/acme-driver.ts): its URL parameter and cookie appear nowhere in client/.
    const page = openPage({
      url: 'https://shop.example/p?acclid=click-2001&fbclid=IwAR2F4-Zk_9',
      drivers: [...drivers, acme],
      before: `document.cookie = '_acid=AC.1700000000000.old-click; path=/'; ${SNIPPET}; ${PIXEL_STUBS}; ${consent(GRANTED)}`,
    })
    await settle(50)
    const ids = Object.assign({}, ...page.posts('/ctx'))
    expect(ids).toMatchObject({ acclid: 'click-2001', acid: 'AC.1700000000000.old-click', fbclid: 'IwAR2F4-Zk_9' })
  })
})
