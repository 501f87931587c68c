// The bare baselines, in their own process: an h3 app that (a) answers a trivial JSON POST and
// (b) forwards a beacon to the same fake upstream with fetch — the least any proxy must do.
import { H3, serve } from 'h3'

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
const server = serve(app, { port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1', silent: true })
await server.ready()
process.stdout.write(`READY ${new URL(server.url).port}\n`)
