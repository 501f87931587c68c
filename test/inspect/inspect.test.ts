import { describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { fakeCapiSuite } from '../helpers/fake-capi-suite'
import { ADMIN_TOKEN, buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { GRANTED, adminGet, canonical } from './helpers'

let tw: TagwardenApp
const fake = fakeCapiSuite(() => tw)

const RAW = { email: 'Jane.Doe@example.com', ip: '203.0.113.7', ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', epik: 'epik-secret-click', external: 'customer-123' }
const apiEvent = (over: Record<string, unknown> = {}) => ({
  event_name: 'checkout',
  event_id: 'api-only',
  user_data: { em: RAW.email, client_ip_address: RAW.ip, client_user_agent: RAW.ua, external_id: RAW.external },
  custom_data: { currency: 'USD', value: '10.00' },
  consent: GRANTED,
  ...over,
})

/** Three events: a tag beacon + its API copy (a pair), an API-only one, a tag event consent denied. */
async function seed(app: TagwardenApp): Promise<void> {
  await app.runtime.ingest([canonical({ event_id: 'Pair-1', name: 'add_to_cart' })])
  expect((await postEvents(app, { data: [apiEvent({ event_name: 'add_to_cart', event_id: 'Pair-1' })] })).status).toBe(202)
  expect((await postEvents(app, { data: [apiEvent()] })).status).toBe(202)
  await app.runtime.ingest([canonical({ event_id: 'denied-1', consent: { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' } })])
  await app.runtime.dispatcher.flush()
}

describe('GET /tw/_/inspect', () => {
  it('needs the admin token, and serves a locked-down page', async () => {
    tw = await buildApp()
    expect((await tw.fetch(new Request('http://shop.test/tw/_/inspect'))).status).toBe(401)
    expect((await tw.fetch(new Request('http://shop.test/tw/_/inspect?token=wrong-token-0123456789'))).status).toBe(401)
    expect((await tw.fetch(new Request('http://shop.test/tw/_/inspect/data'))).status).toBe(401)
    const res = await tw.fetch(new Request(`http://shop.test/tw/_/inspect?token=${ADMIN_TOKEN}`))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self';/)
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/)
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await res.text()
    expect(html).toContain('src="/tw/_/inspect/app.js"')
    expect(html).not.toMatch(/<script>|on(submit|click|load)=/i)
  })

  it('serves its script and stylesheet (no data in them) with ETags', async () => {
    tw = await buildApp()
    const js = await tw.fetch(new Request('http://shop.test/tw/_/inspect/app.js'))
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/)
    const source = await js.text()
    expect(() => new Function(source)).not.toThrow()
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/)
    const again = await tw.fetch(new Request('http://shop.test/tw/_/inspect/app.js', { headers: { 'if-none-match': js.headers.get('etag')! } }))
    expect(again.status).toBe(304)
    expect((await tw.fetch(new Request('http://shop.test/tw/_/inspect/app.css'))).headers.get('content-type')).toMatch(/^text\/css/)
  })
})

describe('GET /tw/_/inspect/data', () => {
  it('shows each event with its paths, consent decision per destination, identifier names, delivery state and dedup pair', async () => {
    tw = await buildApp(liveCapi(fake().url))
    await seed(tw)
    expect(fake().received.map((r) => r.event.event_id).sort()).toEqual(['Pair-1', 'api-only'])
    const res = await adminGet(tw, '/tw/_/inspect/data')
    expect(res.status).toBe(200)
    const text = await res.text()
    const data = JSON.parse(text)
    expect(data.events.map((e: { event_id: string }) => e.event_id)).toEqual(['denied-1', 'api-only', 'Pair-1'])
    const [denied, apiOnly, pair] = data.events
    expect(pair).toMatchObject({ name: 'add_to_cart', source: 'tag', sources: ['tag', 'api'], pair: { tag: true, capi: true } })
    expect(pair.destinations['pinterest-capi']).toMatchObject({ action: 'allow', state: 'sent' })
    expect(apiOnly).toMatchObject({ source: 'api', sources: ['api'], pair: { tag: false, capi: true } })
    expect(apiOnly.identifiers).toEqual(expect.arrayContaining(['em', 'external_id', 'client_ip_address', 'client_user_agent']))
    expect(denied.destinations['pinterest-capi']).toMatchObject({ action: 'suppress', state: 'suppressed' })
    expect(denied.destinations['pinterest-capi'].rule).toEqual(expect.any(String))
    expect(denied.pair).toEqual({ tag: true, capi: false })
    // Names only: no payload, no value of any identifier.
    expect(text).not.toContain('"payload"')
    for (const v of Object.values(RAW)) expect(text).not.toContain(v)
    expect(text).not.toMatch(/[0-9a-f]{64}/)

    expect(data.names).toEqual(['add_to_cart', 'checkout', 'page_visit'])
    expect(data.destinations).toContain('pinterest-capi')
    expect(data.dryRun).toBe(false)
    const s = data.summary
    // Pair-1's CAPI copy came from the tag (no em, with epik); the API copy of it was a duplicate.
    expect(s.matchKeys).toEqual({ total: 2, em: 0.5, click_id: 0.5, ip_ua: 1, external_id: 0.5 })
    expect(s.dedup).toEqual({ pairs: 1, capi: 2, coverage: 0.5 })
    expect(s.delay.n).toBe(2)
    expect(s.delay.median).toBeGreaterThanOrEqual(0)
    expect(s.delay.p95).toBeGreaterThanOrEqual(s.delay.median)
    expect(s.perMinute).toHaveLength(30)
    expect(s.perMinute.at(-1)).toBe(3) // the duplicate API copy of Pair-1 is not a new event
    expect(s.failures).toEqual({})
    expect(s.destinations).toEqual([{ name: 'pinterest-capi', paused: false, depth: 0 }])
  })

  it('filters by event_id (contains, any case) and by name', async () => {
    tw = await buildApp(liveCapi(fake().url))
    await seed(tw)
    const ids = async (q: string) => ((await (await adminGet(tw, `/tw/_/inspect/data?${q}`)).json()).events as { event_id: string }[]).map((e) => e.event_id)
    expect(await ids('event_id=pair')).toEqual(['Pair-1'])
    expect(await ids('name=checkout')).toEqual(['api-only'])
    expect(await ids('name=page_visit&event_id=nope')).toEqual([])
    expect(await ids('limit=1')).toEqual(['denied-1'])
  })

  it('answers 304 while nothing changed, and 200 again after a new event', async () => {
    tw = await buildApp()
    await postEvents(tw, { data: [apiEvent()] })
    const first = await adminGet(tw, '/tw/_/inspect/data')
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^"[\w-]+"$/)
    expect((await adminGet(tw, '/tw/_/inspect/data', { 'if-none-match': etag })).status).toBe(304)
    await postEvents(tw, { data: [apiEvent({ event_id: 'second' })] })
    const third = await adminGet(tw, '/tw/_/inspect/data', { 'if-none-match': etag })
    expect(third.status).toBe(200)
    expect(third.headers.get('etag')).not.toBe(etag)
  })

  it('shows what consent stripped, and Pinterest rejections with their reason', async () => {
    tw = await buildApp(liveCapi(fake().url))
    fake().rejectEventIds(['bad-1'], 'Invalid event_timestamp parameter')
    await postEvents(tw, { data: [apiEvent({ event_id: 'bad-1' })] })
    await tw.runtime.dispatcher.flush()
    fake().rejectEventIds([])
    const { events, summary } = await (await adminGet(tw, '/tw/_/inspect/data')).json()
    expect(events[0].destinations['pinterest-capi'].state).toMatch(/^(dead|failed)$/)
    expect(events[0].destinations['pinterest-capi'].detail).toMatch(/Invalid event_timestamp/)
    expect(events[0].destinations['pinterest-capi'].identifiers).toEqual(expect.arrayContaining(['em']))
    expect(summary.failures).toEqual({ rejected: 1 })
  })
})
