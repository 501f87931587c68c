import { C } from './config'
import { assign, D } from './env'

/**
 * POST a JSON body to `{p}{path}` as text/plain (no CORS preflight) with `fetch` keepalive, so it
 * survives the page unloading and the caller can wait for the answer (and its Set-Cookie).
 * Same-origin credentials are fetch's default.
 */
export const post = (path: string, body: unknown): Promise<unknown> =>
  fetch(C.p + path, { method: 'POST', body: JSON.stringify(body), keepalive: true }).catch(Boolean)

/** A `<script>` for `{p}{path}`, not yet in the page (inserted scripts run async). */
export const newScript = (path: string, onerror: () => unknown): HTMLScriptElement =>
  assign(D.createElement('script'), { src: C.p + path, onerror })
