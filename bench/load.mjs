// Load generator, run as its own process so it never competes with the server's event loop.
// Reads one scenario as JSON from argv[2], runs autocannon, prints the result as JSON.
import autocannon from 'autocannon'

const s = JSON.parse(process.argv[2])
let n = 0
/** A fresh event_id carrying the send time in ms (the fake CAPI reads it back for the delay). */
const eventId = () => `bench-${Date.now()}-${process.pid}-${n++}`

/** Per-request bodies/paths with a fresh event_id, so deduplication never makes the work cheaper. */
function setupRequest(req) {
  if (s.kind === 'beacon') {
    const ed = JSON.stringify({ event_id: eventId(), value: 19.99, currency: 'USD', order_quantity: 1 })
    const ad = JSON.stringify({ loc: 'https://shop.example/p/1', ref: '' })
    req.path = `${s.path}?tid=2612345678901&event=addtocart&ed=${encodeURIComponent(ed)}&ad=${encodeURIComponent(ad)}&cb=${Date.now()}`
  } else if (s.kind === 'events') {
    const data = Array.from({ length: s.batch }, () => ({
      event_name: 'add_to_cart', event_id: eventId(),
      user_data: { em: 'bench@example.com', client_ip_address: '203.0.113.7', client_user_agent: 'bench' },
      custom_data: { value: 19.99, currency: 'USD' },
      consent: { ad_storage: 'granted', ad_user_data: 'granted' },
    }))
    req.body = JSON.stringify({ data })
  }
  return req
}

const request = { method: s.method ?? 'GET', path: s.path }
if (s.kind !== 'static') request.setupRequest = setupRequest

const result = await autocannon({
  url: s.url,
  method: s.method ?? 'GET',
  headers: s.headers ?? {},
  connections: s.connections ?? 20,
  duration: s.duration ?? 8,
  ...(s.rate ? { overallRate: s.rate } : {}),
  requests: [request],
})
process.stdout.write(JSON.stringify({
  rps: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  total: result.requests.total,
  statusCodes: result.statusCodeStats,
}))
