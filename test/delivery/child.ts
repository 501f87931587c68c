// Start and load tagwarden servers in child processes (the built dist/), as the crash tests need.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { API_KEY, SECRET } from '../helpers/build-app'
import type { FakeCapi } from '../fakes/fake-capi'
import { pageVisit, waitFor } from './harness'

const FIXTURE = join(process.cwd(), 'test/fixtures/child-server.mjs')
export const DIST = join(process.cwd(), 'dist/index.js')
export const assertBuilt = () => {
  if (!existsSync(DIST)) throw new Error('dist/index.js is missing: run `npm run build` (npm test does it first)')
}

/** Child delivery timings: production ones scaled down (flush 1 s → 20 ms, lease 120 s → 6 s, timeout 30 s → 5 s). */
export const CHILD_DELIVERY = { flushIntervalMs: 20, requestTimeoutMs: 5_000, leaseMs: 6_000, probeIntervalMs: 200, backoff: { baseMs: 20, maxMs: 250, maxRetryAfterMs: 250 } }

export interface Child { proc: ChildProcess; url: string; logs: string[]; exited: Promise<number | null> }

export function startChild(env: Record<string, string>, delivery: object = CHILD_DELIVERY): Promise<Child> {
  const proc = spawn(process.execPath, [FIXTURE], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      TAGWARDEN_SECRET: SECRET,
      TAGWARDEN_API_KEYS: API_KEY,
      TAGWARDEN_LOG_LEVEL: 'warn',
      TW_DELIVERY: JSON.stringify(delivery),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: string[] = []
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${logs.join('')}`)), 15_000)
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString())
      const m = /LISTENING (http:\/\/\S+)/.exec(logs.join(''))
      if (m) {
        clearTimeout(timer)
        resolve({ proc, url: m[1], logs, exited })
      }
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', onData)
    void exited.then((code) => reject(new Error(`child exited with ${code}: ${logs.join('')}`)))
  })
}

export const kill9 = async (c: Child) => {
  c.proc.kill('SIGKILL')
  await c.exited
}

/**
 * SIGKILL a child whose requests the fake holds, then wait until the fake has seen them left (`held`
 * lists only requests whose client is still connected; with `credential`, only that client's). The
 * child's exit and its sockets closing reach this process as separate events, in either order: a
 * thaw before the close is seen would process a request whose sender is dead — a copy the test
 * would then count against tagwarden.
 */
export async function kill9Holding(c: Child, fake: Pick<FakeCapi, 'held'>, credential?: string): Promise<void> {
  await kill9(c)
  await waitFor('the fake saw the killed child leave', () => (credential ? !fake.held.includes(credential) : fake.held.length === 0))
}

/** POST one request of events to a child over HTTP; resolves with the ids acknowledged (202 accepted), [] on any failure. */
export async function postTo(url: string, ids: string[]): Promise<string[]> {
  try {
    const res = await fetch(`${url}/tw/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ data: ids.map((id) => pageVisit(id)) }),
    })
    if (res.status !== 202) return []
    const body = (await res.json()) as { events: { event_id: string; status: string }[] }
    return body.events.filter((e) => e.status === 'accepted').map((e) => e.event_id)
  } catch {
    return []
  }
}

/**
 * Keep POSTing batches of `per` fresh ids to the urls (round robin, `parallel` requests at a time)
 * until stopped. `acked` collects every id answered 202/accepted; `sent` every id ever offered.
 */
export function loadLoop(urls: () => string[], prefix: string, per = 20, parallel = 4) {
  const acked: string[] = []
  const offered: string[] = []
  const byUrl = new Map<string, number>()
  let n = 0
  let stopped = false
  const worker = async (w: number) => {
    for (let k = 0; !stopped; k++) {
      const list = urls()
      if (!list.length) return
      const ids = Array.from({ length: per }, () => `${prefix}-${n++}`)
      offered.push(...ids)
      const url = list[(w + k) % list.length]
      const got = await postTo(url, ids)
      acked.push(...got)
      byUrl.set(url, (byUrl.get(url) ?? 0) + got.length)
    }
  }
  const done = Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)))
  return {
    acked,
    offered,
    /** Acked ids per url (to show the load was spread). */
    byUrl,
    async stop() {
      stopped = true
      await done
    },
  }
}

/** Events a child has recorded as processed by Pinterest (its `tagwarden_events_sent_total`). */
export async function sentByChild(url: string): Promise<number> {
  const text = await (await fetch(`${url}/tw/_/metrics`)).text()
  const m = /^tagwarden_events_sent_total\{destination="pinterest-capi"\} (\d+)/m.exec(text)
  return m ? Number(m[1]) : 0
}

/**
 * Queue `ids` through a child whose every request Pinterest holds (none is processed), then kill it:
 * the events wait in the child's storage, untouched, for the next process to lease them at once.
 */
export async function queueUntouched(fake: FakeCapi, env: Record<string, string>, ids: string[]): Promise<void> {
  fake.freezeAfter(0)
  const loader = await startChild(env)
  const half = Math.ceil(ids.length / 2)
  const acked = (await Promise.all([postTo(loader.url, ids.slice(0, half)), postTo(loader.url, ids.slice(half))])).flat()
  if (acked.length !== ids.length) throw new Error(`queued ${acked.length} of ${ids.length}`)
  await waitFor('a request held', () => fake.held.length >= 1)
  await kill9Holding(loader, fake)
  fake.thaw()
  await waitFor('its requests dropped, never processed', () => fake.dropped >= 1 && fake.held.length === 0)
}
