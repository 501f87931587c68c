import type { Config } from '../config'
import type { BatchOutcome, Destination } from '../destinations/define-destination'
import type { LastResponse } from './types'

/** What one request came to: the destination's reading of the answer, or a network problem. */
export interface Answer {
  /** `network`: no answer; `timeout` when the request was sent and none came in time (its outcome is unknown). */
  outcome: BatchOutcome | { kind: 'network'; reason: string; timeout?: boolean }
  response: LastResponse
}

/** Keep dead letters small: the first 2 kB of a response body is enough to see why. */
const BODY_SNIPPET = 2048

/**
 * Send one batch and classify the answer. Never throws: a timeout or a refused connection is a
 * `network` outcome (retried with backoff like a 5xx).
 * @example const { outcome } = await postBatch(pinterestCapi, config, fetch, payloads, 30_000)
 */
export async function postBatch(
  dest: Destination,
  config: Config,
  fetchFn: typeof fetch,
  payloads: unknown[],
  timeoutMs: number,
  abort?: AbortSignal,
): Promise<Answer> {
  const req = dest.toRequest(payloads)
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = abort ? AbortSignal.any([timeout, abort]) : timeout
  try {
    const res = await fetchFn(req.url, { method: req.method, headers: req.headers, body: req.body, signal })
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* not JSON: keep the text */ }
    return { outcome: dest.fromResponse(res.status, body, res.headers, payloads.length), response: { status: res.status, body: text.slice(0, BODY_SNIPPET) } }
  } catch (error) {
    const reason = timeout.aborted ? `no answer within ${+(timeoutMs / 1000).toFixed(1)} s` : abort?.aborted ? 'aborted at shutdown' : `network error: ${(error as Error).cause ?? (error as Error).message}`
    return { outcome: { kind: 'network', reason, timeout: timeout.aborted }, response: { status: 0, error: reason } }
  }
}
