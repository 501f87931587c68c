// `node bench/soak.mjs`: the soak. One tagwarden server as shipped (the built CLI, production
// settings, `fs:` storage, every delivery default) takes 10 M events through /v1/events from a load
// generator in its own process, delivering to a fake Pinterest that counts every event_id. Printed
// per million events: events/s, server CPU µs per event, RSS, CAPI requests per 1,000 events, and
// ids lost or duplicated at the fake. Runs once with 1-event bodies and once with 1,000-event bodies
// (a fresh server each).
//   node bench/soak.mjs [--events 10000000] [--body 1|1000|both] [--connections n] [--window 100000] [--storage fs|memory] [--dist <dir>] [--node-args "--cpu-prof …"]
// The load generator keeps at most --window acked events not yet at the fake (a closed loop on
// accept + delivery), so every row is a sustained rate.
// Writes bench/results/soak-<body>.json. Everything listens on 127.0.0.1.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir, cpus, loadavg, totalmem } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawn } from 'node:child_process'
import { children, cpuMicros, start, statusMb } from './spawn.mjs'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? process.argv[i + 1] : fallback
}
const EVENTS = Number(arg('events', 10_000_000))
const BODIES = arg('body', 'both') === 'both' ? [1, 1000] : [Number(arg('body'))]
const STORAGE = arg('storage', 'fs')
const DIST = resolve(arg('dist', join(root, 'dist')))
const REPORT = Math.min(1_000_000, EVENTS / 10)
const API_KEY = 'soak-api-key-0123456789'
const ADMIN = 'soak-admin-token-0123456789'
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Run the load generator; `onLine` gets each progress line; resolves with the last one. */
function runLoad(options, onLine) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(here, 'soak-load.mjs'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] })
    children.push(child)
    let buf = ''
    let last
    child.stdout.on('data', (c) => {
      buf += c
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        last = JSON.parse(buf.slice(0, i))
        buf = buf.slice(i + 1)
        onLine(last)
      }
    })
    child.once('exit', (code) => (code === 0 ? resolveRun(last) : reject(new Error(`load generator exited ${code}`))))
  })
}

