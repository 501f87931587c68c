// @vitest-environment happy-dom
// One contract for every CMP adapter, each against a fake of its vendor's browser API
// (docs/consent-signals.md §1, §2, §3, §5): the state found at load, a later change, the CMP on the
// page but still deciding, the CMP missing. `/tw/ctx` is answered by the real consent policy
// (harness.ts), so what the tag does is what the server decided for what the adapters read.
import { afterEach, describe, expect, it } from 'vitest'
import { makeTcString } from '../fixtures/consent/strings'
import { tagComesUp } from '../fakes/pinterest-base-code'
import { closePages, DENIED, GRANTED, openPage, settle, type Page } from './harness'

const TC = { yes: makeTcString({ purposes: [1, 2, 3, 4, 7] }), no: makeTcString({ purposes: [] }), p1only: makeTcString({ purposes: [1, 2, 3, 4] }) }
const tcString = (yes: boolean) => (yes ? TC.yes : TC.no)

afterEach(closePages)

interface Fake {
  /** The CMP on the page before the loader, marketing allowed or not. */
  present(yes: boolean): string
  /** The CMP reports a new decision. */
  change(yes: boolean): string
  /** The SDK becomes ready after the loader ran (queue-style APIs). */
  ready?: string
  /** Raw fields the adapter passes on, for a "yes" state. */
  raw?: Record<string, unknown>
  /** The CMP on the page but not decided yet (banner open, SDK loading), then its decision. */
  deciding?: string
  decide?: (yes: boolean) => string
}

const gcmDefault = `window.dataLayer = window.dataLayer || []; window.gtag = function () { dataLayer.push(arguments) };`

