// The package as a user gets it: `npm pack` → a fresh TypeScript project installs the tarball,
// type-checks against dist/index.d.ts (NodeNext, strict, skipLibCheck off), proves the options are
// typed strictly (@ts-expect-error on wrong ones), serves /ctx and a beacon from the compiled
// consumer, and runs the installed `tagwarden serve`: health, an event through the events API, a
// clean stop on SIGTERM. Needs the build (`npm test` builds first) and the npm registry (the cache
// is used first); with CI=true an unreachable registry fails, never skips.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { packageFile } from '../../server/package-file'

const run = promisify(execFile)
const CI = process.env.CI === 'true'
const NETWORK = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|network request .* failed|request to .* failed/i

let dir: string | undefined
let server: ChildProcess | undefined
afterAll(async () => {
  if (server?.exitCode === null) server.kill('SIGKILL')
  if (dir) await rm(dir, { recursive: true, force: true })
})

const API_KEY = 'pack-test-api-key-0123456789'

/** Start the installed bin (`node_modules/.bin/tagwarden serve`) on a free port; resolves with its URL once it says it listens. */
function serveInstalled(cwd: string, env: Record<string, string>): Promise<{ url: string; logs: string[]; exited: Promise<number | null> }> {
  const child = spawn(join(cwd, 'node_modules', '.bin', 'tagwarden'), ['serve'], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  server = child
  const logs: string[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString())
      const m = /listening on (http:\/\/[^/\s"]+)/.exec(logs.join(''))
      if (m) resolve({ url: m[1], logs, exited })
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    void exited.then((code) => reject(new Error(`tagwarden serve exited with ${code}: ${logs.join('')}`)))
  })
}

const CONSUMER = `import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTagwarden, metaCapi, pinterestTag, tiktokEvents, type MetaCapiOptions, type TagwardenOptions, type TagwardenApp, type TikTokEventsOptions } from 'tagwarden'

// Meta's and TikTok's server copies, typed and built like Pinterest's (no token: dry-run).
const meta: MetaCapiOptions = { pixelId: '1234567890123456', apiUrl: 'http://127.0.0.1:9/v26.0' }
const tiktok: TikTokEventsOptions = { pixelCode: 'C4ABCDEFGH1234567890', apiUrl: 'http://127.0.0.1:9' }
export const serverCopies = [metaCapi(meta), tiktokEvents(tiktok)]

const options: TagwardenOptions = {
  storage: 'memory:',
  secrets: ['k1:0123456789abcdef0123456789abcdef'],
  logLevel: 'silent',
  defaultConsent: 'granted',
  trustedProxies: 'loopback',
  destinations: [pinterestTag({ tagId: '2612345678901', scriptOrigin: 'http://127.0.0.1:9', beaconOrigin: 'http://127.0.0.1:9' })],
}
// Never called: only the type checker reads these (the drivers refuse them at run time too).
export function wrongOptions(): unknown[] {
  // @ts-expect-error defaultConsent is 'granted' | 'denied'
  const wrongValue: TagwardenOptions = { defaultConsent: 'maybe' }
  // @ts-expect-error port belongs to serve, not to the options
  const wrongKey: TagwardenOptions = { port: 8787 }
  // @ts-expect-error a Meta pixel id is a string of digits, not a number
  const wrongPixel = metaCapi({ pixelId: 1234567890123456 })
  // @ts-expect-error a tag id is a string of digits, not a number
  return [wrongValue, wrongKey, wrongPixel, pinterestTag({ tagId: 2612345678901 })]
}
// The services behind the routes are internal: not in the package's types.
export function internals(app: TagwardenApp): unknown {
  // @ts-expect-error runtime is @internal (stripped from dist/index.d.ts)
  return app.runtime
}

const tw: TagwardenApp = await createTagwarden(options)
const server = createServer(tw.nodeHandler)
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const base = 'http://127.0.0.1:' + (server.address() as AddressInfo).port
const ctx = await fetch(base + '/tw/ctx', {
  method: 'POST',
  headers: { 'content-type': 'text/plain;charset=UTF-8', origin: base, 'user-agent': 'pack-test' },
  body: JSON.stringify({ epik: 'dj0yJnU9packed', epik_src: 'url' }),
})
const beacon = await fetch(base + '/tw/pin/ct/v3/?event=pagevisit&tid=2612345678901', { headers: { 'user-agent': 'pack-test' } })
console.log(JSON.stringify({ ctx: ctx.status, cookies: ctx.headers.getSetCookie(), beacon: beacon.status, beaconType: beacon.headers.get('content-type') }))
server.close()
await tw.close(0)
`

const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: ['node'], outDir: 'out', rootDir: '.' },
  include: ['index.ts'],
}

/** tsc's errors, by file: those inside a third-party package's own .d.ts are that package's, every other one is ours or the consumer's. */
function ownErrors(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /error TS\d+/.test(l))
    .filter((l) => !/^node_modules\//.test(l) || /^node_modules\/tagwarden\//.test(l))
}

