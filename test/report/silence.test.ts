// The silence alarm with an injected clock: no sleeps, no timed assertions — the clock is moved and
// the check run by hand (the server runs it every minute).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { ConfigError, parseConfig } from '../../server/config'
import type { CanonicalEvent } from '../../server/event'
import { createLogger } from '../../server/log'
import { decideSilence } from '../../server/report/silence'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { ADMIN_TOKEN, buildApp, liveCapi } from '../helpers/build-app'

const T0 = Date.parse('2026-01-01T10:00:00Z')
const MIN = 60_000
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
let n = 0
const event = (now: number): CanonicalEvent => ({
  name: 'page_visit', event_id: `ev-${++n}`, time: Math.floor(now / 1000), source: 'api', action_source: 'web',
  user: { client_ip_address: '203.0.113.7', client_user_agent: UA }, custom: {},
  consent: { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' },
})

interface Rig { tw: TagwardenApp; clock: { now: number }; logs: Record<string, unknown>[]; capi?: FakeCapi }
async function rig(env: Record<string, string>, capi?: FakeCapi): Promise<Rig> {
  const clock = { now: T0 }
  const logs: Record<string, unknown>[] = []
  const tw = await buildApp({ TAGWARDEN_SILENCE_ALARM_MINUTES: '60', ...(capi ? liveCapi(capi.url) : {}), ...env }, { now: () => clock.now, log: createLogger('info', (l) => logs.push(JSON.parse(l))) })
  return { tw, clock, logs, capi }
}
const admin = (tw: TagwardenApp, path: string, token = true) => tw.fetch(new Request(`http://shop.test/tw${path}`, { headers: token ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {} }))
const health = async (tw: TagwardenApp) => (await (await admin(tw, '/_/health')).json()) as { status: string; alerts?: string[]; silence: { minutes: number; silent: Record<string, { since: string; accepted_since: boolean }> } }
const publicStatus = async (tw: TagwardenApp) => ((await (await admin(tw, '/_/health', false)).json()) as { status: string }).status
const metric = async (tw: TagwardenApp, name: string) => {
  const text = await (await admin(tw, '/_/metrics')).text()
  return Number(new RegExp(`^${name}\\{destination="pinterest-capi"\\} (\\S+)$`, 'm').exec(text)?.[1])
}
const silenceLines = (logs: Record<string, unknown>[]) => logs.filter((l) => /silent|after a silence/.test(String(l.msg)))

async function deliverOne(r: Rig): Promise<void> {
  await r.tw.runtime.ingest([event(r.clock.now)])
  await r.tw.runtime.dispatcher.flush()
}

describe('silence alarm', () => {
  let capi: FakeCapi
  beforeAll(async () => {
    capi = await startFakeCapi()
  })
  afterAll(() => capi.close())

  it('turns health degraded after the threshold with no delivery, says so once in the log and in metrics, and once when it ends', async () => {
    const r = await rig({}, capi)
    await deliverOne(r)
    await r.tw.runtime.silence.check()
    expect((await health(r.tw)).status).toBe('ok')

    r.clock.now = T0 + 59 * MIN
    await r.tw.runtime.silence.check()
    expect(await publicStatus(r.tw)).toBe('ok')
    expect(await metric(r.tw, 'tagwarden_destination_silent')).toBe(0)

    r.clock.now = T0 + 60 * MIN
    await r.tw.runtime.silence.check()
    const h = await health(r.tw)
    expect(h.status).toBe('degraded')
    expect(await publicStatus(r.tw)).toBe('degraded')
    expect(h.silence.silent['pinterest-capi']).toEqual({ since: '2026-01-01T10:00:00.000Z', accepted_since: false })
    expect(h.alerts).toEqual(['[tagwarden] [pinterest-capi] silent: nothing delivered since 2026-01-01T10:00:00.000Z (more than 60 min); no events accepted for it either (check the storefront snippet, the order webhooks and the pixel)'])
    expect(await metric(r.tw, 'tagwarden_destination_silent')).toBe(1)
    expect(await metric(r.tw, 'tagwarden_destination_silent_seconds')).toBe(3600)
    expect(silenceLines(r.logs)).toEqual([expect.objectContaining({ level: 'warn', msg: '[tagwarden] [pinterest-capi] silent: nothing delivered since 2026-01-01T10:00:00.000Z (TAGWARDEN_SILENCE_ALARM_MINUTES=60)', destination: 'pinterest-capi', since: '2026-01-01T10:00:00.000Z' })])

    // Still silent on later checks: no second line.
    for (const m of [61, 75, 120]) {
      r.clock.now = T0 + m * MIN
      await r.tw.runtime.silence.check()
    }
    expect(silenceLines(r.logs)).toHaveLength(1)
    expect(await metric(r.tw, 'tagwarden_destination_silent_seconds')).toBe(7200)

    // A delivery ends it: one line, health ok, metric 0.
    await deliverOne(r)
    await r.tw.runtime.silence.check()
    expect((await health(r.tw)).status).toBe('ok')
    expect(await metric(r.tw, 'tagwarden_destination_silent')).toBe(0)
    const lines = silenceLines(r.logs)
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatchObject({ level: 'info', msg: '[tagwarden] [pinterest-capi] delivering again after a silence since 2026-01-01T10:00:00.000Z' })
    await r.tw.close(0)
  })

  it('names the cause when events are accepted but none delivered, without the upstream text', async () => {
    const r = await rig({}, capi)
    await deliverOne(r)
    capi.setFaults({ down: true })
    r.clock.now = T0 + 30 * MIN
    await r.tw.runtime.ingest([event(r.clock.now)])
    await r.tw.runtime.dispatcher.flush()
    r.clock.now = T0 + 60 * MIN
    await r.tw.runtime.silence.check()
    const h = await health(r.tw)
    expect(h.silence.silent['pinterest-capi']).toEqual({ since: '2026-01-01T10:00:00.000Z', accepted_since: true })
    expect(h.alerts).toContain('[tagwarden] [pinterest-capi] silent: nothing delivered since 2026-01-01T10:00:00.000Z (more than 60 min); events are accepted for it but none delivered (check its delivery state, credentials and the dead letters)')
    capi.setFaults({})
    await r.tw.close(0)
  })

  it('watches a destination that never delivered from its first accepted event', async () => {
    const r = await rig({}, capi)
    capi.setFaults({ down: true })
    await r.tw.runtime.ingest([event(r.clock.now)])
    await r.tw.runtime.dispatcher.flush()
    r.clock.now = T0 + 60 * MIN
    await r.tw.runtime.silence.check()
    expect((await health(r.tw)).silence.silent['pinterest-capi']).toEqual({ since: '2026-01-01T10:00:00.000Z', accepted_since: true })
    capi.setFaults({})
    await r.tw.close(0)
  })

  it('stays quiet for a destination that never received anything, in dry-run, and when set to 0', async () => {
    for (const [env, live] of [[{}, true], [{}, false], [{ TAGWARDEN_SILENCE_ALARM_MINUTES: '0' }, true]] as const) {
      const r = await rig(env, live ? capi : undefined)
      if (!live || env.TAGWARDEN_SILENCE_ALARM_MINUTES) await deliverOne(r)
      r.clock.now = T0 + 24 * 60 * MIN
      await r.tw.runtime.silence.check()
      expect((await health(r.tw)).status).toBe('ok')
      expect(silenceLines(r.logs)).toEqual([])
      await r.tw.close(0)
    }
  })

  it('reads the setting strictly', () => {
    expect(parseConfig({}).silenceAlarmMinutes).toBe(60)
    expect(parseConfig({ TAGWARDEN_SILENCE_ALARM_MINUTES: '0' }).silenceAlarmMinutes).toBe(0)
    for (const bad of ['-1', '1.5', 'soon', '10081']) {
      expect(() => parseConfig({ TAGWARDEN_SILENCE_ALARM_MINUTES: bad }), bad).toThrow(ConfigError)
    }
  })

  it('the rule, on its own', () => {
    expect(decideSilence({}, 60, T0)).toBeUndefined()
    expect(decideSilence({ delivered: T0 - 59 * MIN }, 60, T0)).toBeUndefined()
    expect(decideSilence({ delivered: T0 - 60 * MIN }, 60, T0)).toEqual({ since: T0 - 60 * MIN, accepted_since: false })
    expect(decideSilence({ delivered: T0 - 90 * MIN, accepted: T0 - MIN }, 60, T0)).toEqual({ since: T0 - 90 * MIN, accepted_since: true })
    expect(decideSilence({ firstAccepted: T0 - 61 * MIN, accepted: T0 - MIN }, 60, T0)).toEqual({ since: T0 - 61 * MIN, accepted_since: true })
    expect(decideSilence({ delivered: T0 - 600 * MIN }, 0, T0)).toBeUndefined()
  })
})
