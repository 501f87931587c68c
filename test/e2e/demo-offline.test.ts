// The demo as a new user meets it, offline (Pinterest's script host unreachable), in real Chromium:
// the side panel explains the unreachable tag instead of leaving a bare failed request in the
// console, and shows each event's Conversions API payload, as the README says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../server/config'
import { createLogger } from '../../server/log'
import { startServer, type Running } from '../../server/serve'
import { createStore } from '../../server/storage/create-store'
import { launch, skipWithoutChromium, type Browser } from './chromium'

const skip = skipWithoutChromium()
/** A port nothing listens on: the server's fetch of Pinterest's scripts fails as it does offline. */
const NOWHERE = 'http://127.0.0.1:9'

let running: Running
let browser: Browser | undefined

describe.skipIf(skip)('demo storefront offline, in Chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const config = parseConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      TAGWARDEN_STORAGE: 'memory:',
      TAGWARDEN_SECRET: 'k1:demo0123456789abcdef0123456789abcdef',
      TAGWARDEN_LOG_LEVEL: 'silent',
      PINTEREST_SCRIPT_ORIGIN: NOWHERE,
      PINTEREST_BEACON_ORIGIN: NOWHERE,
    })
    expect(config.demo && config.dryRun).toBe(true)
    running = await startServer(config, { store: createStore({ kind: 'memory' }), log: createLogger('silent') }, { port: 0 })
  })
  afterAll(async () => {
    await browser?.close()
    await running?.close()
  })

  it('explains the unreachable tag and shows each event with its CAPI payload', async () => {
    browser = await launch()
    const page = await browser.context.newPage()
    const console: string[] = []
    page.on('console', (m) => console.push(`${m.type()}: ${m.text()}`))
    await page.goto(`${running.url.replace('127.0.0.1', 'localhost')}/demo/`)
    await page.getByRole('button', { name: 'Accept' }).click()
    await page.locator('#add').click()

    const note = page.locator('#log #tag-down')
    await expect.poll(() => note.count(), { timeout: 15_000 }).toBe(1)
    expect(await note.textContent()).toMatch(/Pinterest's tag could not be loaded: \/tw\/pin\/core\.js answered an error \(offline.*\/tw\/e instead/)
    expect(console.some((l) => l.startsWith('info: [tagwarden demo] Pinterest\'s tag could not be loaded'))).toBe(true)

    // The add to cart, sent through the loader's fallback, with its dry-run payload in the panel.
    const item = page.locator('#log li', { hasText: 'add_to_cart' })
    await expect.poll(() => item.count(), { timeout: 15_000 }).toBe(1)
    expect(await item.locator('.note').first().textContent()).toBe('via loader')
    const details = item.locator('details', { hasText: 'pinterest-capi payload' })
    await details.locator('summary').click()
    const payload = JSON.parse((await details.locator('pre').textContent())!)
    expect(payload).toMatchObject({ event_name: 'add_to_cart', action_source: 'web', custom_data: { currency: 'USD', value: '24' } })
    expect(payload.event_id).toBe(await item.locator('code').textContent())
    // The panel re-renders after every poll of the record; an opened payload stays open.
    await page.waitForResponse((r) => r.url().includes('/tw/_/events'))
    await page.waitForResponse((r) => r.url().includes('/tw/_/events'))
    expect(await page.locator('#log li', { hasText: 'add_to_cart' }).locator('details[open]').count()).toBe(1)
    expect(browser.refused).toEqual([])
  })
})
