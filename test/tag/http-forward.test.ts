import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpForward } from '../../server/upstream/http-forward'
import { waitFor } from '../delivery/harness'

// The beacon forward over Node's http with keep-alive, against a real local server.
interface Seen { method?: string; url?: string; headers: IncomingMessage['headers']; body: string; socket: number }
let server: Server
let base: string
const seen: Seen[] = []
const sockets = new WeakMap<object, number>()
let socketCount = 0
/** Every client socket this process opens (Node publishes each on `net.client.socket`): here, the forward's. */
const clientSockets: Socket[] = []
const onClientSocket = (message: unknown) => void clientSockets.push((message as { socket: Socket }).socket)

beforeAll(async () => {
  subscribe('net.client.socket', onClientSocket)
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (c: string) => (body += c))
    req.on('end', () => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, ++socketCount)
      seen.push({ method: req.method, url: req.url, headers: req.headers, body, socket: sockets.get(req.socket)! })
      if (req.url?.startsWith('/redirect')) return void res.writeHead(302, { location: 'http://example.com/' }).end()
      if (req.url?.startsWith('/big')) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(64 * 1024))
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.writeHead(200).end('late'), 2_000)
      res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-cache' }).end('GIF89a')
    })
  })
  // Node's agent takes the server's `Keep-Alive: timeout=N` hint and keeps a socket for N − 1 s.
  server.keepAliveTimeout = 5_000
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  unsubscribe('net.client.socket', onClientSocket)
  return new Promise<void>((r) => server.close(() => r()))
})

describe('createHttpForward', () => {
  const forward = createHttpForward({ maxBytes: 1024 })

  it('sends method, headers and body, and returns status, type, cache-control and bytes', async () => {
    const a = await forward(`${base}/v3/?tid=1&event=checkout`, { method: 'POST', headers: { 'user-agent': 'UA-1', 'x-forwarded-for': '203.0.113.7', 'content-type': 'text/plain' }, body: 'ed=%7B%7D' })
    expect(a).toMatchObject({ status: 200, contentType: 'image/gif', cacheControl: 'no-cache', oversized: false })
    expect(Buffer.from(a.body).toString()).toBe('GIF89a')
    const last = seen.at(-1)!
    expect(last).toMatchObject({ method: 'POST', url: '/v3/?tid=1&event=checkout', body: 'ed=%7B%7D' })
    expect(last.headers).toMatchObject({ 'user-agent': 'UA-1', 'x-forwarded-for': '203.0.113.7' })
  })

  it('keeps the connection alive between beacons', async () => {
    await forward(`${base}/v3/?a=1`, { method: 'GET', headers: {} })
    await forward(`${base}/v3/?a=2`, { method: 'GET', headers: {} })
    const [x, y] = seen.slice(-2)
    expect(x.socket).toBe(y.socket)
  })

  it('still delivers after the upstream closed the idle keep-alive socket', async () => {
    await forward(`${base}/v3/?b=1`, { method: 'GET', headers: {} })
    expect(clientSockets.length).toBeGreaterThan(0)
    server.closeIdleConnections()
    // Every socket the forward kept is idle: wait until the client side has seen each one close.
    await waitFor('the forward saw the upstream close its idle sockets', () => clientSockets.every((s) => s.closed), 5_000)
    const a = await forward(`${base}/v3/?b=2`, { method: 'GET', headers: {} })
    expect(a.status).toBe(200)
    expect(seen.at(-1)!.url).toBe('/v3/?b=2')
    // …over a new connection: the closed one was not reused.
    expect(seen.at(-1)!.socket).not.toBe(seen.at(-2)!.socket)
  })

  it('never follows a redirect', async () => {
    const before = seen.length
    const a = await forward(`${base}/redirect`, { method: 'GET', headers: {} })
    expect(a.status).toBe(302)
    expect(seen.length).toBe(before + 1)
  })

  it('stops reading an answer past maxBytes', async () => {
    const a = await forward(`${base}/big`, { method: 'GET', headers: {} })
    expect(a.oversized).toBe(true)
    expect(a.body.byteLength).toBe(0)
  })

  it('rejects when the signal aborts, and refuses anything but http(s)', async () => {
    await expect(forward(`${base}/slow`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(50) })).rejects.toThrow()
    await expect(forward('file:///etc/passwd', { method: 'GET', headers: {} })).rejects.toThrow(/not an http/)
  })
})