const FAKES: Record<string, Fake> = {
  tcf: {
    present: (yes) => `window.__tcdata = { eventStatus: 'tcloaded', gdprApplies: true, tcString: '${tcString(yes)}', purpose: { consents: { 1: ${yes}, 7: ${yes} } } };
      window.__tcfapi = function (cmd, v, cb) { if (cmd === 'addEventListener' && v === 2) { window.__tccb = cb; cb(__tcdata, true) } }`,
    change: (yes) => `__tccb({ eventStatus: 'useractioncomplete', gdprApplies: true, tcString: '${tcString(yes)}', purpose: { consents: { 1: ${yes}, 7: ${yes} } } }, true)`,
    raw: { tcf: TC.yes, gdpr_applies: true },
    // The IAB stub before the CMP: the listener waits in its queue.
    deciding: `window.__tcfapi = function (cmd, v, cb) { if (cmd === 'addEventListener') window.__tccb = cb }`,
    decide: (yes) => `__tccb({ eventStatus: 'tcloaded', gdprApplies: true, tcString: '${tcString(yes)}', purpose: { consents: { 1: ${yes}, 7: ${yes} } } }, true)`,
  },
  shopify: {
    present: (yes) => `window.__mk = ${yes}; window.Shopify = { loadFeatures: function (features, cb) {
      if (features[0].name !== 'consent-tracking-api') return;
      Shopify.customerPrivacy = { marketingAllowed: function () { return __mk }, saleOfDataAllowed: function () { return true } }; setTimeout(cb) } }`,
    change: (yes) => `__mk = ${yes}; document.dispatchEvent(new CustomEvent('visitorConsentCollected', { detail: { marketingAllowed: ${yes} } }))`,
    raw: { sale_opt_out: false },
    // The Customer Privacy API still loading.
    deciding: `window.Shopify = { loadFeatures: function (features, cb) { window.__shcb = cb } }`,
    decide: (yes) => `Shopify.customerPrivacy = { marketingAllowed: function () { return ${yes} }, saleOfDataAllowed: function () { return true } }; __shcb()`,
  },
  onetrust: {
    present: (yes) => `window.OnetrustActiveGroups = ',C0001,${yes ? 'C0004,' : ''}'`,
    change: (yes) => `OnetrustActiveGroups = ',C0001,${yes ? 'C0004,' : ''}'; dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001'${yes ? ", 'C0004'" : ''}] }))`,
    // The embed code's callback before the SDK set the groups.
    deciding: `window.OptanonWrapper = function () {}`,
    decide: (yes) => `dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001'${yes ? ", 'C0004'" : ''}] }))`,
  },
  cookiebot: {
    present: (yes) => `window.Cookiebot = { hasResponse: true, consent: { necessary: true, marketing: ${yes}, statistics: true } }`,
    change: (yes) => `Cookiebot.consent.marketing = ${yes}; dispatchEvent(new Event('CookiebotOn${yes ? 'Accept' : 'Decline'}'))`,
    // The banner open: no response yet.
    deciding: `window.Cookiebot = { hasResponse: false, consent: { necessary: true, marketing: false } }`,
    decide: (yes) => `Cookiebot.consent.marketing = ${yes}; dispatchEvent(new Event('CookiebotOn${yes ? 'Accept' : 'Decline'}'))`,
  },
  usercentrics: {
    present: (yes) => `window.__ucCmp = { getConsentDetails: function () { return Promise.resolve({ consent: { type: 'EXPLICIT' }, services: {}, categories: { essential: { state: 'ALL_ACCEPTED' }, marketing: { state: '${yes ? 'ALL_ACCEPTED' : 'ALL_DENIED'}' } } }) } }`,
    change: (yes) => `dispatchEvent(new CustomEvent('UC_CONSENT', { detail: { consent: { type: 'EXPLICIT' }, services: {}, categories: { marketing: { state: '${yes ? 'ALL_ACCEPTED' : 'ALL_DENIED'}' } } } }))`,
    // v3 whose details have not come back yet.
    deciding: `window.__ucCmp = { getConsentDetails: function () { return new Promise(function () {}) } }`,
    decide: (yes) => `dispatchEvent(new CustomEvent('UC_CONSENT', { detail: { categories: { marketing: { state: '${yes ? 'ALL_ACCEPTED' : 'ALL_DENIED'}' } } } }))`,
  },
  didomi: {
    present: (yes) => `window.__dg = ${yes}; window.Didomi = { isConsentRequired: function () { return true },
      getCurrentUserStatus: function () { return { vendors: { google: { enabled: true }, 'c:pinterest-Xy12': { enabled: __dg } }, purposes: {} } } }`,
    ready: `didomiOnReady.forEach(function (f) { f(Didomi) })`,
    change: (yes) => `__dg = ${yes}; didomiEventListeners.forEach(function (l) { l.event === 'consent.changed' && l.listener({}) })`,
    // The SDK there, not ready yet.
    deciding: `window.__dg = false; window.Didomi = { isConsentRequired: function () { return true },
      getCurrentUserStatus: function () { return { vendors: { 'c:pinterest-Xy12': { enabled: __dg } } } } }`,
    decide: (yes) => `__dg = ${yes}; didomiOnReady.forEach(function (f) { f(Didomi) })`,
  },
  gcm: {
    // A CMP that writes its decision as a Consent Mode update (most do, next to their own API).
    present: (yes) => `${gcmDefault} gtag('consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied', wait_for_update: 500 }); gtag('consent', 'update', { ad_storage: '${yes ? 'granted' : 'denied'}' })`,
    change: (yes) => `gtag('consent', 'update', { ad_storage: '${yes ? 'granted' : 'denied'}', ad_user_data: '${yes ? 'granted' : 'denied'}' })`,
    // A default that asks to wait for the CMP's update (Google's `wait_for_update`, counted from the page's start).
    deciding: `${gcmDefault} gtag('consent', 'default', { ad_storage: 'granted', ad_user_data: 'granted', wait_for_update: 60000 })`,
    decide: (yes) => `gtag('consent', 'update', { ad_storage: '${yes ? 'granted' : 'denied'}', ad_user_data: '${yes ? 'granted' : 'denied'}' })`,
  },
}

/** The last consent the loader posted: one entry per source. */
const posted = (page: Page): any[] | undefined => page.posts('/ctx').filter((b) => b.consent).at(-1)?.consent
/** The entry of one source in the last consent posted. */
const entry = (page: Page, source: string) => posted(page)?.find((e) => e.source === source)
const CALL = `pintrk('track', 'addtocart', { event_id: 'e1' })`

