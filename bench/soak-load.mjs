// The soak's load generator, in its own process: `connections` keep-alive loops POSTing bodies of
// `batch` events with sequential ids `s<from>…`, until `total` events were offered. Every id answered
// 202/accepted is marked in a bitmap, written to `ackFile` at the end. A closed loop on the whole
// pipeline: it waits while more than `window` acked events have not reached the fake Pinterest yet
// (read from `fakeUrl`/_stats), so the rates are what tagwarden sustains accepting AND delivering.
// Prints one JSON line per `report` events offered ({ offered, acked, at }), then { done: true, … }.
import http from 'node:http'
import { writeFileSync } from 'node:fs'

const o = JSON.parse(process.argv[2])
const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections })
const acked = new Uint8Array(o.from + o.total)
const url = new URL(o.url)
let next = o.from
const end = o.from + o.total
let ackedCount = 0
let refused = 0
let errors = 0
/** Answers other than 202, by status (with the first body seen for each). */
const statuses = {}
let nextReport = o.from + o.report
const EVENT = (id) =>
  `{"event_name":"add_to_cart","event_id":"s${id}","user_data":{"em":"bench@example.com","client_ip_address":"203.0.113.7","client_user_agent":"Mozilla/5.0 soak"},"custom_data":{"value":19.99,"currency":"USD"},"consent":{"ad_storage":"granted","ad_user_data":"granted","ad_personalization":"granted"}}`

function post(from, n) {
  let body = '{"data":['
  for (let i = 0; i < n; i++) body += (i ? ',' : '') + EVENT(from + i)
  body += ']}'
  return new Promise((resolve) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path: '/tw/v1/events', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${o.key}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        if (res.statusCode === 202) {
          const out = JSON.parse(Buffer.concat(chunks).toString('utf8'))
          for (const e of out.events) {
            if (e.status !== 'accepted') continue
            acked[Number(e.event_id.slice(1))] = 1
            ackedCount++
          }
        } else {
          refused += n
          statuses[res.statusCode] ??= { count: 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }
          statuses[res.statusCode].count++
        }
        resolve()
      })
    })
    req.on('error', () => {
      errors++
      resolve()
    })
    req.end(body)
  })
}

let delivered = 0
let finished = false
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
/** Follow what the fake has received, every 50 ms. */
async function follow() {
  while (!finished) {
    try {
      delivered = (await (await fetch(`${o.fakeUrl}/_stats`)).json()).events
    } catch {}
    await sleep(50)
  }
}

async function loop() {
  while (next < end) {
    while (ackedCount - delivered > o.window) await sleep(10)
    const from = next
    const n = Math.min(o.batch, end - from)
    next += n
    await post(from, n)
    while (next >= nextReport && nextReport <= end) {
      process.stdout.write(`${JSON.stringify({ offered: nextReport - o.from, acked: ackedCount, refused, errors, at: Date.now() })}\n`)
      nextReport += o.report
    }
  }
}

const following = follow()
await Promise.all(Array.from({ length: o.connections }, loop))
finished = true
await following
writeFileSync(o.ackFile, acked)
process.stdout.write(`${JSON.stringify({ done: true, acked: ackedCount, refused, errors, statuses, at: Date.now() })}\n`)
agent.destroy()
