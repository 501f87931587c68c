// @vitest-environment happy-dom
// Every track/page call gets an event_id before the tag sees it (docs/design.md "event_id contract").
import { afterEach, describe, expect, it } from 'vitest'
import { closePages, GRANTED, openPage, settle } from './harness'

afterEach(closePages)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const grant = `window.tagwarden = { q: [['consent', ${JSON.stringify(GRANTED)}]] }`
/** The data object of the queued call `i` (the tag reads the stub's queue). */
const data = (page: ReturnType<typeof openPage>, i: number) => {
  const c = page.run('pintrk.queue')[i] as unknown[]
  return c[c[0] === 'page' ? 1 : 2] as Record<string, unknown>
}

describe('event_id', () => {
  it('a track call without one gets a random UUID; the caller’s own is kept', async () => {
    const page = openPage({ before: grant })
    page.run(`pintrk('track', 'addtocart', { value: 9 }); pintrk('track', 'lead', { event_id: 'mine-1' })`)
    await settle()
    expect(data(page, 1)).toMatchObject({ value: 9, event_id: expect.stringMatching(UUID) })
    expect(data(page, 2)).toEqual({ event_id: 'mine-1' })
  })

  it('page with no data gets one too (the PageVisit)', async () => {
    const page = openPage({ before: grant })
    page.run(`pintrk('page')`)
    await settle()
    expect(data(page, 1)).toEqual({ event_id: expect.stringMatching(UUID) })
  })

  it('a checkout with order_id gets ord_{order_id}, the same on a reload of the thank-you page', async () => {
    const call = `pintrk('track', 'Checkout', { order_id: 10042, value: 24, currency: 'USD' })`
    const first = openPage({ before: grant, url: 'https://shop.example/thank-you' })
    first.run(call)
    const reload = openPage({ before: grant, url: 'https://shop.example/thank-you', from: first })
    reload.run(call)
    await settle()
    expect(data(first, 1).event_id).toBe('ord_10042')
    expect(data(reload, 1).event_id).toBe('ord_10042')
  })

  it('follows the configured template', async () => {
    const page = openPage({ before: grant, config: { o: 'shop1-{order_id}-checkout' } })
    page.run(`pintrk('track', 'checkout', { order_id: 'A7' })`)
    await settle()
    expect(data(page, 1).event_id).toBe('shop1-A7-checkout')
  })

  it('one data object reused for two calls gives two ids and is not changed', async () => {
    const page = openPage({ before: grant })
    page.run(`window.d = { value: 1 }; pintrk('track', 'addtocart', d); pintrk('track', 'addtocart', d)`)
    await settle()
    expect(data(page, 1).event_id).not.toBe(data(page, 2).event_id)
    expect(page.run('d')).toEqual({ value: 1 })
  })

  it('without crypto.randomUUID (not a secure context) a random id still comes', async () => {
    const page = openPage({ before: `crypto.randomUUID = undefined; ${grant}` })
    page.run(`pintrk('track', 'search', { search_query: 'tote' })`)
    await settle()
    expect(data(page, 1).event_id).toMatch(/^\d{10,}$/)
  })
})
