import { rewriteJsonExact } from '../json-exact'

/** Changes to a beacon's partner data (`pd`): keys to set, keys to remove. */
export interface PdEdit {
  set?: Record<string, string>
  remove?: string[]
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)

const fail = (): never => {
  throw new TypeError('pd is not an object')
}

function editObject(pd: Record<string, unknown>, edit: PdEdit): Record<string, unknown> {
  const out = { ...pd }
  for (const k of edit.remove ?? []) delete out[k]
  for (const [k, v] of Object.entries(edit.set ?? {})) if (k !== 'country' || !out.country) out[k] = v
  return out
}

/**
 * Edit a beacon's partner data in the encoding the beacon already uses (docs/pinterest-tag.md "Beacon parameters", "LDP"):
 * the JS tag's `pd={"em":…}` JSON, or the image tag's `pd[opt_out_type]=LDP&pd[country]=<sha256>`
 * bracket form. Used for Limited Data Processing (`set: { opt_out_type: 'LDP', country }`) and for a
 * consent rule that strips the hashed email (`remove: ['em']`). An existing `country` is kept.
 * Returns new parameters; the input is not changed.
 * @example editPartnerData(new URLSearchParams('pd={"em":"…"}'), { set: { opt_out_type: 'LDP' } }).get('pd') // '{"em":"…","opt_out_type":"LDP"}'
 */
export function editPartnerData(params: URLSearchParams, edit: PdEdit): URLSearchParams {
  const out = new URLSearchParams(params)
  const json = out.get('pd')
  if (json !== null) {
    try {
      out.set('pd', rewriteJsonExact(json || '{}', (pd) => editObject(isObject(pd) ? pd : fail(), edit)))
      return out
    } catch {
      // not JSON: edit the bracket form below
    }
  }
  const keys = [...out.keys()]
  const bracket = keys.some((k) => k.startsWith('pd[') || k.startsWith('ed['))
  if (!bracket && json === null) {
    const pd = editObject({}, edit)
    if (Object.keys(pd).length) out.set('pd', JSON.stringify(pd))
    return out
  }
  for (const k of edit.remove ?? []) out.delete(`pd[${k}]`)
  for (const [k, v] of Object.entries(edit.set ?? {})) if (k !== 'country' || !out.get('pd[country]')) out.set(`pd[${k}]`, v)
  return out
}

/**
 * The same edit on a JSON beacon body (`{"event":…,"pd":{…}}` or `"pd":"{…}"`); undefined when the
 * body is not a JSON object. Everything else is written back as it came, numbers digit for digit.
 */
export function editPartnerDataJson(body: string, edit: PdEdit): string | undefined {
  try {
    return rewriteJsonExact(body, (b) => {
      if (!isObject(b)) throw new TypeError('not a JSON object')
      if (typeof b.pd === 'string') return { ...b, pd: rewriteJsonExact(b.pd, (pd) => editObject(isObject(pd) ? pd : fail(), edit)) }
      const pd = b.pd ?? {}
      return { ...b, pd: editObject(isObject(pd) ? pd : fail(), edit) }
    })
  } catch {
    return undefined
  }
}

