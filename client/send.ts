import { C } from './config'

/**
 * POST a JSON body to `{p}{path}` as text/plain (no CORS preflight) with `fetch` keepalive, so it
 * survives the page unloading and the caller can wait for the answer (and its Set-Cookie).
 * Same-origin credentials are fetch's default.
 */
export const post = (path: string, body: unknown): Promise<unknown> =>
  fetch(C.p + path, { method: 'POST', body: JSON.stringify(body), keepalive: true }).catch(Boolean)
