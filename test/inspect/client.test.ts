// @vitest-environment happy-dom
// @vitest-environment-options {"url": "http://shop.test/tw/_/inspect?token=tok-0123456789abcdef"}
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { INSPECTOR_JS, inspectorHtml } from '../../server/inspector/page'

const HOSTILE = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'

const entry = (over: Record<string, unknown> = {}) => ({
  event_id: 'evt-1',
  name: 'checkout',
  source: 'tag',
  sources: ['tag', 'webhook'],
  time: 1_767_225_600,
  received: 1_767_225_600_000,
  identifiers: ['em', 'click_id', 'client_ip_address', 'client_user_agent'],
  destinations: {
    'pinterest-capi': { action: 'strip', rule: 'us-opt-out', state: 'sent', identifiers: ['client_ip_address', 'client_user_agent'], attempts: 2, at: 1_767_225_601_000 },
    'pinterest-tag': { action: 'allow', rule: 'granted', state: 'sent' },
  },
  pair: { tag: true, capi: true },
  ...over,
})

const data = (events: unknown[], over: Record<string, unknown> = {}) => ({
  dryRun: false,
  summary: {
    perMinute: [0, 1, 3, 2, 5, 8],
    window: events.length,
    matchKeys: { total: 4, em: 0.25, click_id: 0.75, ip_ua: 1, external_id: 0 },
    dedup: { pairs: 3, capi: 4, coverage: 0.75 },
    delay: { n: 4, median: 850, p95: 2400 },
    failures: { rate_limited: 3, [HOSTILE]: 1 },
    destinations: [{ name: 'pinterest-capi', paused: true, depth: 12 }],
  },
  events,
  total: events.length,
  names: ['checkout', HOSTILE],
  destinations: ['pinterest-capi', 'pinterest-tag'],
  ...over,
})

type Answer = { status: number; body?: unknown; etag?: string }
let answers: Answer[]
let calls: { url: string; headers: Record<string, string> }[]

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  vi.setSystemTime(1_767_225_660_000)
  answers = []
  calls = []
  vi.stubGlobal('fetch', async (url: string, init: { headers: Record<string, string> }) => {
    // The reconciliation panel's own request (test/e2e/report-panel.test.ts covers it in Chromium).
    if (url.includes('/_/report')) return new Response('{}', { status: 503 })
    calls.push({ url, headers: init.headers })
    const a = answers.shift() ?? { status: 304 }
    return new Response(a.status === 304 ? null : JSON.stringify(a.body), { status: a.status, headers: { etag: a.etag ?? '"e1"' } })
  })
  // The page's body markup without its <script src> (the test runs the served script text itself).
  const body = /<body>([\s\S]*)<\/body>/.exec(inspectorHtml('/tw'))![1].replace(/<script[^>]*><\/script>/, '')
  document.body.innerHTML = body
  ;(window as unknown as { __pwned?: number }).__pwned = undefined
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

/** Run the served script text (not the function object), then let its first fetch settle. */
async function boot(): Promise<void> {
  new Function(INSPECTOR_JS)()
  await vi.advanceTimersByTimeAsync(0)
}

const text = (sel: string) => [...document.querySelectorAll(sel)].map((e) => e.textContent?.trim())

