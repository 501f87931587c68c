// The contract every browser-tag destination keeps (the tag half of contract.test.ts), run against
// each registered tag driver and its local fake script and beacon hosts over real HTTP: options from
// the environment with a bad one named, only its fixed script and beacon origins are ever fetched,
// and each beacon is forwarded with the consent decision applied — suppress: not forwarded;
// restricted: the platform's restricted mode; strip: its identifiers removed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createApp, type TagwardenApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { drivers } from '../../server/destinations'
import { createLogger } from '../../server/log'
import { createStore } from '../../server/storage/create-store'
import { call, NOWHERE, setCtx, TEST_SECRET } from '../tag/build'
import { TAG_HARNESSES, type TagFakes } from './tag-harnesses'

const tagDrivers = drivers.filter((d) => d.kind === 'tag')
const GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' }
const DENIED = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' }

it('every registered tag destination has a contract harness', () => {
  expect(tagDrivers.map((d) => d.destinationName).filter((n) => !TAG_HARNESSES[n])).toEqual([])
  expect(tagDrivers.length).toBeGreaterThanOrEqual(1)
})

for (const driver of tagDrivers) {
  const name = driver.destinationName
  const h = TAG_HARNESSES[name]
  describe(`${name} keeps the browser-tag contract`, () => {
    let fakes: TagFakes
    let tw: TagwardenApp | undefined
    let fetched: string[] = []
    let n = 0
    const id = (p: string) => `${p}-${++n}`
    beforeAll(async () => void (fakes = await h.start()))
    afterAll(() => fakes.close())
    afterEach(async () => {
      await tw?.close()
      tw = undefined
      fetched = []
    })

    /** The app with this tag live against the fakes; every upstream request goes through a recording fetch. */
    const app = async (file: Record<string, unknown> = {}) => {
      const config = parseConfig(
        { TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_SECRET: TEST_SECRET, TAGWARDEN_LOG_LEVEL: 'silent', TAGWARDEN_DEMO: 'false', TAGWARDEN_TRUSTED_PROXIES: 'loopback', PINTEREST_API_URL: NOWHERE, ...h.live(fakes) },
        file,
      )
      const recording: typeof fetch = (input, init) => {
        fetched.push(input instanceof Request ? input.url : String(input))
        return fetch(input, init)
      }
      tw = await createApp(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent'), fetch: recording })
      return tw
    }
    /** The context cookie of a shopper whose page posted this consent. */
    const shopper = async (consent: Record<string, string>) => {
      const res = await call(tw!, '/tw/ctx', { body: { consent } })
      expect(res.status).toBe(200)
      return setCtx(res)!
    }
    const decision = (eventId: string) => tw!.runtime.journal.recent().find((e) => e.event_id === eventId)?.destinations[name]

    it('reads typed options from its environment variables and names a bad one', () => {
      const problems: string[] = []
      const d = driver.fromEnv(h.live({ scriptOrigin: 'http://127.0.0.1:9', beaconOrigin: 'http://127.0.0.1:9' } as TagFakes), problems)
      expect(problems).toEqual([])
      expect(d).toMatchObject({ kind: 'tag', name, scriptOrigin: 'http://127.0.0.1:9', beaconOrigin: 'http://127.0.0.1:9' })
      const bad: string[] = []
      expect(driver.fromEnv(h.bad.env, bad)).toBeUndefined()
      expect(bad.join('\n')).toContain(h.bad.names)
      expect(!!driver.fromEnv({}, [])).toBe(driver.onByDefault)
    })

    it('fetches only from its fixed script and beacon origins, whatever the request names', async () => {
      await app()
      for (const path of h.scripts) expect((await call(tw!, path)).status, path).toBe(200)
      const cookie = await shopper(GRANTED)
      await call(tw!, h.beacon(id('origin')), { cookie })
      for (const path of h.hostile) await call(tw!, path, { cookie })
      expect(fakes.scriptPaths().length).toBeGreaterThanOrEqual(h.scripts.length)
      expect(fetched.some((u) => u.startsWith(`${fakes.scriptOrigin}/`))).toBe(true)
      expect(fetched.some((u) => u.startsWith(`${fakes.beaconOrigin}/`))).toBe(true)
      expect(fetched.filter((u) => !u.startsWith(`${fakes.scriptOrigin}/`) && !u.startsWith(`${fakes.beaconOrigin}/`))).toEqual([])
    })

    it('forwards an allowed beacon as it came, identifiers included', async () => {
      await app()
      const eid = id('allow')
      await call(tw!, h.beacon(eid), { cookie: await shopper(GRANTED) })
      expect(fakes.received(eid)).toEqual([{ identifiers: expect.arrayContaining([expect.any(String)]), restricted: false }])
      expect(decision(eid)).toMatchObject({ action: 'allow' })
    })

    it('suppress: the beacon is not forwarded', async () => {
      await app()
      const eid = id('suppress')
      const res = await call(tw!, h.beacon(eid), { cookie: await shopper(DENIED) })
      expect(res.status).toBe(200)
      expect(decision(eid)).toMatchObject({ action: 'suppress', state: 'suppressed' })
      // The beacon forward happens before the answer: a later, allowed beacon arrives and this one never did.
      const after = id('after')
      await call(tw!, h.beacon(after), { cookie: await shopper(GRANTED) })
      expect(fakes.received(after)).toHaveLength(1)
      expect(fakes.received(eid)).toEqual([])
    })

    it('restricted: the beacon goes in the platform\'s restricted mode (a US opt-out, Sec-GPC)', async () => {
      await app()
      const eid = id('restricted')
      await call(tw!, h.beacon(eid), { cookie: await shopper(GRANTED), headers: { 'sec-gpc': '1' } })
      expect(decision(eid)).toMatchObject({ action: 'restricted' })
      expect(fakes.received(eid)).toEqual([expect.objectContaining({ restricted: true })])
    })

    it('strip: the identifiers it declares are removed from the beacon', async () => {
      await app({ consent: { rules: { [name]: [{ id: 'strip-all', action: 'strip' }] } } })
      const eid = id('strip')
      await call(tw!, h.beacon(eid), { cookie: await shopper(GRANTED) })
      expect(decision(eid)).toMatchObject({ action: 'strip', rule: 'strip-all' })
      expect(fakes.received(eid)).toEqual([{ identifiers: [], restricted: false }])
    })
  })
}
