// @vitest-environment happy-dom
// One contract for every CMP adapter, each against a fake of its vendor's browser API (consent.md
// §1.4, §2.3, §3, §5): the state found at load, a later change, the CMP missing.
import { afterEach, describe, expect, it } from 'vitest'
import { tagComesUp } from '../fakes/pinterest-base-code'
import { closePages, DENIED, GRANTED, openPage, settle } from './harness'

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
}

const gcmDefault = `window.dataLayer = window.dataLayer || []; window.gtag = function () { dataLayer.push(arguments) };`

const FAKES: Record<string, Fake> = {
  tcf: {
    present: (yes) => `window.__tcdata = { eventStatus: 'tcloaded', gdprApplies: true, tcString: 'CPtc${+yes}', purpose: { consents: { 1: ${yes}, 7: ${yes} } } };
      window.__tcfapi = function (cmd, v, cb) { if (cmd === 'addEventListener' && v === 2) { window.__tccb = cb; cb(__tcdata, true) } }`,
    change: (yes) => `__tccb({ eventStatus: 'useractioncomplete', gdprApplies: true, tcString: 'CPtc${+yes}', purpose: { consents: { 1: ${yes}, 7: ${yes} } } }, true)`,
    raw: { tcf: 'CPtc1', gdpr_applies: true },
  },
  shopify: {
    present: (yes) => `window.__mk = ${yes}; window.Shopify = { loadFeatures: function (features, cb) {
      if (features[0].name !== 'consent-tracking-api') return;
      Shopify.customerPrivacy = { marketingAllowed: function () { return __mk }, saleOfDataAllowed: function () { return true } }; setTimeout(cb) } }`,
    change: (yes) => `__mk = ${yes}; document.dispatchEvent(new CustomEvent('visitorConsentCollected', { detail: { marketingAllowed: ${yes} } }))`,
    raw: { sale_opt_out: false },
  },
  onetrust: {
    present: (yes) => `window.OnetrustActiveGroups = ',C0001,${yes ? 'C0004,' : ''}'`,
    change: (yes) => `OnetrustActiveGroups = ',C0001,${yes ? 'C0004,' : ''}'; dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001'${yes ? ", 'C0004'" : ''}] }))`,
  },
  cookiebot: {
    present: (yes) => `window.Cookiebot = { hasResponse: true, consent: { necessary: true, marketing: ${yes}, statistics: true } }`,
    change: (yes) => `Cookiebot.consent.marketing = ${yes}; dispatchEvent(new Event('CookiebotOn${yes ? 'Accept' : 'Decline'}'))`,
  },
  usercentrics: {
    present: (yes) => `window.__ucCmp = { getConsentDetails: function () { return Promise.resolve({ consent: { type: 'EXPLICIT' }, services: {}, categories: { essential: { state: 'ALL_ACCEPTED' }, marketing: { state: '${yes ? 'ALL_ACCEPTED' : 'ALL_DENIED'}' } } }) } }`,
    change: (yes) => `dispatchEvent(new CustomEvent('UC_CONSENT', { detail: { consent: { type: 'EXPLICIT' }, services: {}, categories: { marketing: { state: '${yes ? 'ALL_ACCEPTED' : 'ALL_DENIED'}' } } } }))`,
  },
  didomi: {
    present: (yes) => `window.__dg = ${yes}; window.Didomi = { isConsentRequired: function () { return true },
      getCurrentUserStatus: function () { return { vendors: { google: { enabled: true }, 'c:pinterest-Xy12': { enabled: __dg } }, purposes: {} } } }`,
    ready: `didomiOnReady.forEach(function (f) { f(Didomi) })`,
    change: (yes) => `__dg = ${yes}; didomiEventListeners.forEach(function (l) { l.event === 'consent.changed' && l.listener({}) })`,
  },
  gcm: {
    // A CMP that writes its decision as a Consent Mode update (most do, next to their own API).
    present: (yes) => `${gcmDefault} gtag('consent', 'default', { ad_storage: 'denied', ad_user_data: 'denied', wait_for_update: 500 }); gtag('consent', 'update', { ad_storage: '${yes ? 'granted' : 'denied'}' })`,
    change: (yes) => `gtag('consent', 'update', { ad_storage: '${yes ? 'granted' : 'denied'}', ad_user_data: '${yes ? 'granted' : 'denied'}' })`,
    raw: { ad_user_data: 'denied' },
  },
}

const consentOf = (page: ReturnType<typeof openPage>) => Object.assign({}, ...page.posts('/ctx')).consent
const CALL = `pintrk('track', 'addtocart', { event_id: 'e1' })`

