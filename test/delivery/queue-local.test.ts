import { describe } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createStorage } from 'unstorage'
import fsLiteDriver from 'unstorage/drivers/fs-lite'
import memoryDriver from 'unstorage/drivers/memory'
import { createLocalQueue } from '../../server/delivery/local-queue'
import { queueContract } from './queue-contract'

describe('local outbox store on memory', () => {
  queueContract(async (now) => {
    const storage = createStorage({ driver: memoryDriver() })
    return { queue: createLocalQueue(storage, now), reopen: async () => createLocalQueue(storage, now), cleanup: () => storage.dispose() }
  })
})

describe('local outbox store on fs', () => {
  queueContract(async (now) => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-queue-'))
    const open = () => createLocalQueue(createStorage({ driver: fsLiteDriver({ base: dir }) }), now)
    return { queue: open(), reopen: async () => open(), cleanup: async () => rmSync(dir, { recursive: true, force: true }) }
  })
})
