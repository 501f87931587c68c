// The Meta and TikTok fakes refuse what their platforms refuse (docs/meta-capi.md, docs/tiktok-events.md):
// each case is a valid event with one thing wrong, posted over real HTTP; the valid one is accepted.
// The destinations' own `validate` catches the same mistakes before anything is queued.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { metaCapi, tiktokEvents } from '../../server/destinations'
import { startFakeMetaCapi, type FakeMetaCapi } from '../fakes/fake-meta-capi'
import { startFakeTikTokEvents, TIKTOK_TRACK_PATH, type FakeTikTokEvents } from '../fakes/fake-tiktok-events'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const NOW_MS = Date.UTC(2026, 11, 1)
const NOW_S = NOW_MS / 1000
const TOKEN = 'test-token-0123456789abcdef'

const metaEvent = () => ({
  event_name: 'Purchase',
  event_time: NOW_S - 60,
  event_id: 'ord_1001',
  action_source: 'website',
  event_source_url: 'https://shop.example.com/thank-you',
  user_data: { em: [sha('jane@example.com')], client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' },
  custom_data: { value: 12.5, currency: 'USD' },
})
const tiktokEvent = () => ({
  event: 'Purchase',
  event_time: NOW_S - 60,
  event_id: 'ord_1001',
  user: { email: [sha('jane@example.com')], ip: '203.0.113.7', user_agent: 'Mozilla/5.0' },
  properties: { value: 12.5, currency: 'USD' },
  limited_data_use: false,
})

type Mutate = (e: Record<string, any>) => void
const CASES: Record<string, { meta: Mutate; tiktok: Mutate }> = {
  'event_time in milliseconds': { meta: (e) => (e.event_time = NOW_MS - 60_000), tiktok: (e) => (e.event_time = NOW_MS - 60_000) },
  'an unhashed email': { meta: (e) => (e.user_data.em = ['jane@example.com']), tiktok: (e) => (e.user.email = ['jane@example.com']) },
  'an unknown key': { meta: (e) => (e.colour = 'blue'), tiktok: (e) => (e.colour = 'blue') },
  'value as a string': { meta: (e) => (e.custom_data.value = '12.50'), tiktok: (e) => (e.properties.value = '12.50') },
  // TikTok has no action_source; its required counterpart is the body's event_source (below).
  'a missing action_source / event name': { meta: (e) => delete e.action_source, tiktok: (e) => delete e.event },
}

describe('fake Meta Conversions API refuses what Meta refuses', () => {
  let fake: FakeMetaCapi
  beforeAll(async () => void (fake = await startFakeMetaCapi({ now: () => NOW_MS })))
  afterAll(() => fake.close())
  const post = (data: unknown[], extra: Record<string, unknown> = {}) =>
    fetch(`${fake.url}/v26.0/1234567890/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data, access_token: TOKEN, ...extra }) })

  it('accepts the valid event', async () => {
    const res = await post([metaEvent()])
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ events_received: 1 })
  })

  for (const [what, { meta }] of Object.entries(CASES)) {
    it(`refuses ${what} — and so does the destination's validate`, async () => {
      const e = metaEvent()
      meta(e)
      const res = await post([e])
      expect(res.status).toBe(400)
      expect((await res.json()).error).toMatchObject({ code: 100 })
      expect(metaCapi({ pixelId: '1234567890' }).validate(e as never)).toBeDefined()
    })
  }

  it('refuses the whole batch for one event older than 7 days (subcode 2804003)', async () => {
    const old = { ...metaEvent(), event_id: 'old', event_time: NOW_S - 8 * 86_400 }
    const res = await post([metaEvent(), old])
    expect(res.status).toBe(400)
    expect((await res.json()).error).toMatchObject({ code: 100, error_subcode: 2804003 })
    expect(fake.countById('ord_1001')).toBe(1) // only the first test's
  })

  it('refuses an unknown body key', async () => {
    expect((await post([metaEvent()], { partner: 'x' })).status).toBe(400)
  })
})

describe('fake TikTok Events API refuses what TikTok refuses (HTTP 200, code in the body)', () => {
  let fake: FakeTikTokEvents
  beforeAll(async () => void (fake = await startFakeTikTokEvents({ now: () => NOW_MS })))
  afterAll(() => fake.close())
  const post = (body: Record<string, unknown>) =>
    fetch(`${fake.url}${TIKTOK_TRACK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'access-token': TOKEN }, body: JSON.stringify(body) })
  const envelope = (data: unknown[]) => ({ event_source: 'web', event_source_id: 'C4ABCDEF12345678901G', data })

  it('accepts the valid event', async () => {
    const res = await post(envelope([tiktokEvent()]))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ code: 0 })
  })

  for (const [what, { tiktok }] of Object.entries(CASES)) {
    it(`refuses ${what} — and so does the destination's validate`, async () => {
      const e = tiktokEvent()
      tiktok(e)
      const body = await (await post(envelope([e]))).json()
      expect(body.code).not.toBe(0)
      expect(tiktokEvents({ pixelCode: 'C4ABCDEF12345678901G' }).validate(e as never)).toBeDefined()
    })
  }

  it('refuses a body without event_source, and a plain email with 40062', async () => {
    const { event_source: _, ...noSource } = envelope([tiktokEvent()])
    expect((await (await post(noSource)).json()).code).toBe(40002)
    const e = tiktokEvent()
    e.user.email = ['jane@example.com']
    expect((await (await post(envelope([e]))).json()).code).toBe(40062)
  })
})