describe.each(Object.entries(FAKES))('%s', (name, fake) => {
  const open = (yes: boolean) => {
    const page = openPage({ before: fake.present(yes) })
    if (fake.ready) page.run(fake.ready)
    return page
  }

  it('a "yes" found at load lets the tag load; the consent posted names the adapter', async () => {
    const page = open(true)
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: name, ...fake.raw })
    // Marketing CMPs give the three ad flags (TCF leaves them to the server's TC string decoding).
    if (name !== 'tcf' && name !== 'gcm') expect(consentOf(page)).toMatchObject({ ad_user_data: 'granted', ad_personalization: 'granted' })
  })

  it('a "no" found at load keeps the tag out and sends events to /e at once', async () => {
    const page = open(false)
    page.run(CALL)
    await settle()
    expect(page.scripts()).toEqual([])
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
    expect(consentOf(page)).toMatchObject({ ad_storage: 'denied', source: name })
  })

  it('a later "yes" loads the tag without a reload; a later "no" withdraws it', async () => {
    const page = open(false)
    await settle()
    page.run(fake.change(true))
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: name })
    page.run(tagComesUp())
    page.run(fake.change(false))
    await settle()
    page.run(CALL)
    await settle()
    expect(page.tagCalls().map((c) => c[0])).toEqual(['load', 'setconsent'])
    expect(page.tagCalls()[1]).toEqual(['setconsent', false])
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
  })

  it('missing: nothing is reported, the default applies (denied: /e after the wait)', async () => {
    const page = openPage()
    page.run(CALL)
    await settle(250)
    expect(page.scripts()).toEqual([])
    expect(consentOf(page)).toBeUndefined()
    expect(page.posts('/e').map((e) => e.ed.event_id)).toEqual(['e1'])
  })
})

describe('adapter details', () => {
  it('tcf: cmpuishown is not a decision; without GDPR the tag may run', async () => {
    const page = openPage({
      before: `window.__tcfapi = function (cmd, v, cb) { window.__tccb = cb; cb({ eventStatus: 'cmpuishown', gdprApplies: true, tcString: 'X', purpose: { consents: {} } }, true) }`,
    })
    await settle()
    expect(consentOf(page)).toBeUndefined()
    page.run(`__tccb({ eventStatus: 'tcloaded', gdprApplies: false, tcString: '' }, true)`)
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(consentOf(page)).toEqual({ tcf: '', gdpr_applies: false, ad_storage: 'granted', source: 'tcf' })
  })

  it('tcf: purpose 1 without purpose 7 is not enough', async () => {
    const page = openPage({ before: FAKES.tcf.present(true).replace('7: true', '7: false') })
    await settle()
    expect(consentOf(page)).toMatchObject({ ad_storage: 'denied' })
  })

  it('gpp: raw string and sections when ready; a US sale opt-out runs the tag in LDP mode', async () => {
    const page = openPage({
      config: { d: 'granted' },
      before: `window.__gpp = function (cmd, cb) { if (cmd !== 'addEventListener') return; window.__gppcb = cb;
        cb({ eventName: 'listenerRegistered', pingData: { signalStatus: 'not ready', gppString: 'old', applicableSections: [-1] } }, true) }`,
    })
    await settle()
    expect(consentOf(page)).toBeUndefined()
    page.run(`__gppcb({ eventName: 'signalStatus', data: 'ready', pingData: { signalStatus: 'ready', gppString: 'DBABLA~BVQqAAAAAgA.QA', applicableSections: [7],
      parsedSections: { usnat: [{ Version: 1, SaleOptOutNotice: 1, SaleOptOut: 1, SharingOptOut: 2 }] } } }, true)`)
    await settle()
    expect(consentOf(page)).toEqual({ gpp: 'DBABLA~BVQqAAAAAgA.QA', gpp_sid: [7], sale_opt_out: true, source: 'gpp' })
    page.run(tagComesUp())
    page.run(`pintrk('page', { event_id: 'p1' })`)
    const calls = page.tagCalls()
    expect(calls.findIndex((c) => c[0] === 'set')).toBeLessThan(calls.findIndex((c) => c[0] === 'page'))
    expect(calls).toContainEqual(['set', { opt_out_type: 'LDP' }])
  })

  it('gpp: usnat "did not opt out" is no opt-out (posted once consent settles)', async () => {
    const page = openPage({
      before: `window.__gpp = function (cmd, cb) { cb({ pingData: { signalStatus: 'ready', gppString: 'DBABLA~x', applicableSections: [7], parsedSections: { usnat: [{ SaleOptOut: 2, SaleOptOutNotice: 1 }] } } }, true) }`,
    })
    await settle(250)
    expect(consentOf(page)).toMatchObject({ sale_opt_out: false })
  })

  it('usercentrics v2: the ucEvent window event with ucCategory', async () => {
    const page = openPage()
    page.run(`dispatchEvent(new CustomEvent('ucEvent', { detail: { event: 'consent_status', type: 'explicit', action: 'onAcceptAllServices', 'Pinterest': true, ucCategory: { essential: true, marketing: true } } }))`)
    await settle()
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'usercentrics' })
  })

  it('usercentrics: a mixed marketing category is no decision', async () => {
    const page = openPage({ before: FAKES.usercentrics.present(true).replace('ALL_ACCEPTED\' } } })', 'SOME_ACCEPTED\' } } })') })
    await settle()
    expect(consentOf(page)).toBeUndefined()
  })

  it('didomi: where consent is not required the tag may run', async () => {
    const page = openPage({ before: `window.Didomi = { isConsentRequired: function () { return false }, getCurrentUserStatus: function () { return { vendors: {} } } }` })
    page.run(FAKES.didomi.ready!)
    await settle()
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'didomi' })
  })

  it('gcm: a default alone decides whether the tag loads but is no visitor decision: events wait for a CMP', async () => {
    const page = openPage({ before: `${gcmDefault} gtag('consent', 'default', { ad_storage: 'denied' })` })
    page.run(CALL)
    await settle(40)
    expect(page.posts('/e')).toEqual([])
    page.run(FAKES.onetrust.change(true))
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(page.run('pintrk.queue').map((c: unknown[]) => c[0])).toEqual(['load', 'track'])
    const granted = openPage({ before: `${gcmDefault} gtag('consent', 'default', { ad_storage: 'granted' })` })
    await settle(250)
    expect(granted.scripts()).toEqual(['/tw/pin/core.js'])
    expect(consentOf(granted)).toEqual({ ad_storage: 'granted', source: 'gcm-default' })
  })

  it('gcm: a region-scoped default is skipped; updates win over defaults', async () => {
    const page = openPage({ before: `${gcmDefault} gtag('consent', 'default', { ad_storage: 'granted', region: ['US'] })` })
    await settle()
    expect(consentOf(page)).toBeUndefined()
    page.run(`gtag('consent', 'default', { ad_storage: 'denied', analytics_storage: 'denied' }); gtag('consent', 'update', { ad_storage: 'granted', functionality_storage: 'granted' })`)
    await settle()
    expect(consentOf(page)).toEqual({ ad_storage: 'granted', analytics_storage: 'denied', source: 'gcm' })
  })

  it('onetrust: the marketing group comes from config g', async () => {
    const page = openPage({ config: { g: 'C0007' }, before: FAKES.onetrust.present(false).replace("'", "'C0007,") })
    await settle()
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'onetrust' })
  })

  it('a CMP API that throws does not stop the loader', async () => {
    const page = openPage({ before: `window.Didomi = { isConsentRequired: function () { throw new Error('not ready') } }; ${FAKES.onetrust.present(true)}` })
    page.run(FAKES.didomi.ready!)
    await settle()
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', source: 'onetrust' })
  })
})

