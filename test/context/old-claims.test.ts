// tw_ctx cookies issued before browser ids were declared (context/browser-ids.ts) carry Meta's and
// TikTok's ids as the claims `fbc`, `fbp`, `ttclid` and `ttp`, and are valid for 390 days: they are
// still read (server copies get the ids) and a re-issued cookie keeps them.
import { afterEach, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { createKeyring } from '../../server/context/keys'
import { CONTEXT_TTL_S } from '../../server/context/cookie'
import { buildTagApp, call, claimsOf, setCtx, TEST_SECRET } from '../tag/build'

const NOW_MS = 1_767_225_600_000
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted', source: 'hook' }
/** The claims a cookie of that time held, a month old: as main's mergeContext wrote them. */
const OLD = {
  vid: 'visitor-0123456789abcdef',
  first_seen: NOW_MS / 1000 - 30 * 86_400,
  fbc: 'fb.1.1764633600000.IwAR2F4-dbP0l7Mn1Iaw',
  fbp: 'fb.1.1764633600000.1098115397',
  ttclid: 'E.C.P.CscBYmVlNTdh',
  ttp: '2Zq9k0bQn1XyL7hS0aW3cE5tU8m',
  consent: { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted', source: 'hook' },
}

let tw: TagwardenApp | undefined
afterEach(async () => {
  await tw?.close()
  tw = undefined
})

const oldCookie = () => {
  const [kid, secret] = TEST_SECRET.split(':')
  return createKeyring([{ kid, secret }]).sign(OLD, NOW_MS - 30 * 86_400_000, CONTEXT_TTL_S)
}

it('an old cookie\'s fbc, fbp, ttclid and ttp reach the Meta and TikTok copies of pixel calls, and stay in the re-issued cookie', async () => {
  tw = await buildTagApp({ META_PIXEL_ID: '1234567890', TIKTOK_PIXEL_CODE: 'CABCDEFGHIJKLMNOPQRS' }, { now: () => NOW_MS })
  const cookie = await oldCookie()
  const loc = 'https://shop.test/products/tote'
  const data = { value: 5, currency: 'USD' }
  const res = await call(tw, '/tw/e', { cookie, body: [{ px: 'meta', name: 'AddToCart', id: 'old-m', data, loc }, { px: 'tiktok', name: 'AddToCart', id: 'old-t', data, loc }] })
  expect(res.status).toBe(202)
  await tw.runtime.dispatcher.flush()
  const payload = (id: string, dest: string) => tw!.runtime.journal.recent().find((e) => e.event_id === id)?.destinations[dest]?.payload
  expect(payload('old-m', 'meta-capi')).toMatchObject({ user_data: { fbc: OLD.fbc, fbp: OLD.fbp } })
  expect(payload('old-t', 'tiktok-events')).toMatchObject({ user: { ttclid: OLD.ttclid, ttp: OLD.ttp } })

  const again = setCtx(await call(tw, '/tw/ctx', { cookie, body: { consent: [GRANTED], cart: { token: 'cart-old-1' } } }))!
  expect(claimsOf(again)).toMatchObject({ vid: OLD.vid, fbc: OLD.fbc, fbp: OLD.fbp, ttclid: OLD.ttclid, ttp: OLD.ttp })
  expect((await tw.runtime.carts.get('cart-old-1'))?.ids).toEqual({ 'meta.fbc': OLD.fbc, 'meta.fbp': OLD.fbp, 'tiktok.ttclid': OLD.ttclid, 'tiktok.ttp': OLD.ttp })
})
