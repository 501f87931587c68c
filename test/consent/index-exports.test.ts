// consent/index.ts exports what the rest of the server imports from it (runtime.ts, pipeline.ts,
// commands/consent.ts) and nothing more: tests and the consent files import from the file that
// defines a name.
import { expect, it } from 'vitest'
import * as consent from '../../server/consent'

it('consent/index.ts exports only what server code imports from it', () => {
  expect(Object.keys(consent).sort()).toEqual(['createConsentPolicy', 'explainConsent', 'parseExplainArgs'])
})
