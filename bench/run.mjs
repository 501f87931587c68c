// `npm run bench`: the real server against bare h3 baselines in the same run, all driven by
// autocannon from a separate process, reported as ratios. Prints a table and writes
// bench/results/latest.json. Every process listens on 127.0.0.1 only; nothing touches the internet.
//   node bench/run.mjs [--quick] [--profile]
//   --quick    shorter runs (a smoke test of the harness, numbers are noisier)
//   --profile  run the server under `node --cpu-prof`; the .cpuprofile lands in bench/results/profile/
import { execFile } from 'node:child_process'
import { children, start, statusMb as status } from './spawn.mjs'
import { promisify } from 'node:util'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir, cpus, totalmem } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync, brotliCompressSync } from 'node:zlib'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const QUICK = process.argv.includes('--quick')
const PROFILE = process.argv.includes('--profile')
const DURATION = QUICK ? 3 : 6

/** Events each server was sent (requests × events per request), by URL. */
const eventsSent = new Map()

/** One autocannon run in its own process (async, so this process can sample RSS meanwhile). */
async function load(scenario) {
  const { stdout } = await promisify(execFile)(process.execPath, [join(here, 'load.mjs'), JSON.stringify({ duration: DURATION, ...scenario })], { encoding: 'utf8', maxBuffer: 1 << 24 })
  const result = JSON.parse(stdout)
  if (scenario.kind !== 'static') eventsSent.set(scenario.url, (eventsSent.get(scenario.url) ?? 0) + result.total * (scenario.batch ?? 1))
  return result
}

/** Interleave baseline and target runs (B T B T …) and keep each one's median: the two share the machine's noise. */
async function compare(target, baseline, rounds = QUICK ? 1 : 3) {
  const t = []
  const b = []
  for (let i = 0; i < rounds; i++) {
    b.push(await load(baseline))
    t.push(await load(target))
  }
  const median = (rs) => [...rs].sort((x, y) => x.rps - y.rps)[Math.floor(rs.length / 2)]
  return { target: median(t), baseline: median(b), runs: { target: t.map((r) => r.rps), baseline: b.map((r) => r.rps) } }
}

const stats = async (url) => (await fetch(`${url}/_stats`)).json()
const pct = (xs, p) => {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const notes = (r) => `p50 ${r.p50} ms, p99 ${r.p99} ms${r.non2xx ? `, non-2xx ${r.non2xx}` : ''}${r.errors ? `, errors ${r.errors}` : ''}`

/** A tagwarden server (the built CLI, production settings, live CAPI to the fake) on `storage`. */
function startTagwarden(upstream, storage, nodeArgs = []) {
  return start([join(root, 'dist/cli.js'), 'serve'], {
    PORT: '0', NODE_ENV: 'production', TAGWARDEN_STORAGE: storage, TAGWARDEN_SECRET: 'bench:0123456789abcdef0123456789abcdef',
    TAGWARDEN_API_KEYS: API_KEY, TAGWARDEN_LOG_LEVEL: 'info', TAGWARDEN_DEMO: 'false', TAGWARDEN_TRUSTED_PROXIES: 'loopback',
    PINTEREST_API_URL: upstream, PINTEREST_SCRIPT_ORIGIN: upstream, PINTEREST_BEACON_ORIGIN: upstream,
    PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_bench_token', PINTEREST_TAG_ID: '2612345678901',
  }, /listening on http:\/\/[^:]+:(\d+)/, nodeArgs).then((p) => ({ ...p, url: `http://127.0.0.1:${p.port}` }))
}

const API_KEY = 'bench-api-key-0123456789'
const jsonHeaders = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }

