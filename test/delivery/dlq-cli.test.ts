// `tagwarden dlq list|replay` (the built CLI) next to a running server on the same fs store and on
// a shared Redis: a replay is picked up by the server, keeps its event_id, and is sent once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'
import { liveCapi } from '../helpers/build-app'
import { redisAvailability, startRedis, type RedisServer } from '../helpers/redis'
import { assertBuilt, kill9, postTo, startChild, type Child } from './child'
import { waitFor } from './harness'

const CLI = join(process.cwd(), 'dist/cli.js')
const dirs: string[] = []
const children: Child[] = []
let fake: FakeCapi
beforeAll(assertBuilt)
afterEach(async () => {
  for (const c of children.splice(0)) if (c.proc.exitCode === null) await kill9(c)
  await fake?.close()
})
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

// Asynchronous on purpose: the fake Pinterest lives in this process and must keep answering.
const dlq = (storage: string, ...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const env = { PATH: process.env.PATH ?? '', TAGWARDEN_STORAGE: storage, TAGWARDEN_LOG_LEVEL: 'silent' }
    execFile(process.execPath, [CLI, 'dlq', ...args], { env, encoding: 'utf8', timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })

async function scenario(storage: string) {
  fake = await startFakeCapi()
  fake.rejectEventIds(['dl-3'], 'Invalid parameter: event_source_url')
  const server = await startChild({ ...liveCapi(fake.url), TAGWARDEN_STORAGE: storage })
  children.push(server)
  const acked = await postTo(server.url, Array.from({ length: 5 }, (_, i) => `dl-${i}`))
  expect(acked).toHaveLength(5)
  await waitFor('dead-lettered', async () => (await dlq(storage, 'list')).stdout.includes('dl-3'), 10_000)

  const list = await dlq(storage, 'list')
  expect(list.status).toBe(0)
  expect(list.stdout).toMatch(/pinterest-capi {2}dl-3 {2}dead \S+ {2}attempts 1 {2}last HTTP 422/)
  expect(list.stdout).toMatch(/rejected by Pinterest: Invalid parameter: event_source_url/)
  const json = JSON.parse((await dlq(storage, 'list', '--json')).stdout.trim())
  expect(json).toMatchObject({ dest: 'pinterest-capi', item: { id: 'dl-3', payload: { event_id: 'dl-3' } }, response: { status: 422 } })

  fake.rejectEventIds([])
  const replay = await dlq(storage, 'replay', '--id', 'dl-3')
  expect(replay.status).toBe(0)
  expect(JSON.parse(replay.stdout)).toEqual({ dest: 'pinterest-capi', replayed: ['dl-3'], skipped: [] })
  await waitFor('the running server sent the replay', () => fake.countById('dl-3') === 1, 10_000)
  // The counts below are final once nothing could send again: the server has nothing queued and no
  // request in flight, and the fake has finished with every request it got.
  await waitFor('the server idle', async () => {
    const h = await (await fetch(`${server.url}/tw/_/health`)).json()
    return h.outbox['pinterest-capi'] === 0 && h.delivery['pinterest-capi'].in_flight === 0 && fake.open === 0
  }, 10_000)

  const again = await dlq(storage, 'replay', '--id', 'dl-3')
  expect(again.status).toBe(1)
  expect(JSON.parse(again.stdout).skipped).toEqual([{ id: 'dl-3', reason: 'not in the dead-letter store' }])
  // Nothing left: the listing says so rather than printing nothing.
  expect((await dlq(storage, 'list')).stdout).toMatch(/^\[tagwarden\] \[dlq\] no dead letters for pinterest-capi in (fs|redis):/)
  expect((await dlq(storage, 'list', '--json')).stdout).toBe('')
  for (let i = 0; i < 5; i++) expect(fake.countById(`dl-${i}`)).toBe(1)
}

describe('tagwarden dlq (built CLI)', () => {
  it('lists and replays dead letters on an fs store while the server runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-dlq-'))
    dirs.push(dir)
    await scenario(`fs:${dir}`)
  }, 60_000)

  it('explains bad usage and a memory store', async () => {
    const usage = await dlq('fs:/tmp/nowhere', 'replay')
    expect(usage.status).toBe(1)
    expect(usage.stderr).toMatch(/replay needs --id <event_id> \(repeatable\) or --all/)
    const memory = await dlq('memory:', 'list')
    expect(memory.status).toBe(1)
    expect(memory.stderr).toMatch(/dead letters live only inside the running server/)
  })

  const mode = redisAvailability()
  describe.skipIf(mode === 'skip')('on Redis', () => {
    let redis: RedisServer
    beforeAll(async () => { redis = await startRedis() })
    afterAll(async () => redis?.stop())
    it('lists and replays dead letters on a shared Redis while an instance runs', async () => {
      await scenario(redis.url)
    }, 60_000)
  })
})
