import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Temporal's native core and the dev servers want real processes, not worker threads.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 180_000,
  },
});
