// The misbehaviour machinery the local fake platform APIs share: an outage, a seeded error and
// rate-limit share, delays, a freeze that holds requests until thawed, and the count of requests
// whose client gave up before they were processed. Real HTTP on 127.0.0.1; nothing here knows any
// platform's wire format.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/** Misbehaviour to simulate, applied to every request until changed. */
export interface Faults {
  /** Outage: every connection is cut without an answer (the client sees a network error). */
  down?: boolean
  /** Share of requests (0–1) answered with the platform's temporary server error. */
  errorRate?: number
  /** Share of requests (0–1) answered 429 with `Retry-After: retryAfterS`. */
  rateLimitRate?: number
  retryAfterS?: number
  /** Wait this long before processing (share `delayRate`, default all); a client that gave up meanwhile is not recorded. */
  delayMs?: number
  delayRate?: number
  seed?: number
}

export interface FaultGate {
  readonly faults: Faults
  set(faults: Faults): void
  /** A seeded random number in [0, 1), so fault patterns repeat from run to run. */
  random(): number
  /** Hold every request (after its body arrived) until `thaw()`; clients that leave meanwhile are dropped. */
  freeze(): void
  thaw(): void
  /** Requests whose client disconnected before they were processed (never recorded). */
  readonly dropped: number
  /** The credential of each request being held right now (delay or freeze) whose client is still there. */
  readonly held: string[]
  /**
   * Read one request's body and apply `down`, the delay and the freeze to it. Resolves the body, or
   * undefined when the request must not be answered: the connection was cut (down) or the client
   * left before it was processed (counted in `dropped`).
   */
  admit(req: IncomingMessage, res: ServerResponse, credential: string): Promise<string | undefined>
}

export function createFaultGate(): FaultGate {
  let faults: Faults = {}
  let random = mulberry32(1)
  let frozen: { promise: Promise<void>; release: () => void } | undefined
  let dropped = 0
  const heldNow = new Set<{ credential: string }>()
  return {
    get faults() { return faults },
    set: (f) => {
      faults = f
      random = mulberry32(f.seed ?? 1)
    },
    random: () => random(),
    freeze: () => {
      if (frozen) return
      let release = () => {}
      const promise = new Promise<void>((r) => (release = r))
      frozen = { promise, release }
    },
    thaw: () => {
      const f = frozen
      frozen = undefined
      f?.release()
    },
    get dropped() { return dropped },
    get held() { return [...heldNow].map((h) => h.credential) },
    async admit(req, res, credential) {
      const holding = { credential }
      let gone = false
      res.on('close', () => {
        if (res.writableEnded) return
        gone = true
        heldNow.delete(holding)
      })
      const text = await readBody(req)
      if (faults.down) {
        req.socket.destroy()
        return undefined
      }
      if (!gone) heldNow.add(holding)
      if (faults.delayMs && random() < (faults.delayRate ?? 1)) await new Promise((r) => setTimeout(r, faults.delayMs))
      while (frozen) await frozen.promise
      heldNow.delete(holding)
      if (gone || res.destroyed) {
        dropped++
        return undefined
      }
      return text
    },
  }
}

/** The whole request body as text (UTF-8). */
export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    let s = ''
    req.setEncoding('utf8')
    req.on('data', (c) => (s += c))
    req.on('end', () => resolve(s))
    req.on('error', reject)
  })

export const safeJson = (s: string): unknown => {
  try { return JSON.parse(s) } catch { return s }
}

/** Listen on a free loopback port; resolves the base URL. */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

/** A small seeded PRNG (mulberry32) so fault patterns repeat from run to run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Lowercase 64-hex: the only form of SHA-256 both Meta and TikTok accept for hashed identifiers. */
export const isSha256Hex = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)

/** A string, or a non-empty array of strings: how Meta and TikTok take multi-valued identifiers. */
export const stringOrStrings = (v: unknown): string[] | undefined =>
  typeof v === 'string' ? [v] : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? v : undefined


export interface Reply { status: number; headers: Record<string, string>; body: string | Buffer }

export interface ScriptHost {
  url: string
  /** Paths requested, in order (scripts and everything else). */
  requests: string[]
  close(): Promise<void>
}

/**
 * A local fake of a platform's script/beacon host: serves `scripts` by path and hands every other
 * request (with its body) to `other`, answering 404 when that returns nothing.
 */
export async function startScriptHost(
  scripts: Record<string, string>,
  other: (req: IncomingMessage, url: URL, body: string) => Reply | undefined,
): Promise<ScriptHost> {
  const requests: string[] = []
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    requests.push(url.pathname)
    const body = await readBody(req)
    const script = Object.hasOwn(scripts, url.pathname) ? scripts[url.pathname] : undefined
    const reply: Reply = script !== undefined
      ? { status: 200, headers: { 'content-type': 'application/javascript' }, body: script }
      : other(req, url, body) ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' }
    res.writeHead(reply.status, reply.headers)
    res.end(reply.body)
  })
  return { url: await listenLocal(server), requests, close: () => closeServer(server) }
}
