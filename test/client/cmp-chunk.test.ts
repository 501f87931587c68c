// @vitest-environment happy-dom
// The CMP adapters live in `{p}/cmp.js`, which the loader requests only on pages with a CMP
// (client/cmp-load.ts): never on a page without one; once at most; as soon as a CMP appears, at any
// moment; while it loads a CMP is deciding (no tag, events held, at most 4 × `w` and at most 50 of
// them, all sent to /e when the page is hidden); a decision made while it loads is not lost.
import { afterEach, describe, expect, it } from 'vitest'
import { closePages, openPage, settle, type Page } from './harness'

afterEach(closePages)

/** The entry of one source in the last consent the loader posted. */
const entry = (page: Page, source: string) => page.posts('/ctx').filter((b) => b.consent).at(-1)?.consent.find((e: { source: string }) => e.source === source)
const CALL = `pintrk('track', 'addtocart', { event_id: 'e1' })`
const ONETRUST_NO = `window.OnetrustActiveGroups = ',C0001,'`
const ONETRUST_YES = `window.OnetrustActiveGroups = ',C0001,C0004,'`
const domReady = `document.dispatchEvent(new Event('DOMContentLoaded'))`
/** The event ids that reached the /e fallback, in order. */
const fallbackIds = (page: Page): string[] => page.posts('/e').map((e) => e.ed.event_id)
/** Move the pages' clock in 10 ms steps until `ok` holds, at most `timeoutMs` of it. */
async function until(what: string, ok: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (let waited = 0; !ok(); waited += 10) {
    if (waited >= timeoutMs) throw new Error(`not within ${timeoutMs} ms of the pages' clock: ${what}`)
    await settle(10)
  }
}

