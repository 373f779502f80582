import { defineConfig } from 'vitest/config'

// One file at a time: the reliability suites start many processes and the machine is shared.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results.json' },
  },
})
