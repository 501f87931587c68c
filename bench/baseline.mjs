// The bare baselines, in their own process: an h3 app that (a) answers a trivial JSON POST and
// (b) forwards a beacon to the same fake upstream with fetch — the least any proxy must do — and
// (c) the same forward over node:http with a keep-alive agent, the transport tagwarden itself uses.
import { H3, serve } from 'h3'
import http from 'node:http'

const upstream = process.env.UPSTREAM
const app = new H3()
app.post('/json', async (event) => {
  const body = await event.req.json()
  return { ok: true, n: Array.isArray(body?.data) ? body.data.length : 0 }
})
app.get('/beacon/**', async (event) => {
  const url = new URL(event.req.url)
  const res = await fetch(`${upstream}/v3/${url.search}`, { headers: { 'x-forwarded-for': '203.0.113.7', 'user-agent': event.req.headers.get('user-agent') ?? '' } })
  return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'image/gif' } })
})
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' })
app.get('/beacon-http/**', async (event) => {
  const url = new URL(event.req.url)
  const { status, type, body } = await new Promise((resolve, reject) => {
    const req = http.request(`${upstream}/v3/${url.search}`, { agent, headers: { 'x-forwarded-for': '203.0.113.7', 'user-agent': event.req.headers.get('user-agent') ?? '' } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body: Buffer.concat(chunks) })).on('error', reject)
    })
    req.on('error', reject).end()
  })
  return new Response(body, { status, headers: { 'content-type': type ?? 'image/gif' } })
})
const server = serve(app, { port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1', silent: true })
await server.ready()
process.stdout.write(`READY ${new URL(server.url).port}\n`)
