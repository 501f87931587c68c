// Debian's Chromium driven by playwright-core, for the browser end-to-end tests. Every browser gets a
// fresh user-data dir, and every request to anything but the local test servers is aborted: the
// tests never touch the internet.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

/** Where `.ci/run` installs it (`apt-get install -y chromium`); overridable to test the missing case. */
export const CHROMIUM = process.env.TAGWARDEN_E2E_CHROMIUM || '/usr/bin/chromium'
export const INSTALL_HINT = 'apt-get install -y chromium'
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
export const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]'])

export const chromiumMissing = !existsSync(CHROMIUM)

/**
 * What to do without Chromium: in CI the suite must fail (naming the install command); elsewhere it
 * is skipped, loudly. Returns true when the suite should be skipped.
 */
export function skipWithoutChromium(): boolean {
  if (!chromiumMissing) return false
  const message = `[tagwarden] [e2e] Chromium not found at ${CHROMIUM}: install it with \`${INSTALL_HINT}\``
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: the browser end-to-end tests must run)`)
  const bar = '!'.repeat(100)
  console.warn(`\n${bar}\n${message}\nThe browser end-to-end tests are SKIPPED.\n${bar}\n`)
  return true
}

export interface Browser {
  context: BrowserContext
  /** URLs the pages asked for that were not local (and were aborted). */
  refused: string[]
  close(): Promise<void>
}

/** Launch Chromium with a fresh profile; only local test servers are reachable. */
export async function launch(opts: { viewport?: { width: number; height: number }; userAgent?: string } = {}): Promise<Browser> {
  const dir = await mkdtemp(join(tmpdir(), 'tagwarden-e2e-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: opts.viewport ?? { width: 1440, height: 900 },
    userAgent: opts.userAgent,
  })
  const refused: string[] = []
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !LOCAL.has(url.hostname)) {
      refused.push(url.href)
      return route.abort('blockedbyclient')
    }
    return route.continue()
  })
  return {
    context,
    refused,
    async close() {
      await context.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
