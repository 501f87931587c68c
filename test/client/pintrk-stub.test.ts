// @vitest-environment happy-dom
// window.pintrk compatibility: no base code, Pinterest's base code before and after the loader,
// the real tag taking over. The built loader runs in a fresh happy-dom window per test.
import { afterEach, describe, expect, it } from 'vitest'
import { baseCode, tagComesUp } from '../fakes/pinterest-base-code'
import { closePages, GRANTED, openPage, settle, SNIPPET, TAG_ID } from './harness'

afterEach(closePages)

const grant = `window.tagwarden = { q: [['consent', ${JSON.stringify(GRANTED)}]] }`

describe('window.pintrk', () => {
  it('is a queue stub like the base code makes (queue, version 3.0) when the page has none', () => {
    const page = openPage()
    expect(page.run('typeof pintrk')).toBe('function')
    expect(page.run('pintrk.version')).toBe('3.0')
    expect(page.run('Array.isArray(pintrk.queue)')).toBe(true)
  })

  it('takes the calls queued by the page snippet and loads the first-party core.js once consent allows', async () => {
    const page = openPage({ before: `${SNIPPET}; tagwarden.q.push(['consent', ${JSON.stringify(GRANTED)}]); pintrk('page'); pintrk('track', 'addtocart', { value: 5 })` })
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    const q = page.run('pintrk.queue') as unknown[][]
    expect(q.map((c) => c[0] + (c[0] === 'track' ? ':' + c[1] : ''))).toEqual(['load', 'page', 'track:addtocart'])
    expect(q[0]).toEqual(['load', TAG_ID])
  })

  it('base code before the loader: adopts its queue and partnerData, requests no second core.js', async () => {
    const page = openPage({
      before: (w) => {
        w.eval(baseCode(TAG_ID))
        w.eval(`pintrk.partnerData = { np: 'shopify' }; ${grant}`)
      },
    })
    await settle()
    expect(page.scripts()).toEqual(['https://s.pinimg.com/ct/core.js'])
    expect(page.run('pintrk.partnerData')).toEqual({ np: 'shopify' })
    // Pinterest's core.js arrives and runs: it finds the loader's queue, every call in it with an event_id.
    page.run(tagComesUp())
    const calls = page.tagCalls()
    expect(calls.map((c) => c[0])).toEqual(['load', 'page'])
    expect((calls[1][1] as { event_id: string }).event_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(page.posts('/e')).toEqual([])
  })

  it('base code before the loader, its Pinterest script blocked: the loader loads the first-party copy', async () => {
    const page = openPage({ before: (w) => (w.eval(baseCode(TAG_ID)), w.eval(grant)) })
    await settle()
    page.w.document.querySelector('script[src*="pinimg"]')!.dispatchEvent(new page.w.Event('error'))
    await settle()
    expect(page.scripts()).toEqual(['https://s.pinimg.com/ct/core.js', '/tw/pin/core.js'])
    page.run(tagComesUp())
    expect(page.tagCalls().map((c) => c[0])).toEqual(['load', 'page'])
  })

  it('base code after the loader does nothing (`if(!window.pintrk)`): no script, no lost call, one load', async () => {
    const page = openPage({ before: grant })
    page.run(baseCode(TAG_ID))
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    page.run(tagComesUp())
    // The loader's own load of config `t` came first; the base code's second load of the same tag is dropped.
    expect(page.tagCalls().map((c) => c[0])).toEqual(['load', 'page'])
  })

  it('a repeated load with options keeps the options as a `set`; a page load before the auto-load is the one load', async () => {
    const page = openPage({ before: grant })
    await settle()
    page.run(`pintrk('load', '${TAG_ID}', { np: 'woocommerce' })`)
    page.run(tagComesUp())
    expect(page.tagCalls()).toEqual([['load', TAG_ID], ['set', { np: 'woocommerce' }]])
    const early = openPage({ before: grant })
    early.run(`pintrk('load', '${TAG_ID}', { np: 'woocommerce' })`)
    await settle()
    early.run(tagComesUp())
    expect(early.tagCalls()).toEqual([['load', TAG_ID, { np: 'woocommerce' }]])
  })

  it.each(['replace', 'push'] as const)('after the tag took over (%s), calls still get event ids and reach it once', async (style) => {
    const page = openPage({ before: grant })
    await settle()
    page.run(tagComesUp(style))
    page.run(`pintrk('track', 'addtocart', { value: 3 }); pintrk('page')`)
    const calls = page.tagCalls()
    expect(calls.map((c) => c[0])).toEqual(['load', 'track', 'page'])
    expect((calls[1][2] as { event_id: string }).event_id).toMatch(/^[0-9a-f-]{36}$/)
    expect((calls[2][1] as { event_id: string }).event_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(page.run('typeof pintrk')).toBe('function')
  })

  it('a real tag already running before the loader is wrapped, not replaced', async () => {
    const page = openPage({ before: (w) => (w.eval(`window.pintrk = function () {}; pintrk.queue = []`), w.eval(tagComesUp()), w.eval(grant)) })
    await settle()
    page.run(`pintrk('track', 'signup')`)
    expect(page.scripts()).toEqual([])
    expect(page.tagCalls()).toHaveLength(1)
    expect(page.tagCalls()[0][0]).toBe('track')
    expect((page.tagCalls()[0][2] as { event_id?: string }).event_id).toBeTruthy()
  })

  it('a second copy of the loader on the page changes nothing', async () => {
    const page = openPage({ before: grant })
    const stub = page.run('pintrk')
    page.load()
    await settle()
    expect(page.run('pintrk')).toBe(stub)
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
  })
})
