// createLatestContexts with a shared store (server/context/latest.ts): what it merges against, what
// it hands back to the store, and that a failing store never fails the post.
import { describe, expect, it, vi } from 'vitest'
import { CLOCK_SLACK_MS, createLatestContexts } from '../../server/context/latest'
import type { ContextClaims } from '../../server/context/claims'
import type { SharedContexts, WrittenContext } from '../../server/context/redis-contexts'

const VID = 'visitor-0123456789abcdef'
const T = 1_767_225_600_000
const ctx = (over: Partial<ContextClaims> = {}): ContextClaims => ({ vid: VID, first_seen: T / 1000 - 3600, ...over })

/** A shared store in memory, its turns recorded. */
function fakeShared(latest?: WrittenContext) {
  const ended: (WrittenContext | undefined)[] = []
  const shared: SharedContexts = {
    turn: async () => ({ latest, end: async (wrote) => void ended.push((latest = wrote ?? latest)) }),
  }
  return { shared, ended }
}

describe('createLatestContexts with a shared store', () => {
  it('merges against what the store holds when the cookie is older, and gives the store what was written', async () => {
    const stored = { claims: ctx({ epik: 'from-b' }), at: T - 500 }
    const { shared, ended } = fakeShared(stored)
    const latest = createLatestContexts(() => T, { shared })
    const seen = await latest.update(ctx(), T / 1000 - 60, async (current) => {
      latest.wrote({ ...current!, ttclid: 'tt' })
      return current
    })
    expect(seen).toEqual(stored.claims)
    expect(ended).toEqual([{ claims: { ...stored.claims, ttclid: 'tt' }, at: T }])
  })

  it('a cookie newer than the stored context by more than the clock slack wins (the store missed a write); within it, the store wins', async () => {
    const stored = { claims: ctx({ epik: 'stored' }), at: T - 5_000 }
    const run = (issuedAtMs: number) =>
      createLatestContexts(() => T, { shared: fakeShared(stored).shared }).update(ctx({ epik: 'cookie' }), issuedAtMs / 1000, async (c) => c!.epik)
    expect(await run(stored.at + CLOCK_SLACK_MS + 1000)).toBe('cookie')
    expect(await run(stored.at + CLOCK_SLACK_MS)).toBe('stored')
  })

  it('a store that fails to give a turn or to take the write does not fail the post: it is merged against the cookie', async () => {
    const failures: unknown[] = []
    const broken: SharedContexts = { turn: async () => Promise.reject(new Error('Connection is closed.')) }
    const latest = createLatestContexts(() => T, { shared: broken, failed: (e) => void failures.push(e) })
    expect(await latest.update(ctx({ epik: 'cookie' }), T / 1000, async (c) => c!.epik)).toBe('cookie')
    const noWrite: SharedContexts = { turn: async () => ({ end: () => Promise.reject(new Error('OOM command not allowed')) }) }
    const other = createLatestContexts(() => T, { shared: noWrite, failed: (e) => void failures.push(e) })
    expect(await other.update(ctx({ epik: 'cookie' }), T / 1000, async (c) => (other.wrote(c!), 'answered'))).toBe('answered')
    // The write is not waited for (the answer does not need it): its failure is reported when it comes.
    await vi.waitFor(() => expect(failures).toHaveLength(2))
    expect(failures.map((e) => (e as Error).message)).toEqual(['Connection is closed.', 'OOM command not allowed'])
  })
})
