import { cfg } from './event-id'
import { D, on } from '../env'
import type { Io } from '../types'

/** One Meta or TikTok pixel call for `POST {p}/e` (server/pixel-call.ts): the server makes that platform's copy with the same id. */
export interface PixelCall {
  px: 'meta' | 'tiktok'
  /** The platform's event name, as the page called it. */
  name: string
  id: string
  custom?: 1
  data: Record<string, unknown>
  loc: string
  ref: string
}

const out: PixelCall[] = []
let io: Io
let since = 0

/**
 * Every pixel call goes to the server (each platform deduplicates its pixel's copy by the id), once
 * the server's decisions for this consent are in (the server applies them), or 4 × `w` after the
 * first call waiting, or when the page hides: like `pintrk` events held for `/e` (client/loader.ts).
 * In batches of at most 50, after the ctx post in flight (its cookie carries the click ids).
 */
export function flush(now?: unknown): void {
  if (!out[0] || !(now || io[4]() || Date.now() - since > 4 * cfg.w)) return
  io[3](() => {
    while (out[0]) io[2]('/e', out.splice(0, 50))
  })
}

/** Queue a pixel call for the server; `x` lends the loader's context, post and decisions. */
export function mirror(x: Io, call: Omit<PixelCall, 'loc' | 'ref'>): void {
  if (!io) (io = x), on('pagehide', () => flush(1))
  if (!out[0]) since = Date.now()
  out.push({ ...call, loc: location.href, ref: D.referrer })
  flush()
}