describe('the CMP chunk', () => {
  it('a page without any CMP never requests it: not at start, not at DOMContentLoaded, not when the wait is over', async () => {
    const page = openPage({ config: { d: 'granted' } })
    page.run(domReady)
    await settle(250)
    expect(page.cmpRequests()).toBe(0)
    expect(page.requests.map((r) => r.url)).not.toContain('/tw/cmp.js')
    // The server's default decides at once.
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
  })

  it('is requested once, however many signals say a CMP is there', async () => {
    const page = openPage({ before: `${ONETRUST_YES}; window.__tcfapi = function (c, v, cb) { cb({ eventStatus: 'tcloaded', gdprApplies: false }, true) }; window.dataLayer = []` })
    page.run(`${domReady}; dispatchEvent(new CustomEvent('UC_CONSENT', { detail: {} }))`)
    await settle(250)
    expect(page.cmpRequests()).toBe(1)
    expect(entry(page, 'onetrust')).toMatchObject({ ad_storage: 'granted' })
  })

  it('a CMP global that appears during the wait loads it (the loader looks again every 250 ms), and its decision applies to the events held', async () => {
    const page = openPage({ config: { w: 1000 } })
    page.run(CALL)
    await settle(20)
    expect(page.cmpRequests()).toBe(0)
    page.run(ONETRUST_YES)
    await settle(300)
    expect(page.cmpRequests()).toBe(1)
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(entry(page, 'onetrust')).toMatchObject({ ad_storage: 'granted' })
    expect(page.posts('/e')).toEqual([])
    expect(page.run('pintrk.queue').map((c: unknown[]) => c[0])).toEqual(['load', 'track'])
  })

  it('a CMP global that appears after the wait still loads it: events went out under the default meanwhile, its grant loads the tag then', async () => {
    const page = openPage({ config: { w: 80 }, cmp: 'later' })
    page.run(CALL)
    await settle(120)
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
    expect(page.cmpRequests()).toBe(0)
    page.run(ONETRUST_YES)
    await settle(300)
    expect(page.cmpRequests()).toBe(1)
    expect(page.scripts()).toEqual([])
    page.loadCmp()
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(entry(page, 'onetrust')).toMatchObject({ ad_storage: 'granted' })
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
    expect(entry(page, 'onetrust')).toMatchObject({ ad_storage: 'denied' })
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
  })

  it('a decision made before it arrives is not lost (events the loader kept for it)', async () => {
    // Usercentrics v2 has no state to read back, only its event; Cookiebot's implied consent is only "ready" by event.
    const page = openPage({ cmp: 'later' })
    page.run(`dispatchEvent(new CustomEvent('ucEvent', { detail: { event: 'consent_status', ucCategory: { marketing: true } } }))`)
    await settle(40)
    expect(page.cmpRequests()).toBe(1)
    expect(entry(page, 'usercentrics')).toBeUndefined()
    page.loadCmp()
    await settle()
    expect(entry(page, 'usercentrics')).toMatchObject({ ad_storage: 'granted' })
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])

    const cb = openPage({ before: `window.Cookiebot = { consent: { marketing: false } }`, cmp: 'later' })
    cb.run(`dispatchEvent(new Event('CookiebotOnConsentReady'))`)
    cb.loadCmp()
    await settle()
    expect(entry(cb, 'cookiebot')).toMatchObject({ ad_storage: 'denied' })
  })

  it('4 × `w` bounds it: a chunk that never arrives holds events that long, then they go to /e under the server\'s decision', async () => {
    const page = openPage({ before: ONETRUST_YES, cmp: 'later', config: { w: 80 } })
    page.run(CALL)
    await settle(200)
    expect(page.posts('/e')).toEqual([])
    await settle(200)
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

  it('the hook does not overtake a CMP still loading: its "no" then wins over the hook\'s grant', async () => {
    const page = openPage({ before: ONETRUST_NO, cmp: 'later', config: { d: 'granted', w: 5000 } })
    page.run(`tagwarden.consent({ ad_storage: 'granted' })`)
    await settle()
    expect(page.scripts()).toEqual([])
    page.loadCmp()
    await settle()
    expect(page.scripts()).toEqual([])
    expect(page.serverConsent()).toMatchObject({ ad_storage: 'denied', source: 'onetrust' })
  })

  // A CMP on the page whose chunk has not arrived, and a wait `w` of a minute: nothing decides
  // during these tests but the bound and the page hide (client/pintrk.ts `route`, client/loader.ts).
  const UNDECIDED = { before: ONETRUST_YES, cmp: 'later', config: { w: 60_000 } } as const
  const track = (from: number, to: number) => `for (let i = ${from}; i < ${to}; i++) pintrk('track', 'addtocart', { event_id: 'e' + i })`

  it('while a CMP decides, at most 50 events are held: the 51st onward go to /e at once (the server applies its decision), none is dropped', async () => {
    const page = openPage(UNDECIDED)
    page.run(track(0, 60))
    await until('the events past the bound reached /e', () => fallbackIds(page).length >= 10)
    expect(fallbackIds(page)).toEqual(Array.from({ length: 10 }, (_, i) => `e${50 + i}`))
    expect(page.cmpRequests()).toBe(1)
    expect(page.scripts()).toEqual([])
    // Still undecided: one more event is not held either (the 50 held stay where they are).
    page.run(track(60, 61))
    await until('the 61st event reached /e', () => fallbackIds(page).length >= 11)
    expect(fallbackIds(page).slice(10)).toEqual(['e60'])
    // The page hides: the 50 held go too, each once.
    page.run(`dispatchEvent(new Event('pagehide'))`)
    await until('every event reached /e', () => fallbackIds(page).length >= 61)
    expect(fallbackIds(page).slice(11)).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`))
    expect(page.scripts()).toEqual([])
  })

  it('a page hide while a CMP decides sends the held events through /e (fetch keepalive): the tag never loads', async () => {
    const page = openPage(UNDECIDED)
    page.run(track(0, 3))
    // The loader's first context post has been answered: only the held events are left.
    await until('the first /ctx answer', () => page.answers().length >= 1)
    expect(page.posts('/e')).toEqual([])
    page.run(`dispatchEvent(new Event('pagehide'))`)
    await until('the held events reached /e', () => fallbackIds(page).length >= 3)
    expect(fallbackIds(page)).toEqual(['e0', 'e1', 'e2'])
    const urls = page.requests.map((r) => `${r.via} ${r.url}`)
    expect(urls.filter((u) => u === 'fetch /tw/e')).toHaveLength(3)
    // After the page's context post (its answer set the cookie they need).
    expect(urls.lastIndexOf('fetch /tw/ctx')).toBeLessThan(urls.indexOf('fetch /tw/e'))
    expect(page.scripts()).toEqual([])
  })
})
