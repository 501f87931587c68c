import { createReadStream, writeSync } from 'node:fs'
import { mkdir, open, readdir, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { groupAppends, type DoneEntry, type DoneLog } from './done-log'

/** The folder of done files inside an `fs:` store (not a storage key: the store's key listing skips it). */
export const DONE_LOG_DIR = 'outbox-done-log'
/** One file per destination and 10-minute slice; a slice older than the TTL is one unlink. */
const SLICE_MS = 10 * 60 * 1000
const SUFFIX = '.ndjson'

export interface DoneFileLogOptions {
  now: () => number
  /** How long finished ids are kept (48 h). */
  ttlMs: number
  /** A second process on the same directory (the `dlq` CLI): read only, never delete. */
  passive?: boolean
}

/**
 * The `fs:` outbox's record of finished event_ids: append-only files
 * `<dir>/outbox-done-log/<dest>/<slice>.ndjson`, one JSON line `{"at":…,"s":[ids],"d":[ids]}` per
 * settled request (appends in the same tick share one line), written synchronously like the outbox
 * segments (survives a kill -9 of the process, not a power loss). Nothing is ever merged or
 * rewritten: reading it back at start streams line by line, and expiry deletes whole slice files,
 * so memory and CPU stay flat however many ids go through. A torn last line (a crash mid-write)
 * belongs to an outcome never recorded, so it is skipped — those events are sent again.
 */
export function createDoneFileLog(dir: string, { now, ttlMs, passive = false }: DoneFileLogOptions): DoneLog {
  const root = join(dir, DONE_LOG_DIR)
  const open_ = new Map<string, { slice: number; fh: FileHandle }>()
  const chains = new Map<string, Promise<unknown>>()
  let lastExpiry = 0
  const destDir = (dest: string) => join(root, encodeURIComponent(dest))
  const sliceName = (slice: number) => slice.toString(36).padStart(8, '0')

  async function fileFor(dest: string, slice: number): Promise<FileHandle> {
    const cur = open_.get(dest)
    if (cur?.slice === slice) return cur.fh
    open_.delete(dest)
    await cur?.fh.close().catch(() => {})
    await mkdir(destDir(dest), { recursive: true })
    const fh = await open(join(destDir(dest), sliceName(slice) + SUFFIX), 'a')
    open_.set(dest, { slice, fh })
    return fh
  }

  async function write(dest: string, sent: string[], dead: string[]): Promise<void> {
    const at = now()
    const fh = await fileFor(dest, Math.floor(at / SLICE_MS))
    const line = Buffer.from(`${JSON.stringify({ at, s: sent, d: dead })}\n`)
    for (let off = 0; off < line.length; ) off += writeSync(fh.fd, line, off, line.length - off)
    if (at - lastExpiry >= 60_000) await expire()
  }

  /** Delete the slice files that ended more than the TTL ago. */
  async function expire(): Promise<void> {
    lastExpiry = now()
    if (passive) return
    const oldest = Math.floor((now() - ttlMs) / SLICE_MS)
    for (const d of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, d)).catch(() => [] as string[])) {
        if (name.endsWith(SUFFIX) && parseInt(name, 36) < oldest) await unlink(join(root, d, name)).catch(() => {})
      }
    }
  }

  return {
    async load(_keys, each) {
      await expire()
      const oldest = Math.floor((now() - ttlMs) / SLICE_MS)
      for (const d of (await readdir(root).catch(() => [] as string[])).sort()) {
        const dest = decodeURIComponent(d)
        const names = (await readdir(join(root, d)).catch(() => [] as string[])).filter((n) => n.endsWith(SUFFIX) && parseInt(n, 36) >= oldest).sort()
        for (const name of names) {
          const lines = createInterface({ input: createReadStream(join(root, d, name), 'utf8'), crlfDelay: Infinity })
          for await (const line of lines) {
            let rec: { at?: unknown; s?: unknown; d?: unknown }
            try {
              rec = JSON.parse(line)
            } catch {
              continue // a torn line: that outcome was never recorded
            }
            if (typeof rec?.at !== 'number') continue
            if (Array.isArray(rec.d) && rec.d.length) each({ dest, state: 'dead', at: rec.at, ids: rec.d as string[] })
            if (Array.isArray(rec.s) && rec.s.length) each({ dest, state: 'sent', at: rec.at, ids: rec.s as string[] })
          }
        }
      }
    },
    // Writes of one destination run one after another (a slice change reopens its file).
    append: groupAppends((dest, sent, dead) => {
      const run = () => write(dest, sent, dead)
      const next = (chains.get(dest) ?? Promise.resolve()).then(run, run)
      chains.set(dest, next.catch(() => {}))
      return next
    }),
    async close() {
      for (const [dest, { fh }] of open_) {
        open_.delete(dest)
        await fh.close().catch(() => {})
      }
    },
  }
}

export type { DoneEntry }
