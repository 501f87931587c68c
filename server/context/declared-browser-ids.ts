import { drivers, type DestinationDriver } from '../destinations'
import type { Runtime } from '../runtime'
import { collectBrowserIds, type BrowserId } from './browser-ids'
import { CORE_CLAIMS } from './claims'
import { ctxBodySchema } from './ctx-body'

/** The browser ids one app knows, and which of them a configured destination declares. */
export interface DeclaredBrowserIds {
  /** In declaration order: registered drivers first (`drivers`, destinations/index.ts), then configured destinations of the embedder's own. */
  ids: BrowserId[]
  /** Keys declared by a configured destination (only those get a server-made id: `keep.create`). */
  configured: ReadonlySet<string>
}

const cache = new WeakMap<object, DeclaredBrowserIds>()

/**
 * The click and browser ids of every registered driver, configured or not (a page may carry a
 * platform's pixel without its server copy), plus those of every configured destination. Checked
 * once per app: a name the context already uses, or two ids under one name, stops the start.
 * @example declaredBrowserIds(rt).ids.map((d) => d.claim) // ['fbc', 'fbp', 'ttclid', 'ttp']
 */
export function declaredBrowserIds(rt: Pick<Runtime, 'config' | 'destinations'>): DeclaredBrowserIds {
  const known = cache.get(rt)
  if (known) return known
  const configuredOnes = [...rt.config.destinations, ...rt.destinations]
  const ids = browserIdsDeclaredBy(drivers, configuredOnes)
  const configured = new Set(configuredOnes.flatMap((d) => (d.browserIds ?? []).map((b) => b.key)))
  const declared = { ids, configured }
  cache.set(rt, declared)
  return declared
}

/**
 * The ids the given drivers declare, then those of the given destinations, checked against the
 * names the context uses itself (`collectBrowserIds`): what `declaredBrowserIds` knows for an app
 * with these drivers registered, and what tests give the px chunk (test/client/harness.ts).
 * @example browserIdsDeclaredBy(drivers).map((d) => d.key) // ['meta.fbc', 'meta.fbp', 'tiktok.ttclid', 'tiktok.ttp']
 */
export function browserIdsDeclaredBy(registered: readonly DestinationDriver<any, any>[], configured: readonly { name: string; browserIds?: readonly BrowserId[] }[] = []): BrowserId[] {
  const owners = [...registered.map((d) => ({ name: d.destinationName, browserIds: d.browserIds })), ...configured]
  return collectBrowserIds(owners, [...CORE_CLAIMS, ...Object.keys(ctxBodySchema.shape)])
}