/** A signed context cookie with consent granted, as a shopper who accepted the banner would have. */
async function shopperCookie(twUrl) {
  const ctx = await fetch(`${twUrl}/tw/ctx`, {
    method: 'POST', headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ epik: 'bench-epik', consent: { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' } }),
  })
  const cookie = (ctx.headers.get('set-cookie') ?? '').split(';')[0]
  if (!cookie.startsWith('tw_ctx=')) throw new Error(`POST /tw/ctx set no cookie (status ${ctx.status})`)
  return { cookie, 'user-agent': 'Mozilla/5.0 bench', 'x-forwarded-for': '203.0.113.7' }
}

async function main() {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('dist/cli.js missing: run `npm run build` first (npm run bench does)')
  const dirs = [mkdtempSync(join(tmpdir(), 'tw-bench-')), mkdtempSync(join(tmpdir(), 'tw-bench-'))]
  const fake = await start([join(here, 'fake-upstream.mjs')], {}, /READY (\d+)/)
  const upstream = `http://127.0.0.1:${fake.port}`
  const base = await start([join(here, 'baseline.mjs')], { UPSTREAM: upstream }, /READY (\d+)/)
  const baseUrl = `http://127.0.0.1:${base.port}`
  const profileDir = join(here, 'results/profile')
  if (PROFILE) mkdirSync(profileDir, { recursive: true })
  // The server as shipped (fs outbox), and the same build on memory storage: the pair tells the
  // disk's share (an outbox commit creates a file) from the CPU's.
  const tw = await startTagwarden(upstream, `fs:${dirs[0]}`, PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])
  const twMem = await startTagwarden(upstream, 'memory:')
  const rows = []
  const result = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    date: new Date().toISOString(),
    quick: QUICK,
    durationS: DURATION,
  }
  const beaconHeaders = await shopperCookie(tw.url)
  const beaconHeadersMem = await shopperCookie(twMem.url)
  const beaconAt = (url, headers) => ({ kind: 'beacon', url, path: '/tw/pin/ct/v3/', headers })
  const oneEventAt = (url) => ({ kind: 'events', batch: 1, method: 'POST', url, path: '/tw/v1/events', headers: jsonHeaders })
  const bareBeacon = { kind: 'beacon', url: baseUrl, path: '/beacon/v3/', headers: beaconHeaders }
  const bareBeaconHttp = { kind: 'beacon', url: baseUrl, path: '/beacon-http/v3/', headers: beaconHeaders }
  const bareJson = { kind: 'events', batch: 1, method: 'POST', url: baseUrl, path: '/json', headers: jsonHeaders }

  // Warm everything up (JIT, connection pools, the script cache) before anything is measured.
  for (const s of [beaconAt(tw.url, beaconHeaders), oneEventAt(tw.url), beaconAt(twMem.url, beaconHeadersMem), oneEventAt(twMem.url), bareBeacon, bareBeaconHttp, bareJson]) await load({ ...s, duration: 2 })

  // 1. Beacon path (signed cookie, consent, forward, CAPI mirror persisted to the outbox) vs a bare forwarding proxy.
  const beacon = await compare(beaconAt(tw.url, beaconHeaders), bareBeacon)
  const beaconMem = await compare(beaconAt(twMem.url, beaconHeadersMem), bareBeacon)
  rows.push(['beacon path (req/s)', beacon.target.rps, beacon.baseline.rps, beacon.target.rps / beacon.baseline.rps, '≥ 0.7', notes(beacon.target)])
  rows.push(['  same, memory storage', beaconMem.target.rps, beaconMem.baseline.rps, beaconMem.target.rps / beaconMem.baseline.rps, '', notes(beaconMem.target)])
  // tagwarden forwards over node:http (keep-alive), not fetch: the same comparison against a bare
  // proxy using that transport shows what the proxy's own work costs.
  const beaconHttp = await compare(beaconAt(tw.url, beaconHeaders), bareBeaconHttp)
  rows.push(['  vs a bare node:http forwarding proxy', beaconHttp.target.rps, beaconHttp.baseline.rps, beaconHttp.target.rps / beaconHttp.baseline.rps, '', notes(beaconHttp.target)])
  result.beacon = { fs: beacon, memory: beaconMem, vsNodeHttp: beaconHttp }

  // 2. /v1/events with 1-event bodies vs a bare h3 JSON POST; 100-event bodies as events/s.
  const one = await compare(oneEventAt(tw.url), bareJson)
  const oneMem = await compare(oneEventAt(twMem.url), bareJson)
  rows.push(['/v1/events, 1 event (req/s)', one.target.rps, one.baseline.rps, one.target.rps / one.baseline.rps, '≥ 0.5', notes(one.target)])
  rows.push(['  same, memory storage', oneMem.target.rps, oneMem.baseline.rps, oneMem.target.rps / oneMem.baseline.rps, '', notes(oneMem.target)])
  const hundred = await load({ ...oneEventAt(tw.url), batch: 100, connections: 10 })
  rows.push(['/v1/events, 100 events (events/s)', hundred.rps * 100, '', '', '', notes(hundred)])
  result.events = { fs: one, memory: oneMem, hundred }
  await twMem.stop()

  // 3. Cached core.js with and without If-None-Match.
  const core = await fetch(`${tw.url}/tw/pin/core.js`)
  const etag = core.headers.get('etag') ?? ''
  const coreFull = await load({ kind: 'static', url: tw.url, path: '/tw/pin/core.js' })
  const core304 = await load({ kind: 'static', url: tw.url, path: '/tw/pin/core.js', headers: { 'if-none-match': etag } })
  rows.push(['core.js 200 (req/s)', coreFull.rps, '', '', '', notes(coreFull)])
  rows.push(['core.js 304 (req/s)', core304.rps, '', '', '', `${notes(core304)}, codes ${Object.keys(core304.statusCodes ?? {}).join('/')}`])
  result.core = { full: coreFull, notModified: core304 }

  // 4. Outbound at a steady 1,000 events/s: CAPI requests per 1,000 events and send→CAPI delay.
  await sleep(2500)
  await fetch(`${upstream}/_reset`)
  const steady = await load({ ...oneEventAt(tw.url), rate: 1000, connections: 20, duration: QUICK ? 5 : 15 })
  await sleep(2500)
  const s = await stats(upstream)
  const perThousand = s.capiEvents ? (s.capiRequests / s.capiEvents) * 1000 : NaN
  const [d50, d99] = [pct(s.delaysMs, 50) / 1000, pct(s.delaysMs, 99) / 1000]
  rows.push(['CAPI requests per 1,000 events @1k/s', perThousand, '', '', '≤ 3', `${s.capiEvents} events in ${s.capiRequests} requests (largest ${s.largestBatch}); ${steady.total} requests sent at ${Math.round(steady.rps)}/s`])
  rows.push(['delivery delay p50 / p99 (s)', `${d50.toFixed(2)} / ${d99.toFixed(2)}`, '', '', 'p99 ≤ 2', 'request built → event at the fake CAPI'])
  result.outbound = { steady, capiRequests: s.capiRequests, capiEvents: s.capiEvents, largestBatch: s.largestBatch, perThousand, delayP50s: d50, delayP99s: d99 }
  const afterAll = { rssMb: status(tw.child.pid, 'VmRSS'), peakMb: status(tw.child.pid, 'VmHWM') }
  await tw.stop()

  // 5. RSS at 5,000 events/s (500 requests/s of 10 events) on a fresh server, sampled every 200 ms.
  // (The first server has taken over a million events by now; the local outbox remembers each
  // event_id for 48 h, about 100 bytes each — that is reported separately.)
  const fresh = await startTagwarden(upstream, `fs:${dirs[1]}`)
  await fetch(`${upstream}/_reset`)
  let rssMax = 0
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, status(fresh.child.pid, 'VmRSS'))), 200)
  const heavy = await load({ ...oneEventAt(fresh.url), batch: 10, rate: 500, connections: 20, duration: QUICK ? 5 : 20 })
  clearInterval(sampler)
  await sleep(2500)
  const h = await stats(upstream)
  rows.push(['RSS at 5,000 events/s (MB)', Math.round(rssMax), '', '', '≤ 250', `fresh server, ${Math.round(heavy.rps * 10)} events/s for ${QUICK ? 5 : 20} s, ${h.capiEvents} delivered, p99 ${heavy.p99} ms`])
  rows.push(['  RSS after all of the above (MB)', Math.round(afterAll.rssMb), '', '', '', `first server after ${(eventsSent.get(tw.url) / 1e6).toFixed(2)} M events (event_ids kept 48 h for idempotency); peak ${Math.round(afterAll.peakMb)} MB`])
  result.rss = { maxMb: rssMax, heavy, delivered: h.capiEvents, firstServer: afterAll }
  await fresh.stop()

  // 6. Browser file sizes.
  for (const file of ['loader.js', 'cmp.js']) {
    const path = join(root, 'dist', file)
    if (!existsSync(path)) continue
    const code = readFileSync(path)
    const size = { raw: code.length, gzip: gzipSync(code, { level: 9 }).length, brotli: brotliCompressSync(code).length }
    result[file] = size
    rows.push([`${file} gzip / brotli (bytes)`, `${size.gzip} / ${size.brotli}`, '', '', file === 'loader.js' ? 'gzip ≤ 2500' : '', `raw ${size.raw}${file === 'cmp.js' ? ', loaded only on pages with a CMP' : ''}`])
  }

  const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : String(v))
  const header = ['measure', 'tagwarden', 'baseline', 'ratio', 'target', 'notes']
  const table = [header, ...rows.map((r) => r.map(fmt))]
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i].length)))
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '))
  result.rows = rows
  mkdirSync(join(here, 'results'), { recursive: true })
  writeFileSync(join(here, 'results/latest.json'), JSON.stringify(result, null, 2))
  console.log(`\nratios: median of ${QUICK ? 1 : 3} interleaved runs of ${DURATION} s each`)
  console.log(`written bench/results/latest.json (${result.machine.cpus} cores, ${result.machine.model}, ${result.machine.memGb} GB, node ${result.machine.node}${QUICK ? ', --quick' : ''})`)
  if (PROFILE) console.log(`CPU profile of the first server in ${profileDir}/ (Chrome DevTools → Performance, or speedscope)`)
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  })
