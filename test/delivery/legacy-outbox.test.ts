// An fs store that still holds queued events in the key-per-commit layout of versions before the
// segment files: this version does not read it, so the start stops with an error naming the files
// and how to drain them (never a silent loss); files with no commit in them only warn.
import { afterAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../server/app'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { createLocalQueue } from '../../server/delivery/local-queue'
import { LAST_LEGACY_READER, LegacyOutboxError } from '../../server/delivery/legacy-outbox'
import { createStore } from '../../server/storage/create-store'
import { SECRET } from '../helpers/build-app'
import { item } from './queue-contract'

const D = 'pinterest-capi'
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'tw-legacy-'))
  dirs.push(d)
  return d
}

/** Start the app on `fs:<dir>` as `tagwarden serve` would, keeping its log lines. */
function start(dir: string) {
  const lines: string[] = []
  const config = parseConfig({ TAGWARDEN_STORAGE: `fs:${dir}`, TAGWARDEN_SECRET: SECRET, TAGWARDEN_LOG_LEVEL: 'warn' })
  return { lines, app: createApp(config, { store: createStore(config.storage), log: createLogger('warn', (l) => lines.push(l)) }) }
}

/** Commits in the old layout, written the way older versions did on fs (one storage key each). */
async function writeOldLayout(dir: string, ids: string[]) {
  const store = createStore({ kind: 'fs', dir })
  const old = createLocalQueue(store.storage) // no dir: one key per commit
  await old.commit(D, ids.map((id) => item(id)))
  await old.close()
  return (await store.storage.getKeys('outbox')).map((k) => join(dir, ...k.split(':')))
}

describe('fs store with the outbox layout of an older version', () => {
  it('stops the start naming the files, the version that drains them and how to drop them; the files stay', async () => {
    const dir = tmp()
    const [file] = await writeOldLayout(dir, ['old-1', 'old-2'])
    expect(existsSync(file)).toBe(true)
    const error = await start(dir).app.then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(LegacyOutboxError)
    const message = (error as Error).message
    expect(message).toContain(`fs:${dir} holds 1 queued commit(s)`)
    expect(message).toContain(file)
    expect(message).toContain(`commit ${LAST_LEGACY_READER}`)
    expect(message).toContain(`move ${join(dir, 'outbox')} out of the store`)
    expect(existsSync(file)).toBe(true)
  })

  it('starts once the old folder is gone (drained by an older version, or moved away)', async () => {
    const dir = tmp()
    await writeOldLayout(dir, ['old-1'])
    await expect(start(dir).app).rejects.toThrow(LegacyOutboxError)
    rmSync(join(dir, 'outbox'), { recursive: true })
    const tw = await start(dir).app
    await tw.close(0)
  })

  it('starts with a warning when the old files hold no commit (writes cut by a crash, never acknowledged)', async () => {
    const dir = tmp()
    mkdirSync(join(dir, 'outbox', D), { recursive: true })
    writeFileSync(join(dir, 'outbox', D, '0abc'), '{"items":[{"id":"to')
    const { app, lines } = start(dir)
    const tw = await app
    await tw.close(0)
    const warning = lines.map((l) => JSON.parse(l) as { level: string; msg: string; files?: string }).find((l) => l.msg.includes('old outbox layout'))
    expect(warning).toMatchObject({ level: 'warn', files: join(dir, 'outbox', D, '0abc') })
  })
})
