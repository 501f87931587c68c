// A made-up platform's driver for tests: one browser id (`acid`, from the `acclid` URL parameter or
// the `_acid` cookie), declared the way a new platform would declare it (context/browser-ids.ts).
import { z } from 'zod'
import { defineDestination, type Destination } from '../../server/destinations/define-destination'
import type { CanonicalEvent } from '../../server/event'

export interface AcmeEvent { id: string; acid?: string }

/** `AC.<ms>.<click>`: what Acme's made-up pixel keeps in `_acid`. */
export const ACID = /^AC\.\d{13}\.[A-Za-z0-9_-]{4,64}$/

/** A made-up platform, not registered in destinations/index.ts: its browser id is declared here only (its URL parameter and cookie appear nowhere in server/ or client/). */
export const acme = defineDestination({
  name: 'acme-capi',
  kind: 'batch',
  options: z.object({}).strict(),
  env: {},
  browserIds: [
    {
      key: 'acme.acid',
      claim: 'acid',
      param: 'acclid',
      cookie: '_acid',
      pattern: ACID,
      fromUrl: (clid, current, at) => (current?.endsWith(`.${clid}`) ? current : `AC.${at.nowMs}.${clid}`),
    },
  ],
  create: () => acmeApi(['acme.acid'], (e) => ({ id: e.event_id, acid: e.user.ids?.['acme.acid'] })),
})

/**
 * Acme's server API as a dry-run destination (never sends): it may carry the ids given, and makes
 * its payload with `toPayload`. What a test needs to see which identifiers reach a destination.
 */
export function acmeApi<P>(ids: `${string}.${string}`[], toPayload: (e: CanonicalEvent) => P): Destination<P> {
  return {
    name: 'acme-capi',
    kind: 'batch',
    platform: 'Acme',
    maxBatch: 10,
    live: false,
    rateLimitKey: 'acme',
    credentialsKey: '',
    credentials: { settings: 'ACME_TOKEN' },
    describe: () => ({}),
    identifiers: { personal: [], ids, network: ['client_ip_address', 'client_user_agent'] },
    toPayload,
    validate: () => undefined,
    toRequest: () => ({ url: 'http://127.0.0.1:9/', method: 'POST', headers: {}, body: '' }),
    fromResponse: () => ({ kind: 'rejected', reason: 'never sent' }),
  }
}
