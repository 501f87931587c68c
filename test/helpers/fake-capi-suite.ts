import { afterAll, afterEach, beforeAll } from 'vitest'
import type { TagwardenApp } from '../../server/app'
import { startFakeCapi, type FakeCapi } from '../fakes/fake-capi'

/**
 * One fake CAPI server for a whole test file: started before the first test, and after each test
 * the app that test built is closed and the fake's records and switches are cleared.
 * @example let tw: TagwardenApp; const fake = fakeCapiSuite(() => tw); … fake().received
 */
export function fakeCapiSuite(app: () => TagwardenApp | undefined): () => FakeCapi {
  let fake: FakeCapi
  beforeAll(async () => {
    fake = await startFakeCapi()
  })
  afterAll(() => fake.close())
  afterEach(async () => {
    await app()?.close()
    fake.received.length = 0
    fake.requests.length = 0
    fake.rejectEventIds([])
    fake.requireToken('')
  })
  return () => fake
}
