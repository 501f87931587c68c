// The destination contract (contract.ts) for the Pinterest Conversions API, against the spec-strict
// fake of its API (test/fakes/fake-capi.ts).
import { pinterestCapi } from '../../server/destinations'
import { startFakeCapi } from '../fakes/fake-capi'
import { destinationContract } from './contract'

destinationContract({
  driver: pinterestCapi,
  async startFake() {
    const fake = await startFakeCapi()
    return {
      url: fake.url,
      accepted: () => fake.received.map((r) => ({ event_id: String(r.event.event_id), payload: r.event })),
      failNext: (status) => fake.failNext({ status, body: { code: status === 401 ? 2 : 8, message: `fake ${status}` }, headers: status === 429 ? { 'retry-after': '1' } : {} }),
      rejectEventIds: (ids) => fake.rejectEventIds(ids),
      close: () => fake.close(),
    }
  },
  live: (url) => ({ adAccountId: '549755885175', accessToken: 'pina_contract_token', apiUrl: url }),
  env: (url) => ({ PINTEREST_AD_ACCOUNT_ID: '549755885175', PINTEREST_ACCESS_TOKEN: 'pina_contract_token', PINTEREST_API_URL: url }),
  dry: {},
})