describe.each(Object.entries(FAKES))('%s', (name, fake) => {
  const open = (yes: boolean, config = {}) => {
    const page = openPage({ before: fake.present(yes), config })
    if (fake.ready) page.run(fake.ready)
    return page
  }

  it('a "yes" found at load lets the tag load; the entry posted names the adapter', async () => {
    const page = open(true)
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(entry(page, name)).toMatchObject({ ad_storage: 'granted', ...fake.raw })
    // Marketing CMPs give the three ad flags (TCF leaves them to the server's TC string decoding).
    if (name !== 'tcf' && name !== 'gcm') expect(entry(page, name)).toMatchObject({ ad_user_data: 'granted', ad_personalization: 'granted' })
    expect(page.answers().at(-1)).toBe('allow')
  })

  it('a "no" found at load keeps the tag out, even with the default granted, and sends events to /e at once', async () => {
    const page = open(false, { d: 'granted' })
    page.run(CALL)
    await settle()
    expect(page.scripts()).toEqual([])
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
    expect(entry(page, name)).toMatchObject({ ad_storage: 'denied' })
  })

  it('a later "yes" loads the tag without a reload; a later "no" withdraws it at once', async () => {
    const page = open(false)
    await settle()
    page.run(fake.change(true))
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(entry(page, name)).toMatchObject({ ad_storage: 'granted' })
    page.run(tagComesUp())
    page.run(fake.change(false))
    // Before the server has even answered: an explicit "no" stops the tag.
    page.run(CALL)
    expect(page.tagCalls().map((c) => c[0])).toEqual(['load', 'setconsent'])
    expect(page.tagCalls()[1]).toEqual(['setconsent', false])
    await settle()
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
    expect(entry(page, name)).toMatchObject({ ad_storage: 'denied' })
  })

  it.runIf(fake.deciding)('on the page but still deciding: no tag, events held, even with the default granted; then its decision applies', async () => {
    for (const yes of [true, false]) {
      const page = openPage({ before: fake.deciding!, config: { d: 'granted' } })
      page.run(CALL)
      await settle(250)
      expect(page.scripts()).toEqual([])
      expect(page.posts('/e')).toEqual([])
      expect(page.posts('/ctx').some((b) => b.consent)).toBe(false)
      page.run(fake.decide!(yes))
      await settle()
      expect(entry(page, name)).toMatchObject({ ad_storage: yes ? 'granted' : 'denied' })
      if (yes) {
        expect(page.scripts()).toEqual(['/tw/pin/core.js'])
        page.run(tagComesUp())
        expect(page.tagCalls().map((c) => c[0])).toEqual(['load', 'track'])
      } else {
        expect(page.scripts()).toEqual([])
        expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
      }
    }
  })

  it('missing: nothing is posted for it, the default applies (denied: /e after the wait)', async () => {
    const page = openPage()
    page.run(CALL)
    await settle(250)
    expect(page.scripts()).toEqual([])
    expect(posted(page)).toBeUndefined()
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
  })
})

