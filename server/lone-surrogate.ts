/** A `\uD800`–`\uDFFF` escape: in text decoded from UTF-8 the only way a lone surrogate can appear. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/
/** A high surrogate without its low half, or a low one without its high half. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/**
 * True when parsed JSON holds a string (value or key) with a lone UTF-16 surrogate: valid JSON,
 * but no valid Unicode — it cannot be encoded as UTF-8 or in a storage key, and Pinterest refuses
 * it. The text is checked first, so well-formed bodies cost one regex scan, never a walk.
 * @example hasLoneSurrogate('"\\ud800"', JSON.parse('"\\ud800"')) // true
 */
export function hasLoneSurrogate(text: string, value: unknown): boolean {
  if (!SURROGATE_ESCAPE.test(text)) return false
  const stack: unknown[] = [value]
  while (stack.length) {
    const v = stack.pop()
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return true
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) return true
        stack.push(child)
      }
    }
  }
  return false
}
