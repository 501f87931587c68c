// @vitest-environment happy-dom
// The CMP adapters live in `{p}/cmp.js`, which the loader requests only on pages with a CMP
// (client/cmp-load.ts): never on a page without one; once at most; a decision made while it loads
// is not lost; and the wait `w` still bounds how long consent waits for it.
import { afterEach, describe, expect, it } from 'vitest'
import { closePages, openPage, settle } from './harness'

afterEach(closePages)

const consentOf = (page: ReturnType<typeof openPage>) => Object.assign({}, ...page.posts('/ctx')).consent
const CALL = `pintrk('track', 'addtocart', { event_id: 'e1' })`
const ONETRUST_NO = `window.OnetrustActiveGroups = ',C0001,'`
const ONETRUST_YES = `window.OnetrustActiveGroups = ',C0001,C0004,'`
const domReady = `document.dispatchEvent(new Event('DOMContentLoaded'))`

describe('the CMP chunk', () => {
  it('a page without any CMP never requests it: not at start, not at DOMContentLoaded, not when the wait is over', async () => {
    const page = openPage({ config: { d: 'granted' } })
    page.run(domReady)
    await settle(250)
    expect(page.cmpRequests()).toBe(0)
    expect(page.requests.map((r) => r.url)).not.toContain('/tw/cmp.js')
    // The default decides at once, as before the split.
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
  })

  it('is requested once, however many signals say a CMP is there', async () => {
    const page = openPage({ before: `${ONETRUST_YES}; window.__tcfapi = function () {}; window.dataLayer = []` })
    page.run(`${domReady}; dispatchEvent(new CustomEvent('UC_CONSENT', { detail: {} }))`)
    await settle(250)
    expect(page.cmpRequests()).toBe(1)
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'onetrust' })
  })

  it('a CMP global that appears only at DOMContentLoaded loads it then, and its decision applies', async () => {
    const page = openPage()
    page.run(CALL)
    await settle(20)
    expect(page.cmpRequests()).toBe(0)
    page.run(`${ONETRUST_YES}; ${domReady}`)
    await settle()
    expect(page.cmpRequests()).toBe(1)
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'onetrust' })
    expect(page.posts('/e')).toEqual([])
  })

  it('a CMP global that appears only by the end of the wait still loads it; the default decides meanwhile', async () => {
    const page = openPage({ config: { w: 80 }, cmp: 'later' })
    page.run(CALL)
    setTimeout(() => page.run(ONETRUST_YES), 40)
    await settle(60)
    expect(page.cmpRequests()).toBe(0)
    await settle(90)
    expect(page.cmpRequests()).toBe(1)
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
    expect(page.scripts()).toEqual([])
    page.loadCmp()
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'onetrust' })
  })

  it('while it loads, the default does not let the tag in: a denying CMP never sees core.js requested', async () => {
    const page = openPage({ config: { d: 'granted' }, before: ONETRUST_NO, cmp: 'later' })
    page.run(CALL)
    await settle(40)
    expect(page.scripts()).toEqual([])
    expect(page.posts('/e')).toEqual([])
    page.loadCmp()
    await settle()
    expect(page.scripts()).toEqual([])
    expect(consentOf(page)).toMatchObject({ ad_storage: 'denied', source: 'onetrust' })
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
  })

  it('a decision made before it arrives is not lost (events the loader kept for it)', async () => {
    // Usercentrics v2 has no state to read back, only its event; Cookiebot's implied consent is only "ready" by event.
    const page = openPage({ cmp: 'later' })
    page.run(`dispatchEvent(new CustomEvent('ucEvent', { detail: { event: 'consent_status', ucCategory: { marketing: true } } }))`)
    await settle(40)
    expect(page.cmpRequests()).toBe(1)
    expect(consentOf(page)).toBeUndefined()
    page.loadCmp()
    await settle()
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'usercentrics' })
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])

    const cb = openPage({ before: `window.Cookiebot = { consent: { marketing: false } }`, cmp: 'later' })
    cb.run(`dispatchEvent(new Event('CookiebotOnConsentReady'))`)
    cb.loadCmp()
    await settle()
    expect(consentOf(cb)).toMatchObject({ ad_storage: 'denied', source: 'cookiebot' })
  })

  it('the wait `w` bounds it: a chunk that never arrives leaves the default to decide, events go to /e', async () => {
    const page = openPage({ before: ONETRUST_YES, cmp: 'later', config: { w: 80 } })
    page.run(CALL)
    await settle(40)
    expect(page.posts('/e')).toEqual([])
    await settle(100)
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
    expect(page.scripts()).toEqual([])
    // It arrives after all: the CMP's grant still loads the tag, as a late CMP would.
    page.loadCmp()
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
  })

  it('a chunk that fails to load is not waited for', async () => {
    const page = openPage({ before: ONETRUST_NO, cmp: 'error', config: { d: 'granted', w: 1000 } })
    await settle()
    expect(page.cmpRequests()).toBe(1)
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
  })

  it('the hook decides while it loads: the hook beats every CMP anyway', async () => {
    const page = openPage({ before: ONETRUST_NO, cmp: 'later', config: { w: 5000 } })
    page.run(`tagwarden.consent({ ad_storage: 'granted' })`)
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    page.loadCmp()
    await settle()
    // Keys the hook did not give come from the CMP, as ever (consent.ts merge).
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', ad_user_data: 'denied', source: 'hook' })
  })
})
