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
 */
export async function readBodyText(event: H3Event, limit: number): Promise<string> {
  const declared = Number(event.req.headers.get('content-length') ?? '0')
  if (declared > limit) throw tooLarge(limit)
  const node = nodeRequest(event)
  return node ? readNodeBody(node, limit) : readWebBody(event, limit)
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
