// The fake is only useful if it refuses what Pinterest refuses: prove it does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'

let fake: FakeCapi
beforeAll(async () => { fake = await startFakeCapi() })
afterAll(() => fake.close())

const valid = () => ({
  event_name: 'checkout', action_source: 'web', event_time: 1767225600, event_id: 'e1',
  user_data: { client_ip_address: '203.0.113.7', client_user_agent: 'UA', em: ['a'.repeat(64)] },
  custom_data: { value: '10', currency: 'USD' },
})
const send = (body: unknown, auth = 'Bearer t') =>
  fetch(`${fake.url}/v5/ad_accounts/123/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify(body) })

describe('fake Pinterest CAPI validates like the spec', () => {
  it('accepts a valid event and records it', async () => {
    const res = await send({ data: [valid()] })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ num_events_received: 1, num_events_processed: 1, events: [{ status: 'processed' }] })
    expect(fake.countById('e1')).toBe(1)
  })

  it.each([
    ['unknown event key', { ...valid(), advertiser_tracking_enabled: true }],
    ['milliseconds', { ...valid(), event_time: 1767225600000 }],
    ['non-array identifier', { ...valid(), user_data: { ...valid().user_data, em: 'a'.repeat(64) } }],
    ['unhashed identifier', { ...valid(), user_data: { ...valid().user_data, em: ['a@b.co'] } }],
    ['numeric value', { ...valid(), custom_data: { value: 10 } }],
    ['unknown custom_data key', { ...valid(), custom_data: { colour: 'red' } }],
    ['unknown event name', { ...valid(), event_name: 'pagevisit' }],
    ['no identifiers', { ...valid(), user_data: { click_id: 'x' } }],
    ['numeric item_price', { ...valid(), custom_data: { contents: [{ id: 'a', item_price: 1 }] } }],
  ])('rejects %s with 400', async (_, event) => {
    const res = await send({ data: [event] })
    expect(res.status).toBe(400)
  })

  it('rejects more than 1,000 events, an empty list and unknown top-level keys', async () => {
    expect((await send({ data: Array.from({ length: 1001 }, (_, i) => ({ ...valid(), event_id: `x${i}` })) })).status).toBe(400)
    expect((await send({ data: [] })).status).toBe(400)
    expect((await send({ data: [valid()], test: true })).status).toBe(400)
  })

  it('answers 401 without a bearer token, forced statuses on demand, and 422 per event', async () => {
    expect((await send({ data: [valid()] }, '')).status).toBe(401)
    fake.failNext({ status: 429, headers: { 'retry-after': '2' } })
    const limited = await send({ data: [valid()] })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('2')
    fake.rejectEventIds(['bad'])
    const res = await send({ data: [{ ...valid(), event_id: 'ok2' }, { ...valid(), event_id: 'bad' }] })
    fake.rejectEventIds([])
    expect(res.status).toBe(422)
    expect((await res.json()).details.events.map((e: { status: string }) => e.status)).toEqual(['processed', 'failed'])
  })
})