describe('adapter details', () => {
  it('tcf: cmpuishown is not a decision (held); without GDPR the tag may run', async () => {
    const page = openPage({
      config: { d: 'granted' },
      before: `window.__tcfapi = function (cmd, v, cb) { window.__tccb = cb; cb({ eventStatus: 'cmpuishown', gdprApplies: true, tcString: 'X', purpose: { consents: {} } }, true) }`,
    })
    await settle(250)
    expect(posted(page)).toBeUndefined()
    expect(page.scripts()).toEqual([])
    page.run(`__tccb({ eventStatus: 'tcloaded', gdprApplies: false, tcString: '' }, true)`)
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(posted(page)).toEqual([{ source: 'tcf', tcf: '', gdpr_applies: false, ad_storage: 'granted' }])
  })

  it('tcf: purpose 1 without purpose 7 is not enough', async () => {
    const page = openPage({ before: FAKES.tcf.present(true).replace('7: true', '7: false').replace(TC.yes, TC.p1only), config: { d: 'granted' } })
    await settle()
    expect(entry(page, 'tcf')).toMatchObject({ ad_storage: 'denied' })
    expect(page.scripts()).toEqual([])
  })

  it('gpp: raw string and sections when ready; a US sale opt-out: the server answers LDP, the tag gets it before events', async () => {
    const page = openPage({
      config: { d: 'granted' },
      before: `window.__gpp = function (cmd, cb) { if (cmd !== 'addEventListener') return; window.__gppcb = cb;
        cb({ eventName: 'listenerRegistered', pingData: { signalStatus: 'not ready', gppString: 'old', applicableSections: [-1] } }, true) }`,
    })
    await settle()
    expect(posted(page)).toBeUndefined()
    page.run(`__gppcb({ eventName: 'signalStatus', data: 'ready', pingData: { signalStatus: 'ready', gppString: 'DBABLA~BVQqAAAAAgA.QA', applicableSections: [7],
      parsedSections: { usnat: [{ Version: 1, SaleOptOutNotice: 1, SaleOptOut: 1, SharingOptOut: 2 }] } } }, true)`)
    await settle()
    expect(posted(page)).toEqual([{ gpp: 'DBABLA~BVQqAAAAAgA.QA', gpp_sid: [7], sale_opt_out: true, source: 'gpp' }])
    expect(page.answers().at(-1)).toBe('restricted')
    page.run(tagComesUp())
    page.run(`pintrk('page', { event_id: 'p1' })`)
    const calls = page.tagCalls()
    expect(calls.filter((c) => c[0] === 'set')).toEqual([['set', { opt_out_type: 'LDP' }]])
    expect(calls.findIndex((c) => c[0] === 'set')).toBeLessThan(calls.findIndex((c) => c[0] === 'page'))
  })

  it('gpp: the shopper lifts the opt-out mid-visit: the tag gets LDP cleared once (an empty value), before the next event', async () => {
    const ready = (optOut: 1 | 2, gpp: string) => `__gppcb({ eventName: 'signalStatus', data: 'ready', pingData: { signalStatus: 'ready', gppString: '${gpp}', applicableSections: [7],
      parsedSections: { usnat: [{ Version: 1, SaleOptOutNotice: 1, SaleOptOut: ${optOut}, SharingOptOut: 2 }] } } }, true)`
    const page = openPage({
      config: { d: 'granted' },
      before: `window.__gpp = function (cmd, cb) { if (cmd !== 'addEventListener') return; window.__gppcb = cb;
        cb({ eventName: 'listenerRegistered', pingData: { signalStatus: 'not ready', gppString: 'old', applicableSections: [-1] } }, true) }`,
    })
    page.run(ready(1, 'DBABLA~BVQqAAAAAgA.QA'))
    await settle()
    expect(page.answers().at(-1)).toBe('restricted')
    page.run(tagComesUp())
    page.run(`pintrk('page', { event_id: 'p1' })`)
    page.run(ready(2, 'DBABLA~BVQqAAAAAkA.QA'))
    await settle()
    expect(page.answers().at(-1)).toBe('allow')
    page.run(`pintrk('page', { event_id: 'p2' })`)
    // A later change that keeps the decision sends no further set.
    page.run(`pintrk('track', 'addtocart', { event_id: 'p3' })`)
    const calls = page.tagCalls()
    expect(calls.filter((c) => c[0] === 'set')).toEqual([['set', { opt_out_type: 'LDP' }], ['set', { opt_out_type: '' }]])
    const cleared = calls.findIndex((c) => c[0] === 'set' && (c[1] as { opt_out_type: string }).opt_out_type === '')
    expect(cleared).toBeGreaterThan(calls.findIndex((c) => c[0] === 'page'))
    expect(cleared).toBeLessThan(calls.findIndex((c) => c[0] === 'page' && (c[1] as { event_id: string }).event_id === 'p2'))
  })

  it('gpp: usnat "did not opt out" is no opt-out', async () => {
    const page = openPage({
      before: `window.__gpp = function (cmd, cb) { cb({ pingData: { signalStatus: 'ready', gppString: 'DBABLA~x', applicableSections: [7], parsedSections: { usnat: [{ SaleOptOut: 2, SaleOptOutNotice: 1 }] } } }, true) }`,
    })
    await settle()
    expect(entry(page, 'gpp')).toMatchObject({ sale_opt_out: false })
  })

  it('usercentrics v2: the ucEvent window event with ucCategory', async () => {
    const page = openPage()
    page.run(`dispatchEvent(new CustomEvent('ucEvent', { detail: { event: 'consent_status', type: 'explicit', action: 'onAcceptAllServices', 'Pinterest': true, ucCategory: { essential: true, marketing: true } } }))`)
    await settle()
    expect(entry(page, 'usercentrics')).toMatchObject({ ad_storage: 'granted' })
  })

  it('usercentrics: a mixed marketing category is no decision', async () => {
    const page = openPage({ before: FAKES.usercentrics.present(true).replace('ALL_ACCEPTED\' } } })', 'SOME_ACCEPTED\' } } })') })
    await settle()
    expect(entry(page, 'usercentrics')).toBeUndefined()
  })

  it('didomi: where consent is not required the tag may run', async () => {
    const page = openPage({ before: `window.Didomi = { isConsentRequired: function () { return false }, getCurrentUserStatus: function () { return { vendors: {} } } }` })
    page.run(FAKES.didomi.ready!)
    await settle()
    expect(entry(page, 'didomi')).toMatchObject({ ad_storage: 'granted' })
  })

  it('gcm: each default is its own entry, regions included (the server resolves them); updates fold into one explicit entry', async () => {
    const page = openPage({ before: `${gcmDefault} gtag('consent', 'default', { ad_storage: 'denied', region: ['DE', 'US-CA'] }); gtag('consent', 'default', { ad_storage: 'granted' })` })
    // Defaults alone are posted once the wait is over: a CMP may be about to update them.
    await settle(40)
    expect(posted(page)).toBeUndefined()
    await settle(250)
    expect(posted(page)).toEqual([
      { source: 'gcm-default', ad_storage: 'denied', region: ['DE', 'US-CA'] },
      { source: 'gcm-default', ad_storage: 'granted' },
    ])
    page.run(`gtag('consent', 'update', { ad_storage: 'denied', analytics_storage: 'denied' }); gtag('consent', 'update', { ad_storage: 'granted', functionality_storage: 'granted' })`)
    await settle()
    expect(entry(page, 'gcm')).toEqual({ source: 'gcm', ad_storage: 'granted', analytics_storage: 'denied' })
  })

  it('gcm: a default alone is no decision of the shopper: with it denying, events wait for a CMP, which can still grant', async () => {
    const page = openPage({ before: `${gcmDefault} gtag('consent', 'default', { ad_storage: 'denied' })` })
    page.run(CALL)
    await settle(40)
    expect(page.posts('/e')).toEqual([])
    page.run(FAKES.onetrust.change(true))
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(page.run('pintrk.queue').map((c: unknown[]) => c[0])).toEqual(['load', 'track'])
  })

  it('gcm: a default granting (no CMP deciding) lets the tag load: once posted at the end of the wait, then on the next page at once', async () => {
    const before = `${gcmDefault} gtag('consent', 'default', { ad_storage: 'granted', ad_user_data: 'granted' })`
    const page = openPage({ before })
    await settle(250)
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(posted(page)).toEqual([{ source: 'gcm-default', ad_storage: 'granted', ad_user_data: 'granted' }])
    const next = openPage({ before, from: page })
    await settle()
    expect(next.scripts()).toEqual(['/tw/pin/core.js'])
    expect(next.posts('/ctx')).toEqual([{}])
  })

  it('onetrust: the marketing group comes from config g', async () => {
    const page = openPage({ config: { g: 'C0007' }, before: FAKES.onetrust.present(false).replace("'", "'C0007,") })
    await settle()
    expect(entry(page, 'onetrust')).toMatchObject({ ad_storage: 'granted' })
  })

  it('a CMP API that throws does not stop the loader', async () => {
    const page = openPage({ before: `window.Didomi = { isConsentRequired: function () { throw new Error('not ready') } }; ${FAKES.onetrust.present(true)}` })
    page.run(FAKES.didomi.ready!)
    await settle()
    expect(entry(page, 'onetrust')).toMatchObject({ ad_storage: 'granted' })
  })

  it('a CMP that appears late (its global only after the chunk arrived) is subscribed and read then', async () => {
    const page = openPage({ before: `${gcmDefault}`, config: { d: 'granted' } })
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    page.run(tagComesUp())
    page.run(FAKES.tcf.present(false))
    await settle(300)
    expect(entry(page, 'tcf')).toMatchObject({ tcf: TC.no })
    expect(page.tagCalls()).toContainEqual(['setconsent', false])
  })
})

