// Slowloris against a real server: clients that trickle their headers or their body are cut off
// by the server's timeouts (408 / closed), while other clients are answered in the meantime;
// nothing half-sent is accepted, and no trickle shows up as an unhandled error.
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { TEST_SECRET } from '../tag/build'
import { rawRequest } from './raw-http'
import { waitFor } from '../delivery/harness'

/** Scaled down from the production 30 s / 15 s so the test runs in seconds. */
const REQUEST_TIMEOUT_MS = 1_500
const HEADERS_TIMEOUT_MS = 1_000
const SLOW_CLIENTS = 40

let server: Running
let port: number
const logs: string[] = []

beforeAll(async () => {
  const config = parseConfig({ PORT: '0', TAGWARDEN_STORAGE: 'memory:', TAGWARDEN_SECRET: TEST_SECRET, TAGWARDEN_DEFAULT_CONSENT: 'granted', PINTEREST_BEACON_ORIGIN: 'http://127.0.0.1:9' })
  server = await startServer(
    config,
    { store: createStore({ kind: 'memory' }), log: createLogger('debug', (l) => logs.push(l)) },
    { port: 0, requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: HEADERS_TIMEOUT_MS },
  )
  port = Number(new URL(server.url).port)
})
afterAll(() => server.close(0))

interface Slow { socket: Socket; closedAt?: number; received: string; done: Promise<void> }

/** Open a connection, write `head`, then one byte of `drip` every `everyMs` until the server hangs up. */
function trickle(head: string, drip: string, everyMs = 150): Slow {
  const socket = connect(port, '127.0.0.1')
  const slow: Slow = { socket, received: '', done: Promise.resolve() }
  let i = 0
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length])
  }, everyMs)
  slow.done = new Promise((resolve) => {
    socket.on('data', (c) => (slow.received += c.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      slow.closedAt = Date.now()
      resolve()
    })
  })
  socket.write(head)
  return slow
}

const EVENT = JSON.stringify({ event: 'checkout', ed: { event_id: 'slow-1', order_id: '1' } })
const ok = () => rawRequest(port, `GET /tw/_/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
const postEvent = (id: string) => {
  const body = JSON.stringify({ event: 'lead', ed: { event_id: id } })
  return rawRequest(port, `POST /tw/e HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
}

describe('slowloris', () => {
  it(`${SLOW_CLIENTS} clients trickling their headers are cut off; others are served meanwhile`, async () => {
    const slow = Array.from({ length: SLOW_CLIENTS }, () => trickle('POST /tw/e HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaa\r\n'))
    const answered: number[] = []
    for (let i = 0; i < 10; i++) {
      const [health, event] = await Promise.all([ok(), postEvent(`fast-h-${i}`)])
      expect(health.status).toBe(200)
      expect(event.status).toBe(202)
      answered.push(Date.now())
    }
    // Every fast request was answered while the slow clients still held their sockets.
    expect(slow.every((s) => s.closedAt === undefined)).toBe(true)
    await Promise.all(slow.map((s) => s.done))
    for (const s of slow) expect(s.received === '' || /^HTTP\/1\.1 408 /.test(s.received), s.received.slice(0, 60)).toBe(true)
  })

  it(`${SLOW_CLIENTS} clients trickling their bodies get a 408 and a closed socket; nothing half-sent is accepted`, async () => {
    const head = `POST /tw/e HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${EVENT.length + 10_000}\r\n\r\n`
    const slow = Array.from({ length: SLOW_CLIENTS }, () => trickle(head, EVENT))
    for (let i = 0; i < 10; i++) expect((await postEvent(`fast-b-${i}`)).status).toBe(202)
    expect(slow.every((s) => s.closedAt === undefined)).toBe(true)
    await Promise.all(slow.map((s) => s.done))
    for (const s of slow) expect(s.received === '' || /^HTTP\/1\.1 408 /.test(s.received), s.received.slice(0, 60)).toBe(true)
    expect(server.tw.runtime.journal.recent().some((e) => e.event_id === 'slow-1')).toBe(false)
    expect(server.tw.runtime.journal.recent().filter((e) => e.event_id.startsWith('fast-'))).toHaveLength(20)
  })

  it('the server is left with no open connections and logged no unhandled error', async () => {
    // The clients saw their sockets close; the server sees each close on its own side a moment later.
    const connections = () => new Promise<number>((resolve, reject) => server.server.getConnections((e, n) => (e ? reject(e) : resolve(n))))
    await waitFor('no connection open at the server', async () => (await connections()) === 0, 5_000)
    expect(logs.filter((l) => /"level":"error"/.test(l))).toEqual([])
  })
})
