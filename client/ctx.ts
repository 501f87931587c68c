import { post } from './send'
import type { Ctx, Decisions } from './types'
import { hash } from './util'

/** Everything the loader knows for `POST {p}/ctx`. */
export const ctx: Ctx = {}

type Prints = Record<string, number>

/**
 * Per-key hashes of what was last posted, kept in localStorage `tw_ctx_fp` for the next page views;
 * `mine`: what this page view posted itself. A key this page posted is compared with its own last
 * post, not the shared one: another tab with an older view of consent must not make the two post
 * in turn, each undoing the other.
 */
let mine: Prints = {}
let timer: ReturnType<typeof setTimeout>
/** The ctx post in flight (0: none). Posts go one at a time: a change made meanwhile is posted after its answer. */
let busy: Promise<unknown> | 0 = 0
/** Called with every answer (the loader re-decides, which also posts what changed meanwhile). */
let answered: () => unknown
/** This page view has asked the server once: the first post goes even when nothing changed, for the decision. */
let asked: unknown
/** The server's decisions for the browser tags (`{ 'pinterest-tag': { action, rule }, 'meta-pixel': …, 'tiktok-pixel': … }`), and the consent hash they were made for. */
let dec: Decisions | undefined
let decFor: number | undefined

const store = (v?: Prints): string | undefined => {
  try {
    return v ? (localStorage.tw_ctx_fp = JSON.stringify(v)) : localStorage.tw_ctx_fp
  } catch (e) {}
}

/**
 * The server's decisions for the browser tags, when they hold for the consent the loader reads now
 * (no signal on this page: whatever the server knows of the shopper holds).
 */
export const decisions = (): Decisions | undefined => (!ctx.consent || decFor == hash(ctx.consent) ? dec : undefined)

/**
 * Post what changed since the last post, on this page view or an earlier one; debounced unless
 * `now`. Consent is posted only once it is final (`final`: no CMP is still deciding), so a passing
 * state is not posted on every page view. One post at a time: the server merges each into the
 * cookie the one before set, so no field is lost. The answer carries the server's decision for the
 * tag (server/consent/browser.ts).
 */
export function sync(now?: unknown, final?: unknown): void {
  clearTimeout(timer)
  if (!now) return void (timer = setTimeout(sync, 0, 1))
  if (busy) return
  const fp: Prints = JSON.parse(store() || '0') || {}
  const body: Record<string, unknown> = {}
  let changed: unknown = !asked
  for (const k in ctx) {
    const v = ctx[k as keyof Ctx]
    const h = hash(v)
    if (v && k != 'epik_src' && (final || k != 'consent') && (k in mine ? mine[k] : fp[k]) != h) (fp[k] = mine[k] = h), (body[k] = v), (changed = 1)
  }
  if (changed) {
    const h = fp.consent
    asked = 1
    if (body.epik) body.epik_src = ctx.epik_src
    store(fp)
    busy = post('/ctx', body)
      .then((r) => (r as Response).json())
      .then((a) => ((dec = a.decisions), (decFor = h)))
      .catch(Boolean)
      .then(() => {
        busy = 0
        answered()
      })
  }
}

/** Set what runs after every answer. */
export const onAnswer = (f: () => unknown): unknown => (answered = f)

/**
 * Run `f` once no ctx post is in flight or waiting, so the request it makes carries the updated
 * cookie: what changed and is not posted yet (a click id read this moment, its post still to come
 * in this re-decision) is posted first.
 */
export const afterCtx = (f: () => unknown): unknown => (sync(1), busy ? busy.finally(() => afterCtx(f)) : f())

/** Drop the fingerprints (consent withdrawn): the next post sends everything again. */
export const forget = (): unknown => store((mine = {}))
