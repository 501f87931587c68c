// A fake Pinterest for benchmarks: CAPI, beacon and script endpoints answering at once, counting
// requests and events so the run can report batching efficiency and delivery delay.
import { createServer } from 'node:http'

const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64')
const CORE = `(function(){var s=document.createElement('script');s.src='https://s.pinimg.com/ct/lib/main.bench01.js';document.head.appendChild(s)})();`
const stats = { capiRequests: 0, capiEvents: 0, beacons: 0, delays: [] }

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/_stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(JSON.stringify(stats))
  }
  if (url.pathname === '/_reset') {
    Object.assign(stats, { capiRequests: 0, capiEvents: 0, beacons: 0, delays: [] })
    return res.end('ok')
  }
  if (url.pathname.startsWith('/v5/ad_accounts/')) {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const now = Date.now() / 1000
      const data = JSON.parse(body).data
      stats.capiRequests++
      stats.capiEvents += data.length
      for (const e of data) if (stats.delays.length < 200_000) stats.delays.push(now - e.event_time)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ num_events_received: data.length, num_events_processed: data.length, events: data.map(() => ({ status: 'processed' })) }))
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
    res.writeHead(200, { 'content-type': 'image/gif' })
    return res.end(GIF)
  }
  res.writeHead(404).end()
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`)
})
