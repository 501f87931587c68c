import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Concurrent tests per file (Chromium scenarios): more than 3 pages at once starve the test's own server on a 2-core machine.
    maxConcurrency: 3,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
})
