import { parseArgs } from 'node:util'
import { createOutbox } from '../delivery/outbox'
import type { DeadLetter } from '../delivery/types'
import { batchDestinations } from '../destinations'
import type { StorageSpec } from '../config'
import { createStore } from '../storage/create-store'
import { loadConfig } from './load-config'
import { COMMAND_USAGE } from './usage'

const USAGE = COMMAND_USAGE.dlq

/**
 * `tagwarden dlq list|replay` — inspect and replay dead letters in the configured storage
 * (fs: the running server picks replays up within a second; redis: any instance sends them).
 */
export async function dlqCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args
  const { values } = parseArgs({
    args: rest,
    options: { dest: { type: 'string' }, id: { type: 'string', multiple: true }, all: { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: false,
  })
  if (action !== 'list' && action !== 'replay') throw new Error(`[tagwarden] [dlq] unknown action "${action ?? ''}"\n\n${USAGE}`)
  if (action === 'replay' && !values.all === !values.id?.length) throw new Error(`[tagwarden] [dlq] replay needs --id <event_id> (repeatable) or --all\n\n${USAGE}`)
  const config = await loadConfig()
  if (config.storage.kind === 'memory') throw new Error('[tagwarden] [dlq] TAGWARDEN_STORAGE is memory: — dead letters live only inside the running server; use fs:<dir> or redis://…')
  const names = batchDestinations(config).map((d) => d.name)
  if (values.dest && !names.includes(values.dest)) throw new Error(`[tagwarden] [dlq] unknown destination "${values.dest}" (known: ${names.join(', ')})`)
  const store = createStore(config.storage)
  try {
    const outbox = createOutbox(store.storage, { redis: store.redis, dir: store.dir, passive: true, maxEventAgeMs: config.delivery.maxEventAgeDays * 86_400_000 })
    for (const dest of values.dest ? [values.dest] : names) {
      if (action === 'list') print(await outbox.queue.deadLetters(dest), !!values.json, `${dest} in ${storageName(config.storage)}`)
      else {
        const result = await outbox.queue.replay(dest, values.all ? 'all' : values.id!)
        process.stdout.write(`${JSON.stringify({ dest, ...result })}\n`)
        if (result.skipped.length && !result.replayed.length) process.exitCode = 1
      }
    }
    await outbox.queue.close()
  } finally {
    await store.close()
  }
}

/** The storage a listing came from, as the user configured it (Redis credentials left out). */
const storageName = (s: StorageSpec) => (s.kind === 'fs' ? `fs:${s.dir}` : s.kind === 'redis' ? s.url.replace(/\/\/[^@/]*@/, '//<credentials>@') : 'memory:')

function print(letters: DeadLetter[], json: boolean, where: string): void {
  if (json) {
    for (const d of letters) process.stdout.write(`${JSON.stringify(d)}\n`)
    return
  }
  if (!letters.length) return void process.stdout.write(`[tagwarden] [dlq] no dead letters for ${where}\n`)
  for (const d of letters) {
    const last = d.response ? (d.response.status ? `HTTP ${d.response.status}` : d.response.error ?? '') : '—'
    process.stdout.write(`${d.dest}  ${d.item.id}  dead ${new Date(d.deadAt).toISOString()}  attempts ${d.item.attempts}  last ${last}\n    ${d.reason}\n`)
  }
}
