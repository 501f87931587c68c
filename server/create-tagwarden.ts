import { createApp, type TagwardenApp } from './app'
import { resolveOptions, type TagwardenOptions } from './config'
import type { Deps } from './runtime'

/**
 * Build tagwarden from typed options — no environment strings. Each destination is built by its
 * driver from its own typed options; what is left out takes its default (README "Configuration").
 * Throws ConfigError listing every problem, named by option path.
 * @example
 * const tw = await createTagwarden({
 *   production: true,
 *   secrets: [process.env.TW_SECRET!],
 *   storage: 'redis://cache:6379',
 *   destinations: [pinterestCapi({ adAccountId: '549755885175', accessToken: process.env.PINTEREST_TOKEN }), pinterestTag({ tagId: '2612345678901' })],
 * })
 * tw.start()
 */
export function createTagwarden(options: TagwardenOptions = {}, deps: Deps = {}): Promise<TagwardenApp> {
  return createApp(resolveOptions(options), deps)
}