describe('npm pack → a fresh TypeScript consumer', () => {
  it('installs, type-checks strictly, serves /ctx and a beacon, and runs the installed tagwarden serve', async (ctx) => {
    expect(existsSync(packageFile('dist', 'index.d.ts')), 'dist/ is not built: run npm run build (npm test does)').toBe(true)
    dir = await mkdtemp(join(tmpdir(), 'tw-pack-'))
    const { stdout: packed } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: packageFile() })
    const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }]
    const paths = files.map((f) => f.path)
    expect(paths).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/loader.js', 'package.json']))
    expect(paths.filter((p) => /^(server|test|client|bench)\//.test(p))).toEqual([])

    const app = join(dir, 'consumer')
    await run('mkdir', ['-p', app])
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG))
    await writeFile(join(app, 'index.ts'), CONSUMER)

    const started = performance.now()
    try {
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, filename), 'typescript@6', '@types/node@20'], { cwd: app, timeout: 240_000 })
    } catch (error) {
      const text = `${(error as { stderr?: string }).stderr ?? ''}${(error as Error).message}`
      if (!CI && NETWORK.test(text)) return ctx.skip(`npm registry unreachable (outside CI): ${text.slice(0, 200)}`)
      throw error
    }
    const installS = (performance.now() - started) / 1000
    console.log(`[pack] npm install of the tarball + typescript + @types/node took ${installS.toFixed(1)} s`)
    expect(await readdir(join(app, 'node_modules', 'tagwarden', 'dist'))).toContain('index.d.ts')

    const tsc = await run('npx', ['tsc', '-p', '.'], { cwd: app }).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? String(e),
    )
    expect(ownErrors(tsc), tsc).toEqual([])
    const thirdParty = tsc.split('\n').filter((l) => /error TS\d+/.test(l)).length
    console.log(`[pack] tsc (NodeNext, strict, skipLibCheck false): 0 errors in tagwarden's d.ts and the consumer, ${thirdParty} in other packages' own d.ts`)
    // The five @ts-expect-error lines hold: take the types away and each one becomes an error (TS2578).
    await writeFile(join(app, 'loose.ts'), CONSUMER.replace("from 'tagwarden'", "from './loose-types.js'"))
    await writeFile(join(app, 'loose-types.ts'), 'export const createTagwarden: any = 0; export const pinterestTag: any = 0; export const metaCapi: any = 0; export const tiktokEvents: any = 0; export type TagwardenOptions = any; export type TagwardenApp = any; export type MetaCapiOptions = any; export type TikTokEventsOptions = any\n')
    await writeFile(join(app, 'tsconfig.loose.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['loose.ts'] }))
    const loose = await run('npx', ['tsc', '-p', 'tsconfig.loose.json'], { cwd: app }).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? '',
    )
    expect(loose.match(/TS2578/g), loose).toHaveLength(5)

    const { stdout } = await run('node', ['out/index.js'], { cwd: app, timeout: 30_000 })
    const served = JSON.parse(stdout.trim().split('\n').at(-1)!)
    expect(served.ctx).toBe(200)
    expect(served.cookies.join('\n')).toMatch(/^_epik=dj0yJnU9packed;/m)
    expect(served.beacon).toBe(200)
    expect(served.beaconType).toBe('image/gif')

    const help = await run('npx', ['tagwarden', '--help'], { cwd: app })
    expect(help.stdout).toMatch(/serve/)

    // The installed server: dry-run (no Pinterest credentials, so nothing leaves this machine).
    const { url, logs, exited } = await serveInstalled(app, {
      PORT: '0',
      HOST: '127.0.0.1',
      TAGWARDEN_STORAGE: `fs:${join(dir, 'data')}`,
      TAGWARDEN_SECRET: 'k1:0123456789abcdef0123456789abcdef',
      TAGWARDEN_API_KEYS: API_KEY,
    })
    const health = await fetch(`${url}/tw/_/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', storage: { kind: 'fs', state: 'ok' }, dry_run: true })
    const post = () =>
      fetch(`${url}/tw/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ data: [{ event_name: 'checkout', event_id: 'ord_pack_1', user_data: { em: 'shopper@example.com' }, custom_data: { value: 12.5, currency: 'EUR' }, consent: { ad_storage: 'granted', ad_user_data: 'granted' } }] }),
      })
    const posted = await post()
    expect(posted.status).toBe(202)
    expect(await posted.json()).toEqual({ accepted: 1, events: [{ event_id: 'ord_pack_1', status: 'accepted' }] })
    // The same event again: the server kept the first (stored, deduplicated by event_id).
    expect((await (await post()).json()).events).toEqual([{ event_id: 'ord_pack_1', status: 'duplicate' }])
    server!.kill('SIGTERM')
    expect(await exited, logs.join('')).toBe(0)
    expect(logs.join('')).toMatch(/SIGTERM: shutting down/)
  }, 300_000)
})
