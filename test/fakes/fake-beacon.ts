// A local fake of Pinterest's beacon host (ct.pinterest.com): records every request and answers
// like Pinterest does for /v3/ (a 1×1 GIF) and /user/ (a small JSON). Real HTTP on 127.0.0.1.
import { createServer, type IncomingMessage, type Server } from 'node:http'

export interface BeaconHit {
  method: string
  path: string
  /** The request target exactly as received (path + query). */
  raw: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
  /** `ed` of the beacon, parsed (JSON form) — convenient for assertions. */
  ed: Record<string, unknown>
  pd: Record<string, unknown>
}

export interface FakeBeacon {
  url: string
  hits: BeaconHit[]
  /** Answer the next requests with this status (e.g. 500), or 0 to answer normally again. */
  failWith(status: number): void
  close(): Promise<void>
}

export const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')

const parse = (s: string | null): Record<string, unknown> => {
  try {
    return s ? (JSON.parse(s) as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

export async function startFakeBeacon(): Promise<FakeBeacon> {
  const hits: BeaconHit[] = []
  let failing = 0
  const server: Server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake')
      hits.push({ method: req.method ?? 'GET', path: url.pathname, raw: req.url ?? '/', query: url.searchParams, headers: req.headers, body, ed: parse(url.searchParams.get('ed')), pd: parse(url.searchParams.get('pd')) })
      if (failing) {
        res.writeHead(failing, { 'content-type': 'text/plain' })
        return res.end('beacon upstream down')
      }
      if (url.pathname.startsWith('/user')) {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ aemEnabled: false, aemFnLnEnabled: false }))
      }
      res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-cache' })
      res.end(GIF)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    failWith: (s) => (failing = s),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}