async function soak(body) {
  const dir = mkdtempSync(join(tmpdir(), 'tw-soak-'))
  const fake = await start([join(here, 'soak-fake.mjs')], { SOAK_CAPACITY: String(EVENTS + 1) }, /READY (\d+)/)
  const upstream = `http://127.0.0.1:${fake.port}`
  const tw = await start([join(DIST, 'cli.js'), 'serve'], {
    PORT: '0', NODE_ENV: 'production', TAGWARDEN_STORAGE: STORAGE === 'fs' ? `fs:${dir}` : 'memory:', TAGWARDEN_SECRET: 'soak:0123456789abcdef0123456789abcdef',
    TAGWARDEN_API_KEYS: API_KEY, TAGWARDEN_ADMIN_TOKEN: ADMIN, TAGWARDEN_LOG_LEVEL: 'info', TAGWARDEN_DEMO: 'false',
    PINTEREST_API_URL: upstream, PINTEREST_SCRIPT_ORIGIN: upstream, PINTEREST_BEACON_ORIGIN: upstream,
    PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_soak_token', PINTEREST_TAG_ID: '2612345678901',
  }, /listening on http:\/\/[^:]+:(\d+)/, arg('node-args')?.split(' ') ?? [])
  const twUrl = `http://127.0.0.1:${tw.port}`
  const pid = tw.child.pid
  const stats = async () => (await fetch(`${upstream}/_stats`)).json()
  const ackFile = join(dir, 'acked.bin')
  const countFile = join(dir, 'counts.bin')
  const rows = []
  let prev = { at: Date.now(), offered: 0, acked: 0, cpu: cpuMicros(pid), requests: 0, events: 0 }
  const load0 = loadavg()[0]
  const started = Date.now()
  const sample = async (line) => {
    const s = await stats()
    const cpu = cpuMicros(pid)
    const events = line.offered - prev.offered
    rows.push({
      offered: line.offered,
      eventsPerS: Math.round(((line.acked - prev.acked) / (line.at - prev.at)) * 1000),
      cpuUsPerEvent: +((cpu - prev.cpu) / events).toFixed(1),
      rssMb: Math.round(statusMb(pid, 'VmRSS')),
      capiPer1000: s.events > prev.events ? +(((s.requests - prev.requests) / (s.events - prev.events)) * 1000).toFixed(2) : NaN,
      backlog: line.acked - s.events,
      load1: +loadavg()[0].toFixed(2),
    })
    const r = rows.at(-1)
    console.log(`  ${(r.offered / 1e6).toFixed(1).padStart(4)} M: ${r.eventsPerS} events/s, ${r.cpuUsPerEvent} µs CPU/event, RSS ${r.rssMb} MiB, ${r.capiPer1000} CAPI req/1k, not yet delivered ${r.backlog}, load ${r.load1}`)
    prev = { at: line.at, offered: line.offered, acked: line.acked, cpu, requests: s.requests, events: s.events }
  }
  let chain = Promise.resolve()
  console.log(`body ${body}: ${EVENTS.toLocaleString('en')} events into ${twUrl} (${STORAGE}), load average at start ${load0.toFixed(2)}`)
  const done = await runLoad({ url: twUrl, fakeUrl: upstream, window: Number(arg('window', 100_000)), key: API_KEY, batch: body, connections: Number(arg('connections', body === 1 ? 32 : 4)), from: 0, total: EVENTS, report: REPORT, ackFile }, (line) => {
    if (!line.done) chain = chain.then(() => sample(line))
  })
  await chain
  const loadSeconds = (done.at - started) / 1000
  // Wait for delivery to finish: every acked event at the fake, or no progress for 30 s.
  let last = -1
  let still = 0
  for (;;) {
    const s = await stats()
    if (s.events >= done.acked) break
    still = s.events === last ? still + 1 : 0
    if (still > 60) break
    last = s.events
    await sleep(500)
  }
  const finalStats = await (await fetch(`${upstream}/_counts?file=${encodeURIComponent(countFile)}`)).json()
  const metrics = await (await fetch(`${twUrl}/tw/_/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
  const forgotten = Number(/^tagwarden_event_ids_forgotten_early (\d+)/m.exec(metrics)?.[1] ?? NaN)
  const acked = readFileSync(ackFile)
  const counts = readFileSync(countFile)
  for (const r of rows) {
    let lost = 0
    let dup = 0
    let ackedHere = 0
    for (let i = r.offered - REPORT; i < r.offered; i++) {
      if (!acked[i]) continue
      ackedHere++
      if (counts[i] === 0) lost++
      else if (counts[i] > 1) dup++
    }
    Object.assign(r, { acked: ackedHere, lost, duplicated: dup })
  }
  const rssEnd = statusMb(pid, 'VmRSS')
  const peak = statusMb(pid, 'VmHWM')
  await tw.stop()
  await fake.stop()
  rmSync(dir, { recursive: true, force: true })
  const first = rows[0]
  const lastRow = rows.at(-1)
  const result = {
    body, events: EVENTS, storage: STORAGE, dist: DIST, loadSeconds, refused: done.refused, refusedBy: done.statuses, errors: done.errors, acked: done.acked,
    capiRequests: finalStats.requests, capiEvents: finalStats.events, forgottenEarly: forgotten, rssEndMb: rssEnd, peakRssMb: peak,
    lastVsFirstEventsPerS: +(lastRow.eventsPerS / first.eventsPerS).toFixed(2),
    loadAverageAtStart: load0, rows,
  }
  return result
}

async function main() {
  if (!existsSync(join(DIST, 'cli.js'))) throw new Error(`${DIST}/cli.js missing: run \`npm run build\` first`)
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version }
  mkdirSync(join(here, 'results'), { recursive: true })
  for (const body of BODIES) {
    const r = await soak(body)
    const out = { machine, date: new Date().toISOString(), ...r }
    writeFileSync(join(here, `results/soak-${body}.json`), JSON.stringify(out, null, 2))
    if (r.refused) console.log(`refused: ${r.refused} events, by status: ${JSON.stringify(r.refusedBy)}`)
    console.log(`\nbody ${body}: ${r.acked.toLocaleString('en')} acked in ${r.loadSeconds.toFixed(0)} s; ${r.capiRequests} CAPI requests; forgotten early ${r.forgottenEarly}; RSS at end ${Math.round(r.rssEndMb)} MiB, peak ${Math.round(r.peakRssMb)} MiB; last/first million events/s ${r.lastVsFirstEventsPerS}`)
    console.log('events (M) | events/s | CPU µs/event | RSS MiB | CAPI req/1k | lost | duplicated | load avg')
    for (const row of r.rows) console.log(`${(row.offered / 1e6).toFixed(1)} | ${row.eventsPerS} | ${row.cpuUsPerEvent} | ${row.rssMb} | ${row.capiPer1000} | ${row.lost} | ${row.duplicated} | ${row.load1}`)
  }
}

main()
  .catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
  .finally(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  })
