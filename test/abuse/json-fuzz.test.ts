// Seeded mutations of valid JSON bodies for /v1/events, /e and /ctx: every answer is the route's
// success status or a 400 that says what was wrong; never a 5xx; nothing odd reaches the journal,
// the cookie or Pinterest's CAPI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contextClaimsSchema } from '../../server/context/claims'
import { API_KEY } from '../helpers/build-app'
import { claimsOf } from '../tag/build'
import { assertJournalSane, createRandom, messageOf, mutate, NASTY, randomValue, startAbuseEnv, text, type AbuseEnv, type Random } from './helpers'

const ITERATIONS = 400

let env: AbuseEnv
beforeAll(async () => {
  env = await startAbuseEnv()
})
afterAll(() => env.close())

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  env.tw.fetch(new Request(`http://shop.test${path}`, { method: 'POST', headers: { 'user-agent': 'Mozilla/5.0 fuzz', 'x-forwarded-for': '203.0.113.9', ...headers }, body }))

/** A random path into a body: a known field most of the time, sometimes a made-up one. */
function randomPath(r: Random, known: string[][]): string[] {
  if (r.chance(0.85)) return r.pick(known)
  return [r.pick(['', ...known.map((k) => k[0])]), text(r.pick(NASTY)).slice(0, 24) || r.string(8)].filter(Boolean)
}

/** The value to put there: nasty values, random values, or a prototype key as a string. */
const randomLeaf = (r: Random): unknown => (r.chance(0.5) ? r.pick(NASTY) : randomValue(r, 2))

