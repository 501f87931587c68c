import { post } from './send'
import type { Ctx } from './types'
import { hash } from './util'

/** Everything the loader knows for `POST {p}/ctx`. */
export const ctx: Ctx = {}

type Prints = Record<string, number>

/** Per-key hashes of what was last posted, kept in localStorage `tw_ctx_fp` (in memory when that fails). */
let mem: Prints = {}
let timer: ReturnType<typeof setTimeout>
/** The last ctx post: requests that need the `tw_ctx` cookie it sets (tag script, `/e`) wait for it. */
let inflight: Promise<unknown> = Promise.resolve()
/**
 * Consent is compared (and posted) only once it counts: when it lets the tag run (the tag's beacons
 * need it in the cookie), when a CMP decided, or once settled (wait `w` over, hook called, page
 * hidden). Before that it may be a passing state (a Consent Mode default the CMP is about to
 * update); comparing it with the last post would post on every page view.
 */
let consentCounts: unknown

const store = (v?: Prints): string | undefined => {
  try {
    return v ? (localStorage.tw_ctx_fp = JSON.stringify((mem = v))) : localStorage.tw_ctx_fp
  } catch (e) {}
}

/** Post what changed since the last post, on this page view or an earlier one. Debounced unless `now`. */
export function sync(now?: unknown, consent?: unknown): void {
  consentCounts ||= consent
  clearTimeout(timer)
  if (!now) return void (timer = setTimeout(sync, 0, 1))
  const fp: Prints = JSON.parse(store() || '0') || mem
  const body: Record<string, unknown> = {}
  let changed
  for (const k in ctx) {
    const v = ctx[k as keyof Ctx]
    const h = hash(v)
    if (v && k != 'epik_src' && (consentCounts || k != 'consent') && fp[k] != h) (fp[k] = h), (body[k] = v), (changed = 1)
  }
  if (changed) {
    if (body.epik) body.epik_src = ctx.epik_src
    inflight = post('/ctx', body)
    store(fp)
  }
}

/** Run `f` once the last ctx post is answered, so the request it makes carries the updated cookie. */
export const afterCtx = (f: () => unknown): unknown => inflight.then(f)

/** Drop the fingerprint (consent withdrawn): the next post sends everything again. */
export const forget = (): unknown => store({})
