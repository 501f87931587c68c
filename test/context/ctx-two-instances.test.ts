// Two instances behind a balancer on one real Redis: `POST /tw/ctx` posts of one shopper (two tabs,
// each with the same old cookie) that reach different instances at the same moment still merge one
// at a time, so no field is lost (server/context/redis-contexts.ts). Redis going away does not fail
// a post: it is merged against the cookie.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { createStore } from '../../server/storage/create-store'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'
import { waitFor } from '../delivery/harness'
import { buildTagApp, call, claimsOf, setCtx } from '../tag/build'
import { racingBodies } from './racing-posts'

const mode = redisAvailability()

describe.skipIf(mode === 'skip')('POST /tw/ctx on two instances sharing a real Redis', () => {
  let redis: RedisServer
  const apps: TagwardenApp[] = []
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((tw) => tw.close()))
  })
  afterAll(async () => redis?.stop())

  const instance = async (url = redis.url) => {
    const store = createStore({ kind: 'redis', url })
    const tw = await buildTagApp({ TAGWARDEN_STORAGE: url }, { store })
    apps.push(tw)
    await waitFor('redis connected', () => store.redis!.status === 'ready')
    return tw
  }
  const post = (tw: TagwardenApp, body: unknown, cookie?: string) =>
    call(tw, '/tw/ctx', { method: 'POST', body: JSON.stringify(body), cookie, headers: { 'content-type': 'text/plain;charset=UTF-8' } })

  it('concurrent posts carrying the same old cookie, spread over both instances, lose no field', async () => {
    const [a, b] = [await instance(), await instance()]
    let cookie = setCtx(await post(a, { pin_unauth: 'pu-0' }))!
    for (let round = 1; round <= 5; round++) {
      const bodies = [...racingBodies(round), { ttclid: `tt-${round}` }]
      const old = cookie
      const done: string[] = []
      await Promise.all(bodies.map((body, i) => post(i % 2 ? b : a, body, old).then((res) => (expect(res.status).toBe(200), done.push(setCtx(res)!)))))
      const every = { epik: `e-${round}`, pin_unauth: `pu-${round}`, ttclid: `tt-${round}`, cart: { token: `cart-${round}`, checkout_token: `co-${round}` }, consent: { gpc: true, sale_opt_out: true } }
      // The browser keeps the cookie of the answer that arrived last: it holds every field.
      cookie = done.at(-1)!
      expect(claimsOf(cookie)).toMatchObject(every)
      expect(claimsOf(cookie).em).toMatch(/^[0-9a-f]{64}$/)
      // A tab still holding the old cookie is given every field back, by either instance.
      for (const tw of [a, b]) expect(claimsOf(setCtx(await post(tw, {}, old))!)).toMatchObject(every)
    }
  })

  it('with Redis gone a post still answers 200, merged against the cookie', async () => {
    // Its own server: this one is killed (stop() is SIGKILL; a second stop() would wait for an exit already past).
    const own = await startRedis()
    let stopped = false
    try {
      const tw = await instance(own.url)
      const cookie = setCtx(await post(tw, { pin_unauth: 'pu-1' }))!
      const merged = setCtx(await post(tw, { epik: 'e-1', epik_src: 'url' }, cookie))!
      await own.stop()
      stopped = true
      const res = await post(tw, { ttclid: 'tt-1' }, merged)
      expect(res.status).toBe(200)
      expect(claimsOf(setCtx(res)!)).toMatchObject({ vid: claimsOf(cookie).vid, pin_unauth: 'pu-1', epik: 'e-1', ttclid: 'tt-1' })
    } finally {
      if (!stopped) await own.stop()
    }
  })
})
