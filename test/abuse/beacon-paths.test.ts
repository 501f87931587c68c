// The beacon route relays nothing but the tag's own endpoints (docs/pinterest-tag.md "Beacon
// endpoints"): any other path under /pin/ct/ is 404 without an upstream request, and what the page
// gets always has a fixed type and nosniff — never an upstream's HTML as it came.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { PIXEL } from '../../server/upstream/beacon-forward'
import { beaconQuery, buildTagApp, call } from '../tag/build'

/** An upstream that reflects the request into an HTML page, with whatever status is asked for. */
let upstream: Server
let url: string
const hits: string[] = []
let answerStatus = 200
let answerBody = (path: string) => `<script>alert(${JSON.stringify(path)})</script>`
let tw: TagwardenApp

beforeAll(async () => {
  upstream = createServer((req, res) => {
    hits.push(req.url ?? '')
    res.writeHead(answerStatus, { 'content-type': 'text/html', 'set-cookie': 'upstream=1' })
    res.end(answerBody(req.url ?? ''))
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`
  tw = await buildTagApp({ PINTEREST_BEACON_ORIGIN: url, TAGWARDEN_DEFAULT_CONSENT: 'granted' })
})
afterAll(async () => {
  await tw.close(0)
  await new Promise<void>((resolve) => upstream.close(() => resolve()))
})

describe('beacon route allow-list', () => {
  it.each([
    '/tw/pin/ct/anything/at/all.html?x=1',
    '/tw/pin/ct/v3/extra',
    '/tw/pin/ct/v3.html',
    '/tw/pin/ct/V3/',
    '/tw/pin/ct/v2/',
    '/tw/pin/ct/ct/v3/',
    '/tw/pin/ct/user/profile',
    '/tw/pin/ct/users/',
    '/tw/pin/ct/__proto__',
    '/tw/pin/ct/constructor',
  ])('%s is 404 and never reaches the upstream', async (path) => {
    const before = hits.length
    for (const method of ['GET', 'POST']) {
      const res = await call(tw, path, { method, body: method === 'POST' ? 'event=lead' : undefined })
      expect(res.status, method).toBe(404)
      expect(await res.text()).not.toContain('<script>')
    }
    expect(hits.length - before).toBe(0)
  })

  it('/v3/ answers our GIF with image/gif and nosniff, whatever the upstream sent', async () => {
    for (const path of ['/tw/pin/ct/v3/', '/tw/pin/ct/v3']) {
      const before = hits.length
      const res = await call(tw, `${path}?${beaconQuery('lead', { event_id: `bp-${path.length}` })}`)
      expect(hits.length - before).toBe(1)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/gif')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('set-cookie')).toBeNull()
      expect(Buffer.from(await res.arrayBuffer())).toEqual(PIXEL)
    }
  })

  it('/user/ answers JSON only: an HTML answer becomes {}, a JSON one is written again', async () => {
    let res = await call(tw, '/tw/pin/ct/user/?tid=2612345678901&cb=1')
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).toBe('{}')
    answerBody = () => '{ "aemEnabled": true, "x": "</script><script>" }'
    res = await call(tw, '/tw/pin/ct/user?tid=2612345678901&cb=2')
    expect(await res.json()).toEqual({ aemEnabled: true, x: '</script><script>' })
    expect(res.headers.get('content-type')).toBe('application/json')
  })

  it('an upstream failure answers each endpoint\'s own empty answer with 200', async () => {
    answerStatus = 500
    const user = await call(tw, '/tw/pin/ct/user/?tid=2612345678901&cb=3')
    expect([user.status, user.headers.get('content-type'), await user.text()]).toEqual([200, 'application/json', '{}'])
    const v3 = await call(tw, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: 'bp-500' })}`)
    expect([v3.status, v3.headers.get('content-type')]).toEqual([200, 'image/gif'])
    answerStatus = 200
  })

  it('keeps Pinterest\'s 4xx status, with the fixed body and type', async () => {
    answerStatus = 400
    answerBody = () => '<html>bad request</html>'
    const res = await call(tw, `/tw/pin/ct/v3/?${beaconQuery('lead', { event_id: 'bp-400' })}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('image/gif')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PIXEL)
    answerStatus = 200
  })
})
