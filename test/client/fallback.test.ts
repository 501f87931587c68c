// @vitest-environment happy-dom
// POST {p}/e when the tag is not running: consent denies it, core.js fails, or it is not up in `w`.
import { afterEach, describe, expect, it } from 'vitest'
import { tagComesUp } from '../fakes/pinterest-base-code'
import { closePages, DENIED, GRANTED, openPage, settle, SNIPPET } from './harness'

afterEach(closePages)

const calls = `pintrk('page'); pintrk('track', 'checkout', { order_id: 'A1', value: 9 })`
const names = (page: ReturnType<typeof openPage>) => page.posts('/e').map((b) => `${b.event}:${b.ed.event_id}`)

describe('fallback to /e', () => {
  it('consent denies the browser tag: no core.js, each call to /e once, with pd and ad', async () => {
    const page = openPage({ url: 'https://shop.example/thank-you', before: `${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(DENIED)}]); ${calls}` })
    await settle()
    expect(page.scripts()).toEqual([])
    expect(names(page)).toEqual([expect.stringMatching(/^pagevisit:[0-9a-f-]{36}$/), 'checkout:ord_A1'])
    expect(page.posts('/e')[1]).toEqual({
      event: 'checkout',
      ed: { order_id: 'A1', value: 9, event_id: 'ord_A1' },
      pd: {},
      ad: { loc: 'https://shop.example/thank-you', ref: '' },
    })
    expect(page.run('pintrk.queue').filter((c: unknown[]) => c[0] !== 'load')).toEqual([])
  })

  it('pd carries the load/set options as given, and LDP (the server keeps the keys it uses)', async () => {
    const page = openPage({ before: `${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(DENIED)}]); pintrk('load', '2612345678901', { em: 'a@b.co', np: 'shop' }); pintrk('set', { st: 'ca' }); pintrk('page')` })
    await settle()
    expect(page.posts('/e')[0].pd).toEqual({ em: 'a@b.co', np: 'shop', st: 'ca' })
  })

  it('is sent after the context post, so the request carries the updated cookie', async () => {
    const page = openPage({ url: 'https://shop.example/p?epik=dj0yJnU9b2JD', before: `${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(DENIED)}]); ${calls}` })
    await settle()
    expect(page.requests.map((r) => r.url)).toEqual(['/tw/ctx', '/tw/e', '/tw/e'])
  })

  it('no signal and default denied: events wait `w` for a CMP, then go to /e', async () => {
    const page = openPage({ before: `${SNIPPET}; ${calls}`, config: { w: 120 } })
    await settle(40)
    expect(page.posts('/e')).toEqual([])
    await settle(150)
    expect(names(page)).toHaveLength(2)
  })

  it('a grant within `w` sends them to the tag instead, never both ways', async () => {
    const page = openPage({ before: `${SNIPPET}; ${calls}`, config: { w: 120 } })
    await settle(30)
    page.run(`tagwarden.consent(${JSON.stringify(GRANTED)})`)
    await settle(30)
    page.run(tagComesUp())
    await settle(150)
    expect(page.tagCalls().map((c) => c[0])).toEqual(['load', 'page', 'track'])
    expect(page.posts('/e')).toEqual([])
  })

  it('core.js fails to load: the queued events, and later ones, go to /e', async () => {
    const page = openPage({ scriptLoad: 'error', before: `${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(GRANTED)}]); ${calls}` })
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(names(page)).toEqual([expect.stringMatching(/^pagevisit:/), 'checkout:ord_A1'])
    page.run(`pintrk('track', 'signup', { event_id: 's1' })`)
    await settle()
    expect(names(page).at(-1)).toBe('signup:s1')
    expect(page.run('pintrk.queue').map((c: unknown[]) => c[0])).toEqual(['load'])
  })

  it('the tag does not come up within `w`: its queued events go to /e; if it comes up later, new calls go to it', async () => {
    const page = openPage({ before: `${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(GRANTED)}]); ${calls}`, config: { w: 80 } })
    await settle(150)
    expect(names(page)).toEqual([expect.stringMatching(/^pagevisit:/), 'checkout:ord_A1'])
    page.run(tagComesUp())
    page.run(`pintrk('track', 'lead', { event_id: 'l1' })`)
    expect(page.tagCalls()).toEqual([['load', '2612345678901'], ['track', 'lead', { event_id: 'l1' }]])
    expect(page.posts('/e')).toHaveLength(2)
  })

  it('a withdrawal tells the running tag setconsent(false) and sends later calls to /e', async () => {
    const page = openPage({ before: `${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(GRANTED)}])` })
    await settle()
    page.run(tagComesUp())
    page.run(`tagwarden.consent(${JSON.stringify(DENIED)}); pintrk('track', 'addtocart', { event_id: 'a1' })`)
    await settle()
    expect(page.tagCalls()).toEqual([['load', '2612345678901'], ['setconsent', false]])
    expect(names(page)).toEqual(['addtocart:a1'])
    // A new grant: once the server has answered for it, the tag is told and gets calls again (the call made meanwhile waited).
    page.run(`tagwarden.consent(${JSON.stringify(GRANTED)}); pintrk('track', 'addtocart', { event_id: 'a2' })`)
    expect(page.tagCalls().slice(2)).toEqual([])
    await settle()
    expect(page.tagCalls().slice(2)).toEqual([['setconsent', true], ['track', 'addtocart', { event_id: 'a2' }]])
    expect(names(page)).toEqual(['addtocart:a1'])
  })
})
