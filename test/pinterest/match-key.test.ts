// Pinterest's "at least one of em, hashed_maids or IP + user agent" is written once
// (pinterest/capi-schema.ts `hasMatchKey`): the wire schema and the destination's `accepts` agree.
import { describe, expect, it } from 'vitest'
import { pinterestCapi } from '../../server/destinations/pinterest-capi'
import type { Identity } from '../../server/event'
import { capiEventSchema, MATCH_KEYS } from '../../server/pinterest/capi-schema'

const capi = pinterestCapi()
const wire = (user: Identity) => capi.toPayload({ name: 'checkout', event_id: 'm-1', time: 1_700_000_000, source: 'api', action_source: 'web', user, custom: {} })

describe('the least user_data Pinterest takes', () => {
  it.each([
    [{ em: ['a@example.com'] }, true],
    [{ maid: ['AEBE52E7-03EE-455A-B3C4-E57283966239'] }, true],
    [{ client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' }, true],
    [{ client_ip_address: '203.0.113.7' }, false],
    [{ client_user_agent: 'Mozilla/5.0', ph: ['15551234567'] }, false],
    [{}, false],
  ] as [Identity, boolean][])('%j → %s, in the schema and in accepts alike', (user, ok) => {
    expect(capi.accepts!(user)).toBe(ok)
    const parsed = capiEventSchema.safeParse(wire(user))
    expect(parsed.success).toBe(ok)
    if (!ok) expect(parsed.error!.issues.map((i) => i.message)).toContain(`needs ${MATCH_KEYS}`)
  })

  it('says what it needs in the same words', () => {
    expect(capi.requires).toBe(`a valid ${MATCH_KEYS}`)
  })
})
