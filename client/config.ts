/**
 * The public config the server inlines into `dist/loader.js`: it replaces the first occurrence of the
 * identifier below with a JSON object, so the source names it exactly once (a test checks the build).
 */
export interface LoaderConfig {
  /** Route prefix, e.g. `/tw`. */
  p: string
  /** Pinterest tag id the loader loads, or `''` when the page calls `pintrk('load', …)` itself. */
  t: string
  /** event_id template for a checkout with an order_id, e.g. `ord_{order_id}` (docs/design.md "event_id contract"). */
  o: string
  /** OneTrust group id that means "marketing/targeting", e.g. `C0004` (docs/consent-signals.md §5). */
  g: string
  /**
   * Milliseconds to wait for a consent decision (a CMP may still appear) or for the tag to come up
   * before falling back to `{p}/e`; while a CMP is on the page but undecided, events wait up to 4 × `w`.
   */
  w: number
}

declare const __TW_CONFIG__: LoaderConfig

declare global {
  /** Build-time flag: terser's `global_defs` sets it to false, so debug-only code is removed. */
  const __DEBUG__: boolean
}

export const C: LoaderConfig = __TW_CONFIG__
