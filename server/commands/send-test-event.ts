import { randomUUID } from 'node:crypto'
import { AD_MEASUREMENT } from '../consent/declared-rules'
import { batchDestinations, drivers } from '../destinations'
import { createRuntime } from '../runtime'
import { createStore } from '../storage/create-store'
import { loadConfig } from './load-config'

/**
 * How each platform takes a test event (validated and shown, never counted), as its driver declares
 * it (`testMode`): Pinterest's `test=true` switch, Meta's and TikTok's Test Events code from Events
 * Manager (which only the shop can copy). A destination whose driver declares none is never sent one.
 */
const TEST_MODE = new Map(drivers.flatMap((d) => (d.testMode ? [[d.destinationName, d.testMode] as const] : [])))

/** "A and B, C and D, or E and F": the variables that make each destination with a test mode live. */
function credentialsList(): string {
  const each = [...TEST_MODE.values()].map((m) => m.credentials.join(' and '))
  return each.length > 1 ? `${each.slice(0, -1).join(', ')}${each.length > 2 ? ',' : ''} or ${each.at(-1)}` : (each[0] ?? 'none')
}

/** `--dest <name>` (repeatable, or comma-separated); nothing = every destination with credentials. */
function parseArgs(args: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes('=') ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)] : [args[i], undefined]
    if (flag !== '--dest') throw new Error(`[tagwarden] [send-test-event] unknown option "${args[i]}"; the one option is --dest <destination>`)
    const value = inline ?? args[++i]
    if (!value) throw new Error('[tagwarden] [send-test-event] --dest needs a destination name, such as meta-capi')
    out.push(...value.split(',').map((s) => s.trim()).filter(Boolean))
  }
  return out
}

/**
 * `tagwarden send-test-event [--dest <name>]` — one view_content through the real pipeline and sender
 * of each chosen destination, in that platform's test mode; prints each platform's answer.
 */
export async function sendTestEventCommand(args: string[] = []): Promise<void> {
  const asked = parseArgs(args)
  const env: Record<string, string | undefined> = { ...process.env }
  for (const mode of TEST_MODE.values()) Object.assign(env, mode.env)
  const base = await loadConfig(env)
  const all = batchDestinations(base)
  for (const name of asked) {
    if (!all.some((d) => d.name === name)) throw new Error(`[tagwarden] [send-test-event] "${name}" is not a configured destination; configured: ${all.map((d) => d.name).join(', ') || 'none'}`)
  }
  const chosen = all.filter((d) => d.live && (!asked.length || asked.includes(d.name)))
  const notLive = all.filter((d) => !d.live && asked.includes(d.name)).map((d) => d.name)
  if (notLive.length) throw new Error(`[tagwarden] [send-test-event] ${notLive.join(', ')} has no credentials (dry-run): nothing would be sent`)
  if (!chosen.length) throw new Error(`[tagwarden] send-test-event needs a destination with credentials: ${credentialsList()}`)
  const skipped: Record<string, string> = {}
  const ready = chosen.filter((d) => {
    const mode = TEST_MODE.get(d.name)
    if (!mode) {
      skipped[d.name] = 'its driver declares no test mode, so a test event would count as a real one'
      return false
    }
    const needs = mode.needs
    if (!needs || env[needs]) return true
    skipped[d.name] = `set ${needs} (Events Manager → Test Events) so ${d.platform} shows the test event without counting it`
    return false
  })
  if (asked.length && Object.keys(skipped).length) throw new Error(`[tagwarden] [send-test-event] ${Object.entries(skipped).map(([n, why]) => `${n}: ${why}`).join('; ')}`)
  if (!ready.length) throw new Error(`[tagwarden] [send-test-event] no destination can send a test event: ${Object.entries(skipped).map(([n, why]) => `${n}: ${why}`).join('; ')}`)

  const config = { ...base, defaultConsent: 'granted' as const }
  const event_id = `tagwarden-test-${randomUUID()}`
  const out: Record<string, unknown> = { event_id }
  let failed = false
  for (const dest of ready) {
    // Consent granted for exactly what the destination declares it needs (its shipped rules then allow it).
    const needs = dest.consent ?? AD_MEASUREMENT
    const granted = Object.fromEntries([...needs.storage, ...(needs.userData ? [needs.userData] : [])].map((f) => [f, 'granted']))
    const answers: { status: number; body: string }[] = []
    const recordingFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init)
      answers.push({ status: res.status, body: await res.clone().text() })
      return res
    }
    // Memory storage: the test event must not mix with a running server's outbox.
    const rt = await createRuntime(config, { store: createStore({ kind: 'memory' }), fetch: recordingFetch, destinations: [dest] })
    const [result] = await rt.ingest([
      {
        name: 'view_content',
        event_id,
        time: Math.floor(Date.now() / 1000),
        source: 'api',
        action_source: 'web',
        url: 'https://tagwarden.test/send-test-event',
        user: { client_ip_address: '203.0.113.7', client_user_agent: 'tagwarden send-test-event' },
        custom: {},
        consent: { ...granted, source: 'send-test-event' },
      },
    ])
    await rt.dispatcher.flush()
    const status = rt.dispatcher.status()[dest.name]
    await rt.store.close()
    // Keyed by platform (`pinterest`, `meta`, `tiktok`): each platform's own answers, as it gave them.
    out[dest.platform.toLowerCase()] = answers.map((a) => ({ status: a.status, body: safeJson(a.body) }))
    out.accepted ??= result.status
    if (!answers.length || status.state !== 'ok' || status.counts.dead > 0) failed = true
  }
  if (Object.keys(skipped).length) out.skipped = skipped
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`)
  if (failed) process.exitCode = 1
}

const safeJson = (s: string): unknown => {
  try { return JSON.parse(s) } catch { return s }
}
