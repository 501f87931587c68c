// The inspector's reconciliation panel in real headless Chromium, over the scripted mix
// (test/report/scenario.ts): the numbers, the SVG chart and the table, then a screenshot
// (test-artifacts/report-panel.png) checked to be a real, non-empty PNG of the visible panel.
import { mkdir, readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN } from '../helpers/build-app'
import { runScenario, SUPPRESSED_DEST, TODAY, type Scenario } from '../report/scenario'
import { launch, skipWithoutChromium, type Browser } from './chromium'

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url)

describe.skipIf(skipWithoutChromium())('inspector reconciliation panel (Chromium)', () => {
  let s: Scenario
  let server: Server
  let base: string
  let browser: Browser
  beforeAll(async () => {
    s = await runScenario()
    server = createServer(s.tw.nodeHandler)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    browser = await launch({ viewport: { width: 1440, height: 1000 } })
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((r) => server?.close(r))
    await s?.close()
  })

  it('shows the mix: headline numbers, one stacked bar per day, the table; a screenshot of it', async () => {
    const page = await browser.context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(`${base}/tw/_/inspect?token=${ADMIN_TOKEN}`)
    const stat = (metric: string) => page.locator(`#report [data-metric="${metric}"] .big`)
    await expect.poll(() => stat('recovered').textContent().catch(() => null), { timeout: 15_000 }).toBe('3')
    expect(await stat('webhook').textContent()).toBe('7')
    expect(await stat('matched').textContent()).toBe('3')
    expect(await stat('delivered').textContent()).toBe('6')
    expect(await stat('dedup').textContent()).toBe('57%')
    expect(await stat('freshness').textContent()).toBe('≤ 30 s')

    // Chart: 14 days, today's bar = 3 matched + 2 recovered + 1 not delivered (the order consent suppressed).
    const chart = page.locator('#report svg.report-chart')
    expect(await chart.locator('g[data-date]').count()).toBe(14)
    const seg = (cls: string) => chart.locator(`g[data-date="${TODAY}"] rect.seg.${cls}`).getAttribute('data-value')
    expect([await seg('matched'), await seg('recovered'), await seg('missed')]).toEqual(['3', '2', '1'])
    const todayRow = await page.locator(`#report .report-table tr[data-date="${TODAY}"] td`).allTextContents()
    expect(todayRow).toEqual([TODAY, '6', '5', '3', '2', '5', '≤ 30 s', '≤ 30 s', '67%'])

    const panel = page.locator('#report')
    const box = await panel.boundingBox()
    expect(box!.height).toBeGreaterThan(200)
    expect(await panel.isVisible()).toBe(true)
    await mkdir(ARTIFACTS, { recursive: true })
    const file = new URL('report-panel.png', ARTIFACTS).pathname
    await panel.screenshot({ path: file })
    const png = await readFile(file)
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(png.length).toBeGreaterThan(10_000)
    // Width and height from the IHDR chunk: the panel, not an empty crop.
    expect(Math.abs(png.readUInt32BE(16) - box!.width)).toBeLessThanOrEqual(1)
    expect(Math.abs(png.readUInt32BE(20) - box!.height)).toBeLessThanOrEqual(1)

    // The other destination: consent suppressed everything, nothing recovered.
    await page.selectOption('#report-dest', SUPPRESSED_DEST)
    await expect.poll(() => stat('recovered').textContent()).toBe('0')
    expect(await stat('delivered').locator('..').locator('.sub').textContent()).toContain('7 suppressed by consent')
    expect(errors).toEqual([])
    expect(browser.refused).toEqual([])
  })
})
