// Start a real redis-server for a test: a free port, no persistence, killed after the suite.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'

export const REDIS_INSTALL = 'apt-get install -y redis-server'

export interface RedisServer { url: string; port: number; stop(): Promise<void> }

/** Whether `redis-server` is on PATH. */
export const hasRedisServer = () => spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0

/**
 * What a suite needing Redis does when `redis-server` is missing: in CI (CI=true) it must fail,
 * naming the install command; elsewhere it is skipped with a loud message.
 */
export function redisAvailability(): 'run' | 'skip' {
  if (hasRedisServer()) return 'run'
  const message = `[tagwarden] redis-server is not installed: the Redis tests need it (${REDIS_INSTALL})`
  if (process.env.CI === 'true') throw new Error(message)
  console.warn(`\n${'!'.repeat(100)}\n${message} — SKIPPING them\n${'!'.repeat(100)}\n`)
  return 'skip'
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

export interface RedisOptions {
  /** Listen here (default: a free port). */
  port?: number
  /** Append-only file in this directory (`appendfsync everysec`); default: no persistence. */
  aofDir?: string
  /** Like `aofDir` but every write fsync'd (`appendfsync always`): a server killed and started again
   *  on the same port and dir has everything it acknowledged. */
  dir?: string
  /** Start as a replica of this primary port. */
  replicaOf?: number
  /** Run as a Sentinel watching the primary on this port as master `tw` (quorum 1, down after 1 s). */
  sentinelFor?: number
}

/** Start `redis-server` (persistence off unless asked); resolves once it accepts connections. */
export async function startRedis(o: RedisOptions = {}): Promise<RedisServer> {
  const port = o.port ?? (await freePort())
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '']
  // A replica writes the snapshot it syncs from to its directory: never the working tree.
  if (o.dir) args.push('--appendonly', 'yes', '--appendfsync', 'always', '--dir', o.dir)
  else if (o.aofDir) args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', o.aofDir)
  else args.push('--appendonly', 'no', '--dir', mkdtempSync(join(tmpdir(), 'tw-redis-data-')))
  if (o.replicaOf) args.push('--replicaof', '127.0.0.1', String(o.replicaOf))
  if (o.sentinelFor) {
    // A Sentinel needs a writable config file of its own.
    const file = join(mkdtempSync(join(tmpdir(), 'tw-sentinel-')), 'sentinel.conf')
    writeFileSync(file, [`port ${port}`, 'bind 127.0.0.1', `sentinel monitor tw 127.0.0.1 ${o.sentinelFor} 1`, 'sentinel down-after-milliseconds tw 1000', 'sentinel failover-timeout tw 5000', ''].join('\n'))
    args.splice(0, args.length, file, '--sentinel')
  }
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      if (/Ready to accept connections|Sentinel ID is/i.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
  }
}

/**
 * A real redis-server for the calling suite and one client on it, started before its tests and
 * stopped after; call inside the suite's `describe`.
 * @example const redis = redisClientForSuite(); it('…', async () => { await redis().ping() })
 */
export function redisClientForSuite(): () => Redis {
  let server: RedisServer | undefined
  let client: Redis | undefined
  beforeAll(async () => {
    server = await startRedis()
    client = new Redis(server.url)
  })
  afterAll(async () => {
    client?.disconnect()
    await server?.stop()
  })
  return () => {
    if (!client) throw new Error('[test] redisClientForSuite: the suite has not started')
    return client
  }
}

