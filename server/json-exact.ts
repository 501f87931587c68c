import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json'

/**
 * A number of 16 or more digits in value position. Every integer beyond 2^53 − 1 has at least 16
 * digits, so text without one parses exactly with `JSON.parse`; only text with one (a Shopify order
 * id like 820982911946154508, docs/order-webhooks.md "Ids") takes the slower exact path. A string
 * holding such digits after a colon or comma triggers it too, which costs time, never correctness.
 */
const LONG_NUMBER = /[:,[]\s*-?\d{16}/

/** An integer literal beyond ±(2^53 − 1) keeps its digits as a string; every other number is a number as JSON.parse makes it. */
const exactNumber = (digits: string): unknown => {
  const n = Number(digits)
  return /^-?\d+$/.test(digits) && !Number.isSafeInteger(n) ? digits : n
}

/**
 * `JSON.parse` that never rounds an id: integers beyond 2^53 − 1 come back as strings of their
 * exact digits (`{"id":9007199254740993}` → `{ id: '9007199254740993' }`), where `JSON.parse`
 * would make both 9007199254740993 and 9007199254740992 the same number. Node 20 has no
 * source-text access in `JSON.parse` revivers (V8 ships it later), so the exact path uses
 * lossless-json. Syntax errors are `JSON.parse`'s own; text that lossless-json refuses although
 * it is valid JSON (an object with a key twice) keeps `JSON.parse`'s reading.
 * @example parseJsonExact('{"id":820982911946154508}').id // '820982911946154508'
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text)
  if (!LONG_NUMBER.test(text)) return value
  try {
    return parseLossless(text, null, exactNumber)
  } catch {
    return value
  }
}

/**
 * Change parsed JSON and write it back with every number exactly as it was written (a beacon's
 * `ed.order_id` of 18 digits is forwarded as those 18 digits). Throws when the text is not JSON.
 * @example rewriteJsonExact('{"a":9007199254740993,"pd":{}}', (o) => ({ ...o, pd: { x: 1 } })) // '{"a":9007199254740993,"pd":{"x":1}}'
 */
export function rewriteJsonExact(text: string, edit: (value: unknown) => unknown): string {
  if (!LONG_NUMBER.test(text)) return JSON.stringify(edit(JSON.parse(text)))
  JSON.parse(text)
  let parsed: unknown
  try {
    // Numbers stay LosslessNumber objects, which stringify writes back digit for digit.
    parsed = parseLossless(text)
  } catch {
    return JSON.stringify(edit(JSON.parse(text)))
  }
  return stringifyLossless(edit(parsed)) ?? 'null'
}
