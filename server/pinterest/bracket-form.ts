/** Keys that would reach an object's prototype; never assigned. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor'])
const KEY = /^([A-Za-z0-9_]{1,64})((?:\[[A-Za-z0-9_]{0,64}\]){0,4})$/
/** Bounds on what one beacon may build (a cart of 200 lines with 6 fields fits easily). */
const MAX_PAIRS = 2000
const MAX_INDEX = 999

type Node = Record<string, unknown>

/**
 * Nest bracket-form parameters the way the Pinterest image tag writes them (docs/pinterest-tag.md "Beacon parameters"):
 * `ed[value]=10&ed[line_items][0][product_id]=7` → `{ ed: { value: '10', line_items: [{ product_id: '7' }] } }`.
 * Plain keys stay strings; objects whose keys are all small integers become arrays. Malformed keys,
 * prototype keys and anything past the bounds are ignored rather than refused (a beacon is best effort).
 * @example parseBracketForm(new URLSearchParams('ed[value]=10')) // { ed: { value: '10' } }
 */
export function parseBracketForm(params: URLSearchParams): Node {
  const root: Node = Object.create(null)
  let pairs = 0
  for (const [key, value] of params) {
    if (++pairs > MAX_PAIRS) break
    const m = KEY.exec(key)
    if (!m) continue
    const path = [m[1], ...[...m[2].matchAll(/\[([A-Za-z0-9_]*)\]/g)].map((x) => x[1])]
    if (path.some((p) => FORBIDDEN.has(p) || p === '')) continue
    let node = root
    for (let i = 0; i < path.length - 1; i++) {
      const next = node[path[i]]
      if (next === undefined || typeof next !== 'object' || next === null) node[path[i]] = Object.create(null)
      node = node[path[i]] as Node
    }
    const last = path[path.length - 1]
    if (typeof node[last] !== 'object' || node[last] === null) node[last] = value
  }
  return toArrays(root) as Node
}

function toArrays(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value
  const node = value as Node
  const keys = Object.keys(node)
  for (const k of keys) node[k] = toArrays(node[k])
  if (keys.length && keys.every((k) => /^\d{1,3}$/.test(k) && Number(k) <= MAX_INDEX)) {
    return keys.map(Number).sort((a, b) => a - b).map((i) => node[String(i)])
  }
  return { ...node }
}
