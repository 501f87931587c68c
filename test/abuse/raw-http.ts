// Raw HTTP/1.1 over a socket: request targets and header bytes exactly as written (no client
// normalizes `..`, `//host` or absolute-form URLs, or refuses CR/LF), for tests against a real server.
import { connect, type Socket } from 'node:net'

export interface RawResponse {
  status: number
  headers: [string, string][]
  body: string
  /** The raw bytes received (latin1). */
  raw: string
}

/** Parse the first response on a socket's output (enough for these tests: one response, possibly chunked). */
export function parseResponse(raw: string): RawResponse {
  const end = raw.indexOf('\r\n\r\n')
  const head = end >= 0 ? raw.slice(0, end) : raw
  const [statusLine, ...lines] = head.split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
  const headers = lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as [string, string])
  return { status, headers, body: end >= 0 ? raw.slice(end + 4) : '', raw }
}

/**
 * Send `request` (written as given, latin1) and collect what comes back until the server closes or
 * `ms` pass. `Connection: close` in the request makes the server close after answering.
 */
export function rawRequest(port: number, request: string, ms = 3000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1')
    let raw = ''
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve(parseResponse(raw))
    }
    const timer = setTimeout(done, ms)
    socket.setEncoding('latin1')
    socket.on('data', (c: string) => (raw += c))
    socket.on('end', done)
    socket.on('close', done)
    socket.on('error', (e) => (raw ? done() : reject(e)))
    socket.write(request, 'latin1')
  })
}

/** A GET with `Connection: close` and the given extra header lines. */
export const rawGet = (port: number, target: string, headerLines: string[] = [], host = '127.0.0.1') =>
  rawRequest(port, [`GET ${target} HTTP/1.1`, `Host: ${host}`, 'User-Agent: Mozilla/5.0 raw', ...headerLines, 'Connection: close', '', ''].join('\r\n'))
