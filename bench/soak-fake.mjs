// A fake Pinterest CAPI for the soak: answers at once, and counts every event per id in a typed
// array (ids are `s<n>`), so 10 M ids cost 10 MB here, not a Map of strings. On `GET /_counts`
// it writes the counts to the file named by `?file=` and answers with the totals.
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'

const capacity = Number(process.env.SOAK_CAPACITY ?? 20_000_000)
const counts = new Uint8Array(capacity)
let requests = 0
let events = 0
let foreign = 0

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/_stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(JSON.stringify({ requests, events, foreign }))
  }
  if (url.pathname === '/_counts') {
    writeFileSync(url.searchParams.get('file'), counts)
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(JSON.stringify({ requests, events, foreign }))
  }
  if (!url.pathname.startsWith('/v5/ad_accounts/')) return res.writeHead(404).end()
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    const data = JSON.parse(Buffer.concat(chunks).toString('utf8')).data
    requests++
    events += data.length
    for (const e of data) {
      const n = Number(e.event_id.slice(1))
      if (e.event_id[0] === 's' && Number.isInteger(n) && n < capacity) counts[n] = Math.min(255, counts[n] + 1)
      else foreign++
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ num_events_received: data.length, num_events_processed: data.length, events: data.map(() => ({ status: 'processed', error_message: null, warning_message: null })) }))
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`))
