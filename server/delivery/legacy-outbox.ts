import type { Storage } from 'unstorage'
import { join } from 'node:path'
import type { Logger } from '../log'

/** The last commit on main whose `fs:` outbox still reads (and drains) the key-per-commit layout. */
export const LAST_LEGACY_READER = 'fcdafe5'
/** Files of a leftover layout named in the message at most (the count says how many there are). */
const NAMED = 3

/** An `fs:` store holds queued events in the layout this version no longer reads (README "Delivery guarantees"). */
export class LegacyOutboxError extends Error {}

/**
 * Before the segment files (commit 256cdf5), the `fs:` outbox kept each group commit as one storage
 * key, `outbox:<dest>:<id>` (the file `<dir>/outbox/<dest>/<id>`). This version does not read them,
 * so a store that still holds one stops the start with LegacyOutboxError naming the files and how
 * to drain them: acknowledged events are never left behind unsent without a word. Files that hold
 * no commit (a write cut by a crash, never acknowledged, which older versions left in place) only
 * get a warning that they may be deleted.
 * @example await assertNoLegacyOutbox(store.storage, store.dir, log)
 */
export async function assertNoLegacyOutbox(storage: Storage, dir: string, log: Logger): Promise<void> {
  const keys = (await storage.getKeys('outbox')).filter((k) => k.startsWith('outbox:')).sort()
  if (!keys.length) return
  const queued: string[] = []
  const torn: string[] = []
  for (const key of keys) {
    const value = await storage.getItem<{ items?: unknown[] }>(key).catch(() => undefined)
    const file = join(dir, ...key.split(':'))
    if (Array.isArray(value?.items) && value.items.length) queued.push(file)
    else torn.push(file)
  }
  const folder = join(dir, 'outbox')
  const named = (files: string[]) => `${files.slice(0, NAMED).join(', ')}${files.length > NAMED ? ` and ${files.length - NAMED} more` : ''}`
  if (queued.length) {
    throw new LegacyOutboxError(
      `[tagwarden] [outbox] fs:${dir} holds ${queued.length} queued commit(s) in the outbox layout of versions before 256cdf5, which this version does not read: ${named(queued)}. ` +
        `To send them, run tagwarden from commit ${LAST_LEGACY_READER} or earlier on the same TAGWARDEN_STORAGE until ${folder} is empty (each file is deleted once its events are delivered or dead-lettered), then start this version. ` +
        `To drop them instead, move ${folder} out of the store.`,
    )
  }
  log.warn(`[tagwarden] [outbox] ${folder} holds ${torn.length} file(s) of the old outbox layout with no commit in them (writes cut by a crash, never acknowledged): they may be deleted`, { files: named(torn) })
}
