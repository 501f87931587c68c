import { randomUUID } from 'node:crypto'
import { createRuntime } from '../runtime'
import { createStore } from '../storage/create-store'
import { loadConfig } from './load-config'

/**
 * `tagwarden send-test-event` — one page_visit through the real pipeline and sender, marked
 * `?test=true` so Pinterest validates it without recording it; prints Pinterest's answer.
 */
export async function sendTestEventCommand(): Promise<void> {
  // The same settings with Pinterest's test mode on: the destination is built from them like any other.
  const base = await loadConfig({ ...process.env, PINTEREST_TEST_EVENTS: 'true' })
  if (base.dryRun) {
    throw new Error('[tagwarden] send-test-event needs PINTEREST_AD_ACCOUNT_ID and PINTEREST_ACCESS_TOKEN (it sends to Pinterest with ?test=true)')
  }
  const config = { ...base, defaultConsent: 'granted' as const }
  const answers: { status: number; body: string }[] = []
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init)
    const body = await res.clone().text()
    answers.push({ status: res.status, body })
    return res
  }
  // Memory storage: the test event must not mix with a running server's outbox.
  const rt = await createRuntime(config, { store: createStore({ kind: 'memory' }), fetch: recordingFetch })
  const event_id = `tagwarden-test-${randomUUID()}`
  const [result] = await rt.ingest([
    {
      name: 'page_visit',
      event_id,
      time: Math.floor(Date.now() / 1000),
      source: 'api',
      action_source: 'web',
      url: 'https://tagwarden.test/send-test-event',
      user: { client_ip_address: '203.0.113.7', client_user_agent: 'tagwarden send-test-event' },
      custom: {},
      consent: { ad_storage: 'granted', ad_user_data: 'granted', source: 'send-test-event' },
    },
  ])
  await rt.dispatcher.flush()
  await rt.store.close()
  process.stdout.write(`${JSON.stringify({ event_id, accepted: result.status, pinterest: answers.map((a) => ({ status: a.status, body: safeJson(a.body) })) }, null, 2)}\n`)
  if (!answers.length || answers.some((a) => a.status !== 200)) process.exitCode = 1
}

const safeJson = (s: string): unknown => {
  try { return JSON.parse(s) } catch { return s }
}
