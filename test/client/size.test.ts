// @vitest-environment happy-dom
// The loader's size budget is a test (STYLE.md habit 10). It reads what `npm run build` produced.
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { loaderSource } from './harness'

/** Gzipped bytes (gzip -9) dist/loader.js may take. */
const BUDGET = 2500

describe('dist/loader.js', () => {
  it(`is at most ${BUDGET} bytes gzipped`, () => {
    const gz = gzipSync(loaderSource(), { level: 9 }).length
    expect(gz).toBeLessThanOrEqual(BUDGET)
  })

  it('names the config slot exactly once, for the server to fill in', () => {
    expect(loaderSource().split('__TW_CONFIG__').length - 1).toBe(1)
  })
})
