import { z } from 'zod'
import { consentSignalsSchema } from '../event'

/**
 * One source's signals as the loader reads them (client/consent.ts): a CMP adapter, the
 * `tagwarden.consent` hook, GPC, or one Consent Mode `default` command with its `region` list
 * (ISO 3166-2 codes: `DE`, `US-CA`; docs/consent-signals.md §3).
 */
export const sourceSignalsSchema = consentSignalsSchema
  .omit({ country: true })
  .extend({
    source: z.string().min(1).max(64),
    region: z.array(z.string().max(16)).max(400).optional(),
  })
  .strip()
export type SourceSignals = z.output<typeof sourceSignalsSchema>
