// The Redis setups users run, each with real redis-server processes: one server with persistence
// (append-only file) killed -9 and restarted; a primary, a replica and a Sentinel (redis-server
// --sentinel), the primary killed -9 under load so the replica is promoted. Every acknowledged event
// is delivered; re-sends stay within the requests in flight.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { parseConfig } from '../../server/config'
import { sentinelOptions } from '../../server/storage/create-store'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { liveCapi } from '../helpers/build-app'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'
import { assertBuilt, kill9, loadLoop, postTo, startChild, type Child } from './child'
import { expectExactlyOnce, waitFor } from './harness'

const mode = redisAvailability()
const dirs: string[] = []
const servers: RedisServer[] = []
const children: Child[] = []
let fake: FakeCapi | undefined
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) await kill9(c)
  for (const s of servers.splice(0)) await s.stop()
  await fake?.close()
})
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-redis-'))
  dirs.push(d)
  return d
}
const counts = () => {
  const m = new Map<string, number>()
  for (const r of fake!.received) m.set(r.event.event_id, (m.get(r.event.event_id) ?? 0) + 1)
  return m
}
const received = (ids: string[]) => {
  const at = counts()
  return ids.every((id) => at.has(id))
}
const health = async (c: Child) => (await fetch(`${c.url}/tw/_/health`)).json()

describe('Redis URLs', () => {
  it('accepts redis+sentinel://[user:password@]host:port[,host:port]/<master>[/<db>] and names a bad one', () => {
    expect(parseConfig({ TAGWARDEN_STORAGE: 'redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/tw/2' }).storage).toEqual({ kind: 'redis', url: 'redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/tw/2' })
    expect(sentinelOptions('redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2:26380/tw/2')).toEqual({
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }],
      name: 'tw',
      db: 2,
      password: 's3cret',
    })
    expect(sentinelOptions('redis+sentinel://app:p%40ss@s1:26379/mymaster')).toMatchObject({ username: 'app', password: 'p@ss', name: 'mymaster' })
    expect(() => parseConfig({ TAGWARDEN_STORAGE: 'redis+sentinel://s1/tw' })).toThrow(/redis\+sentinel:\/\/\[:password@\]host:26379/)
    expect(() => parseConfig({ TAGWARDEN_REDIS_WAIT_REPLICAS: '9' })).toThrow(/TAGWARDEN_REDIS_WAIT_REPLICAS must be between 0 and 5/)
    expect(parseConfig({}).delivery.redisWaitReplicas).toBe(0)
  })
})

describe.skipIf(mode === 'skip')('Redis topologies (real redis-server processes)', () => {
  beforeAll(assertBuilt)

  it('one server with persistence (appendonly, everysec): redis-server killed -9 and restarted, every event queued before is delivered once', async () => {
    fake = await startFakeCapi()
    fake.setFaults({ down: true })
    const dir = tmp()
    const redis = await startRedis({ aofDir: dir })
    servers.push(redis)
    const tw = await startChild({ ...liveCapi(fake.url), TAGWARDEN_STORAGE: redis.url })
    children.push(tw)
    const ids = Array.from({ length: 1500 }, (_, i) => `aof-${i}`)
    const acked = (await Promise.all([postTo(tw.url, ids.slice(0, 500)), postTo(tw.url, ids.slice(500, 1000)), postTo(tw.url, ids.slice(1000))])).flat()
    expect(acked).toHaveLength(1500)
    // The process dies; its append-only file has every write it acknowledged.
    await redis.stop()
    servers.splice(servers.indexOf(redis), 1)
    const again = await startRedis({ port: redis.port, aofDir: dir })
    servers.push(again)
    fake.setFaults({})
    await waitFor('delivered after Redis came back', () => received(acked), 30_000)
    await waitFor('nothing left', async () => (await health(tw)).outbox['pinterest-capi'] === 0 && (await health(tw)).delivery['pinterest-capi'].in_flight === 0)
    expectExactlyOnce(fake, acked)
  }, 60_000)

  it('Sentinel: the primary killed -9 under load, a replica promoted; every acknowledged event delivered (TAGWARDEN_REDIS_WAIT_REPLICAS=1), re-sends within the requests in flight', async () => {
    fake = await startFakeCapi()
    fake.setFaults({ delayMs: 50 })
    // Two replicas, so that after the failover the new primary still has one to confirm writes.
    const primary = await startRedis()
    const replicas = [await startRedis({ replicaOf: primary.port }), await startRedis({ replicaOf: primary.port })]
    const sentinel = await startRedis({ sentinelFor: primary.port })
    servers.push(primary, ...replicas, sentinel)
    for (const r of replicas) {
      const watch = new Redis(r.url)
      try {
        await waitFor('replica in sync', async () => /master_link_status:up/.test(await watch.info('replication')), 15_000)
      } finally {
        watch.disconnect()
      }
    }
    const env = { ...liveCapi(fake.url), TAGWARDEN_STORAGE: `redis+sentinel://127.0.0.1:${sentinel.port}/tw`, TAGWARDEN_REDIS_WAIT_REPLICAS: '1' }
    const a = await startChild(env)
    const b = await startChild(env)
    children.push(a, b)
    const load = loadLoop(() => [a.url, b.url], 'sentinel', 100, 4)
    await waitFor('load accepted and partly delivered', () => load.acked.length >= 3000 && fake!.received.length >= 1000, 30_000)
    await primary.stop() // kill -9
    servers.splice(servers.indexOf(primary), 1)
    const s = new Redis(sentinel.url)
    try {
      await waitFor('the Sentinel promoted a replica', async () => replicas.map((r) => r.port).includes(Number(((await s.call('SENTINEL', 'get-master-addr-by-name', 'tw')) as string[])[1])), 30_000)
    } finally {
      s.disconnect()
    }
    const before = load.acked.length
    await waitFor('events acknowledged again after the failover', () => load.acked.length >= before + 2000, 30_000)
    await load.stop()
    await waitFor('every acknowledged event delivered', () => received(load.acked), 40_000)
    await waitFor('nothing left on either instance', async () => {
      const [ha, hb] = await Promise.all([health(a), health(b)])
      return ha.outbox['pinterest-capi'] === 0 && ha.delivery['pinterest-capi'].in_flight === 0 && hb.delivery['pinterest-capi'].in_flight === 0
    }, 30_000)
    const extra = fake.received.length - counts().size
    console.log(`[sentinel] ${load.acked.length} acked of ${load.offered.length} offered; ${extra} sent twice`)
    // Each instance re-sends at most what it had in flight when its primary died (4 requests of up to 1,000).
    expect(extra).toBeLessThanOrEqual(2 * 4 * 1000)
  }, 120_000)
})
