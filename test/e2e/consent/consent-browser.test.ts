// The shopper's "no" in a real browser: headless Chromium, the IAB's own CMP libraries
// (`@iabtechlabtcf/stub` + `@iabtechlabtcf/cmpapi`, `@iabgpp/cmpapi`), Google's gtag consent
// snippet, the real loader and server, fake Pinterest upstreams. Each scenario asserts what the tag
// received and in which order relative to the CMP (the page's timeline), what `/tw/ctx` got and
// answered, and the decision the server recorded for each event. CMPs arrive at the times the
// scenarios name (0.5 s, 2 s, 2.2 s, 4 s): that is scripted page behaviour, not a wait of the test,
// which waits for conditions only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GPP, makeTcString } from '../../fixtures/consent/strings'
import { skipWithoutChromium } from '../chromium'
import { at, calls, eventually, fallbackIds, GTAG, GTM, kinds, leftBy, SNIPPET, startWorld, tagEventIds, tagLate, viaTag, visit, type Entry, type World } from './shop'

const skip = skipWithoutChromium()

const TAG_ID = '2612345678901'
const TC_YES = makeTcString({ purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] })
const TC_NO = makeTcString({ purposes: [] })
const EPIK = 'dj0yJnU9Y29uc2VudEVwaWtWYWx1ZTAxMjM0NTY3ODk'
const EMAIL = 'Shopper@Example.com'
const EEA = `['AT','BE','BG','HR','CY','CZ','DK','EE','FI','FR','DE','GR','HU','IE','IT','LV','LT','LU','MT','NL','PL','PT','RO','SK','SI','ES','SE','IS','LI','NO','GB','CH']`
const ALL = (v: 'granted' | 'denied') => `{ ad_storage: '${v}', ad_user_data: '${v}', ad_personalization: '${v}', analytics_storage: '${v}' }`

/** A TCF CMP (the IAB CmpApi) arriving at `ms` with a stored decision (`tcloaded`); no stub before it unless the page has one. */
const tcfAt = (ms: number, tc: string | null, label: string) =>
  `setTimeout(function () { mark('cmp', '${label}'); new IAB.TcfCmpApi(10, 1, false).update(${tc === null ? 'null' : `'${tc}'`}, false) }, ${ms});`
/** A GPP CMP (the IAB CmpApi) arriving at `ms`: string set, sections applicable, signal ready. */
const gppAt = (ms: number, gpp: string, sid: number[]) =>
  `setTimeout(function () { mark('cmp', 'gpp'); var g = new IAB.GppCmpApi(10, 1); g.setGppString('${gpp}'); g.setApplicableSections(${JSON.stringify(sid)}); g.setCmpStatus('loaded'); g.setSignalStatus('ready') }, ${ms});`
const track = (ms: number, name: string, id: string) =>
  `setTimeout(function () { mark('event', '${id}'); pintrk('track', '${name}', { event_id: '${id}', value: 24, currency: 'USD' }) }, ${ms});`
const script = (js: string) => `<script>${js}</script>`
/** Page behaviour scripted from the loader's start (shop.ts `afterLoader`). */
const later = (js: string) => script(`afterLoader(function () { ${js} })`)
const IAB_LIB = '<script src="/iab/cmp.js"></script>'
const IAB_STUB = '<script src="/iab/stub.js"></script>'

let world: World

/** The journal's decision for an event, once the server has one for both destinations. */
async function decided(shop: 'granted' | 'denied', id: string) {
  let entry: ReturnType<World['shops']['granted']['journal']>
  await eventually(world, () => {
    entry = world.shops[shop].journal(id)
    expect(entry?.destinations['pinterest-capi']?.state, `journal entry for ${id}`).toMatch(/sent|suppressed|dry-run|queued/)
  })
  return entry!
}
const capiCopies = (id: string) => world.capi.received.filter((r) => r.event.event_id === id).map((r) => r.event)
/** The consent entries of every `/tw/ctx` post, in order, each with the index of its post in the timeline. */
const posted = (log: Entry[]) => log.flatMap((e, i) => (e[1] === 'ctx' && e[2].consent ? e[2].consent.map((c: Record<string, unknown>) => ({ ...c, at: i })) : []))
/** What `/tw/ctx` answered for the tag, in order. */
const answered = (log: Entry[]): string[] => log.filter((e) => e[1] === 'answer').map((e) => e[2].decisions['pinterest-tag'].action)

