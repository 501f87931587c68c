import { AD_MEASUREMENT } from '../consent/declared-rules'
import type { ConsentSubject } from '../consent/types'
import type { AnyDestination, BrowserTag, Destination, DestinationDriver, PixelReading } from './define-destination'
import { metaCapi } from './meta-capi'
import { pinterestCapi } from './pinterest-capi'
import { pinterestTag } from './pinterest-tag'
import { tiktokEvents } from './tiktok-events'

/**
 * Every destination driver `parseConfig(env)` knows, in dispatch order. Adding a destination = one
 * file exporting its driver + one line here.
 */
export const drivers: readonly DestinationDriver<any, AnyDestination>[] = [pinterestCapi, pinterestTag, metaCapi, tiktokEvents]

/** Build each driver's destination from environment variables (a driver whose variables are unset and that is not on by default is left out). */
export function destinationsFromEnv(env: Record<string, string | undefined>, problems: string[]): AnyDestination[] {
  const out: AnyDestination[] = []
  for (const driver of drivers) {
    const d = driver.fromEnv(env, problems)
    if (d) out.push(d)
  }
  return out
}

/** The browser tag among the configured destinations, if any (the loader boots it, the proxy serves and forwards it). */
export function browserTag(config: { destinations: readonly AnyDestination[] }): BrowserTag | undefined {
  return config.destinations.find((d): d is BrowserTag => d.kind === 'tag')
}

/**
 * The browser tags the loader may load, each answered with its decision by `/ctx`: every registered
 * driver's browser tag or page pixel, configured or not (a page may carry a pixel whose server
 * destination is off, and the loader reads `pinterest-tag`, `meta-pixel` and `tiktok-pixel`:
 * client/types.ts `Decisions`), plus any configured browser tag of the embedder's own.
 */
export function browserTagNames(configured: readonly AnyDestination[] = []): string[] {
  const registered = drivers.flatMap((d) => (d.kind === 'tag' ? [d.destinationName] : d.pixel ? [d.pixel] : []))
  return [...new Set([...registered, ...configured.filter((d) => d.kind === 'tag').map((d) => d.name)])]
}

/**
 * What each name the consent policy judges declares it needs (consent/declared-rules.ts): every
 * registered driver's destination and page pixel, or — given configured destinations — those of
 * them that no registered driver makes (an embedder's own), by their own declaration.
 * @example consentSubjects().find((s) => s.name === 'meta-pixel') // { name: 'meta-pixel', kind: 'tag', needs: AD_MEASUREMENT }
 */
export function consentSubjects(configured?: readonly AnyDestination[]): ConsentSubject[] {
  const registered = drivers.flatMap((d) => d.subjects)
  if (!configured) return registered
  const known = new Set(registered.map((s) => s.name))
  return configured.filter((d) => !known.has(d.name)).map((d) => ({ name: d.name, kind: d.kind, needs: d.consent ?? AD_MEASUREMENT }))
}

/**
 * Every registered driver's platform key, once each, in registration order (`pinterest`, `meta`,
 * `tiktok`): the values the neutral body's `platforms` and `pixel_names` take.
 */
export function platformKeys(): [string, ...string[]] {
  return [...new Set(drivers.map((d) => d.platform))] as [string, ...string[]]
}

/**
 * The platform key of every registered driver that declares a page pixel, once each, in
 * registration order (`meta`, `tiktok`): the `px` values a pixel call to `{prefix}/e` takes
 * (pixel-call.ts).
 */
export function pixelPlatforms(): [string, ...string[]] {
  return [...new Set(drivers.filter((d) => d.pixel).map((d) => d.platform))] as [string, ...string[]]
}

/**
 * How the registered page pixel of `platform` has its calls read (its driver's `pixel.read`), or
 * undefined when none declares it (pixel-call.ts then takes each call as a custom event under its
 * own name, its data as neutral data).
 */
export function pixelReading(platform: string): PixelReading | undefined {
  return drivers.find((d) => d.platform === platform && d.pixelReading)?.pixelReading
}

/** The batch destinations (server APIs) among the configured ones, in dispatch order. */
export function batchDestinations(config: { destinations: readonly AnyDestination[] }): Destination<any>[] {
  return config.destinations.filter((d): d is Destination<any> => d.kind === 'batch')
}

export { metaCapi, pinterestCapi, pinterestTag, tiktokEvents }
export type { AnyDestination, BrowserTag, Destination, DestinationDriver } from './define-destination'
