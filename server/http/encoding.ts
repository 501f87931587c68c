import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'

/** A content coding tagwarden serves its browser files in (RFC 9110 §8.4.1). */
export type Coding = 'br' | 'gzip' | 'identity'

/** A file's body in every coding, each with its own ETag: a compressed body is another representation. */
export type Encoded = Record<Coding, { body: Buffer; etag: string }>

const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

/**
 * Compress a small text file once, at the strongest settings (it is served thousands of times per
 * build): gzip level 9, brotli quality 11 in text mode. `etag` is the identity ETag (`"…"`); the
 * compressed ones get `-br` / `-gz` inside the quotes.
 * @example const files = await encodeAll(loaderSource, '"abc"') // files.br.body, files.gzip.etag === '"abc-gz"'
 */
export async function encodeAll(text: string, etag: string): Promise<Encoded> {
  const body = Buffer.from(text, 'utf8')
  const [gz, br] = await Promise.all([
    gzipAsync(body, { level: 9 }),
    brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  ])
  const tagged = (suffix: string) => etag.replace(/"$/, `-${suffix}"`)
  return { identity: { body, etag }, gzip: { body: gz, etag: tagged('gz') }, br: { body: br, etag: tagged('br') } }
}

/**
 * The coding to answer with for an `Accept-Encoding` header: brotli if accepted, else gzip, else
 * none. `q=0` refuses a coding; `*` stands for any coding not named (RFC 9110 §12.5.3).
 * @example pickCoding('gzip, deflate, br;q=0') // 'gzip'
 */
export function pickCoding(header: string | null): Coding {
  if (!header) return 'identity'
  const q = new Map<string, number>()
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';')
    const weight = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined)
    if (name) q.set(name.trim() === 'x-gzip' ? 'gzip' : name.trim(), weight === undefined ? 1 : Number(weight) || 0)
  }
  const accepted = (coding: string) => (q.get(coding) ?? q.get('*') ?? 0) > 0
  return accepted('br') ? 'br' : accepted('gzip') ? 'gzip' : 'identity'
}
