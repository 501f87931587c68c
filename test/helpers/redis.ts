// Start a real redis-server for a test: a free port, no persistence, killed after the suite.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

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

/**
 * Start `redis-server` on a free port (or `port`) with persistence off; resolves once it accepts
 * connections. With `dir`, every write is appended and fsync'd there (`appendfsync always`), so a
 * server killed and started again on the same port and dir has everything it acknowledged.
 */
export async function startRedis(o: { port?: number; dir?: string } = {}): Promise<RedisServer> {
  const port = o.port ?? (await freePort())
  const persistence = o.dir ? ['--dir', o.dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      if (/Ready to accept connections/i.test(out)) {
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