describe('precedence (the server combines; the loader follows its answer)', () => {
  it('an explicit "no" from any source wins: the hook granting does not overtake a CMP denying', async () => {
    const page = openPage({ config: { d: 'granted' }, before: `${FAKES.cookiebot.present(false)}; window.tagwarden = { q: [['consent', ${JSON.stringify(GRANTED)}]] }` })
    await settle()
    expect(page.scripts()).toEqual([])
    expect(posted(page)).toEqual([
      { ...GRANTED, source: 'hook' },
      // A CMP's marketing decision is all three ad flags: the server strips CAPI identifiers without ad_user_data.
      { source: 'cookiebot', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' },
    ])
    expect(page.serverConsent()).toMatchObject({ ad_storage: 'denied', ad_user_data: 'denied', analytics_storage: 'granted' })
  })

  it('the hook denying beats a CMP granting; unknown hook keys go as given (the server drops them)', async () => {
    const hook = { ...DENIED, functionality_storage: 'granted' }
    const page = openPage({ config: { d: 'granted' }, before: `${FAKES.onetrust.present(true)}; window.tagwarden = { q: [['consent', ${JSON.stringify(hook)}]] }` })
    await settle()
    expect(page.scripts()).toEqual([])
    expect(posted(page)![0]).toEqual({ ...hook, source: 'hook' })
  })

  it('an explicit grant beats the default denial', async () => {
    const page = openPage({ before: FAKES.onetrust.present(true) })
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
  })

  it('a hook call after load decides at once (the public API, not only the queue)', async () => {
    const page = openPage()
    page.run(`tagwarden.consent({ ad_storage: 'granted' })`)
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(posted(page)).toEqual([{ ad_storage: 'granted', source: 'hook' }])
  })
})
