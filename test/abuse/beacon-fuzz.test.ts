// Random and malformed Pinterest beacons against the beacon proxy (GET and POST, JSON and bracket
// form): never a 5xx, never a crash, and nothing reaches Pinterest's CAPI that its spec refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LONE_SURROGATE } from '../../server/lone-surrogate'
import { assertJournalSane, createRandom, NASTY, randomValue, startAbuseEnv, text, type AbuseEnv, type Random } from './helpers'

const ITERATIONS = 600
const EVENTS = ['checkout', 'addtocart', 'pagevisit', 'lead', 'signup', 'custom', 'init', 'viewcategory', 'PageVisit', 'add_to_cart', 'constructor', '__proto__', 'toString']
const SECTIONS = ['ed', 'pd', 'ad'] as const

let env: AbuseEnv
beforeAll(async () => {
  env = await startAbuseEnv()
})
afterAll(() => env.close())

/** One of the ways a section (`ed`, `pd`, `ad`) may be spelled: JSON, broken JSON, bracket form, repeated. */
function section(r: Random, name: string, q: URLSearchParams, ids: string[]): void {
  const base: Record<string, unknown> = name === 'ed' ? { event_id: r.chance(0.8) ? `fz-${ids.length}-${r.int(1e9)}` : randomValue(r, 1), value: randomValue(r, 1), currency: r.pick(['USD', 'usd', 'EURO', '', 7]) } : {}
  if (name === 'ed') ids.push(text(base.event_id))
  if (name === 'ed' && r.chance(0.3)) base.line_items = Array.from({ length: r.int(6) }, () => ({ product_id: randomValue(r, 1), product_price: randomValue(r, 1), product_quantity: randomValue(r, 1) }))
  if (name === 'ad') base.loc = r.pick(['https://shop.test/p/1?epik=abc', 'javascript:alert(1)', '//evil.example', r.string(), 'https://shop.test/' + 'x'.repeat(4000)])
  if (name === 'pd') base.em = r.pick(['a'.repeat(64), 'jane@example.com', randomValue(r, 1)])
  for (let i = r.int(3); i > 0; i--) base[text(r.pick(NASTY)).slice(0, 24)] = randomValue(r)
  switch (r.int(6)) {
    case 0:
      q.append(name, JSON.stringify(base))
      break
    case 1:
      q.append(name, JSON.stringify(base).slice(0, r.int(40)))
      break
    case 2:
      for (const [k, v] of Object.entries(base)) q.append(`${name}[${k}]`, text(v))
      break
    case 3:
      // Nesting bomb in bracket form: far deeper than the four levels the parser takes.
      q.append(`${name}[${'[a]'.repeat(r.int(60))}x]`, '1')
      q.append(`${name}${'[a]'.repeat(r.int(60))}`, '1')
      q.append(`${name}[line_items][${r.pick(['0', '999', '1000', '99999999', '-1', '__proto__'])}][product_id]`, 'p')
      break
    case 4:
      // Nesting bomb in JSON: arrays and objects thousands deep.
      q.append(name, r.chance(0.5) ? '['.repeat(800) + ']'.repeat(800) : '{"a":'.repeat(300) + '1' + '}'.repeat(300))
      break
    default:
      // Repeated keys: both spellings, twice.
      q.append(name, JSON.stringify(base))
      q.append(name, JSON.stringify({ event_id: 'second-spelling' }))
      const id = text(randomValue(r, 0))
      q.append(`${name}[event_id]`, id)
      if (name === 'ed') ids.push(id.trim())
  }
}

function randomBeacon(r: Random, ids: string[]): { path: string; init: RequestInit } {
  const q = new URLSearchParams()
  if (r.chance(0.9)) q.append('tid', r.pick(['2612345678901', r.string(), '']))
  const event = r.chance(0.8) ? r.pick(EVENTS) : r.string()
  q.append('event', event)
  if (r.chance(0.15)) q.append('event', r.pick(EVENTS))
  for (const s of SECTIONS) if (r.chance(0.85)) section(r, s, q, ids)
  if (r.chance(0.7)) q.append('cb', text(r.pick([Date.now(), -1, 'NaN', 1e300, r.string(8), 0])))
  for (let i = r.int(4); i > 0; i--) q.append(text(r.pick(NASTY)).slice(0, 40) || 'k', text(randomValue(r, 1)))
  if (r.chance(0.05)) q.append('big', 'x'.repeat(20_000))
  const headers: Record<string, string> = { 'user-agent': r.chance(0.9) ? 'Mozilla/5.0 fuzz' : '', 'x-forwarded-for': r.pick(['203.0.113.7', '2001:db8::1', 'not-an-ip', '203.0.113.7, 10.0.0.1', 'x'.repeat(300)]) }
  if (r.chance(0.3)) headers['sec-gpc'] = '1'
  const path = r.pick(['/tw/pin/ct/v3/', '/tw/pin/ct/user/', '/tw/pin/ct/v3'])
  if (r.chance(0.4)) {
    const body = r.chance(0.5) ? JSON.stringify(Object.fromEntries(q)) : r.chance(0.5) ? q.toString() : r.string(200)
    const type = r.pick(['application/json', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', '', 'multipart/form-data; boundary=x'])
    if (type) headers['content-type'] = type
    return { path, init: { method: 'POST', headers, body } }
  }
  return { path: `${path}?${q}`, init: { method: 'GET', headers } }
}

describe('beacon fuzz (seeded)', () => {
  it(`${ITERATIONS} random beacons: 200 with a pixel or a clear 4xx, never a 5xx; CAPI only ever gets valid events`, async () => {
    const r = createRandom(0xbeac0)
    const ids: string[] = []
    const statuses = new Map<number, number>()
    for (let i = 0; i < ITERATIONS; i++) {
      const { path, init } = randomBeacon(r, ids)
      const res = await env.tw.fetch(new Request(`http://shop.test${path}`, init))
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      if (res.status >= 500) throw new Error(`beacon #${i} answered ${res.status}: ${init.method} ${path.slice(0, 300)} ${String(init.body ?? '').slice(0, 300)}`)
      if (res.status >= 400) expect(res.status, `#${i} ${path.slice(0, 200)}`).toBeOneOf([413, 414])
      await res.arrayBuffer()
    }
    expect(statuses.get(200) ?? 0, 'most fuzzed beacons are forwarded, leniently').toBeGreaterThan(ITERATIONS / 2)

    await env.tw.runtime.dispatcher.flush()
    assertJournalSane(env.tw)
    // The fake CAPI validates every event against the spec on its own: a single 400 means we sent junk.
    const refused = env.capi.requests.filter((q) => q.status !== 200)
    expect(refused.map((q) => JSON.stringify(q.body).slice(0, 300))).toEqual([])
    expect(env.capi.received.length, 'some fuzzed beacons were valid conversions').toBeGreaterThan(10)
    // URLSearchParams and UTF-8 bodies turn lone surrogates into U+FFFD on the way.
    const usv = (s: string) => s.replace(new RegExp(LONE_SURROGATE, 'g'), '\ufffd')
    const sent = new Set(ids.flatMap((id) => [id, usv(id), id.trim(), usv(id).trim()]))
    for (const { event } of env.capi.received) expect(sent.has(event.event_id) || event.event_id === 'second-spelling', `CAPI got an event_id nobody sent: ${event.event_id}`).toBe(true)
    // Only the beacon paths asked for reach the beacon host, never a cookie.
    for (const hit of env.beacon.hits) {
      expect(['/v3/', '/user/', '/v3']).toContain(hit.path)
      expect(hit.headers.cookie).toBeUndefined()
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