describe.skipIf(skip)('consent in Chromium: real CMPs, late CMPs, GTM pages, racing updates', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  describe.concurrent('a CMP that arrives late is read (issue item 1, 6)', () => {
    it('GTM page, default denied, TCF "yes" at 2 s: the tag loads after the yes and gets the held events', async () => {
      const v = await visit(world, world.shops.denied, {
        query: `?epik=${EPIK}`,
        head: IAB_LIB + script(GTM) + SNIPPET + script(`pintrk('set', { em: '${EMAIL}' }); pintrk('page', { event_id: 'a-pv' })`) + later(`${track(300, 'addtocart', 'a-atc')} ${tcfAt(2000, TC_YES, 'tcf yes')} ${track(2600, 'checkout', 'a-co')}`),
      })
      const log = await v.until('the tag up and the checkout gone', (l) => !!leftBy(l, 'a-co') && calls(l).length > 0)
      expect(at(log, 'script', (s) => s === '/tw/pin/core.js')).toBeGreaterThan(at(log, 'cmp'))
      expect(calls(log)[0]).toEqual(['load', TAG_ID])
      for (const id of ['a-pv', 'a-atc', 'a-co']) expect(viaTag(log, id), timeline(log)).toBe('tag')
      // /tw/ctx: the click id and email first (nothing to decide yet: suppress), then the TC string after the CMP, answered allow.
      expect(posted(log)).toEqual([{ source: 'tcf', tcf: TC_YES, gdpr_applies: true, ad_storage: 'granted', at: expect.any(Number) }])
      expect(posted(log)[0].at).toBeGreaterThan(at(log, 'cmp'))
      expect(answered(log)).toEqual(['suppress', 'allow'])
      for (const id of ['a-atc', 'a-co']) {
        await eventually(world, () => expect(capiCopies(id)).toHaveLength(1))
        expect(capiCopies(id)[0].user_data).toMatchObject({ click_id: EPIK })
        expect(capiCopies(id)[0].user_data.em).toHaveLength(1)
      }
      await v.close()
    })

    it('GTM page, default granted, TCF "no" at 2 s: setconsent(false) at once, later events suppressed, no identifiers leave', async () => {
      const v = await visit(world, world.shops.granted, {
        query: `?epik=${EPIK}`,
        head: IAB_LIB + script(GTM) + SNIPPET + script(`pintrk('set', { em: '${EMAIL}' }); pintrk('page', { event_id: 'b-pv' })`) + later(`${tcfAt(2000, TC_NO, 'tcf no')} ${track(2600, 'checkout', 'b-co')}`),
      })
      const log = await v.until('the checkout to reach /tw/e', (l) => fallbackIds(l).includes('b-co'))
      const no = at(log, 'cmp')
      const core = at(log, 'script', (s) => s === '/tw/pin/core.js')
      if (core >= 0 && core < no) {
        // The tag was allowed before the "no" (the default): it gets setconsent(false) after the no
        // (a tag that came up late reads it from its queue when it does).
        if (!tagLate(log)) expect(at(log, 'tag', (c) => c[0] === 'setconsent' && c[1] === false), timeline(log)).toBeGreaterThan(no)
      } else {
        // On a busy machine the CMP chunk or the first answer can come after the "no": then the tag never loads at all.
        expect(core, timeline(log)).toBe(-1)
        expect(calls(log)).toEqual([])
      }
      expect(tagEventIds(log)).not.toContain('b-co')
      // The TC string reached the server right after the CMP spoke, before the checkout.
      expect(at(log, 'ctx', (b) => JSON.stringify(b).includes(TC_NO))).toBeGreaterThan(no)
      expect(posted(log).map((e) => e.source)).toEqual(['tcf'])
      expect(answered(log)).toEqual(['allow', 'suppress'])
      const entry = await decided('granted', 'b-co')
      expect(entry.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', consent: 'tcf', state: 'suppressed' })
      expect(capiCopies('b-co')).toEqual([])
      await v.close()
    })

    it('GTM page, default granted, GPP opt-out at 2 s: the tag gets the LDP `set` once, the server copy is LDP', async () => {
      const v = await visit(world, world.shops.granted, {
        head: IAB_LIB + script(GTM) + SNIPPET + script(`pintrk('page', { event_id: 'c-pv' })`) + later(`${gppAt(2000, GPP.usnatOptOut, [7])} ${track(2600, 'checkout', 'c-co')}`),
      })
      const log = await v.until('the checkout to reach the tag', (l) => tagEventIds(l).includes('c-co') || (!!leftBy(l, 'c-co') && calls(l).length > 1))
      const ldp = calls(log).filter((c) => c[0] === 'set' && (c[1] as { opt_out_type?: string }).opt_out_type === 'LDP')
      expect(ldp).toHaveLength(1)
      expect(at(log, 'tag', (c) => c[0] === 'set' && c[1].opt_out_type === 'LDP')).toBeGreaterThan(at(log, 'cmp'))
      // Through the tag, the checkout comes after the LDP `set`; a tag that did not come up within the
      // loader's wait (a busy machine) rightly left it to /tw/e, where the server applies LDP itself.
      if (leftBy(log, 'c-co') === 'tag')
        expect(at(log, 'tag', (c) => c[0] === 'set' && c[1].opt_out_type === 'LDP')).toBeLessThan(at(log, 'tag', (c) => c[0] === 'track'))
      else expect(tagLate(log), timeline(log)).toBe(true)
      expect(posted(log)).toEqual([{ source: 'gpp', gpp: GPP.usnatOptOut, gpp_sid: [7], sale_opt_out: true, at: expect.any(Number) }])
      expect(answered(log)).toEqual(['allow', 'restricted'])
      const entry = await decided('granted', 'c-co')
      expect(entry.destinations['pinterest-capi']).toMatchObject({ action: 'restricted' })
      await eventually(world, () => expect(capiCopies('c-co')).toHaveLength(1))
      expect(capiCopies('c-co')[0].custom_data.opt_out_type).toBe('LDP')
      await v.close()
    })

    it.each([
      [500, 'd05'],
      [2000, 'd2'],
      [4000, 'd4'],
    ])('no other CMP global, default denied, a TCF "yes" appearing at %i ms is read and loads the tag', async (ms, p) => {
      const v = await visit(world, world.shops.denied, {
        // After the wait (4 s), the CMP comes once the add-to-cart has left under the default: on a
        // busy machine the server's first answer may itself take longer than the 2.5 s wait.
        head:
          IAB_LIB +
          SNIPPET +
          later(
            `${track(100, 'addtocart', `${p}-atc`)} ${ms < 2500 ? tcfAt(ms, TC_YES, 'tcf yes') : `afterLogged('e', '${p}-atc', function () { ${tcfAt(ms - 2500, TC_YES, 'tcf yes')} });`}`,
          ) +
          script(`afterLogged('cmp', 'tcf yes', function () { ${track(500, 'checkout', `${p}-co`)} })`),
      })
      const log = await v.until('the tag up and the checkout gone', (l) => !!leftBy(l, `${p}-co`) && calls(l).length > 0)
      expect(at(log, 'script', (s) => s === '/tw/pin/core.js')).toBeGreaterThan(at(log, 'cmp'))
      expect(calls(log)[0]).toEqual(['load', TAG_ID])
      expect(viaTag(log, `${p}-co`), timeline(log)).toBe('tag')
      if (ms < 2500) {
        // Held until the CMP spoke, then sent through the tag.
        expect(viaTag(log, `${p}-atc`), timeline(log)).toBe('tag')
      } else {
        // The 2.5 s wait ended first: the add-to-cart went to /tw/e under the default, before the CMP.
        expect(at(log, 'e', (b) => JSON.stringify(b).includes(`${p}-atc`))).toBeLessThan(at(log, 'cmp'))
        expect((await decided('denied', `${p}-atc`)).destinations['pinterest-capi'].action).toBe('suppress')
      }
      expect(posted(log).map((e) => [e.source, e.tcf])).toEqual([['tcf', TC_YES]])
      expect(answered(log)).toEqual(['suppress', 'allow'])
      expect((await decided('denied', `${p}-co`)).destinations['pinterest-capi']).toMatchObject({ action: 'allow', consent: 'tcf' })
      await v.close()
    })
  })

  describe.concurrent('a default never overtakes the CMP (issue items 2, 3)', () => {
    it('official __tcfapi stub from the start, default granted, the CMP answers "no" at 2.2 s: no tag at all, the held event goes out suppressed', async () => {
      const v = await visit(world, world.shops.granted, {
        query: `?epik=${EPIK}`,
        head: IAB_STUB + IAB_LIB + SNIPPET + script(`pintrk('set', { em: '${EMAIL}' })`) + later(`${track(300, 'addtocart', 'e-atc')} ${tcfAt(2200, TC_NO, 'tcf no')}`),
      })
      const log = await v.until('the add-to-cart to reach /tw/e', (l) => fallbackIds(l).includes('e-atc'))
      expect(at(log, 'e')).toBeGreaterThan(at(log, 'cmp'))
      // Nothing about consent was posted while the stub was pending; then the CMP's "no".
      expect(posted(log)).toEqual([{ source: 'tcf', tcf: TC_NO, gdpr_applies: true, ad_storage: 'denied', at: expect.any(Number) }])
      expect(posted(log)[0].at).toBeGreaterThan(at(log, 'cmp'))
      expect(answered(log)).toEqual(['allow', 'suppress'])
      const entry = await decided('granted', 'e-atc')
      expect(entry.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', consent: 'tcf' })
      expect(calls(await v.log())).toEqual([])
      expect(capiCopies('e-atc')).toEqual([])
      await v.close()
    })

    it("Google's region pattern (EEA denied, elsewhere granted), German shopper, TCF banner open then \"deny all\": no tag while the banner shows, consent all denied", async () => {
      const v = await visit(world, world.shops.granted, {
        country: 'DE',
        query: `?epik=${EPIK}`,
        head:
          IAB_STUB +
          IAB_LIB +
          script(`${GTAG} gtag('consent', 'default', Object.assign(${ALL('denied')}, { region: ${EEA}, wait_for_update: 500 })); gtag('consent', 'default', ${ALL('granted')});`) +
          SNIPPET +
          script(`var api = new IAB.TcfCmpApi(10, 1, false); api.update('', true); mark('banner')`) +
          later(`${track(300, 'addtocart', 'f-atc')}
            setTimeout(function () { mark('cmp', 'deny all'); api.update('${TC_NO}', false); gtag('consent', 'update', ${ALL('denied')}) }, 1500);`),
      })
      const log = await v.until('the add-to-cart to reach /tw/e', (l) => fallbackIds(l).includes('f-atc'))
      expect(at(log, 'e')).toBeGreaterThan(at(log, 'cmp'))
      expect(calls(log)).toEqual([])
      // Nothing posted while the banner showed; after "deny all" (the TCF answer, then the CMP's gtag
      // update): both defaults with the region list (the server knows the country), the TC string, the update.
      expect(Math.min(...posted(log).map((e) => e.at))).toBeGreaterThan(at(log, 'cmp'))
      const last = Math.max(...posted(log).map((e) => e.at))
      expect(posted(log).filter((e) => e.at === last).map(({ at: _at, ...e }) => e)).toEqual([
        { source: 'tcf', tcf: TC_NO, gdpr_applies: true, ad_storage: 'denied' },
        { source: 'gcm-default', ...JSON.parse(JSON.stringify({ ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' })), region: expect.arrayContaining(['DE', 'FR']) },
        { source: 'gcm-default', ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' },
        { source: 'gcm', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' },
      ])
      // The first answer already says suppress: the server's own region default for a German shopper (EEA: denied).
      expect(answered(log).length).toBeGreaterThanOrEqual(2)
      expect(answered(log)).toEqual(answered(log).map(() => 'suppress'))
      const entry = await decided('granted', 'f-atc')
      expect(entry.destinations['pinterest-capi']).toMatchObject({ action: 'suppress' })
      // What the server keeps for this shopper: every field denied, none left granted by the default.
      const consent = await storedConsent(v.context)
      expect(consent).toMatchObject({ ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' })
      await v.close()
    })

    it('the same page for a US shopper (region-scoped default does not apply): the tag loads once the CMP says GDPR does not apply', async () => {
      const v = await visit(world, world.shops.granted, {
        country: 'US',
        head:
          IAB_STUB +
          IAB_LIB +
          script(`${GTAG} gtag('consent', 'default', Object.assign(${ALL('denied')}, { region: ${EEA}, wait_for_update: 500 })); gtag('consent', 'default', ${ALL('granted')});`) +
          SNIPPET +
          later(`${track(100, 'addtocart', 'g-atc')} ${tcfAt(400, null, 'gdpr does not apply')}`),
      })
      const log = await v.until('the add-to-cart to leave', (l) => !!leftBy(l, 'g-atc'))
      expect(at(log, 'script', (s) => s === '/tw/pin/core.js')).toBeGreaterThan(at(log, 'cmp'))
      expect(viaTag(log, 'g-atc'), timeline(log)).toBe('tag')
      expect(posted(log).map((e) => e.source)).toEqual(['tcf', 'gcm-default', 'gcm-default'])
      expect(answered(log)).toEqual(['allow', 'allow'])
      expect(await storedConsent(v.context)).toMatchObject({ ad_storage: 'granted', ad_user_data: 'granted', gdpr_applies: false })
      expect((await decided('granted', 'g-atc')).destinations['pinterest-capi'].action).toBe('allow')
      await v.close()
    })
  })

  describe.concurrent('revokes, defaults and the click id (issue items 2, 4, 5)', () => {
    it('revoke mid-visit: TCF yes, then the shopper withdraws; setconsent(false) before the next event, which is suppressed', async () => {
      const v = await visit(world, world.shops.denied, {
        query: `?epik=${EPIK}`,
        head:
          IAB_STUB +
          IAB_LIB +
          SNIPPET +
          later(`setTimeout(function () { window.api = new IAB.TcfCmpApi(10, 1, false); api.update('${TC_YES}', false); mark('cmp', 'yes') }, 200);
            ${track(600, 'addtocart', 'h-atc')}`) +
          script(`afterLogged('tag|e', 'h-atc', function () { setTimeout(function () { mark('cmp', 'revoke'); api.update('${TC_NO}', false) }, 200) });
            afterLogged('cmp', 'revoke', function () { ${track(400, 'checkout', 'h-co')} })`),
      })
      const log = await v.until('the checkout to reach /tw/e', (l) => fallbackIds(l).includes('h-co'))
      const revoke = at(log, 'cmp', (x) => x === 'revoke')
      expect(viaTag(log, 'h-atc'), timeline(log)).toBe('tag')
      expect(tagEventIds(log)).not.toContain('h-co')
      // A tag that came up late reads the setconsent(false) from its queue when it does.
      if (!tagLate(log)) expect(at(log, 'tag', (c) => c[0] === 'setconsent' && c[1] === false)).toBeGreaterThan(revoke)
      expect(at(log, 'ctx', (b) => JSON.stringify(b).includes(TC_NO))).toBeGreaterThan(revoke)
      expect(at(log, 'ctx', (b) => JSON.stringify(b).includes(TC_NO))).toBeLessThan(at(log, 'e', (b) => JSON.stringify(b).includes('h-co')))
      expect(posted(log).map((e) => e.tcf)).toEqual([TC_YES, TC_NO])
      expect(answered(log)).toEqual(['suppress', 'allow', 'suppress'])
      expect((await decided('denied', 'h-atc')).destinations['pinterest-capi'].action).toBe('allow')
      expect((await decided('denied', 'h-co')).destinations['pinterest-capi']).toMatchObject({ action: 'suppress', consent: 'tcf' })
      expect((await v.context.cookies()).find((c) => c.name === '_epik')).toBeUndefined()
      await v.close()
    })

    it('GCM default denied: the click id kept under the default is used when the shopper grants on a later page', async () => {
      const gcmDenied = script(`${GTAG} gtag('consent', 'default', ${ALL('denied')});`)
      const landing = await visit(world, world.shops.denied, {
        query: `?epik=${EPIK}`,
        head: gcmDenied + SNIPPET + script(`pintrk('page', { event_id: 'i-pv' })`),
      })
      // The landing page view leaves under the default denial (suppressed) once the wait is over.
      const first = await landing.until('the page view to reach /tw/e', (l) => fallbackIds(l).includes('i-pv'))
      expect((await decided('denied', 'i-pv')).destinations['pinterest-capi'].action).toBe('suppress')
      // /tw/ctx got the click id, then (once the wait was over) the default alone; the server keeps the click id under it.
      expect(kinds(first, 'ctx')[0]).toMatchObject({ epik: EPIK, epik_src: 'url' })
      expect(posted(first).map((e) => e.source)).toEqual(['gcm-default'])
      expect(await storedClaims(landing.context)).toMatchObject({ epik: EPIK, consent: { ad_storage: 'denied', source: 'gcm-default' } })
      // Next page, no epik in its URL: the shopper grants (the CMP's gtag update), then checks out.
      const next = await landing.next({
        path: 'checkout',
        head: gcmDenied + SNIPPET + later(`setTimeout(function () { mark('cmp', 'grant'); gtag('consent', 'update', ${ALL('granted')}) }, 500); ${track(1000, 'checkout', 'i-co')}`),
      })
      const log = await next.until('the checkout to leave', (l) => !!leftBy(l, 'i-co'))
      expect(at(log, 'script', (s) => s === '/tw/pin/core.js')).toBeGreaterThan(at(log, 'cmp'))
      expect(viaTag(log, 'i-co'), timeline(log)).toBe('tag')
      expect(posted(log).map((e) => e.source)).toEqual(['gcm-default', 'gcm'])
      expect(answered(log).at(-1)).toBe('allow')
      await eventually(world, () => expect(capiCopies('i-co')).toHaveLength(1))
      expect(capiCopies('i-co')[0].user_data).toMatchObject({ click_id: EPIK })
      await landing.close()
    })

    it.each([
      ['granted', 'allow'],
      ['denied', 'suppress'],
    ] as const)('no CMP at all, TAGWARDEN_DEFAULT_CONSENT=%s: the server decides (%s)', async (d, action) => {
      const p = `j-${d}`
      const v = await visit(world, world.shops[d], { head: SNIPPET + script(`pintrk('page', { event_id: '${p}-pv' })`) })
      const log = await v.until('the page view to leave the browser', (l) => tagEventIds(l).includes(`${p}-pv`) || fallbackIds(l).includes(`${p}-pv`))
      expect((await decided(d, `${p}-pv`)).destinations['pinterest-capi'].action).toBe(action)
      expect(tagEventIds(log).includes(`${p}-pv`)).toBe(d === 'granted')
      // The loader has no default of its own: it asked (an empty post) and followed the answer.
      expect(kinds(log, 'ctx')).toEqual([{}])
      expect(answered(log)).toEqual([action])
      await v.close()
    })

    it('an EEA shopper with no CMP on a shop whose default is granted: loader and server agree on the region default (no tag, nothing mirrored)', async () => {
      // Before one consent gate, the loader went by its own default (granted) while the server applied
      // the EEA default (denied): the browser loaded the tag and the server dropped its beacons.
      const v = await visit(world, world.shops.granted, { country: 'DE', head: SNIPPET + script(`pintrk('page', { event_id: 'j-eea-pv' })`) })
      const log = await v.until('the page view to leave the browser', (l) => tagEventIds(l).includes('j-eea-pv') || fallbackIds(l).includes('j-eea-pv'))
      expect(answered(log)).toEqual(['suppress'])
      expect(tagEventIds(log)).not.toContain('j-eea-pv')
      expect(at(log, 'script', (s) => s === '/tw/pin/core.js')).toBe(-1)
      const entry = await decided('granted', 'j-eea-pv')
      expect(entry.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', rule: 'no-ad-consent' })
      await v.close()
    })
  })

  describe.concurrent('context updates and tag call order (issue items 4, 7)', () => {
    it('email, cart, hook consent and click id at once: one /tw/ctx post at a time, and the cookie keeps every field', async () => {
      const v = await visit(world, world.shops.denied, {
        query: `?epik=${EPIK}`,
        head:
          SNIPPET +
          later(`pintrk('set', { em: '${EMAIL}' });
            setTimeout(function () { tagwarden.consent(${ALL('granted')}) }, 1);
            setTimeout(function () { tagwarden.cart({ token: 'cart-race' }) }, 2);
            setTimeout(function () { tagwarden.cart({ checkout_token: 'co-race' }) }, 3);
            ${track(800, 'addtocart', 'k-atc')}`),
      })
      const log = await v.until('the add-to-cart to leave', (l) => !!leftBy(l, 'k-atc'))
      expect(viaTag(log, 'k-atc'), timeline(log)).toBe('tag')
      // Never two posts in flight: every post after the first waits for the previous answer.
      const ctx = log.filter((e) => e[1] === 'ctx' || e[1] === 'ctx<').map((e) => e[1])
      expect(ctx.length).toBeGreaterThanOrEqual(4)
      expect(ctx.join(' ')).toMatch(/^(ctx ctx< )*(ctx ctx<)$/)
      const claims = await storedClaims(v.context)
      expect(claims).toMatchObject({ epik: EPIK, cart: { token: 'cart-race', checkout_token: 'co-race' } })
      expect(claims.em).toMatch(/^[0-9a-f]{64}$/)
      await eventually(world, () => expect(capiCopies('k-atc')).toHaveLength(1))
      expect(capiCopies('k-atc')[0].user_data).toMatchObject({ click_id: EPIK, em: [claims.em] })
      expect((await decided('denied', 'k-atc')).destinations['pinterest-capi']).toMatchObject({ action: 'allow', consent: 'hook' })
      await v.close()
    })

    it('stress: 20 concurrent /tw/ctx posts with the same cookie (other tabs, an older loader) lose no field', async () => {
      const v = await visit(world, world.shops.granted, { head: '' })
      const statuses = await v.page.evaluate(async () => {
        const post = (b: object) => fetch('/tw/ctx', { method: 'POST', body: JSON.stringify(b) }).then((r) => r.status)
        await post({ pin_unauth: 'pu-start' })
        const bodies: object[] = []
        for (let i = 0; i < 4; i++) {
          bodies.push({ epik: `ZXBpay${i}`, epik_src: 'url' }, { em: `shopper${i}@example.com` }, { cart: { token: `c${i}`, checkout_token: `k${i}` } }, { pin_unauth: `pu-${i}` })
          bodies.push({ consent: [{ source: 'hook', ad_storage: 'granted', ad_user_data: 'granted' }] })
        }
        return Promise.all(bodies.map(post))
      })
      expect(statuses).toEqual(Array(20).fill(200))
      const claims = await storedClaims(v.context)
      expect(claims.epik).toMatch(/^ZXBpay[0-3]$/)
      expect(claims.em).toMatch(/^[0-9a-f]{64}$/)
      expect(claims.cart).toMatchObject({ token: expect.stringMatching(/^c[0-3]$/), checkout_token: expect.stringMatching(/^k[0-3]$/) })
      expect(claims.pin_unauth).toMatch(/^pu-[0-3]$/)
      expect(claims.consent).toMatchObject({ ad_storage: 'granted', ad_user_data: 'granted', source: 'hook' })
      // An event after the race is decided on the merged cookie: the hook's consent, its click id and email.
      const sent = await v.page.evaluate(() =>
        fetch('/tw/e', { method: 'POST', body: JSON.stringify({ event: 'checkout', ed: { event_id: 's-co', value: 24, currency: 'USD' }, pd: {}, ad: { loc: location.href, ref: '' } }) }).then((r) => r.status),
      )
      expect(sent).toBeLessThan(300)
      expect((await decided('granted', 's-co')).destinations['pinterest-capi']).toMatchObject({ action: 'allow', consent: 'hook' })
      await eventually(world, () => expect(capiCopies('s-co')).toHaveLength(1))
      expect(capiCopies('s-co')[0].user_data).toMatchObject({ click_id: claims.epik, em: [claims.em] })
      await v.close()
    })

    it('call order: `load` first, then the email `set`, then the LDP `set` once, then events', async () => {
      const v = await visit(world, world.shops.granted, {
        head: SNIPPET + script(`pintrk('set', { em: '${EMAIL}' }); tagwarden.q.push(['consent', Object.assign(${ALL('granted')}, { sale_opt_out: true })]); pintrk('page', { event_id: 'l-pv' })`) + later(track(600, 'addtocart', 'l-atc')),
      })
      const log = await v.until('the tag up and the add-to-cart gone', (l) => !!leftBy(l, 'l-atc') && calls(l).length >= 3)
      expect(viaTag(log, 'l-atc'), timeline(log)).toBe('tag')
      expect(posted(log).map(({ at: _at, ...e }) => e)).toEqual([{ ...JSON.parse(JSON.stringify({ ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' })), sale_opt_out: true, source: 'hook' }])
      expect(answered(log)).toEqual(['restricted'])
      const head = calls(log).map((c) => (c[0] === 'set' ? `set:${Object.keys(c[1] as object).join(',')}` : String(c[0])))
      // A tag that came up late got no events (they went to /tw/e), but the same configuration calls.
      expect(head).toEqual(['load', 'set:em', 'set:opt_out_type', ...(tagLate(log) ? [] : ['page', 'track'])])
      expect((await decided('granted', 'l-atc')).destinations['pinterest-capi']).toMatchObject({ action: 'restricted', consent: 'hook' })
      await eventually(world, () => expect(capiCopies('l-atc')).toHaveLength(1))
      expect(capiCopies('l-atc')[0].custom_data.opt_out_type).toBe('LDP')
      await v.close()
    })
  })
})

/** The page's timeline, one entry a line: the message of a failed expectation. */
const timeline = (log: Entry[]) => log.map((e) => JSON.stringify(e)).join('\n')

/** The claims of the shopper's `tw_ctx` cookie (HttpOnly: read from the browser context, payload decoded). */
async function storedClaims(context: import('playwright-core').BrowserContext): Promise<Record<string, any>> {
  const cookie = (await context.cookies()).find((c) => c.name === 'tw_ctx')
  expect(cookie, 'tw_ctx cookie').toBeTruthy()
  return JSON.parse(Buffer.from(cookie!.value.split('.')[1], 'base64url').toString())
}
async function storedConsent(context: import('playwright-core').BrowserContext): Promise<Record<string, any>> {
  return (await storedClaims(context)).consent
}