describe('inspector page script', () => {
  it('fetches {page}/data with the token as a bearer header and renders cards and rows', async () => {
    answers.push({ status: 200, body: data([entry(), entry({ event_id: 'evt-2', name: 'add_to_cart', sources: ['loader'], source: 'loader', pair: { tag: false, capi: true } })]) })
    await boot()
    expect(calls[0].url).toBe('/tw/_/inspect/data?')
    expect(calls[0].headers.authorization).toBe('Bearer tok-0123456789abcdef')
    expect(text('.card h2')).toEqual(['Events / min', 'Server-copy match keys', 'Dedup coverage', 'Delay to the platforms', 'Failures by reason', 'Destinations'])
    expect(document.querySelector('.card .big')?.textContent).toBe('8')
    expect(document.querySelectorAll('svg.spark polyline')).toHaveLength(1)
    expect(document.querySelector('svg.spark polyline')?.getAttribute('points')?.split(' ')).toHaveLength(6)
    expect(text('.bar-value')).toEqual(['25%', '75%', '100%', '0%'])
    expect(document.body.textContent).toContain('75%')
    expect(document.body.textContent).toContain('850 ms')
    expect(document.body.textContent).toContain('2.4 s')
    expect(text('#head th')).toEqual(['Time', 'Event · event_id', 'Source', 'pinterest-capi', 'pinterest-tag', 'Identifiers', 'Dedup pair'])
    const rows = document.querySelectorAll('#rows tr')
    expect(rows).toHaveLength(2)
    expect(rows[0].querySelector('.c-source')?.textContent).toBe('tagwebhook')
    expect(rows[1].querySelector('.c-source')?.textContent).toBe('fallback')
    expect(rows[0].querySelector('.c-ids')?.textContent).toBe('emclick_idipua')
    const capi = rows[0].querySelectorAll('td.dest')[0]
    expect(capi.textContent).toContain('strip')
    expect(capi.textContent).toContain('us-opt-out')
    expect(capi.textContent).toContain('2 attempts')
    expect(capi.querySelector('.stripped')?.textContent).toBe('stripped: em, click_id')
    expect(rows[1].querySelector('.c-pair')?.textContent).toBe('tag —capi ✓')
    expect(document.querySelector('#cards')?.textContent).toContain('paused')
    expect(document.getElementById('empty')?.hidden).toBe(true)
  })

  it("shows an event's notes (an order cancelled after it was counted) under its name, as text", async () => {
    const note = 'shopify order 450789469 was taken back after its purchase was counted: cancelled at 2026-01-02 (customer). Pinterest has no retraction, so the conversion stays counted'
    answers.push({ status: 200, body: data([entry({ notes: [note, HOSTILE] })]) })
    await boot()
    expect(text('#rows .c-event .note')).toEqual([note, HOSTILE])
    expect(document.querySelectorAll('img, script')).toHaveLength(0)
  })

  it('renders hostile event names, ids, reasons and rules as text, never as markup', async () => {
    answers.push({ status: 200, body: data([entry({ event_id: HOSTILE, name: HOSTILE, destinations: { 'pinterest-capi': { action: HOSTILE, rule: HOSTILE, state: HOSTILE, detail: HOSTILE } } })]) })
    await boot()
    expect(document.querySelectorAll('img, script, iframe, object')).toHaveLength(0)
    expect(document.querySelector('#rows .id')?.textContent).toBe(HOSTILE)
    expect(document.querySelector('#rows .name')?.textContent).toBe(HOSTILE)
    expect(document.querySelector('#rows .detail')?.textContent).toBe(HOSTILE)
    expect([...document.querySelectorAll('#f-name option')].map((o) => o.textContent)).toEqual(['all events', 'checkout', HOSTILE])
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined()
  })

  it('polls with If-None-Match, keeps the table on 304, and filters by event_id and name', async () => {
    answers.push({ status: 200, body: data([entry()]), etag: '"v1"' })
    await boot()
    await vi.advanceTimersByTimeAsync(2000)
    expect(calls[1].headers['if-none-match']).toBe('"v1"')
    expect(document.querySelectorAll('#rows tr')).toHaveLength(1)

    answers.push({ status: 200, body: data([]), etag: '"v2"' })
    const input = document.getElementById('f-id') as HTMLInputElement
    input.value = 'ord_'
    input.dispatchEvent(new Event('input'))
    const select = document.getElementById('f-name') as HTMLSelectElement
    select.value = 'checkout'
    select.dispatchEvent(new Event('change'))
    await vi.advanceTimersByTimeAsync(250)
    const last = calls.at(-1)!
    expect(last.url).toBe('/tw/_/inspect/data?event_id=ord_&name=checkout')
    expect(last.headers['if-none-match']).toBeUndefined()
    expect(document.querySelectorAll('#rows tr')).toHaveLength(0)
    expect(document.getElementById('empty')?.hidden).toBe(false)
  })

  it('stops polling while paused', async () => {
    answers.push({ status: 200, body: data([]) })
    await boot()
    ;(document.getElementById('pause') as HTMLButtonElement).click()
    const n = calls.length
    await vi.advanceTimersByTimeAsync(10_000)
    expect(calls.length).toBe(n)
    expect(document.getElementById('status')?.textContent).toContain('paused')
  })
})
