import { describe, expect, it } from 'vitest'
import { createStorage } from 'unstorage'
import memoryDriver from 'unstorage/drivers/memory'
import { createJournal } from '../../server/journal'
import type { CanonicalEvent } from '../../server/event'

const event = (id: string): CanonicalEvent => ({ name: 'page_visit', event_id: id, time: 1_800_000_000, source: 'api', action_source: 'web', user: { em: ['a'.repeat(64)] }, custom: {} })
const rec = { 'pinterest-capi': { action: 'allow', rule: 'default', state: 'queued' } }

describe('journal sampling under load', () => {
  it('records a burst whole, then at most perSecond new entries a second; merges into recorded entries always', () => {
    let t = 0
    const j = createJournal(createStorage({ driver: memoryDriver() }), { now: () => t, size: 10_000, burst: 100, perSecond: 50 })
    for (let i = 0; i < 150; i++) j.add(event(`e${i}`), t, { ...rec })
    expect(j.recent().length).toBe(100)
    expect(j.skipped()).toBe(50)
    // A repeat of a recorded event (another path) is merged even with the budget spent.
    j.add({ ...event('e5'), source: 'tag' }, t, { 'pinterest-tag': { action: 'allow', rule: 'default', state: 'forwarded' } })
    expect(j.recent().find((e) => e.event_id === 'e5')?.sources).toEqual(['api', 'tag'])
    t += 1000 // one second refills 50
    for (let i = 150; i < 250; i++) j.add(event(`e${i}`), t, { ...rec })
    expect(j.recent().length).toBe(150)
    expect(j.skipped()).toBe(100)
    t += 60_000 // never more than the burst
    for (let i = 250; i < 500; i++) j.add(event(`e${i}`), t, { ...rec })
    expect(j.recent().length).toBe(250)
  })

  it('keeps only the newest `size` entries', () => {
    const j = createJournal(createStorage({ driver: memoryDriver() }), { size: 3 })
    for (const id of ['a', 'b', 'c', 'd']) j.add(event(id), 0, { ...rec })
    expect(j.recent().map((e) => e.event_id)).toEqual(['d', 'c', 'b'])
  })
})
