import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../server/config'
import { applyHeapGrowth, DEFAULT_HEAP_GROWING_PERCENT } from '../../server/heap-growth'

const run = (env: Record<string, string | undefined>, execArgv: string[] = []) => {
  const flags: string[] = []
  const applied = applyHeapGrowth(env, execArgv, (f) => flags.push(f))
  return { applied, flags }
}

describe('TAGWARDEN_HEAP_GROWING_PERCENT', () => {
  it('sets V8’s heap growing percent to 50 by default, or to the setting', () => {
    expect(run({})).toEqual({ applied: DEFAULT_HEAP_GROWING_PERCENT, flags: ['--heap-growing-percent=50'] })
    expect(run({ TAGWARDEN_HEAP_GROWING_PERCENT: ' 120 ' })).toEqual({ applied: 120, flags: ['--heap-growing-percent=120'] })
  })

  it('0 leaves V8’s own factor; a node flag of the shop’s own wins', () => {
    expect(run({ TAGWARDEN_HEAP_GROWING_PERCENT: '0' })).toEqual({ applied: undefined, flags: [] })
    expect(run({}, ['--heap-growing-percent=80'])).toEqual({ applied: undefined, flags: [] })
    expect(run({ NODE_OPTIONS: '--max-old-space-size=512 --heap_growing_percent=20' })).toEqual({ applied: undefined, flags: [] })
  })

  it('refuses a bad value naming the setting', () => {
    for (const bad of ['abc', '-1', '301', '2.5']) {
      expect(() => run({ TAGWARDEN_HEAP_GROWING_PERCENT: bad })).toThrow(ConfigError)
      expect(() => run({ TAGWARDEN_HEAP_GROWING_PERCENT: bad })).toThrow(/TAGWARDEN_HEAP_GROWING_PERCENT/)
    }
  })
})