describe('precedence', () => {
  it('GPC: sale opt-out in every snapshot, LDP before events; the hook cannot clear it', async () => {
    const page = openPage({
      before: (w) => {
        Object.defineProperty(w.navigator, 'globalPrivacyControl', { value: true, configurable: true })
        w.eval(`window.tagwarden = { q: [['consent', ${JSON.stringify({ ...GRANTED, sale_opt_out: false, gpc: false })}]] }`)
      },
    })
    await settle()
    expect(consentOf(page)).toMatchObject({ ad_storage: 'granted', sale_opt_out: true, source: 'hook' })
    page.run(tagComesUp())
    page.run(`pintrk('track', 'checkout', { order_id: 5 })`)
    const calls = page.tagCalls().map((c) => c[0])
    expect(calls.indexOf('set')).toBeGreaterThan(-1)
    expect(calls.indexOf('set')).toBeLessThan(calls.indexOf('track'))
    page.run(`pintrk('track', 'lead')`)
    expect(page.posts('/e')).toEqual([])
  })

  it('GPC with default granted and no CMP: the tag runs, in LDP mode, and /e gets pd.opt_out_type', async () => {
    const page = openPage({ config: { d: 'granted' }, before: (w) => Object.defineProperty(w.navigator, 'globalPrivacyControl', { value: true }) })
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(page.run('pintrk.queue')).toContainEqual(['set', { opt_out_type: 'LDP' }])
    expect(consentOf(page)).toEqual({ gpc: true, sale_opt_out: true, source: 'gpc' })
  })

  it('the hook beats a CMP; a CMP beats the default; unknown hook keys go as given (the server drops them)', async () => {
    const hook = { ...DENIED, functionality_storage: 'granted' }
    const page = openPage({ config: { d: 'granted' }, before: `${FAKES.onetrust.present(true)}; window.tagwarden = { q: [['consent', ${JSON.stringify(hook)}]] }` })
    await settle()
    expect(page.scripts()).toEqual([])
    expect(consentOf(page)).toEqual({ ...hook, source: 'hook' })
    const cmpOnly = openPage({ config: { d: 'granted' }, before: FAKES.cookiebot.present(false) })
    await settle()
    expect(cmpOnly.scripts()).toEqual([])
    // A CMP's marketing decision is all three ad flags: the server strips CAPI identifiers without ad_user_data.
    expect(consentOf(cmpOnly)).toEqual({ ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', source: 'cookiebot' })
  })

  it('a hook call after load decides at once (the public API, not only the queue)', async () => {
    const page = openPage()
    page.run(`tagwarden.consent({ ad_storage: 'granted' })`)
    await settle()
    expect(page.scripts()).toEqual(['/tw/pin/core.js'])
    expect(consentOf(page)).toEqual({ ad_storage: 'granted', source: 'hook' })
  })
})