/** Apply 1–3 mutations, and sometimes garble the JSON text itself. */
function fuzzBody(r: Random, valid: unknown, known: string[][]): string {
  let body = valid
  for (let k = 1 + r.int(3); k > 0; k--) body = mutate(body, randomPath(r, known), randomLeaf(r))
  const json = JSON.stringify(body)
  switch (r.int(12)) {
    case 0:
      return json.slice(0, r.int(json.length))
    case 1:
      return json.replace(/"/g, r.pick(["'", '', '\\"']))
    case 2:
      return `${json}${json}`
    case 3:
      // Repeated keys: JSON.parse keeps the last; both spellings must still validate.
      return json.replace(/^\{/, '{"data":[],')
    default:
      return json
  }
}

const EVENT = {
  event_name: 'checkout',
  event_id: 'x',
  event_time: Math.floor(Date.now() / 1000) - 10,
  action_source: 'web',
  event_source_url: 'https://shop.test/thanks',
  user_data: { em: 'jane@example.com', ph: '+1 555 0100', ge: 'f', country: 'us', client_ip_address: '203.0.113.9', client_user_agent: 'Mozilla/5.0' },
  custom_data: { value: 10, currency: 'USD', contents: [{ id: 'p1', item_price: '5', quantity: 2 }], content_ids: ['p1'] },
  consent: { ad_storage: 'granted', ad_user_data: 'granted' },
}
const EVENT_PATHS = [
  ['event_name'], ['event_id'], ['event_time'], ['action_source'], ['event_source_url'], ['language'], ['opt_out'], ['context'],
  ['user_data'], ['user_data', 'em'], ['user_data', 'ph'], ['user_data', 'ge'], ['user_data', 'db'], ['user_data', 'country'], ['user_data', 'st'], ['user_data', 'ct'],
  ['user_data', 'external_id'], ['user_data', 'client_ip_address'], ['user_data', 'click_id'], ['custom_data'], ['custom_data', 'value'], ['custom_data', 'currency'],
  ['custom_data', 'contents'], ['custom_data', 'content_ids'], ['custom_data', 'num_items'], ['custom_data', 'order_id'], ['consent'], ['consent', 'tcf'], ['consent', 'gpp'],
  ['consent', 'gpc'], ['consent', 'gpp_sid'], ['consent', 'ad_storage'],
]

describe('every known field × every nasty value', () => {
  it('/v1/events → 202 or a 400 with a message', async () => {
    let i = 0
    for (const path of EVENT_PATHS) {
      for (const value of NASTY) {
        const body = JSON.stringify(mutate({ data: [{ ...EVENT, event_id: `api-sweep-${++i}` }] }, ['data', '0', ...path], value))
        const res = await post('/tw/v1/events', body, { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` })
        if (![202, 400].includes(res.status)) throw new Error(`${path.join('.')} = ${text(value).slice(0, 80)} answered ${res.status}: ${await res.text()}`)
        if (res.status === 400) expect(await messageOf(res)).toBeTruthy()
        else await res.arrayBuffer()
      }
    }
    await env.tw.runtime.dispatcher.flush()
    assertJournalSane(env.tw)
    expect(env.capi.requests.filter((q) => q.status !== 200).map((q) => JSON.stringify(q.body).slice(0, 400))).toEqual([])
  })

  it('/e and /ctx → 202/200 or a 400 with a message', async () => {
    const fallback = { event: 'checkout', ed: { event_id: 'e-sweep', value: 5, line_items: [{ product_id: 'p' }] }, pd: {}, ad: { loc: 'https://shop.test/' } }
    const ctx = { epik: 'dj0yJnU9b2JD', cart: { id: 7, token: 'c1', items: [{ id: 'p', price: 5 }] }, consent: { ad_storage: 'granted' } }
    // Page pixel calls (server/pixel-call.ts): the call data is the page's own, read by each driver.
    const metaCall = { px: 'meta', name: 'Purchase', id: 'm-sweep', data: { value: 5, currency: 'USD', content_ids: ['p'], contents: [{ id: 'p', quantity: 1, item_price: 5 }] }, loc: 'https://shop.test/' }
    const tiktokCall = { px: 'tiktok', name: 'CompletePayment', id: 't-sweep', data: { value: 5, currency: 'USD', content_id: 'p', query: 'tote', contents: [{ content_id: 'p', quantity: 1, price: 5 }] }, loc: 'https://shop.test/' }
    const callPaths = [['name'], ['id'], ['custom'], ['data'], ['data', 'value'], ['data', 'currency'], ['data', 'content_ids'], ['data', 'content_id'], ['data', 'query'], ['data', 'contents'], ['data', 'contents', '0'], ['data', 'contents', '0', 'id'], ['data', 'contents', '0', 'content_id'], ['data', 'contents', '0', 'price'], ['loc'], ['ref']]
    const cases: [string, unknown, string[][], number][] = [
      ['/tw/e', fallback, [['event'], ['ed'], ['ed', 'event_id'], ['ed', 'value'], ['ed', 'currency'], ['ed', 'line_items'], ['ed', 'order_quantity'], ['pd'], ['pd', 'em'], ['pd', 'st'], ['ad'], ['ad', 'loc']], 202],
      // Pixel calls go as a list (client/px/mirror.ts).
      ['/tw/e', [metaCall], callPaths.map((p) => ['0', ...p]), 202],
      ['/tw/e', [tiktokCall], callPaths.map((p) => ['0', ...p]), 202],
      ['/tw/ctx', ctx, [['epik'], ['epik_src'], ['pin_unauth'], ['cart'], ['cart', 'id'], ['cart', 'token'], ['cart', 'items'], ['cart', 'value'], ['cart', 'currency'], ['consent'], ['consent', 'tcf'], ['consent', 'gpp_sid'], ['em']], 200],
    ]
    let i = 0
    for (const [route, valid, paths, ok] of cases) {
      for (const path of paths) {
        for (const value of NASTY) {
          const idPath = Array.isArray(valid) ? ['0', 'id'] : ['ed', 'event_id']
          const body = JSON.stringify(mutate(mutate(valid, idPath, `sweep-${++i}`), path, value))
          const res = await post(route, route === '/tw/e' ? body : JSON.stringify(mutate(valid, path, value)))
          if (![ok, 400].includes(res.status)) throw new Error(`${route} ${path.join('.')} = ${text(value).slice(0, 80)} answered ${res.status}: ${await res.text()}`)
          if (res.status === 400) expect(await messageOf(res)).toBeTruthy()
          else await res.arrayBuffer()
        }
      }
    }
    await env.tw.runtime.dispatcher.flush()
    assertJournalSane(env.tw)
  })
})

describe('JSON body fuzz (seeded)', () => {
  it(`/v1/events: ${ITERATIONS} mutated bodies → 202 or a 400 with a message; CAPI gets only valid events`, async () => {
    const r = createRandom(0xe7e7)
    for (let i = 0; i < ITERATIONS; i++) {
      const one = { ...EVENT, event_id: `api-fz-${i}` }
      const valid = { data: r.chance(0.2) ? [one, { ...one, event_id: `api-fz-${i}-b` }] : [one] }
      const paths = [['data'], ...EVENT_PATHS.map((p) => ['data', '0', ...p])]
      const body = fuzzBody(r, valid, paths)
      const res = await post('/tw/v1/events', body, { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` })
      if (res.status >= 500 || ![202, 400].includes(res.status)) throw new Error(`#${i} answered ${res.status} (${await res.text()}) to ${body.slice(0, 400)}`)
      if (res.status === 400) expect(await messageOf(res), `#${i}`).toBeTruthy()
      else await res.arrayBuffer()
    }
    await env.tw.runtime.dispatcher.flush()
    assertJournalSane(env.tw)
    expect(env.capi.requests.filter((q) => q.status !== 200).map((q) => JSON.stringify(q.body).slice(0, 400))).toEqual([])
    expect(env.capi.received.length).toBeGreaterThan(20)
  })

  it(`/e: ${ITERATIONS} mutated loader fallbacks → 202 or a 400 with a message`, async () => {
    const r = createRandom(0xfa11)
    const before = env.capi.requests.length
    for (let i = 0; i < ITERATIONS; i++) {
      const call = { event: 'checkout', ed: { event_id: `e-fz-${i}`, value: 5, currency: 'USD', order_id: '1', line_items: [{ product_id: 'p', product_price: 5, product_quantity: 1 }] }, pd: { em: 'a'.repeat(64) }, ad: { loc: 'https://shop.test/?epik=abc', ref: '' } }
      const valid = r.chance(0.3) ? [call, { ...call, event: 'pagevisit', ed: { event_id: `e-fz-${i}-pv` } }] : call
      const root = Array.isArray(valid) ? ['0'] : []
      const paths = [['event'], ['ed'], ['ed', 'event_id'], ['ed', 'value'], ['ed', 'currency'], ['ed', 'line_items'], ['ed', 'order_quantity'], ['pd'], ['pd', 'em'], ['pd', 'opt_out_type'], ['ad'], ['ad', 'loc']].map((p) => [...root, ...p])
      const body = fuzzBody(r, valid, paths)
      const res = await post('/tw/e', body, { 'content-type': 'text/plain;charset=UTF-8', ...(r.chance(0.2) ? { 'sec-gpc': '1' } : {}) })
      if (![202, 400].includes(res.status)) throw new Error(`#${i} answered ${res.status} (${await res.text()}) to ${body.slice(0, 400)}`)
      if (res.status === 400) expect(await messageOf(res), `#${i}`).toBeTruthy()
      else await res.arrayBuffer()
    }
    await env.tw.runtime.dispatcher.flush()
    assertJournalSane(env.tw)
    expect(env.capi.requests.slice(before).filter((q) => q.status !== 200).map((q) => JSON.stringify(q.body).slice(0, 400))).toEqual([])
  })

  it(`/ctx: ${ITERATIONS} mutated context updates → 200 with a valid signed cookie, or a 400 with a message and no cookie`, async () => {
    const r = createRandom(0xc7c7)
    let cookie: string | undefined
    for (let i = 0; i < ITERATIONS; i++) {
      const valid = { epik: 'dj0yJnU9b2JD', epik_src: 'url', pin_unauth: 'dWlkPU1tRTNOVEF3', cart: { id: 7, token: 'c1', checkout_token: 'k1', currency: 'USD', value: '10.5', items: [{ id: 'p', price: 5, quantity: 1, name: 'n' }] }, consent: { ad_storage: 'granted', tcf: 'CQ', gpp_sid: [7] }, em: 'b'.repeat(64) }
      const paths = [['epik'], ['epik_src'], ['pin_unauth'], ['cart'], ['cart', 'id'], ['cart', 'token'], ['cart', 'items'], ['cart', 'value'], ['consent'], ['consent', 'tcf'], ['consent', 'gpp_sid'], ['consent', 'source'], ['em']]
      const body = fuzzBody(r, valid, paths)
      const res = await post('/tw/ctx', body, { 'content-type': 'text/plain;charset=UTF-8', ...(cookie && r.chance(0.5) ? { cookie: `tw_ctx=${cookie}` } : {}) })
      if (![200, 400].includes(res.status)) throw new Error(`#${i} answered ${res.status} (${await res.text()}) to ${body.slice(0, 400)}`)
      const set = res.headers.getSetCookie()
      if (res.status === 400) {
        expect(await messageOf(res), `#${i}`).toBeTruthy()
        expect(set, 'a refused update sets no cookie').toEqual([])
        continue
      }
      for (const line of set) {
        // Pinterest's click id cookie, kept or deleted as consent says: a safe value or none, fixed attributes.
        if (/^_(derived_)?epik=/.test(line)) {
          expect(line).toMatch(/^(_epik=[\w.+/=-]{1,256}; Max-Age=31536000|_(derived_)?epik=; Max-Age=0); Path=\/; Secure; SameSite=Lax$/)
          continue
        }
        // One cookie, ours, in the JWS alphabet, with the attributes docs/design.md "The context cookie" names — nothing injected.
        expect(line).toMatch(/^tw_ctx=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
        cookie = line.slice('tw_ctx='.length).split(';')[0]
        const { iat: _iat, exp: _exp, ...claims } = claimsOf(cookie)
        expect(contextClaimsSchema.safeParse(claims).success, JSON.stringify(claims).slice(0, 300)).toBe(true)
      }
    }
  })
})
