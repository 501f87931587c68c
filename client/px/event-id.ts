import type { LoaderConfig } from '../config'

/** The loader's config, as it hands it to the chunk (the chunk has no config slot of its own: client/cmp-entry.ts). */
export let cfg: LoaderConfig

/** Keep the config the loader passed on this read. */
export const useConfig = (c: LoaderConfig): unknown => (cfg = c)

/**
 * An event id as the loader gives `pintrk` calls (client/pintrk.ts): the deterministic
 * `ord_{order_id}` of config `o` for a purchase that names its order (so a thank-you page reload
 * and the order webhook agree: README "The event_id contract"), else a random UUID.
 */
export const eventId = (orderId: unknown): string =>
  orderId != null && orderId !== ''
    ? cfg.o.replace('{order_id}', orderId as string)
    : crypto.randomUUID?.() || (Math.random() + '').slice(2) + Date.now()
