// `npm run bench`: the real server against a bare h3 baseline in the same run, both driven by
// autocannon from a separate process, reported as ratios. Prints a table and writes
// bench/results/latest.json. Every process here listens on 127.0.0.1 only.
import { spawn, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir, cpus, totalmem } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync, brotliCompressSync } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const QUICK = process.argv.includes('--quick')
const DURATION = QUICK ? 3 : 8
const children = []

function start(args, env, ready) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start:\n${out}`)), 20_000)
    const on = (c) => {
      out += c
      const m = ready.exec(out)
      if (m) { clearTimeout(timer); resolve({ child, port: Number(m[1]) }) }
    }
    child.stdout.on('data', on)
    child.stderr.on('data', on)
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}:\n${out}`)))
  })
}

function load(scenario) {
  const out = execFileSync(process.execPath, [join(here, 'load.mjs'), JSON.stringify({ duration: DURATION, ...scenario })], { encoding: 'utf8', maxBuffer: 1 << 24 })
  return JSON.parse(out)
}

const peakRss = (pid) => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : NaN
}
const stats = async (url) => (await fetch(`${url}/_stats`)).json()
const pct = (xs, p) => {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function main() {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('dist/cli.js missing: run `npm run build` first (npm run bench does)')
  const data = mkdtempSync(join(tmpdir(), 'tw-bench-'))
  const fake = await start([join(here, 'fake-upstream.mjs')], {}, /READY (\d+)/)
  const upstream = `http://127.0.0.1:${fake.port}`
  const base = await start([join(here, 'baseline.mjs')], { UPSTREAM: upstream }, /READY (\d+)/)
  const baseUrl = `http://127.0.0.1:${base.port}`
  const API_KEY = 'bench-api-key-0123456789'
  const tw = await start([join(root, 'dist/cli.js'), 'serve'], {
    PORT: '0', TAGWARDEN_STORAGE: `fs:${data}`, TAGWARDEN_SECRET: 'bench:0123456789abcdef0123456789abcdef',
    TAGWARDEN_API_KEYS: API_KEY, TAGWARDEN_LOG_LEVEL: 'error', TAGWARDEN_DEMO: 'false',
    PINTEREST_API_URL: upstream, PINTEREST_SCRIPT_ORIGIN: upstream, PINTEREST_BEACON_ORIGIN: upstream,
    PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_bench_token', PINTEREST_TAG_ID: '2612345678901',
  }, /listening on http:\/\/[^:]+:(\d+)/)
  const twUrl = `http://127.0.0.1:${tw.port}`
  const rows = []
  const result = { machine: { cpus: cpus().length, model: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version }, date: new Date().toISOString() }

  // A signed context cookie with consent granted, as a shopper who accepted the banner would have.
  const ctx = await fetch(`${twUrl}/tw/ctx`, {
    method: 'POST', headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ epik: 'bench-epik', consent: { ad_storage: 'granted', ad_user_data: 'granted', source: 'hook' } }),
  })
  const cookie = (ctx.headers.get('set-cookie') ?? '').split(';')[0]
  const beaconHeaders = { cookie, 'user-agent': 'Mozilla/5.0 bench', 'x-forwarded-for': '203.0.113.7' }

  // 1. Beacon path vs bare forwarding proxy.
  const beaconBase = load({ kind: 'beacon', url: baseUrl, path: '/beacon/v3/', headers: beaconHeaders })
  const beacon = load({ kind: 'beacon', url: twUrl, path: '/tw/pin/ct/v3/', headers: beaconHeaders })
  rows.push(['beacon path (req/s)', beacon.rps, beaconBase.rps, beacon.rps / beaconBase.rps, '≥ 0.7', `p50 ${beacon.p50} ms, p99 ${beacon.p99} ms, non-2xx ${beacon.non2xx}`])
  result.beacon = { tagwarden: beacon, baseline: beaconBase }

  // 2. /v1/events with 1-event bodies vs bare h3 JSON POST; 100-event bodies as events/s.
  const jsonHeaders = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }
  const one = load({ kind: 'events', batch: 1, method: 'POST', url: twUrl, path: '/tw/v1/events', headers: jsonHeaders })
  const bare = load({ kind: 'events', batch: 1, method: 'POST', url: baseUrl, path: '/json', headers: jsonHeaders })
  rows.push(['/v1/events, 1 event (req/s)', one.rps, bare.rps, one.rps / bare.rps, '≥ 0.5', `p50 ${one.p50} ms, p99 ${one.p99} ms, non-2xx ${one.non2xx}`])
  const hundred = load({ kind: 'events', batch: 100, method: 'POST', url: twUrl, path: '/tw/v1/events', headers: jsonHeaders, connections: 10 })
  rows.push(['/v1/events, 100 events (events/s)', hundred.rps * 100, '', '', '', `p99 ${hundred.p99} ms, non-2xx ${hundred.non2xx}`])
  result.events = { one, bare, hundred }

  // 3. Cached core.js with and without If-None-Match.
  const core = await fetch(`${twUrl}/tw/pin/core.js`)
  const etag = core.headers.get('etag') ?? ''
  const coreFull = load({ kind: 'static', url: twUrl, path: '/tw/pin/core.js' })
  const core304 = load({ kind: 'static', url: twUrl, path: '/tw/pin/core.js', headers: { 'if-none-match': etag } })
  rows.push(['core.js 200 (req/s)', coreFull.rps, '', '', '', `p99 ${coreFull.p99} ms`])
  rows.push(['core.js 304 (req/s)', core304.rps, '', '', '', `p99 ${core304.p99} ms, codes ${JSON.stringify(Object.keys(core304.statusCodes ?? {}))}`])
  result.core = { full: coreFull, notModified: core304 }

  // 4. Outbound at a steady 1,000 events/s: CAPI requests per 1,000 events and event→delivery delay.
  await sleep(1500)
  await fetch(`${upstream}/_reset`)
  const steady = load({ kind: 'events', batch: 1, method: 'POST', url: twUrl, path: '/tw/v1/events', headers: jsonHeaders, rate: 1000, connections: 20, duration: QUICK ? 4 : 10 })
  await sleep(2500)
  const s = await stats(upstream)
  const perThousand = s.capiEvents ? (s.capiRequests / s.capiEvents) * 1000 : NaN
  rows.push(['CAPI requests per 1,000 events @1k/s', perThousand, '', '', '≤ 3', `${s.capiEvents} events in ${s.capiRequests} requests (accepted ${steady.total})`])
  rows.push(['delivery delay p50 / p99 (s)', `${pct(s.delays, 50)} / ${pct(s.delays, 99)}`, '', '', 'p99 ≤ 2', 'event_time (s) → arrival at fake CAPI'])
  result.outbound = { capiRequests: s.capiRequests, capiEvents: s.capiEvents, perThousand, delayP50: pct(s.delays, 50), delayP99: pct(s.delays, 99) }

  // 5. Peak RSS under 5,000 events/s.
  load({ kind: 'events', batch: 10, method: 'POST', url: twUrl, path: '/tw/v1/events', headers: jsonHeaders, rate: 500, connections: 20, duration: QUICK ? 3 : 8 })
  const rss = peakRss(tw.child.pid)
  rows.push(['peak RSS at 5,000 events/s (MB)', rss, '', '', '≤ 250', ''])
  result.peakRssMb = rss

  // 6. Loader size.
  const loaderPath = join(root, 'dist/loader.js')
  if (existsSync(loaderPath)) {
    const code = readFileSync(loaderPath)
    result.loader = { raw: code.length, gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code).length }
    rows.push(['loader size gzip / brotli (bytes)', `${result.loader.gzip} / ${result.loader.brotli}`, '', '', 'gzip ≤ 2500', `raw ${result.loader.raw}`])
  }

  const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v))
  const header = ['measure', 'tagwarden', 'baseline', 'ratio', 'target', 'notes']
  const table = [header, ...rows.map((r) => r.map(fmt))]
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)))
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '))
  result.rows = rows
  mkdirSync(join(here, 'results'), { recursive: true })
  writeFileSync(join(here, 'results/latest.json'), JSON.stringify(result, null, 2))
  console.log(`\nwritten bench/results/latest.json (${result.machine.cpus} cores, ${result.machine.model}, node ${result.machine.node})`)
  rmSync(data, { recursive: true, force: true })
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    for (const c of children) c.kill('SIGKILL')
  })
