// One harness per browser-tag destination: its local fake script and beacon hosts, the environment
// that points it at them, the proxy paths the loader requests, and how to read what the beacon host
// received. The tag contract (tag-contract.test.ts) runs every registered tag driver through the
// same checks with these; a tag driver without a harness fails the suite.
import { sha256 } from '../../server/identity/normalize'
import { startFakeBeacon, type FakeBeacon } from '../fakes/fake-beacon'
import { MAIN_NAME, startFakeScripts, type FakeScripts } from '../fakes/fake-pinterest-scripts'
import { beaconQuery } from '../tag/build'

/** A tag's fake upstreams, running. */
export interface TagFakes {
  scriptOrigin: string
  beaconOrigin: string
  /** What the beacon host received for one event id: the identifier keys it carried, and whether it was in restricted mode. */
  received(eventId: string): { identifiers: string[]; restricted: boolean }[]
  /** Requests the script host answered (paths). */
  scriptPaths(): string[]
  close(): Promise<void>
}

export interface TagHarness {
  start(): Promise<TagFakes>
  /** Environment that turns the tag on against the fakes. */
  live(fakes: TagFakes): Record<string, string>
  /** A bad value for one option, and the variable the problem must name. */
  bad: { env: Record<string, string>; names: string }
  /** The tag's scripts on the shop's origin, as the loader and the tag request them. */
  scripts: string[]
  /** Requests that try to make the proxy fetch elsewhere (another host, a path outside the tag's). */
  hostile: string[]
  /** A beacon for `eventId` carrying an enhanced-match identifier, as the shopper's browser sends it to the proxy. */
  beacon(eventId: string): string
}

const pinterestFakes = async (): Promise<TagFakes> => {
  const scripts: FakeScripts = await startFakeScripts({ style: 'literal' })
  const beacon: FakeBeacon = await startFakeBeacon()
  return {
    scriptOrigin: scripts.url,
    beaconOrigin: beacon.url,
    received: (id) =>
      beacon.hits
        .filter((h) => h.ed.event_id === id)
        .map((h) => ({ identifiers: Object.keys(h.pd).filter((k) => k !== 'opt_out_type'), restricted: h.pd.opt_out_type === 'LDP' })),
    scriptPaths: () => scripts.requests.map((r) => r.path),
    close: async () => void (await Promise.all([scripts.close(), beacon.close()])),
  }
}

export const TAG_HARNESSES: Record<string, TagHarness> = {
  'pinterest-tag': {
    start: pinterestFakes,
    live: (f) => ({ PINTEREST_TAG_ID: '2612345678901', PINTEREST_SCRIPT_ORIGIN: f.scriptOrigin, PINTEREST_BEACON_ORIGIN: f.beaconOrigin }),
    bad: { env: { PINTEREST_TAG_ID: 'tag-1', PINTEREST_BEACON_ORIGIN: 'ftp://ct.example' }, names: 'PINTEREST_TAG_ID' },
    scripts: ['/tw/pin/core.js', `/tw/pin/lib/${MAIN_NAME}`],
    hostile: [
      '/tw/pin/lib/..%2F..%2Fevil.js',
      '/tw/pin/lib/%2F%2F127.0.0.1:9%2Fx.js',
      '/tw/pin/ct/http://127.0.0.1:9/steal',
      '/tw/pin/ct/v3/?tid=1&event=init&ed=%7B%7D&u=http://127.0.0.1:9/',
    ],
    beacon: (id) => `/tw/pin/ct/v3/?${beaconQuery('checkout', { event_id: id, value: 3, currency: 'USD' }, { pd: { em: sha256('shopper@example.com') } })}`,
  },
}
