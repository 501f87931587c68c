// The built CLI as a new user meets it: usage instead of a surprise server, --help everywhere,
// every configuration problem at once, an empty dead-letter list that says so, and a start log
// that says where the demo and the inspector are.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const CLI = join(process.cwd(), 'dist/cli.js')
const dir = mkdtempSync(join(tmpdir(), 'tw-cli-help-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra })
const run = (args: string[], extra: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, ...args], { env: env(extra), encoding: 'utf8', timeout: 15_000 })

describe('tagwarden CLI for a new user', () => {
  it('with no arguments prints the usage and starts nothing', () => {
    const out = run([], { PORT: '0', TAGWARDEN_STORAGE: 'memory:' })
    expect(out.error).toBeUndefined()
    expect(out.status).toBe(2)
    expect(out.stdout).toMatch(/^usage: tagwarden <command>/)
    expect(out.stdout).toMatch(/PORT=3000 tagwarden serve/)
    expect(out.stderr).not.toMatch(/listening/)
  })

  it.each([
    [['serve', '--help'], /^usage: tagwarden serve\n[\s\S]*PORT=3000/],
    [['check', '--help'], /^usage: tagwarden check\n/],
    [['send-test-event', '-h'], /^usage: tagwarden send-test-event \[--dest <destination>\]\n/],
    [['consent', '--help'], /^usage: tagwarden consent explain /],
    [['consent', 'explain', '--help'], /^usage: tagwarden consent explain [\s\S]*--us-privacy/],
    [['dlq', '--help'], /^usage: tagwarden dlq list /],
    [['dlq', 'list', '--help'], /^usage: tagwarden dlq list /],
    [['dlq', 'replay', '--help'], /tagwarden dlq replay \(--id/],
    [['help', 'dlq'], /^usage: tagwarden dlq list /],
    [['--help'], /^usage: tagwarden <command>/],
  ])('%j prints its usage and does nothing else', (args, usage) => {
    // memory: storage would make `dlq` refuse, and a bad PORT would stop `serve`: --help must not get that far.
    const out = run(args, { TAGWARDEN_STORAGE: 'memory:', PORT: 'not-a-port' })
    expect(out.stderr).toBe('')
    expect(out.status).toBe(0)
    expect(out.stdout).toMatch(usage)
  })

  it('an option where the environment is meant is named, with the variable to set', () => {
    const out = run(['serve', '--port', '3000'])
    expect(out.status).toBe(2)
    expect(out.stderr).toMatch(/serve takes no arguments, got "--port" \(set PORT in the environment: PORT=3000 tagwarden serve\)/)
  })

  it('lists every configuration problem at once', () => {
    const out = run(['check'], { PORT: 'abc', TAGWARDEN_STORAGE: 'ftp://x', TAGWARDEN_API_KEYS: 'short', TAGWARDEN_CONFIG: join(dir, 'missing.json') })
    expect(out.status).toBe(78)
    expect(out.stderr).toMatch(/invalid configuration/)
    for (const problem of [/PORT must be a number/, /TAGWARDEN_STORAGE must be fs:<dir>, memory:, redis:\/\/… or redis\+sentinel:\/\/…, got "ftp:\/\/x"/, /TAGWARDEN_API_KEYS: every key must be at least 16 characters/, /TAGWARDEN_CONFIG: cannot read/]) {
      expect(out.stderr).toMatch(problem)
    }
  })

  it('`dlq list` on an empty store says so', () => {
    const out = run(['dlq', 'list'], { TAGWARDEN_STORAGE: `fs:${join(dir, 'data')}` })
    expect(out.status).toBe(0)
    expect(out.stdout).toBe(`[tagwarden] [dlq] no dead letters for pinterest-capi in fs:${join(dir, 'data')}\n`)
  })

  it('`serve` says where it listens, and where the demo and the inspector are', async () => {
    const child = spawn(process.execPath, [CLI, 'serve'], { env: env({ PORT: '0', TAGWARDEN_STORAGE: 'memory:' }), stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let out = ''
    const line = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString()
        const m = /^.*listening on .*$/m.exec(out)
        if (m) resolve(m[0])
      }
      child.stderr!.on('data', onData)
      child.stdout!.on('data', onData)
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)))
    })
    const record = JSON.parse(line)
    const base = /listening on (http:\/\/127\.0\.0\.1:\d+)\/tw\//.exec(record.msg)![1]
    expect(record.msg).toContain(`demo ${base}/demo/`)
    expect(record.msg).toContain(`inspector ${base}/tw/_/inspect`)
    expect(record).toMatchObject({ demo: `${base}/demo/`, inspector: `${base}/tw/_/inspect` })
    expect((await fetch(`${base}/demo/`)).status).toBe(200)
    expect((await fetch(`${base}/tw/_/inspect`)).status).toBe(200)
    child.kill('SIGTERM')
  })
})

// A config file with a broken consent rule is reported together with the environment's problems.
describe('configuration file problems', () => {
  it('come in the same list as the environment problems', () => {
    const file = join(dir, 'bad.json')
    writeFileSync(file, '{ "consent": { "rules": { "pinterest-capi": [{ "when": {}, "action": "strip", "fields": ["email"] }] } } }')
    const out = run(['check'], { PORT: 'abc', TAGWARDEN_CONFIG: file, TAGWARDEN_STORAGE: 'memory:' })
    expect(out.status).toBe(78)
    expect(out.stderr).toMatch(/PORT must be a number/)
    expect(out.stderr).toMatch(/TAGWARDEN_CONFIG consent\.rules\.pinterest-capi\[0\]\.fields\[0\]: unknown identifier "email"/)
  })
})
