import { HTTPError, type H3Event } from 'h3'
import { timingSafeEqual, hash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { z } from 'zod'
import { parseJsonExact } from '../json-exact'
import { hasLoneSurrogate } from '../lone-surrogate'

/**
 * Read a request body as text, refusing more than `limit` bytes with a 413 (checked against
 * Content-Length first, then while streaming so a lying or missing length cannot get past it).
 * The 413 closes the connection, so the rest of an oversized body is never read.
 * `exact`: the bytes themselves matter (a signature over them, a body forwarded as is), so a body
 * a host's JSON parser already consumed cannot stand in for them (see `hostBody`).
 */
export async function readBodyText(event: H3Event, limit: number, o: { exact?: boolean } = {}): Promise<string> {
  const declared = Number(event.req.headers.get('content-length') ?? '0')
  if (declared > limit) throw tooLarge(limit)
  const req = (event.runtime?.node as { req?: HostParsedRequest } | undefined)?.req
  if (req?.readableDidRead && !event.req.bodyUsed) return hostBody(req, event.req.headers.get('content-type') ?? '', limit, o.exact ?? false)
  const node = nodeRequest(event)
  return node ? readNodeBody(node, limit) : readWebBody(event, limit)
}

/** A Node request as a host framework may leave it: Express's body parsers set `body`, a parser's `verify` hook often keeps `rawBody`. */
type HostParsedRequest = IncomingMessage & { body?: unknown; rawBody?: unknown }

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i
/** An integer JSON.parse may have rounded (beyond 2^53 − 1): the parsed form no longer says what was sent. */
const hasUnsafeInteger = (v: unknown): boolean =>
  typeof v === 'number' ? Number.isInteger(v) && !Number.isSafeInteger(v) : !!v && typeof v === 'object' && Object.values(v).some(hasUnsafeInteger)

/**
 * The body when a host (Express/Connect) read the stream before tagwarden ran, e.g. a global
 * `express.json()`. Bytes the host kept are used as they are: `req.rawBody` (a `verify` hook) or a
 * Buffer/string `req.body` (`express.raw()`, `express.text()`). A JSON object the host parsed is
 * accepted where only its meaning counts (`exact` false) and JSON.parse cannot have changed it (no
 * integer beyond 2^53 − 1): written back as JSON it reads exactly as the original would. Anything
 * else answers 503 naming the fix: the sender (a shop's server, a webhook platform) retries a
 * 5xx, so nothing is lost once tagwarden is mounted before the parser.
 */
function hostBody(req: HostParsedRequest, contentType: string, limit: number, exact: boolean): string {
  const kept = req.rawBody ?? req.body
  if (typeof kept === 'string' || kept instanceof Uint8Array) {
    const bytes = typeof kept === 'string' ? Buffer.from(kept, 'utf8') : Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength)
    if (bytes.length > limit) throw tooLarge(limit)
    return bytes.toString('utf8')
  }
  if (!exact && JSON_TYPE.test(contentType) && kept && typeof kept === 'object' && !hasUnsafeInteger(kept)) {
    const text = JSON.stringify(kept)
    if (Buffer.byteLength(text) > limit) throw tooLarge(limit)
    return text
  }
  throw new HTTPError({
    status: 503,
    message:
      'the request body was already read by a body parser that runs before tagwarden (e.g. express.json()), and its exact bytes are gone' +
      (exact ? ' (a signature or a forwarded body needs them)' : '') +
      ": mount tagwarden before the body parser (app.use('/tw', tw.nodeHandler) first), or keep the raw bytes in req.rawBody",
  })
}

const tooLarge = (limit: number) => new HTTPError({ status: 413, message: `body larger than ${limit} bytes`, headers: { connection: 'close' } })
// A client that goes away mid-body (or a server timeout that cuts it) is the client's failure, not ours.
const cutOff = () => new HTTPError({ status: 400, message: 'request body was cut off before it ended' })

/**
 * The Node request behind the event when served by Node and its body is still unread. Reading it
 * directly skips the web ReadableStream h3 would wrap around it, the costliest step of a small POST.
 */
function nodeRequest(event: H3Event): IncomingMessage | undefined {
  const req = (event.runtime?.node as { req?: IncomingMessage } | undefined)?.req
  return req && req.readable && !req.readableDidRead && !event.req.bodyUsed ? req : undefined
}

function readNodeBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = () => {
      req.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      stop()
      req.pause()
      reject(tooLarge(limit))
    }
    const onEnd = () => {
      stop()
      resolve(Buffer.concat(chunks, size).toString('utf8'))
    }
    const onClose = () => {
      stop()
      reject(cutOff())
    }
    req.on('data', onData).on('end', onEnd).on('error', onClose).on('close', onClose)
  })
}

async function readWebBody(event: H3Event, limit: number): Promise<string> {
  const body = event.req.body
  if (!body) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw cutOff()
    })
    if (done) break
    size += value.byteLength
    if (size > limit) {
      void reader.cancel().catch(() => {})
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Parse JSON text or answer 400 saying so (lone UTF-16 surrogates included: valid JSON, not valid
 * Unicode). Integers beyond 2^53 − 1 (order ids) come back as strings of their exact digits.
 */
export function parseJson(text: string): unknown {
  if (!text.trim()) throw new HTTPError({ status: 400, message: 'empty body: expected JSON' })
  let value: unknown
  try {
    value = parseJsonExact(text)
  } catch (error) {
    throw new HTTPError({ status: 400, message: `body is not valid JSON: ${(error as Error).message}` })
  }
  if (hasLoneSurrogate(text, value)) throw new HTTPError({ status: 400, message: 'body is not valid Unicode: a \\uD800–\\uDFFF escape without its pair' })
  return value
}

/** Zod issues as `path: message` lines, paths written like `data[3].user_data.em`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root = ''): string[] {
  return issues.map((i) => {
    const path = i.path.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : p ? `${p}.${String(k)}` : String(k)), root)
    return `${path || 'body'}: ${i.message}`
  })
}

/** Validate with a zod schema or answer 400 listing every problem. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const problems = describeIssues(r.error.issues)
  throw new HTTPError({ status: 400, message: problems[0], data: { problems } })
}

const digest = (s: string) => hash('sha256', s, 'buffer')
/** Digests of the configured secrets (API keys, admin token): hashed once, not on every request. */
const allowedDigests = new WeakMap<readonly string[], Buffer[]>()

/** Constant-time comparison of a presented secret against the allowed ones. */
export function matchesSecret(presented: string | undefined, allowed: readonly string[]): boolean {
  if (!presented) return false
  let digests = allowedDigests.get(allowed)
  if (!digests) allowedDigests.set(allowed, (digests = allowed.map(digest)))
  const p = digest(presented)
  let ok = false
  for (const a of digests) ok = timingSafeEqual(p, a) || ok
  return ok
}

/** The bearer token of an `Authorization: Bearer …` header. */
export const bearerToken = (event: H3Event): string | undefined =>
  /^Bearer\s+(.+)$/i.exec(event.req.headers.get('authorization') ?? '')?.[1]?.trim()
