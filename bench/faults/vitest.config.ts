import { defineConfig } from 'vitest/config'

// The fault scenarios measure with production timings and print numbers; they assert nothing and
// take several minutes, so they are not part of `npm test`.
export default defineConfig({
  test: {
    include: ['bench/faults/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
})
