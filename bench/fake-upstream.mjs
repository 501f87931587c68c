// A fake Pinterest for benchmarks: CAPI, beacon and script endpoints answering at once, counting
// requests and events so the run can report batching efficiency and delivery delay. The load
// generator puts its clock in every event_id (`bench-<ms>-…`), so the delay is measured in
// milliseconds from the moment the request was built to the moment the event reached CAPI.
import { createServer } from 'node:http'

const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64')
const CORE = `(function(){var s=document.createElement('script');s.src='https://s.pinimg.com/ct/lib/main.bench01.js';document.head.appendChild(s)})();`
const fresh = () => ({ capiRequests: 0, capiEvents: 0, beacons: 0, delaysMs: [], largestBatch: 0 })
let stats = fresh()

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/_stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(JSON.stringify(stats))
  }
  if (url.pathname === '/_reset') {
    stats = fresh()
    return res.end('ok')
  }
  if (url.pathname.startsWith('/v5/ad_accounts/')) {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const now = Date.now()
      const data = JSON.parse(Buffer.concat(chunks).toString('utf8')).data
      stats.capiRequests++
      stats.capiEvents += data.length
      stats.largestBatch = Math.max(stats.largestBatch, data.length)
      for (const e of data) {
        const sent = /^bench-(\d+)-/.exec(e.event_id)
        if (sent && stats.delaysMs.length < 500_000) stats.delaysMs.push(now - Number(sent[1]))
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ num_events_received: data.length, num_events_processed: data.length, events: data.map(() => ({ status: 'processed', error_message: null, warning_message: null })) }))
    })
    return
  }
  if (url.pathname === '/ct/core.js') {
    res.writeHead(200, { 'content-type': 'application/javascript', etag: '"core-bench"' })
    return res.end(CORE)
  }
  if (url.pathname.startsWith('/v3') || url.pathname.startsWith('/user')) {
    stats.beacons++
    req.resume()
    res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-cache' })
    return res.end(GIF)
  }
  res.writeHead(404).end()
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`)
})
