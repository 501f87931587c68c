// The visitor's turn on a real Redis (server/context/redis-contexts.ts): one holder at a time, the
// context written handed to the next, and a holder that never gives the turn back (its instance
// died) delays the next post by a bounded wait only.
import { describe, expect, it } from 'vitest'
import { createRedisContexts } from '../../server/context/redis-contexts'
import { redisAvailability, redisClientForSuite } from '../helpers/redis'

const mode = redisAvailability()
const written = (epik: string) => ({ claims: { vid: 'visitor-0123456789abcdef', first_seen: 1_767_225_600, epik }, at: 1_767_225_600_000 })

describe.skipIf(mode === 'skip')('the visitor turn on a real Redis', () => {
  const client = redisClientForSuite()

  it('one holder at a time: the next waits for the turn and reads what the holder wrote', async () => {
    // A wait no loaded machine runs out of: the second gets the turn only from the first.
    const shared = createRedisContexts(client(), { keepMs: 60_000, waitMs: 60_000 })
    const vid = 'visitor-0123456789abcdef'
    const first = (await shared.turn(vid))!
    expect(first.latest).toBeUndefined()
    const second = shared.turn(vid)
    let secondHasIt = false
    void second.then(() => (secondHasIt = true))
    // The second is still polling (Redis answered its tries meanwhile) until the first ends.
    await client().ping()
    expect(secondHasIt).toBe(false)
    await first.end(written('e-1'))
    const turn = (await second)!
    expect(turn.latest).toEqual(written('e-1'))
    await turn.end()
    // Nothing written this time: what was there stays.
    expect((await shared.turn(vid))!.latest).toEqual(written('e-1'))
  })

  it('a turn never given back delays the next post by the bounded wait only; that post then does not give away the holder\'s turn', async () => {
    const pauses: number[] = []
    const shared = createRedisContexts(client(), { keepMs: 60_000, waitMs: 100, pause: async (ms) => void pauses.push(ms) })
    const vid = 'visitor-abcdef0123456789'
    await shared.turn(vid) // its instance dies: never ended
    const late = (await shared.turn(vid))!
    expect(pauses.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(100)
    expect(pauses[0]).toBe(2)
    expect(Math.max(...pauses)).toBeLessThanOrEqual(50)
    await late.end(written('e-late'))
    expect(await client().exists(`tagwarden:ctx:turn:{${vid}}`)).toBe(1)
    expect(await client().pttl(`tagwarden:ctx:latest:{${vid}}`)).toBeGreaterThan(59_000)
  })
})
