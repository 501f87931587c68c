import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import type { TagwardenApp } from '../../server/app'
import { createLogger } from '../../server/log'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ADMIN_TOKEN, API_KEY, SECRET, buildApp, liveCapi, postEvents } from '../helpers/build-app'
import { GRANTED } from './helpers'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const EMAIL = 'Jane.Doe+shop@Example.com'
const PHONE = '+1 (555) 867-5309'
const EPIK = 'dj0yJnU9TG9nVGVzdEVwaWtWYWx1ZTEyMzQ1Njc4OTA'
const PIN_UNAUTH = 'dWlkPVlXVmxZV1V0WldWbE1qRTBNVEUy'
const IP = '198.51.100.77'
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) LogTest/1.0'
const ACCESS_TOKEN = 'pina_test_token_123'
// A closed loopback port: the beacon and script upstreams fail, so their warnings are logged too.
const DEAD_UPSTREAM = 'http://127.0.0.1:9'

let fake: FakeCapi
let tw: TagwardenApp
const lines: string[] = []
let cookieValue = ''

/** The shop's side of one shopper, plus operators and Pinterest misbehaving, all with debug logs on. */
async function fullFlow(): Promise<void> {
  const browser = { 'x-forwarded-for': IP, 'user-agent': UA, 'sec-fetch-site': 'same-origin' }
  const ctx = await tw.fetch(new Request('http://shop.test/tw/ctx', {
    method: 'POST',
    headers: { ...browser, 'content-type': 'text/plain' },
    // The loader sends the email as the shop gave it; the server hashes it.
    body: JSON.stringify({ epik: EPIK, epik_src: 'url', pin_unauth: PIN_UNAUTH, em: EMAIL, consent: { ...GRANTED, source: 'hook' }, cart: { token: 'cart-log-1', currency: 'USD', value: 24 } }),
  }))
  expect(ctx.status).toBe(200)
  cookieValue = /tw_ctx=([^;]+)/.exec(ctx.headers.get('set-cookie') ?? '')?.[1] ?? ''
  expect(cookieValue.length).toBeGreaterThan(20)
  const cookie = `tw_ctx=${cookieValue}; _pin_unauth=${PIN_UNAUTH}; _epik=${EPIK}`

  // A tag beacon (upstream down) and a loader fallback event, both with the shopper's cookie.
  const ed = encodeURIComponent(JSON.stringify({ event_id: 'log-atc-1', value: '24', currency: 'USD', order_quantity: 1 }))
  const pd = encodeURIComponent(JSON.stringify({ em: sha(EMAIL.toLowerCase()) }))
  await tw.fetch(new Request(`http://shop.test/tw/pin/ct/v3/?tid=2612345678901&event=addtocart&ed=${ed}&pd=${pd}&cb=1`, { headers: { ...browser, cookie } }))
  await tw.fetch(new Request('http://shop.test/tw/e', {
    method: 'POST',
    headers: { ...browser, cookie, 'content-type': 'text/plain' },
    body: JSON.stringify({ event: 'checkout', ed: { order_id: 'LOG-1', event_id: 'ord_LOG-1', value: '24', currency: 'USD' }, pd: { em: EMAIL }, ad: { loc: `https://shop.test/thank-you?epik=${EPIK}&email=${encodeURIComponent(EMAIL)}` } }),
  }))
  await tw.fetch(new Request('http://shop.test/tw/pin/core.js', { headers: browser }))

  // The events API with raw identifiers, good and bad.
  const user = { em: EMAIL, ph: PHONE, fn: 'Jane', ln: 'Doe', client_ip_address: IP, client_user_agent: UA, click_id: EPIK, external_id: 'cust-log-1' }
  await postEvents(tw, { data: [{ event_name: 'lead', event_id: 'log-api-1', user_data: user, consent: GRANTED }, { event_name: 'lead', event_id: 'log-api-2', user_data: user, consent: GRANTED }] })
  await postEvents(tw, `{"data":[{"event_name":"lead","user_data":{"em":"${EMAIL}"`)
  await postEvents(tw, { data: [{ event_name: 'lead', event_id: 'log-api-3', user_data: { ...user, em: 42 } }] })

  // Pinterest rejects one event and echoes the address in its message; then a 401 pauses delivery.
  fake.rejectEventIds(['log-api-2'], `Invalid parameter em for ${EMAIL}`)
  fake.failNext({ status: 500, body: { code: 1, message: `upstream trouble for ${EMAIL} with Bearer ${ACCESS_TOKEN}` } })
  for (let i = 0; i < 3; i++) await tw.runtime.dispatcher.flush()
  fake.rejectEventIds([])
  fake.requireToken('some-other-token')
  await postEvents(tw, { data: [{ event_name: 'lead', event_id: 'log-api-4', user_data: user, consent: GRANTED }] })
  await tw.runtime.dispatcher.flush()

  for (const path of ['/tw/_/metrics', '/tw/_/inspect/data', '/tw/_/events?limit=5']) {
    await tw.fetch(new Request(`http://shop.test${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))
  }
  await tw.fetch(new Request(`http://shop.test/tw/_/inspect?token=wrong-${ADMIN_TOKEN}`))
}

beforeAll(async () => {
  fake = await startFakeCapi()
  const log = createLogger('debug', (l) => lines.push(l))
  tw = await buildApp({ ...liveCapi(fake.url), PINTEREST_ACCESS_TOKEN: ACCESS_TOKEN, PINTEREST_BEACON_ORIGIN: DEAD_UPSTREAM, PINTEREST_SCRIPT_ORIGIN: DEAD_UPSTREAM, PINTEREST_TAG_ID: '2612345678901', TAGWARDEN_DEFAULT_CONSENT: 'granted' }, { log })
  await fullFlow()
  await tw.close()
})
afterAll(() => fake.close())

describe('logs of a full request flow', () => {
  it('are JSON lines with time, level and message, and the flow produced warnings and errors', () => {
    expect(lines.length, lines.join('\n')).toBeGreaterThanOrEqual(4)
    for (const line of lines) {
      const j = JSON.parse(line)
      expect(j).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), msg: expect.stringMatching(/^\[tagwarden\]/) })
    }
    const msgs = lines.map((l) => JSON.parse(l).msg as string).join('\n')
    expect(msgs).toMatch(/beacon upstream failed/)
    expect(msgs).toMatch(/dead-lettered/)
    expect(msgs).toMatch(/destination paused/)
    expect(msgs).toMatch(/retrying/)
  })

  it('never carry raw PII, hashed identifiers, click ids, cookies or secrets', () => {
    const all = lines.join('\n')
    const forbidden: Record<string, string> = {
      email: EMAIL,
      'email, normalized': EMAIL.toLowerCase(),
      'email, url-encoded': encodeURIComponent(EMAIL),
      'email, hashed': sha(EMAIL.toLowerCase()),
      phone: '5558675309',
      'phone, hashed': sha('15558675309'),
      'epik (click_id)': EPIK,
      _pin_unauth: PIN_UNAUTH,
      'shopper IP': IP,
      'user agent': UA,
      'tw_ctx cookie': cookieValue,
      'API key': API_KEY,
      'admin token': ADMIN_TOKEN,
      'Pinterest access token': ACCESS_TOKEN,
      'signing secret': SECRET.split(':')[1],
    }
    const leaks = Object.entries(forbidden).filter(([, v]) => all.toLowerCase().includes(v.toLowerCase())).map(([k]) => k)
    expect(leaks, leaks.map((k) => lines.find((l) => l.toLowerCase().includes(forbidden[k].toLowerCase()))).join('\n')).toEqual([])
  })
})

describe('createLogger redaction', () => {
  it('redacts known fields at any depth and scrubs e-mails, bearer credentials, JWTs and Pinterest tokens from text', () => {
    const out: string[] = []
    const log = createLogger('debug', (l) => out.push(l))
    log.warn(`[tagwarden] failed for ${EMAIL}`, {
      nested: { user_data: { em: ['x'] }, headers: { authorization: 'Bearer abc', cookie: 'tw_ctx=1' }, list: [{ click_id: EPIK, ip: IP }] },
      reason: `401 Bearer ${ACCESS_TOKEN} eyJhbGciOiJIUzI1NiJ9.eyJlcGlrIjoieCJ9.c2lnbmF0dXJl`,
      status: 401,
    })
    const j = JSON.parse(out[0])
    expect(j.msg).toBe('[tagwarden] failed for <email>')
    expect(j.nested).toEqual({ user_data: '<redacted>', headers: { authorization: '<redacted>', cookie: '<redacted>' }, list: [{ click_id: '<redacted>', ip: '<redacted>' }] })
    expect(j.reason).toBe('401 Bearer <redacted> <jwt>')
    expect(j.status).toBe(401)
  })
})
